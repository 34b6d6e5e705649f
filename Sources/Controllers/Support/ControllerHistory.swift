public import KubeAPI

/// ControllerRevisions as upstream's controller history keeps them for
/// StatefulSets and DaemonSets: each revision holds the patch that restores
/// the owner's pod template (`{"spec":{"template":{…,"$patch":"replace"}}}`,
/// what `kubectl rollout undo` sends back), is named `OWNER-HASH`, carries
/// the template's labels (so the owner's selector finds it) with
/// `controller-revision-hash: HASH`, and the owner's
/// annotations (`kubernetes.io/change-cause` for `kubectl rollout history`),
/// and is numbered one past the highest revision so far.
public enum ControllerHistory {
    /// The label pods carry with the name of the revision they were made from.
    public static let revisionHashLabel = "controller-revision-hash"

    /// The patch kept as a revision's data: the owner's pod template, replacing the current one.
    public static func data(template: JSONValue) -> JSONValue {
        var t = PodTemplate.withoutHash(template)
        t["$patch"] = "replace"
        return ["spec": ["template": t]]
    }

    /// The pod template a revision restores.
    public static func template(of revision: ControllerRevision) -> JSONValue? {
        guard var t = revision.data?[path: ["spec", "template"]], t.objectValue != nil else { return nil }
        t["$patch"] = nil
        return t
    }

    /// FNV-1 32-bit, as Go's `fnv.New32` that upstream's revision hash uses.
    static func fnv32(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 2166136261
        for b in bytes {
            h = h &* 16777619
            h ^= UInt32(b)
        }
        return h
    }

    /// Upstream's `HashControllerRevision`: the data (and collision count)
    /// hashed and written in the safe alphabet of generated names.
    public static func hash(_ data: JSONValue, collisionCount: Int?) -> String {
        var bytes = JSONWriter.bytes(data)
        if let c = collisionCount { bytes += Array(String(c).utf8) }
        let decimal = String(fnv32(bytes))
        return String(decoding: decimal.utf8.map { PodTemplate.alphabet[Int($0) % PodTemplate.alphabet.count] }, as: UTF8.self)
    }

    /// `OWNER-HASH`, the owner's name cut so the whole stays a valid name.
    public static func name(owner: String, hash: String) -> String {
        "\(owner.prefix(223))-\(hash)"
    }

    /// The revision of `template` for `owner`, numbered `revision`.
    public static func revision<Owner: KubeObject>(of owner: Owner, template: JSONValue, revision: Int64,
                                                   collisionCount: Int?) -> ControllerRevision {
        let data = data(template: template)
        let hash = hash(data, collisionCount: collisionCount)
        var meta = ObjectMeta(name: name(owner: owner.metadata.name ?? "", hash: hash), namespace: owner.metadata.namespace)
        var labels = template[path: ["metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        labels[revisionHashLabel] = hash
        meta.labels = labels
        meta.annotations = owner.metadata.annotations?.filter { $0.key != Revisions.lastApplied }
        if meta.annotations?.isEmpty == true { meta.annotations = nil }
        meta.ownerReferences = [controllerReference(to: owner)]
        return ControllerRevision(metadata: meta, data: data, revision: revision)
    }

    /// The hash of a revision (its `controller-revision-hash` label, else its name's suffix).
    public static func hash(of revision: ControllerRevision) -> String {
        revision.metadata.labels?[revisionHashLabel] ?? String((revision.metadata.name ?? "").split(separator: "-").last ?? "")
    }

    /// Whether two revisions restore the same template.
    public static func equal(_ a: ControllerRevision, _ b: ControllerRevision) -> Bool {
        template(of: a).map(PodTemplate.withoutHash) == template(of: b).map(PodTemplate.withoutHash)
    }

    /// One past the highest revision number (1 for none).
    public static func nextRevision(_ revisions: [ControllerRevision]) -> Int64 {
        (revisions.map(\.revision).max() ?? 0) + 1
    }

    /// Revisions sorted by number, then name (upstream's `SortControllerRevisions`).
    public static func sorted(_ revisions: [ControllerRevision]) -> [ControllerRevision] {
        revisions.sorted { ($0.revision, $0.metadata.name ?? "") < ($1.revision, $1.metadata.name ?? "") }
    }

    /// Which revisions to delete so that at most `limit` revisions not in
    /// use (`live`: the current and update revisions and those of running
    /// pods) remain: the oldest first.
    public static func toTrim(_ revisions: [ControllerRevision], live: Set<String>, limit: Int) -> [ControllerRevision] {
        let history = sorted(revisions).filter { !live.contains($0.metadata.name ?? "") }
        let excess = history.count - max(limit, 0)
        return excess > 0 ? Array(history.prefix(excess)) : []
    }

    /// What a sync does with the history: the revision to roll out (made
    /// now, or an older one with the same template renumbered to the top),
    /// and the current one.
    public struct Resolution: Sendable, Equatable {
        /// The revision the owner's template is; `create` says whether it is new.
        public var update: ControllerRevision
        public var create: Bool
        /// A new number for an existing revision equal to the template (a rollback).
        public var renumber: Int64?
        /// The revision most pods are at (`status.currentRevision`), or `update`.
        public var current: ControllerRevision
    }

    /// Upstream's `getStatefulSetRevisions` / `constructHistory`, without writes.
    public static func resolve<Owner: KubeObject>(owner: Owner, template: JSONValue, revisions: [ControllerRevision],
                                                  collisionCount: Int?, currentName: String?) -> Resolution {
        let history = sorted(revisions)
        var update = revision(of: owner, template: template, revision: nextRevision(history), collisionCount: collisionCount)
        var create = true
        var renumber: Int64?
        let equals = history.filter { equal($0, update) }
        if let last = equals.last {
            create = false
            if last.metadata.name == history.last?.metadata.name {
                update = last
            } else {
                renumber = update.revision
                var bumped = last
                bumped.revision = update.revision
                update = bumped
            }
        }
        let current = history.first { $0.metadata.name == currentName && currentName != nil } ?? update
        return Resolution(update: update, create: create, renumber: renumber, current: current)
    }
}
