/// A set of completion indexes of an Indexed Job in its status form:
/// ordered, comma-separated numbers and ranges (`1,3-5,7`).
public struct CompletionIndexes: Sendable, Hashable {
    public private(set) var indexes: Set<Int>

    public init(_ indexes: Set<Int> = []) { self.indexes = indexes }

    /// Parses `1,3-5,7`; indexes outside `0..<completions` are dropped, as
    /// upstream's; nil for text that is not such a list.
    public init?(parsing text: String?, completions: Int) {
        var out = Set<Int>()
        for part in (text ?? "").split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let lo = Int(bounds[0]) else { return nil }
            let hi = bounds.count == 2 ? Int(bounds[1]) : lo
            guard let hi, lo <= hi, lo >= 0 else { return nil }
            for i in lo...min(hi, max(lo, completions - 1)) where i < completions { out.insert(i) }
        }
        indexes = out
    }

    public var count: Int { indexes.count }
    public func contains(_ i: Int) -> Bool { indexes.contains(i) }
    public mutating func insert(_ i: Int) { indexes.insert(i) }

    /// The status form; nil when empty.
    public var text: String? {
        if indexes.isEmpty { return nil }
        var parts: [String] = []
        let sorted = indexes.sorted()
        var start = sorted[0], last = sorted[0]
        for i in sorted.dropFirst() {
            if i == last + 1 {
                last = i
                continue
            }
            parts.append(start == last ? "\(start)" : "\(start)-\(last)")
            start = i
            last = i
        }
        parts.append(start == last ? "\(start)" : "\(start)-\(last)")
        return parts.joined(separator: ",")
    }
}
