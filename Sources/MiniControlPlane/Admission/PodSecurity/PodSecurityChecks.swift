import KubeAPI

/// The Pod Security Standards as upstream's `pod-security-admission/policy`
/// checks them: each check looks at a pod's metadata and spec and returns a
/// forbidden reason and detail, worded as upstream's. `baseline` runs the
/// baseline checks; `restricted` runs them too (except those a restricted
/// check replaces) and then the restricted checks, in upstream's order.
enum PodSecurityChecks {
    /// One failed check: `reason (detail)` in messages.
    struct Violation: Sendable, Equatable {
        var reason: String
        var detail: String
        var text: String { detail.isEmpty ? reason : "\(reason) (\(detail))" }
    }

    typealias Check = @Sendable (_ metadata: JSONValue, _ spec: JSONValue) -> Violation?

    static let baseline: [(id: String, check: Check)] = [
        ("appArmorProfile", appArmor), ("capabilities_baseline", capabilitiesBaseline), ("hostNamespaces", hostNamespaces),
        ("hostPathVolumes", hostPathVolumes), ("hostPorts", hostPorts), ("privileged", privileged), ("procMount", procMount),
        ("seLinuxOptions", seLinuxOptions), ("seccompProfile_baseline", seccompBaseline), ("sysctls", sysctls),
        ("windowsHostProcess", hostProcess),
    ]
    static let restricted: [(id: String, check: Check)] = [
        ("allowPrivilegeEscalation", allowPrivilegeEscalation), ("capabilities_restricted", capabilitiesRestricted),
        ("restrictedVolumes", restrictedVolumes), ("runAsNonRoot", runAsNonRoot), ("runAsUser", runAsUser),
        ("seccompProfile_restricted", seccompRestricted),
    ]
    /// Baseline checks a restricted check replaces.
    static let overridden: Set<String> = ["hostPathVolumes", "seccompProfile_baseline"]

    /// The violations of a pod (metadata and spec) at a level, in upstream's order.
    static func evaluate(_ level: PodSecurityLevel, metadata: JSONValue, spec: JSONValue) -> [Violation] {
        switch level {
        case .privileged: return []
        case .baseline: return baseline.compactMap { $0.check(metadata, spec) }
        case .restricted:
            return baseline.filter { !overridden.contains($0.id) }.compactMap { $0.check(metadata, spec) }
                + restricted.compactMap { $0.check(metadata, spec) }
        }
    }

    // MARK: helpers

    static func joinQuote(_ items: [String]) -> String {
        items.isEmpty ? "" : "\"" + items.joined(separator: "\", \"") + "\""
    }

    static func pluralize(_ singular: String, _ plural: String, _ count: Int) -> String { count == 1 ? singular : plural }

    /// `container "a"` or `containers "a", "b"`.
    static func containers(_ names: [String]) -> String {
        "\(pluralize("container", "containers", names.count)) \(joinQuote(names))"
    }

