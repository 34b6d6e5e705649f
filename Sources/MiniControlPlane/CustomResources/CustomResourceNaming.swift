import KubeAPI

/// Upstream's naming and establishing controllers, as one decision over all
/// definitions: which of a definition's names it may have (a plural,
/// singular or short name, a kind or list kind another definition of the
/// group has accepted is refused), and its `NamesAccepted` and `Established`
/// conditions. A definition whose names are all accepted is established at
/// once (one API server: nothing to wait for before serving).
enum CustomResourceNaming {
    /// What one definition's status should say.
    struct Decision: Equatable {
        var acceptedNames: CustomResourceDefinitionNames
        var namesAccepted: CustomResourceDefinitionCondition
        var established: CustomResourceDefinitionCondition
    }

    /// Decides `crd`'s names against the names the group's other definitions have accepted.
    static func decide(_ crd: CustomResourceDefinition, among all: [CustomResourceDefinition]) -> Decision {
        var resources = Set<String>(), kinds = Set<String>()
        for other in all where other.spec.group == crd.spec.group && other.metadata.name != crd.metadata.name {
            guard let names = other.status?.acceptedNames else { continue }
            resources.insert(names.plural)
            if let s = names.singular { resources.insert(s) }
            resources.formUnion(names.shortNames ?? [])
            kinds.insert(names.kind)
            if let l = names.listKind { kinds.insert(l) }
        }
        let requested = crd.spec.names
        let accepted = crd.status?.acceptedNames
        var names = accepted ?? CustomResourceDefinitionNames(plural: "", kind: "")
        var conflict: (reason: String, message: String)?

        /// Upstream's `equalToAcceptedOrFresh`.
        func take(_ requested: String, accepted: String?, used: Set<String>, reason: String) -> Bool {
            if requested == accepted || !used.contains(requested) { return true }
            conflict = (reason, "\"\(requested)\" is already in use")
            return false
        }
        if take(requested.plural, accepted: accepted?.plural, used: resources, reason: "PluralConflict") { names.plural = requested.plural }
        if take(requested.singular ?? "", accepted: accepted?.singular, used: resources, reason: "SingularConflict") { names.singular = requested.singular }
        if requested.shortNames != accepted?.shortNames {
            let own = Set(accepted?.shortNames ?? [])
            let taken = (requested.shortNames ?? []).filter { !own.contains($0) && resources.contains($0) }
            if taken.isEmpty {
                names.shortNames = requested.shortNames
            } else {
                conflict = ("ShortNamesConflict", taken.map { "\"\($0)\" is already in use" }.joined(separator: ", "))
            }
        }
        if take(requested.kind, accepted: accepted?.kind, used: kinds, reason: "KindConflict") { names.kind = requested.kind }
        if take(requested.listKind ?? "", accepted: accepted?.listKind, used: kinds, reason: "ListKindConflict") { names.listKind = requested.listKind }
        names.categories = requested.categories

        let previous = crd.condition("Established")
        let namesAccepted: CustomResourceDefinitionCondition
        var established: CustomResourceDefinitionCondition
        if let conflict {
            namesAccepted = .init(type: "NamesAccepted", status: "False", reason: conflict.reason, message: conflict.message)
            established = previous ?? .init(type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted")
        } else {
            namesAccepted = .init(type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found")
            established = .init(type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted")
        }
        if previous?.status == "True" { established = previous ?? established }
        return Decision(acceptedNames: names, namesAccepted: namesAccepted, established: established)
    }

    /// `crd`'s status with `decision` applied; condition times move only when a condition's status changes.
    static func status(of crd: CustomResourceDefinition, with decision: Decision, now: Timestamp) -> CustomResourceDefinitionStatus {
        var status = crd.status ?? CustomResourceDefinitionStatus()
        status.acceptedNames = decision.acceptedNames
        for var condition in [decision.namesAccepted, decision.established] {
            let old = status.conditions?.first { $0.type == condition.type }
            condition.lastTransitionTime = old?.status == condition.status ? old?.lastTransitionTime ?? now : now
            var conditions = status.conditions ?? []
            if let i = conditions.firstIndex(where: { $0.type == condition.type }) { conditions[i] = condition } else { conditions.append(condition) }
            status.conditions = conditions
        }
        return status
    }

    /// The entries to serve: the served versions of every established definition whose names were accepted
    /// (a definition that clashes with a built-in resource of the same group and plural is never served).
    static func served(_ all: [CustomResourceDefinition]) -> [ResourceInfo] {
        all.filter { $0.condition("Established")?.status == "True" && $0.status?.acceptedNames != nil }
            .flatMap(\.resourceInfos)
            .filter { ResourceCatalog.find(group: $0.group, plural: $0.plural) == nil }
    }
}
