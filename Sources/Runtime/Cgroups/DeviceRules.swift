/// The device cgroup rules a container gets: deny everything, then what its
/// config allows, its own `linux.devices`, and the devices every container
/// needs (the same list runc allows).
public enum DeviceRules {
    /// Devices every container may use: mknod of anything, the standard
    /// character devices, pseudo-terminals and /dev/net/tun.
    public static let defaultAllowed: [Spec.DeviceRule] = [
        Spec.DeviceRule(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        Spec.DeviceRule(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
        Spec.DeviceRule(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
    ]

    /// The rules in the order they apply (a later rule overrides an earlier one).
    public static func effective(config: [Spec.DeviceRule]?, devices: [DeviceNode]) throws -> [Spec.DeviceRule] {
        for (i, rule) in (config ?? []).enumerated() {
            try validate(rule, field: "linux.resources.devices[\(i)]")
        }
        var rules = [Spec.DeviceRule(allow: false, type: "a", access: "rwm")]
        rules += config ?? []
        for d in devices where d.type != .fifo {
            rules.append(Spec.DeviceRule(allow: true, type: d.type.rawValue, major: d.major, minor: d.minor, access: "rwm"))
        }
        rules += defaultAllowed
        return rules
    }

    static func validate(_ rule: Spec.DeviceRule, field: String) throws {
        if let type = rule.type, !["a", "b", "c"].contains(type) {
            throw RuntimeError.invalidConfig(field: "\(field).type", reason: "\"\(type)\" must be a, b or c")
        }
        if let access = rule.access, access.isEmpty || !access.allSatisfy({ "rwm".contains($0) }) {
            throw RuntimeError.invalidConfig(field: "\(field).access", reason: "\"\(access)\" must be made of r, w and m")
        }
        if let major = rule.major, major < -1 {
            throw RuntimeError.invalidConfig(field: "\(field).major", reason: "\(major) is not a device number")
        }
        if let minor = rule.minor, minor < -1 {
            throw RuntimeError.invalidConfig(field: "\(field).minor", reason: "\(minor) is not a device number")
        }
    }

    /// A rule in the v1 `devices.allow`/`devices.deny` syntax: `c 1:3 rwm`.
    public static func v1Line(_ rule: Spec.DeviceRule) -> String {
        let type = rule.type ?? "a"
        if type == "a" { return "a" }
        let major = rule.major.map { $0 < 0 ? "*" : String($0) } ?? "*"
        let minor = rule.minor.map { $0 < 0 ? "*" : String($0) } ?? "*"
        return "\(type) \(major):\(minor) \(rule.access ?? "rwm")"
    }

    /// The writes for a v1 devices hierarchy.
    public static func v1Writes(_ rules: [Spec.DeviceRule], hierarchy: String) -> [CgroupWrite] {
        rules.map { CgroupWrite(hierarchy, $0.allow ? "devices.allow" : "devices.deny", v1Line($0)) }
    }
}
