import Foundation
import KubeAPI

/// A routing table from a file instead of an API server (benchmarks, tests
/// and standalone use): one YAML or JSON `List` whose items are Ingresses,
/// Services, EndpointSlices and Secrets.
public enum StaticConfiguration {
    /// Why a static configuration cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the file and builds its table; problems are returned for the caller to print.
    public static func load(path: String, filter: IngressClassFilter) throws(LoadError) -> (IngressRoutingTable, [IngressProblem]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LoadError(description: "cannot read \(path)")
        }
        return try parse(text, filter: filter, source: path)
    }

    /// Builds the table from the text of a `List`.
    public static func parse(_ text: String, filter: IngressClassFilter, source: String = "static configuration")
        throws(LoadError) -> (IngressRoutingTable, [IngressProblem]) {
        let doc: JSONValue?
        do { doc = try YAMLDecoding.decode(text) } catch { throw LoadError(description: "\(source): \(error)") }
        guard let items = doc?["items"]?.arrayValue else { throw LoadError(description: "\(source): expected a List with items") }
        var snapshot = IngressSnapshot()
        var classes: [IngressClass] = []
        for (i, item) in items.enumerated() {
            func decode<T: KubeObject>(_ type: T.Type) throws(LoadError) -> T {
                do {
                    return try KubeCodec.decodeObject(type, from: item)
                } catch {
                    throw LoadError(description: "\(source): items[\(i)]: \(error)")
                }
            }
            switch item["kind"]?.stringValue {
            case "Ingress": snapshot.ingresses.append(try decode(Ingress.self))
            case "IngressClass": classes.append(try decode(IngressClass.self))
            case "Service": snapshot.services.append(try decode(Service.self))
            case "EndpointSlice": snapshot.endpointSlices.append(try decode(EndpointSlice.self))
            case "Secret": snapshot.secrets.append(try decode(Secret.self))
            case let kind: throw LoadError(description: "\(source): items[\(i)]: kind \(kind ?? "(none)") is not Ingress, IngressClass, Service, EndpointSlice or Secret")
            }
        }
        snapshot.ingresses = snapshot.ingresses.filter { filter.serves($0, classes: classes) }
        let built = IngressRoutingTable.build(snapshot)
        return (built.table, built.problems)
    }
}
