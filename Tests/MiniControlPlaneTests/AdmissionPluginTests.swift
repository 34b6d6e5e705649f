import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import MiniControlPlane

/// The admission plugins' logic, with upstream's messages, on a registry
/// over a temporary SQLite store (no server, no root).
@Suite struct AdmissionPluginTests {
    static let nsInfo = ResourceCatalog.info(for: Namespace.self)
    static let podInfo = ResourceCatalog.info(for: Pod.self)

    static func pod(_ name: String, _ containers: [JSONValue] = [["name": "c", "image": "busybox:1.36"]], spec extra: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = ["containers": .array(containers)]
        spec.merge(extra) { _, n in n }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": .object(spec)]
    }

    /// A registry with namespace `ns` (labelled as given), run on a fresh store.
    static func withRegistry(labels: [String: JSONValue] = [:], _ body: (ResourceStorage) async throws -> Void) async throws {
        let dir = try Harness.tempDir("admission")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("db").path)
        let r = ResourceStorage(store: store, defaulter: Defaulter(), allocator: ServiceAllocator(serviceCIDR: "10.96.0.0/24"))
        _ = try await r.create(nsInfo, nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns", "labels": .object(labels)]], WriteOptions())
        do {
            try await body(r)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    static func refusal(_ op: () async throws -> Void) async -> String {
        do {
            try await op()
            return ""
        } catch let s as Status {
            return s.message ?? ""
        } catch {
            return "\(error)"
        }
    }

    @Test func chainOrderIsUpstreams() {
        #expect(AdmissionChain.standard().names == ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "NodeRestriction", "Priority",
                                                    "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection",
                                                    "PersistentVolumeClaimResize", "PodSecurity", "CertificateApproval", "CertificateSigning",
                                                    "CertificateSubjectRestriction", "DefaultIngressClass", "MutatingAdmissionWebhook",
                                                    "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota"])
    }

