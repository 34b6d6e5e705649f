import Foundation
import Testing
@testable import KubeAPI

/// Upstream's defaults and validation of StatefulSets and ControllerRevisions.
@Suite struct StatefulSetValidationTests {
    func defaulted(_ obj: JSONValue) -> JSONValue {
        var o = obj
        Defaulter().apply(kind: "StatefulSet", to: &o)
        return o
    }

    func errors(_ obj: JSONValue, old: JSONValue? = nil, kind: String = "StatefulSet") -> [String] {
        switch Validator.validate(kind: kind, obj, old: old) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static func sts(_ spec: JSONValue = .emptyObject) -> JSONValue {
        var s: JSONValue = [
            "selector": ["matchLabels": ["app": "web"]], "serviceName": "nginx",
            "template": ["metadata": ["labels": ["app": "web"]],
                         "spec": ["containers": [["name": "web", "image": "nginx:1", "volumeMounts": [["name": "www", "mountPath": "/www"]]]]]],
            "volumeClaimTemplates": [["metadata": ["name": "www"],
                                      "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]],
        ]
        for (k, v) in spec.objectValue ?? [:] { s[k] = v }
        return ["apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "web", "namespace": "default"], "spec": s]
    }

    @Test func upstreamDefaults() {
        let o = defaulted(Self.sts())
        #expect(o[path: ["spec", "replicas"]] == 1)
        #expect(o[path: ["spec", "podManagementPolicy"]] == "OrderedReady")
        #expect(o[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(o[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(o[path: ["spec", "persistentVolumeClaimRetentionPolicy"]] == ["whenDeleted": "Retain", "whenScaled": "Retain"])
        #expect(o[path: ["spec", "template", "spec", "restartPolicy"]] == "Always")
        #expect(o[path: ["spec", "volumeClaimTemplates"]]?.arrayValue?.first?[path: ["spec", "volumeMode"]] == "Filesystem")
        #expect(o[path: ["spec", "volumeClaimTemplates"]]?.arrayValue?.first?[path: ["status", "phase"]] == "Pending")
        // OnDelete gets no rollingUpdate; a given partition stays.
        let onDelete = defaulted(Self.sts(["updateStrategy": ["type": "OnDelete"]]))
        #expect(onDelete[path: ["spec", "updateStrategy"]] == ["type": "OnDelete"])
        // A template mounting a claim template's volume is valid (the pod spec is checked per pod).
        #expect(errors(o) == [])
    }

    @Test func changingTheSelectorIsForbidden() {
        let old = defaulted(Self.sts())
        var new = old
        new.set(path: ["spec", "selector", "matchLabels"], to: ["app": "web", "tier": "x"])
        new.set(path: ["spec", "template", "metadata", "labels"], to: ["app": "web", "tier": "x"])
        #expect(errors(new, old: old) == ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                                          + "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"])
        // Replicas, template, strategy, retention, minReadySeconds and history may change.
        var allowed = old
        allowed.set(path: ["spec", "replicas"], to: 5)
        allowed.set(path: ["spec", "template", "spec", "containers"], to: [["name": "web", "image": "nginx:2"]])
        allowed.set(path: ["spec", "updateStrategy", "rollingUpdate", "partition"], to: 2)
        allowed.set(path: ["spec", "minReadySeconds"], to: 5)
        allowed.set(path: ["spec", "revisionHistoryLimit"], to: 3)
        allowed.set(path: ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], to: "Delete")
        #expect(errors(allowed, old: old) == [])
        var service = old
        service.set(path: ["spec", "serviceName"], to: "other")
        #expect(errors(service, old: old).count == 1)
    }

    @Test func badSpecsGetUpstreamsFieldErrors() {
        let bad = defaulted(Self.sts([
            "replicas": -1, "podManagementPolicy": "Random", "minReadySeconds": -2, "ordinals": ["start": -1],
            "updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["partition": -1, "maxUnavailable": 0]],
            "persistentVolumeClaimRetentionPolicy": ["whenDeleted": "Keep", "whenScaled": "Delete"],
            "selector": ["matchLabels": ["app": "other"]],
        ]))
        let errs = errors(bad)
        #expect(errs.contains("spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"), "\(errs)")
        #expect(errs.contains("spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"))
        #expect(errs.contains("spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"))
        #expect(errs.contains("spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Keep\": supported values: \"Retain\", \"Delete\""))
        #expect(errs.contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"))
        #expect(errs.contains("spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"))
        #expect(errs.contains("spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0"))
        #expect(errs.contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"))
        var restart = defaulted(Self.sts())
        restart.set(path: ["spec", "template", "spec", "restartPolicy"], to: "Never")
        #expect(errors(restart) == ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""])
    }

    @Test func controllerRevisionDataIsImmutable() {
        let r: JSONValue = ["apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": ["name": "web-1", "namespace": "default"],
                            "data": ["spec": ["template": ["$patch": "replace"]]], "revision": 1]
        #expect(errors(r, kind: "ControllerRevision") == [])
        var renumbered = r
        renumbered["revision"] = 2
        #expect(errors(renumbered, old: r, kind: "ControllerRevision") == [])
        var changed = r
        changed["data"] = ["spec": .emptyObject]
        #expect(errors(changed, old: r, kind: "ControllerRevision").first?.hasPrefix("data: Invalid value") == true)
    }
}
