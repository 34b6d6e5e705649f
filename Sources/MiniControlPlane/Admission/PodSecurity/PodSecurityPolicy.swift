import KubeAPI

/// A Pod Security Standards level.
enum PodSecurityLevel: String, Sendable, CaseIterable, Comparable {
    case privileged, baseline, restricted

    static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// A namespace's pod security policy from its `pod-security.kubernetes.io/`
/// labels: a level and version for each of enforce, audit and warn
/// (privileged and latest when unlabelled, as upstream's defaults).
struct PodSecurityPolicy: Sendable {
    /// A level at a version, printed `restricted:latest` as upstream does.
    struct LevelVersion: Sendable, Equatable, CustomStringConvertible {
        var level: PodSecurityLevel = .privileged
        var version = "latest"
        var description: String { "\(level.rawValue):\(version)" }
    }

    static let labelPrefix = "pod-security.kubernetes.io/"
    var enforce = LevelVersion()
    var audit = LevelVersion()
    var warn = LevelVersion()

    /// Label problems, in upstream's words, for namespace validation.
    var errors: [FieldError] = []

    init() {}

    /// Whether every mode is privileged (nothing to check).
    var isPrivileged: Bool { enforce.level == .privileged && audit.level == .privileged && warn.level == .privileged }

    init(labels: [String: JSONValue]) {
        enforce = Self.read("enforce", labels, &errors)
        audit = Self.read("audit", labels, &errors)
        warn = Self.read("warn", labels, &errors)
        // Upstream's PolicyToEvaluate: without a warn label, warn at a stricter enforce level
        // (so workloads, which enforce does not refuse, warn).
        let enforceLabel = labels[Self.labelPrefix + "enforce"]?.stringValue.flatMap(PodSecurityLevel.init(rawValue:))
        if labels[Self.labelPrefix + "warn"] == nil, let level = enforceLabel, level > warn.level {
            warn.level = level
            if labels[Self.labelPrefix + "warn-version"] == nil, labels[Self.labelPrefix + "enforce-version"] != nil {
                warn.version = enforce.version
            }
        }
    }

    private static func read(_ mode: String, _ labels: [String: JSONValue], _ errors: inout [FieldError]) -> LevelVersion {
        var lv = LevelVersion()
        if let l = labels[labelPrefix + mode]?.stringValue {
            if let level = PodSecurityLevel(rawValue: l) {
                lv.level = level
            } else {
                // Upstream evaluates an invalid level as restricted.
                lv.level = .restricted
                errors.append(.invalid("metadata.labels[\(labelPrefix + mode)]", l, "must be one of privileged, baseline, restricted"))
            }
        }
        if let v = labels[labelPrefix + mode + "-version"]?.stringValue {
            if v == "latest" || Self.isVersion(v) {
                lv.version = v
            } else {
                errors.append(.invalid("metadata.labels[\(labelPrefix + mode)-version]", v, "must be 'latest' or 'v1.x'"))
            }
        }
        return lv
    }

    static func isVersion(_ v: String) -> Bool {
        guard v.hasPrefix("v1.") else { return false }
        let minor = v.dropFirst(3)
        return !minor.isEmpty && minor.allSatisfy(\.isNumber)
    }
}
