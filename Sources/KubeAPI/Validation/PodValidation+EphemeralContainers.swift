/// Validation of ephemeral containers, worded as kube-apiserver words it
/// (upstream's `validateEphemeralContainers` and
/// `ValidatePodEphemeralContainersUpdate`).
extension PodValidation {
    /// The annotation that marks the API server's copy of a static pod.
    public static let mirrorPodAnnotation = "kubernetes.io/config.mirror"

    /// Why a field may not be set on an ephemeral container.
    static let ephemeralForbiddenDetail = "cannot be set for an Ephemeral Container"

    /// Validates `spec.ephemeralContainers` of `spec` at `path`: each as a
    /// container, a name unique among all containers (`names` holds the
    /// regular and init containers'), a target that names a regular or init
    /// container, and none of the fields an ephemeral container may not have
    /// (ports, probes, lifecycle, resources, restart and resize policies,
    /// volume subPaths).
    public static func validateEphemeralContainers(_ spec: PodSpec, path: String, volumes: Set<String>, names: Set<String>) -> [FieldError] {
        let ephemeral = spec.ephemeralContainers ?? []
        guard !ephemeral.isEmpty else { return [] }
        let targets = Set((spec.containers + (spec.initContainers ?? [])).compactMap(\.name))
        var allNames = names
        var errs: [FieldError] = []
        for (i, ec) in ephemeral.enumerated() {
            let p = "\(path).ephemeralContainers[\(i)]"
            let c = ec.container
            // Names are checked against all containers here, as upstream does.
            errs += validateContainer(c, path: p, volumes: volumes, names: &allNames)
            if let image = c.image, image.first?.isWhitespace == true || image.last?.isWhitespace == true {
                errs.append(.invalid("\(p).image", image, "must not have leading or trailing whitespace"))
            }
            if let policy = c.terminationMessagePolicy, !["File", "FallbackToLogsOnError"].contains(policy) {
                errs.append(.notSupported("\(p).terminationMessagePolicy", policy, ["File", "FallbackToLogsOnError"]))
            }
            if let target = ec.targetContainerName, !target.isEmpty, !targets.contains(target) {
                errs.append(.notFound("\(p).targetContainerName", target))
            }
            for field in forbiddenEphemeralFields(c) {
                errs.append(.forbidden("\(p).\(field)", ephemeralForbiddenDetail))
            }
            for (j, m) in (c.volumeMounts ?? []).enumerated() {
                if let s = m.subPath, !s.isEmpty {
                    errs.append(.forbidden("\(p).volumeMounts[\(j)].subPath", ephemeralForbiddenDetail))
                }
                if let s = m.subPathExpr, !s.isEmpty {
                    errs.append(.forbidden("\(p).volumeMounts[\(j)].subPathExpr", ephemeralForbiddenDetail))
                }
            }
        }
        return errs
    }

    /// The fields set on `c` that an ephemeral container may not have, in
    /// the order of upstream's `EphemeralContainerCommon`. An empty
    /// `resources: {}` counts as unset, as Go's zero value does.
    static func forbiddenEphemeralFields(_ c: Container) -> [String] {
        let resources = c.resources.map { $0.limits != nil || $0.requests != nil || $0.claims != nil } ?? false
        let set: [(String, Bool)] = [
            ("ports", c.ports != nil), ("resources", resources), ("resizePolicy", c.resizePolicy != nil),
            ("restartPolicy", c.restartPolicy != nil), ("livenessProbe", c.livenessProbe != nil),
            ("readinessProbe", c.readinessProbe != nil), ("startupProbe", c.startupProbe != nil),
            ("lifecycle", c.lifecycle != nil),
        ]
        return set.filter(\.1).map(\.0)
    }

    /// Validates an update through `pods/NAME/ephemeralcontainers`: the pod
    /// as a whole (`metadataErrors` are those of its metadata update), then
    /// that no ephemeral container of `old` was removed or changed. Static
    /// pods refuse ephemeral containers altogether.
    public static func validateEphemeralContainersUpdate(_ pod: Pod, old: Pod, metadataErrors: [FieldError] = []) -> [FieldError] {
        if old.metadata.annotations?[mirrorPodAnnotation] != nil {
            return [.forbidden("", "static pods do not support ephemeral containers")]
        }
        guard let spec = pod.spec else { return metadataErrors + [.required("spec")] }
        var errs = metadataErrors + validatePodSpec(spec, path: "spec")
        let updated = Dictionary((spec.ephemeralContainers ?? []).map { ($0.name ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        for previous in old.spec?.ephemeralContainers ?? [] {
            let name = previous.name ?? ""
            guard let now = updated[name] else {
                errs.append(.forbidden("spec.ephemeralContainers", "existing ephemeral containers \(FieldError.quote(name)) may not be removed\n"))
                continue
            }
            if now != previous {
                let diff = ephemeralDiff(previous, now)
                errs.append(.forbidden("spec.ephemeralContainers",
                                       "existing ephemeral containers \(FieldError.quote(name)) may not be changed\n\(diff)"))
            }
        }
        return errs
    }

    /// The changed fields of an ephemeral container, one `-old`/`+new` pair per
    /// field, for the error message (upstream prints a full struct diff).
    static func ephemeralDiff(_ old: EphemeralContainer, _ new: EphemeralContainer) -> String {
        let a = KubeCodec.encode(old).objectValue ?? [:]
        let b = KubeCodec.encode(new).objectValue ?? [:]
        var lines: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            if let v = a[key] { lines.append("-\t\(key): \(JSONWriter.string(v))") }
            if let v = b[key] { lines.append("+\t\(key): \(JSONWriter.string(v))") }
        }
        return lines.joined(separator: "\n")
    }
}