    /// Init, regular and ephemeral containers, as upstream's `visitContainers`.
    static func allContainers(_ spec: JSONValue) -> [JSONValue] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { spec[$0]?.arrayValue ?? [] }
    }

    static func name(_ c: JSONValue) -> String { c["name"]?.stringValue ?? "" }
    static func podContext(_ spec: JSONValue) -> JSONValue? { spec["securityContext"] }
    static func context(_ c: JSONValue) -> JSONValue? { c["securityContext"] }

    // MARK: baseline

    static func hostProcess(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var setters: [String] = []
        if podContext(spec)?[path: ["windowsOptions", "hostProcess"]]?.boolValue == true { setters.append("pod") }
        let bad = allContainers(spec).filter { context($0)?[path: ["windowsOptions", "hostProcess"]]?.boolValue == true }.map(name)
        if !bad.isEmpty { setters.append(containers(bad)) }
        guard !setters.isEmpty else { return nil }
        return Violation(reason: "hostProcess",
                         detail: "\(setters.joined(separator: " and ")) must not set securityContext.windowsOptions.hostProcess=true")
    }

    static func hostNamespaces(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        let set = ["hostIPC", "hostNetwork", "hostPID"].filter { spec[$0]?.boolValue == true }
        return set.isEmpty ? nil : Violation(reason: "host namespaces", detail: set.map { "\($0)=true" }.joined(separator: ", "))
    }

    static func privileged(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        let bad = allContainers(spec).filter { context($0)?["privileged"]?.boolValue == true }.map(name)
        return bad.isEmpty ? nil : Violation(reason: "privileged", detail: "\(containers(bad)) must not set securityContext.privileged=true")
    }

    static let baselineCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    static func capabilitiesBaseline(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var bad: [String] = []
        var caps = Set<String>()
        for c in allContainers(spec) {
            let added = (context(c)?[path: ["capabilities", "add"]]?.arrayValue ?? []).compactMap(\.stringValue)
            let forbidden = added.filter { !baselineCapabilities.contains($0) }
            if !forbidden.isEmpty {
                bad.append(name(c))
                caps.formUnion(forbidden)
            }
        }
        guard !bad.isEmpty else { return nil }
        return Violation(reason: "non-default capabilities",
                         detail: "\(containers(bad)) must not include \(joinQuote(caps.sorted())) in securityContext.capabilities.add")
    }

    static func hostPathVolumes(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        let bad = (spec["volumes"]?.arrayValue ?? []).filter { $0["hostPath"] != nil }.map(name)
        guard !bad.isEmpty else { return nil }
        return Violation(reason: "hostPath volumes", detail: "\(pluralize("volume", "volumes", bad.count)) \(joinQuote(bad))")
    }

    static func hostPorts(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var bad: [String] = []
        var ports = Set<Int64>()
        for c in allContainers(spec) {
            let used = (c["ports"]?.arrayValue ?? []).compactMap { $0["hostPort"]?.intValue }.filter { $0 != 0 }
            if !used.isEmpty {
                bad.append(name(c))
                ports.formUnion(used)
            }
        }
        guard !bad.isEmpty else { return nil }
        // Upstream sorts the ports as strings.
        let list = ports.map(String.init).sorted()
        return Violation(reason: "hostPort", detail: "\(containers(bad)) \(pluralize("uses", "use", bad.count)) "
                         + "\(pluralize("hostPort", "hostPorts", list.count)) \(list.joined(separator: ", "))")
    }

    static func appArmor(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var forbidden: [String] = []
        for (k, v) in meta["annotations"]?.objectValue ?? [:] where k.hasPrefix("container.apparmor.security.beta.kubernetes.io/") {
            let profile = v.stringValue ?? ""
            if !(profile.isEmpty || profile == "runtime/default" || profile.hasPrefix("localhost/")) {
                forbidden.append("\(k)=\"\(profile)\"")
            }
        }
        var setters: [String] = []
        if podContext(spec)?[path: ["appArmorProfile", "type"]]?.stringValue == "Unconfined" { setters.append("pod") }
        let bad = allContainers(spec).filter { context($0)?[path: ["appArmorProfile", "type"]]?.stringValue == "Unconfined" }.map(name)
        if !bad.isEmpty { setters.append(containers(bad)) }
        if !setters.isEmpty { forbidden.append("\(setters.joined(separator: " and ")) must not set appArmorProfile.type to \"Unconfined\"") }
        guard !forbidden.isEmpty else { return nil }
        forbidden.sort()
        return Violation(reason: pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", forbidden.count),
                         detail: forbidden.joined(separator: ", "))
    }

    static let seLinuxTypes: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]

    static func seLinuxOptions(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var setters: [String] = []
        var types = Set<String>()
        var setUser = false, setRole = false
        func valid(_ o: JSONValue) -> Bool {
            var ok = true
            let t = o["type"]?.stringValue ?? ""
            if !seLinuxTypes.contains(t) { ok = false; types.insert(t) }
            if !(o["user"]?.stringValue ?? "").isEmpty { ok = false; setUser = true }
            if !(o["role"]?.stringValue ?? "").isEmpty { ok = false; setRole = true }
            return ok
        }
        if let o = podContext(spec)?["seLinuxOptions"], !valid(o) { setters.append("pod") }
        let bad = allContainers(spec).filter { c in context(c)?["seLinuxOptions"].map { !valid($0) } ?? false }.map(name)
        if !bad.isEmpty { setters.append(containers(bad)) }
        guard !setters.isEmpty else { return nil }
        var data: [String] = []
        if !types.isEmpty { data.append("\(pluralize("type", "types", types.count)) \(joinQuote(types.sorted()))") }
        if setUser { data.append("user may not be set") }
        if setRole { data.append("role may not be set") }
        return Violation(reason: "seLinuxOptions",
                         detail: "\(setters.joined(separator: " and ")) set forbidden securityContext.seLinuxOptions: \(data.joined(separator: "; "))")
    }

    static func procMount(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var bad: [String] = []
        var types = Set<String>()
        for c in allContainers(spec) {
            if let p = context(c)?["procMount"]?.stringValue, p != "Default" {
                bad.append(name(c))
                types.insert(p)
            }
        }
        guard !bad.isEmpty else { return nil }
        return Violation(reason: "procMount", detail: "\(containers(bad)) must not set securityContext.procMount to \(joinQuote(types.sorted()))")
    }

    static func validSeccomp(_ t: String) -> Bool { t == "RuntimeDefault" || t == "Localhost" }

    static func seccompBaseline(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var setters: [String] = []
        var values = Set<String>()
        if let t = podContext(spec)?[path: ["seccompProfile", "type"]]?.stringValue, !validSeccomp(t) {
            setters.append("pod")
            values.insert(t)
        }
        var bad: [String] = []
        for c in allContainers(spec) {
            if let t = context(c)?[path: ["seccompProfile", "type"]]?.stringValue, !validSeccomp(t) {
                bad.append(name(c))
                values.insert(t)
            }
        }
        if !bad.isEmpty { setters.append(containers(bad)) }
        guard !setters.isEmpty else { return nil }
        return Violation(reason: "seccompProfile",
                         detail: "\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(joinQuote(values.sorted()))")
    }

    static let allowedSysctls: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ]

    static func sysctls(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        let bad = (podContext(spec)?["sysctls"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.filter { !allowedSysctls.contains($0) }
        return bad.isEmpty ? nil : Violation(reason: "forbidden sysctls", detail: bad.joined(separator: ", "))
    }

    // MARK: restricted

    static func allowPrivilegeEscalation(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        // Ephemeral containers included; Windows pods exempt (spec.os.name).
        if spec[path: ["os", "name"]]?.stringValue == "windows" { return nil }
        let bad = allContainers(spec).filter { context($0)?["allowPrivilegeEscalation"]?.boolValue != false }.map(name)
        guard !bad.isEmpty else { return nil }
        return Violation(reason: "allowPrivilegeEscalation != false",
                         detail: "\(containers(bad)) must set securityContext.allowPrivilegeEscalation=false")
    }

    static func capabilitiesRestricted(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        if spec[path: ["os", "name"]]?.stringValue == "windows" { return nil }
        var missingDrop: [String] = []
        var adding: [String] = []
        var caps = Set<String>()
        for c in allContainers(spec) {
            guard let capabilities = context(c)?["capabilities"] else {
                missingDrop.append(name(c))
                continue
            }
            let drop = (capabilities["drop"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !drop.contains("ALL") { missingDrop.append(name(c)) }
            let forbidden = (capabilities["add"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != "NET_BIND_SERVICE" }
            if !forbidden.isEmpty {
                adding.append(name(c))
                caps.formUnion(forbidden)
            }
        }
        var details: [String] = []
        if !missingDrop.isEmpty { details.append("\(containers(missingDrop)) must set securityContext.capabilities.drop=[\"ALL\"]") }
        if !adding.isEmpty { details.append("\(containers(adding)) must not include \(joinQuote(caps.sorted())) in securityContext.capabilities.add") }
        return details.isEmpty ? nil : Violation(reason: "unrestricted capabilities", detail: details.joined(separator: "; "))
    }

    static let allowedVolumeSources = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]

    static func restrictedVolumes(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var bad: [String] = []
        var types = Set<String>()
        for v in spec["volumes"]?.arrayValue ?? [] {
            let sources = (v.objectValue ?? [:]).keys.filter { $0 != "name" }
            if sources.contains(where: { allowedVolumeSources.contains($0) }) { continue }
            bad.append(name(v))
            if let t = sources.sorted().first { types.insert(t) }
        }
        guard !bad.isEmpty else { return nil }
        return Violation(reason: "restricted volume types",
                         detail: "\(pluralize("volume", "volumes", bad.count)) \(joinQuote(bad)) \(pluralize("uses", "use", bad.count)) "
                         + "\(pluralize("restricted volume type", "restricted volume types", types.count)) \(joinQuote(types.sorted()))")
    }

    /// A security setting the pod or else every container must make right
    /// (`runAsNonRoot`, `seccompProfile.type`): who sets it wrongly ("pod"
    /// and/or `containers "a", "b"`), the wrong values, and the containers
    /// that leave it unset while the pod does not set it right either.
    static func podOrContainers(_ spec: JSONValue, _ setting: [String], ok: (JSONValue) -> Bool)
        -> (wrong: [String], values: [JSONValue], unset: [String]) {
        var wrong: [String] = [], values: [JSONValue] = []
        var podOK = false
        if let v = podContext(spec)?[path: setting], !v.isNull {
            if ok(v) { podOK = true } else { wrong.append("pod"); values.append(v) }
        }
        var explicit: [String] = [], unset: [String] = []
        for c in allContainers(spec) {
            if let v = context(c)?[path: setting], !v.isNull {
                if !ok(v) { explicit.append(name(c)); values.append(v) }
            } else if !podOK {
                unset.append(name(c))
            }
        }
        if !explicit.isEmpty { wrong.append(containers(explicit)) }
        return (wrong, values, unset)
    }

    static func runAsNonRoot(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        let (wrong, _, unset) = podOrContainers(spec, ["runAsNonRoot"]) { $0.boolValue == true }
        if !wrong.isEmpty {
            return Violation(reason: "runAsNonRoot != true",
                             detail: "\(wrong.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false")
        }
        if !unset.isEmpty {
            return Violation(reason: "runAsNonRoot != true", detail: "pod or \(containers(unset)) must set securityContext.runAsNonRoot=true")
        }
        return nil
    }

    static func runAsUser(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        var setters: [String] = []
        if podContext(spec)?["runAsUser"]?.intValue == 0 { setters.append("pod") }
        let bad = allContainers(spec).filter { context($0)?["runAsUser"]?.intValue == 0 }.map(name)
        if !bad.isEmpty { setters.append(containers(bad)) }
        return setters.isEmpty ? nil : Violation(reason: "runAsUser=0", detail: "\(setters.joined(separator: " and ")) must not set runAsUser=0")
    }

    static func seccompRestricted(_ meta: JSONValue, _ spec: JSONValue) -> Violation? {
        if spec[path: ["os", "name"]]?.stringValue == "windows" { return nil }
        let (wrong, values, unset) = podOrContainers(spec, ["seccompProfile", "type"]) { validSeccomp($0.stringValue ?? "") }
        if !wrong.isEmpty {
            let types = Set(values.map { $0.stringValue ?? "" }).sorted()
            return Violation(reason: "seccompProfile",
                             detail: "\(wrong.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(joinQuote(types))")
        }
        if !unset.isEmpty {
            return Violation(reason: "seccompProfile",
                             detail: "pod or \(containers(unset)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
        }
        return nil
    }
}
