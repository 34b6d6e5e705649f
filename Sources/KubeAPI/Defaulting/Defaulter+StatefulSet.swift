extension Defaulter {
    /// Upstream's apps/v1 `SetDefaults_StatefulSet`: OrderedReady pods, a
    /// RollingUpdate with partition 0, Retain/Retain claim retention, one
    /// replica, ten revisions of history; the template as other workloads'
    /// and the claim templates as claims (Filesystem, phase Pending).
    /// `maxUnavailable` stays unset (its feature gate is off upstream; the
    /// controller reads an absent value as 1).
    func defaultStatefulSet(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        setIfMissing(&spec, "replicas", 1)
        if var template = spec["template"] {
            var podSpec = template["spec"] ?? .emptyObject
            defaultPodSpec(&podSpec, admission: false)
            template["spec"] = podSpec
            spec["template"] = template
        }
        if spec["podManagementPolicy"]?.stringValue?.isEmpty ?? true { spec["podManagementPolicy"] = "OrderedReady" }
        var strategy = spec["updateStrategy"] ?? .emptyObject
        if strategy["type"]?.stringValue?.isEmpty ?? true {
            strategy["type"] = "RollingUpdate"
            setIfMissing(&strategy, "rollingUpdate", .emptyObject)
        }
        if strategy["type"]?.stringValue == "RollingUpdate", var ru = strategy["rollingUpdate"], ru.objectValue != nil {
            setIfMissing(&ru, "partition", 0)
            strategy["rollingUpdate"] = ru
        }
        spec["updateStrategy"] = strategy
        var retention = spec["persistentVolumeClaimRetentionPolicy"] ?? .emptyObject
        for k in ["whenDeleted", "whenScaled"] where retention[k]?.stringValue?.isEmpty ?? true { retention[k] = "Retain" }
        spec["persistentVolumeClaimRetentionPolicy"] = retention
        setIfMissing(&spec, "revisionHistoryLimit", 10)
        if case .array(var claims) = spec["volumeClaimTemplates"] ?? .null {
            for i in claims.indices {
                var claimSpec = claims[i]["spec"] ?? .emptyObject
                setIfMissing(&claimSpec, "volumeMode", "Filesystem")
                claims[i]["spec"] = claimSpec
                var status = claims[i]["status"] ?? .emptyObject
                setIfMissing(&status, "phase", "Pending")
                claims[i]["status"] = status
            }
            spec["volumeClaimTemplates"] = .array(claims)
        }
        obj["spec"] = spec
    }
}
