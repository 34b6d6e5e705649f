/// kube-apiserver's cap on `Update` managers: beyond ten, the oldest are
/// merged, per apiVersion, into one `ancient-changes` entry, so objects
/// written by many clients keep a bounded `managedFields`
/// (`capmanagers.go` of the apiserver's field manager).
enum ManagerCap {
    /// Update managers kept before the oldest are merged.
    static let maxUpdateManagers = 10
    /// The manager the oldest updates are merged into.
    static let bucketManager = "ancient-changes"

    /// `entries` with the oldest `Update` entries merged into buckets until
    /// at most `max` remain (the time of a bucket is that of the newest
    /// update merged into it).
    static func capped(_ entries: [ManagedFieldsEntry], max: Int = maxUpdateManagers) -> [ManagedFieldsEntry] {
        var updaters = entries.indices.filter { entries[$0].operation == "Update" }
        guard updaters.count > max else { return entries }
        // Oldest first; an entry without a time counts as oldest; ties by name.
        updaters.sort { a, b in
            let (ta, tb) = (entries[a].time ?? "", entries[b].time ?? "")
            return ta != tb ? ta < tb : entries[a].manager < entries[b].manager
        }
        var out: [ManagedFieldsEntry?] = entries
        var firstOfVersion: [String: Int] = [:]
        var remaining = updaters.count
        for i in updaters where remaining > max {
            guard let entry = out[i] else { continue }
            let version = entry.apiVersion ?? ""
            guard let first = firstOfVersion[version] else {
                firstOfVersion[version] = i
                continue
            }
            // Later ones fold into the version's bucket; the first update of
            // the version becomes the bucket when there is none yet.
            let target = out.indices.first {
                out[$0]?.manager == bucketManager && out[$0]?.operation == "Update" && (out[$0]?.apiVersion ?? "") == version
            } ?? first
            guard var bucket = out[target] else { continue }
            bucket.manager = bucketManager
            bucket.subresource = nil
            bucket.fields = bucket.fields.union(entry.fields)
            bucket.time = entry.time
            out[target] = bucket
            out[i] = nil
            remaining -= 1
        }
        return out.compactMap { $0 }
    }
}