    @Test func namespaceLifecycle() async throws {
        try await Self.withRegistry { r in
            let plain = try await r.create(Self.podInfo, "ns", Self.pod("plain"), WriteOptions()).object
            #expect(plain[path: ["spec", "serviceAccountName"]] == "default" && plain[path: ["spec", "serviceAccount"]] == "default")
            var m = await Self.refusal { _ = try await r.create(Self.podInfo, "missing", Self.pod("p"), WriteOptions()) }
            #expect(m == #"namespaces "missing" not found"#)
            for ns in ["default", "kube-system", "kube-public"] {
                _ = try await r.create(Self.nsInfo, nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]], WriteOptions())
                m = await Self.refusal { _ = try await r.delete(Self.nsInfo, nil, ns, options: DeleteOptions(), dryRun: false) }
                #expect(m == "namespaces \"\(ns)\" is forbidden: this namespace may not be deleted")
            }
            _ = try await r.delete(Self.nsInfo, nil, "ns", options: DeleteOptions(), dryRun: false)
            m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", Self.pod("late"), WriteOptions()) }
            #expect(m == #"pods "late" is forbidden: unable to create new content in namespace ns because it is being terminated"#)
        }
    }

    @Test func defaultTolerationSecondsFromTheFlags() async throws {
        var a = AdmissionAttributes(operation: .create, info: Self.podInfo, namespace: "ns", name: "p",
                                    object: Self.pod("p", spec: ["tolerations": [["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"]]]),
                                    dryRun: false)
        try await Self.withRegistry { r in try await DefaultTolerationSeconds(notReadySeconds: 7).admit(&a, r) }
        let t = a.object?[path: ["spec", "tolerations"]]?.arrayValue ?? []
        #expect(t.count == 2)
        #expect(t.contains { $0["key"] == "node.kubernetes.io/not-ready" && $0["tolerationSeconds"] == 7 && $0["effect"] == "NoExecute" })
        #expect(t.contains { $0["key"] == "node.kubernetes.io/unreachable" && $0["tolerationSeconds"] == nil }, "a stated toleration is kept")
    }

    // MARK: PodSecurity

    static let privilegedContainer: JSONValue = ["name": "c", "image": "busybox:1.36", "securityContext": ["privileged": true]]

    @Test func restrictedChecksInUpstreamsOrderAndWords() {
        let spec: JSONValue = ["containers": [Self.privilegedContainer]]
        let v = PodSecurityChecks.evaluate(.restricted, metadata: .emptyObject, spec: spec)
        #expect(PodSecurityAdmission.describe(v) == #"privileged (container "c" must not set securityContext.privileged=true), "#
                + #"allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), "#
                + #"unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), "#
                + #"runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), "#
                + #"seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#)
        let good: JSONValue = ["securityContext": ["runAsNonRoot": true, "seccompProfile": ["type": "RuntimeDefault"]],
                               "containers": [["name": "c", "securityContext": ["allowPrivilegeEscalation": false,
                                                                              "capabilities": ["drop": ["ALL"], "add": ["NET_BIND_SERVICE"]]]]]]
        #expect(PodSecurityChecks.evaluate(.restricted, metadata: .emptyObject, spec: good).isEmpty)
    }

    @Test func baselineChecks() {
        let spec: JSONValue = [
            "hostNetwork": true, "hostPID": true,
            "volumes": [["name": "host", "hostPath": ["path": "/"]], ["name": "e", "emptyDir": .emptyObject]],
            "securityContext": ["sysctls": [["name": "kernel.msgmax", "value": "1"]]],
            "containers": [
                ["name": "a", "ports": [["containerPort": 80, "hostPort": 8080]], "securityContext": ["capabilities": ["add": ["NET_ADMIN", "CHOWN"]],
                                                                                                      "procMount": "Unmasked"]],
                ["name": "b", "securityContext": ["seLinuxOptions": ["type": "spc_t"], "seccompProfile": ["type": "Unconfined"]]],
            ],
        ]
        let v = PodSecurityChecks.evaluate(.baseline, metadata: .emptyObject, spec: spec).map(\.text)
        #expect(v == [
            #"non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add)"#,
            "host namespaces (hostNetwork=true, hostPID=true)",
            #"hostPath volumes (volume "host")"#,
            #"hostPort (container "a" uses hostPort 8080)"#,
            #"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#,
            #"seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t")"#,
            #"seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined")"#,
            "forbidden sysctls (kernel.msgmax)",
        ])
        let restricted = PodSecurityChecks.evaluate(.restricted, metadata: .emptyObject, spec: spec).map(\.text)
        #expect(restricted.contains(#"restricted volume types (volume "host" uses restricted volume type "hostPath")"#))
        #expect(!restricted.contains { $0.hasPrefix("hostPath volumes") }, "replaced by the restricted check")
    }

    @Test func enforceRefusesWarnWarns() async throws {
        try await Self.withRegistry(labels: ["pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"]) { r in
            let m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", Self.pod("x", [Self.privilegedContainer]), WriteOptions()) }
            #expect(m == #"pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)"#)
            let ok = try await r.create(Self.podInfo, "ns", Self.pod("y"), WriteOptions())
            #expect(ok.warnings.first?.hasPrefix(#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false"#) == true, "\(ok.warnings)")
            // Workload templates are warned about, not refused.
            let deploy = ResourceCatalog.find(group: "apps", plural: "deployments")!
            let d: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
                                "spec": ["selector": ["matchLabels": ["a": "b"]],
                                         "template": ["metadata": ["labels": ["a": "b"]], "spec": ["containers": [Self.privilegedContainer]]]]]
            let created = try await r.create(deploy, "ns", d, WriteOptions())
            #expect(created.warnings.first?.hasPrefix(#"would violate PodSecurity "restricted:latest": privileged"#) == true, "\(created.warnings)")
            // A bad label is invalid.
            let bad = await Self.refusal {
                _ = try await r.create(Self.nsInfo, nil, ["apiVersion": "v1", "kind": "Namespace",
                                                          "metadata": ["name": "odd", "labels": ["pod-security.kubernetes.io/enforce": "strict"]]], WriteOptions())
            }
            #expect(bad.contains(#"metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#), "\(bad)")
        }
    }

    @Test func warnDefaultsToAStricterEnforce() {
        var p = PodSecurityPolicy(labels: ["pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.30"])
        #expect(p.warn.description == "baseline:v1.30" && p.audit.description == "privileged:latest")
        p = PodSecurityPolicy(labels: ["pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "baseline"])
        #expect(p.warn.description == "baseline:latest")
        p = PodSecurityPolicy(labels: ["pod-security.kubernetes.io/enforce": "bogus"])
        #expect(p.enforce.level == .restricted && p.warn.level == .privileged && p.errors.count == 1)
    }

    @Test func enforcingOnANamespaceWarnsAboutItsPods() async throws {
        try await Self.withRegistry { r in
            _ = try await r.create(Self.podInfo, "ns", Self.pod("p1", [Self.privilegedContainer]), WriteOptions())
            _ = try await r.create(Self.podInfo, "ns", Self.pod("p2", [Self.privilegedContainer]), WriteOptions())
            let res = try await r.patch(Self.nsInfo, nil, "ns", kind: .merge,
                                        Array(#"{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}"#.utf8),
                                        subresource: nil, WriteOptions())
            #expect(res.warnings == [#"existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest""#,
                                     "p1 (and 1 other pod): privileged"])
        }
    }

    // MARK: LimitRanger

    @Test func limitRangeDefaultsAndBounds() async throws {
        try await Self.withRegistry { r in
            let lr = ResourceCatalog.info(for: LimitRange.self)
            _ = try await r.create(lr, "ns", ["apiVersion": "v1", "kind": "LimitRange", "metadata": ["name": "limits"],
                                              "spec": ["limits": [["type": "Container", "max": ["cpu": "1"], "defaultRequest": ["cpu": "100m"],
                                                                   "default": ["memory": "128Mi"], "maxLimitRequestRatio": ["memory": "2"]]]]],
                                   WriteOptions())
            let stored = try await r.get(lr, "ns", "limits")
            #expect(stored[path: ["spec", "limits"]]?.arrayValue?.first?[path: ["default", "cpu"]] == "1", "default limit from max")
            let made = try await r.create(Self.podInfo, "ns", Self.pod("p"), WriteOptions()).object
            let res = made[path: ["spec", "containers"]]?.arrayValue?.first?["resources"]
            #expect(res?[path: ["requests", "cpu"]] == "100m" && res?[path: ["limits", "cpu"]] == "1" && res?[path: ["limits", "memory"]] == "128Mi")
            #expect(made[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]] == "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c")
            #expect(made[path: ["status", "qosClass"]] == "Guaranteed" || made[path: ["status", "qosClass"]] == "Burstable")
            let big = Self.pod("big", [["name": "c", "image": "busybox:1.36", "resources": ["limits": ["cpu": "2"]]]])
            let m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", big, WriteOptions()) }
            #expect(m == #"pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2"#)
            let skewed = Self.pod("skew", [["name": "c", "image": "busybox:1.36", "resources": ["requests": ["memory": "32Mi"], "limits": ["memory": "128Mi"]]]])
            let m2 = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", skewed, WriteOptions()) }
            #expect(m2 == #"pods "skew" is forbidden: memory max limit to request ratio per Container is 2, but provided ratio is 4.000000"#)
        }
    }

    // MARK: ResourceQuota

    @Test func quotaChargesAndRefuses() async throws {
        try await Self.withRegistry { r in
            let rq = ResourceCatalog.info(for: ResourceQuota.self)
            _ = try await r.create(rq, "ns", ["apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "compute"],
                                              "spec": ["hard": ["requests.cpu": "1", "pods": "2", "configmaps": "1"]]], WriteOptions())
            func withCPU(_ name: String, _ cpu: String) -> JSONValue {
                Self.pod(name, [["name": "c", "image": "busybox:1.36", "resources": ["requests": .object(["cpu": .string(cpu)])]]])
            }
            let m0 = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", Self.pod("bare"), WriteOptions()) }
            #expect(m0 == #"pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: c"#)
            _ = try await r.create(Self.podInfo, "ns", withCPU("a", "600m"), WriteOptions())
            var q = try await r.get(rq, "ns", "compute")
            #expect(q[path: ["status", "used", "requests.cpu"]] == "600m" && q[path: ["status", "used", "pods"]] == "1", "\(q)")
            let m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", withCPU("b", "500m"), WriteOptions()) }
            #expect(m == #"pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1"#)
            // A dry run is checked but not charged.
            _ = try await r.create(Self.podInfo, "ns", withCPU("c", "400m"), WriteOptions(dryRun: true))
            q = try await r.get(rq, "ns", "compute")
            #expect(q[path: ["status", "used", "requests.cpu"]] == "600m")
            let cm = ResourceCatalog.info(for: ConfigMap.self)
            _ = try await r.create(cm, "ns", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "one"]], WriteOptions())
            let m2 = await Self.refusal { _ = try await r.create(cm, "ns", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "two"]], WriteOptions()) }
            #expect(m2 == #"configmaps "two" is forbidden: exceeded quota: compute, requested: configmaps=1, used: configmaps=1, limited: configmaps=1"#)
            let m3 = await Self.refusal {
                _ = try await r.create(rq, "ns", ["apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "odd"],
                                                  "spec": ["hard": ["gpus": "1", "cpu": "-1"]]], WriteOptions())
            }
            #expect(m3.contains(#"spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota"#)
                    && m3.contains(#"spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0"#), "\(m3)")
        }
    }

    @Test func quotaUsageOfObjects() {
        let svc = ResourceCatalog.info(for: Service.self)
        let u = QuotaEvaluator.usage(["spec": ["type": "NodePort", "ports": [["port": 80], ["port": 81]]]], svc)
        #expect(u == ["services": 1, "count/services": 1, "services.nodeports": 2])
        let deploy = ResourceCatalog.find(group: "apps", plural: "deployments")!
        #expect(QuotaEvaluator.usage(.emptyObject, deploy) == ["count/deployments.apps": 1])
        #expect(QuotaEvaluator.resource(for: "count/deployments.apps") == deploy)
        let pod: JSONValue = ["spec": ["containers": [["resources": ["requests": ["cpu": "250m", "memory": "64Mi"], "limits": ["memory": "128Mi"]]],
                                                      ["resources": ["requests": ["cpu": "250m"]]]],
                                       "initContainers": [["resources": ["requests": ["cpu": "2"]]]]]]
        let p = QuotaEvaluator.usage(pod, Self.podInfo)
        #expect(p["requests.cpu"] == 2 && p["cpu"] == 2 && p["limits.memory"] == Decimal(128 * 1024 * 1024) && p["pods"] == 1)
        #expect(QuotaEvaluator.format(Decimal(string: "0.5")!, binary: false) == "500m")
        #expect(QuotaEvaluator.format(Decimal(1024 * 1024 * 1024), binary: true) == "1Gi")
        #expect(QuotaEvaluator.format(2000, binary: false) == "2k")
        let best: JSONValue = ["scopes": ["BestEffort"]]
        #expect(QuotaEvaluator.matches(best, ["spec": ["containers": [["name": "c"]]]], Self.podInfo))
        #expect(!QuotaEvaluator.matches(best, pod, Self.podInfo))
        #expect(!QuotaEvaluator.matches(best, .emptyObject, svc), "scoped quotas count pods only")
    }

    // MARK: NodeRestriction

    static let node1 = UserInfo(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"])

    @Test func nodeRestriction() async throws {
        try await Self.withRegistry { r in
            let nodeInfo = ResourceCatalog.info(for: Node.self)
            var asNode = WriteOptions()
            asNode.user = Self.node1
            func node(_ name: String, labels: [String: JSONValue] = [:]) -> JSONValue {
                ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name), "labels": .object(labels)]]
            }
            var m = await Self.refusal { _ = try await r.create(nodeInfo, nil, node("n2"), asNode) }
            #expect(m == #"nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2""#)
            m = await Self.refusal { _ = try await r.create(nodeInfo, nil, node("n1", labels: ["node-restriction.kubernetes.io/x": "y"]), asNode) }
            #expect(m == #"nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/x"#)
            var withTaint = node("n1", labels: ["kubernetes.io/hostname": "n1", "node.kubernetes.io/exclude-from-external-load-balancers": "true"])
            withTaint.set(path: ["spec", "taints"], to: [["key": "dedicated", "value": "x", "effect": "NoSchedule"]])
            _ = try await r.create(nodeInfo, nil, withTaint, asNode)
            m = await Self.refusal {
                _ = try await r.patch(nodeInfo, nil, "n1", kind: .merge, Array(#"{"spec":{"taints":null}}"#.utf8), subresource: nil, asNode)
            }
            #expect(m == #"nodes "n1" is forbidden: node "n1" is not allowed to modify taints"#)
            m = await Self.refusal {
                _ = try await r.patch(nodeInfo, nil, "n1", kind: .merge, Array(#"{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":""}}}"#.utf8),
                                      subresource: nil, asNode)
            }
            #expect(m == #"nodes "n1" is forbidden: node "n1" is not allowed to modify labels: node-role.kubernetes.io/control-plane"#)
            // Pods: only mirror pods bound to itself, only its pods' status.
            m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", Self.pod("p"), asNode) }
            #expect(m == #"pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods"#)
            func mirror(_ name: String, volumes: [JSONValue] = []) -> JSONValue {
                var p = Self.pod(name, spec: ["nodeName": "n1", "volumes": .array(volumes)])
                p.set(path: ["metadata", "annotations"], to: ["kubernetes.io/config.mirror": "hash"])
                return p
            }
            let made = try await r.create(Self.podInfo, "ns", mirror("static-n1"), asNode).object
            #expect(made[path: ["spec", "serviceAccountName"]] == nil && made[path: ["spec", "volumes"]]?.arrayValue?.isEmpty != false,
                    "mirror pods get no service account nor token volume")
            m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", mirror("cm", volumes: [["name": "v", "configMap": ["name": "x"]]]), asNode) }
            #expect(m == #"pods "cm" is forbidden: node "n1" can not create pods that reference configmaps"#)
            m = await Self.refusal { _ = try await r.create(Self.podInfo, "ns", mirror("s", volumes: [["name": "v", "secret": ["secretName": "x"]]]), asNode) }
            #expect(m == #"pods "s" is forbidden: a mirror pod may not reference secrets"#)
            let elsewhere = try await r.create(Self.podInfo, "ns", Self.pod("elsewhere", spec: ["nodeName": "n2"]), WriteOptions()).object
            // TokenRequests: bound to its own pods only.
            for (ref, want) in [(JSONValue.emptyObject, "node requested token not bound to a pod"),
                                (["apiVersion": "v1", "kind": "Pod", "name": "elsewhere"], "node requested token with a pod binding without a uid"),
                                (["apiVersion": "v1", "kind": "Pod", "name": "elsewhere", "uid": elsewhere[path: ["metadata", "uid"]] ?? ""],
                                 "node requested token bound to a pod scheduled on a different node")] {
                let attributes = AdmissionAttributes(operation: .create, info: ResourceCatalog.info(for: ServiceAccount.self), subresource: "token",
                                                     namespace: "ns", name: "default", object: ["spec": ["boundObjectRef": ref]],
                                                     user: Self.node1, dryRun: false)
                m = await Self.refusal {
                    var a = attributes
                    try await NodeRestriction().validate(&a, r)
                }
                #expect(m == "serviceaccounts \"default\" is forbidden: \(want)")
            }
            m = await Self.refusal {
                _ = try await r.patch(Self.podInfo, "ns", "elsewhere", kind: .merge, Array(#"{"status":{"phase":"Running"}}"#.utf8), subresource: "status", asNode)
            }
            #expect(m == #"pods "elsewhere" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself"#)
            m = await Self.refusal { _ = try await r.delete(Self.podInfo, "ns", "elsewhere", options: DeleteOptions(), dryRun: false, user: Self.node1) }
            #expect(m == #"pods "elsewhere" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself"#)
            let lease = ResourceCatalog.find(group: "coordination.k8s.io", plural: "leases")!
            m = await Self.refusal {
                _ = try await r.create(lease, "ns", ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "n1"]], asNode)
            }
            #expect(m == #"leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace"#)
        }
        #expect(!NodeRestriction.isForbiddenLabel("kubernetes.io/hostname"))
        #expect(!NodeRestriction.isForbiddenLabel("example.com/team"))
        #expect(NodeRestriction.isForbiddenLabel("foo.k8s.io/x"))
    }

    /// A node may change a PersistentVolume only by removing the local-path
    /// provisioner's finalizer, and only of a volume with affinity to itself.
    @Test func nodeRestrictionOfPersistentVolumes() async throws {
        try await Self.withRegistry { r in
            let pvInfo = ResourceCatalog.info(for: PersistentVolume.self)
            let finalizer = "external-provisioner.volume.kubernetes.io/finalizer"
            let pv: JSONValue = [
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": ["name": "pvc-1", "finalizers": ["example.com/keep", .string(finalizer)],
                             "annotations": ["pv.kubernetes.io/provisioned-by": "rancher.io/local-path"]],
                "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
                         "hostPath": ["path": "/var/lib/swiftkube/storage/pvc-1_ns_data", "type": "DirectoryOrCreate"],
                         "nodeAffinity": ["required": ["nodeSelectorTerms": [["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In",
                                                                                                     "values": ["n1"]]]]]]]],
            ]
            _ = try await r.create(pvInfo, nil, pv, WriteOptions())
            var asNode = WriteOptions()
            asNode.user = Self.node1
            var asNode2 = WriteOptions()
            asNode2.user = UserInfo(name: "system:node:n2", groups: ["system:nodes", "system:authenticated"])
            let only = #"persistentvolumes "pvc-1" is forbidden: node "n1" can only remove the "external-provisioner.volume.kubernetes.io/finalizer" finalizer of persistent volumes"#
            func jsonPatch(_ text: String, _ options: WriteOptions) async -> String {
                await Self.refusal { _ = try await r.patch(pvInfo, nil, "pvc-1", kind: .json, Array(text.utf8), subresource: nil, options) }
            }
            var m = await jsonPatch(#"[{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]"#, asNode)
            #expect(m == only)
            m = await jsonPatch(#"[{"op":"remove","path":"/metadata/finalizers/0"}]"#, asNode)
            #expect(m == only, "another finalizer")
            m = await jsonPatch(#"[{"op":"remove","path":"/metadata/finalizers/1"},{"op":"replace","path":"/spec/persistentVolumeReclaimPolicy","value":"Retain"}]"#, asNode)
            #expect(m == only, "the finalizer and more")
            m = await jsonPatch(#"[{"op":"remove","path":"/metadata/finalizers/1"}]"#, asNode2)
            #expect(m == #"persistentvolumes "pvc-1" is forbidden: node "n2" can only modify persistent volumes with node affinity to itself"#)
            m = await Self.refusal { _ = try await r.delete(pvInfo, nil, "pvc-1", options: DeleteOptions(), dryRun: false, user: Self.node1) }
            #expect(m == only)
            m = await jsonPatch(#"[{"op":"test","path":"/metadata/finalizers/1","value":"\#(finalizer)"},{"op":"remove","path":"/metadata/finalizers/1"}]"#, asNode)
            #expect(m == "")
            let now = try await r.get(pvInfo, nil, "pvc-1")
            // (and the StorageObjectInUseProtection plugin's, added at create)
            #expect(now[path: ["metadata", "finalizers"]] == ["example.com/keep", "kubernetes.io/pv-protection"])
        }
    }

    /// A node finishing a file-system resize may write a claim's status
    /// capacity, conditions and allocated resource statuses, nothing else
    /// (upstream's admitPVCStatus).
    @Test func nodeRestrictionOfClaimStatus() async throws {
        try await Self.withRegistry { r in
            let pvcInfo = ResourceCatalog.info(for: PersistentVolumeClaim.self)
            let claim: JSONValue = [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data", "namespace": "ns"],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "2Gi"]], "storageClassName": ""],
            ]
            _ = try await r.create(pvcInfo, "ns", claim, WriteOptions())
            var asNode = WriteOptions()
            asNode.user = Self.node1
            func statusPatch(_ text: String) async -> String {
                await Self.refusal { _ = try await r.patch(pvcInfo, "ns", "data", kind: .merge, Array(text.utf8), subresource: "status", asNode) }
            }
            var m = await statusPatch(#"{"status":{"capacity":{"storage":"2Gi"},"allocatedResourceStatuses":null}}"#)
            #expect(m == "")
            m = await statusPatch(#"{"status":{"phase":"Lost"}}"#)
            #expect(m == #"persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.capacity, status.conditions and status.allocatedResourceStatuses"#)
            m = await Self.refusal {
                _ = try await r.patch(pvcInfo, "ns", "data", kind: .merge, Array(#"{"metadata":{"labels":{"a":"b"}}}"#.utf8), subresource: nil, asNode)
            }
            #expect(m == #"persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to modify persistentvolumeclaims other than through status updates"#)
        }
    }
}
