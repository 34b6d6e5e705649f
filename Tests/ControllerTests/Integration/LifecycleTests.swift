import Foundation
import KubeAPI
import Testing
import TestSupport

@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct LifecycleTests {
    @Test func garbageCollectionBackgroundForegroundOrphan() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1")]) { cp, _ in
            for name in ["bg", "fg", "orphan"] {
                try await cp.must("create", "deployment", name, "--image=nginx:1.25", "--replicas=2")
            }
            for name in ["bg", "fg", "orphan"] { try await cp.must("rollout", "status", "deployment/\(name)", "--timeout=120s") }
            func count(_ kind: String, _ app: String) async throws -> Int {
                try await cp.must("get", kind, "-l", "app=\(app)", "-o", "name").split(separator: "\n").count
            }
            // Background (kubectl's default): the Deployment goes at once, its ReplicaSet and pods after.
            try await cp.must("delete", "deployment", "bg")
            #expect(try await TestEnv.eventually {
                let rs = try await count("rs", "bg"), pods = try await count("pods", "bg")
                return rs == 0 && pods == 0
            })
            // Foreground: kubectl waits until the Deployment is gone, which is after its dependents.
            try await cp.must("delete", "deployment", "fg", "--cascade=foreground", "--timeout=120s")
            #expect(try await count("rs", "fg") == 0)
            #expect(try await count("pods", "fg") == 0)
            // Orphan: dependents stay, without the owner reference.
            try await cp.must("delete", "deployment", "orphan", "--cascade=orphan", "--timeout=120s")
            #expect(try await cp.kubectl("get", "deployment", "orphan").status != 0)
            #expect(try await count("rs", "orphan") == 1)
            #expect(try await count("pods", "orphan") == 2)
            let refs = try await TestEnv.eventually {
                try await cp.must("get", "rs", "-l", "app=orphan", "-o", "jsonpath={.items[0].metadata.ownerReferences}").isEmpty
            }
            let orphaned = (try? await cp.must("get", "rs", "-l", "app=orphan", "-o", "yaml")) ?? ""
            #expect(refs, "\(orphaned)\n\(cp.log.suffix(3000))")
            // A dependent of an owner that never existed (or is long gone) is collected.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: stray
                  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: ghost, uid: 00000000-0000-0000-0000-000000000000}]
                """)
            #expect(try await TestEnv.eventually { try await cp.kubectl("get", "configmap", "stray").status != 0 })
        }
    }

    @Test func namespaceDeletionEmptiesItFirst() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1")]) { cp, kubelet in
            try await cp.must("create", "namespace", "team")
            try await cp.must("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "-n", "team")
            try await cp.must("create", "configmap", "settings", "--from-literal=a=b", "-n", "team")
            try await cp.must("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", "team")
            try await cp.must("rollout", "status", "deployment/web", "-n", "team", "--timeout=120s")
            #expect(try await cp.must("get", "ns", "team", "-o", "jsonpath={.spec.finalizers}") == #"["kubernetes"]"#)
            // With a dead kubelet the pods cannot finish, so the namespace waits in Terminating.
            kubelet.silence("n1")
            try await cp.must("delete", "namespace", "team", "--wait=false")
            let terminating = try await TestEnv.eventually {
                let phase = try await cp.must("get", "ns", "team", "-o", "jsonpath={.status.phase}")
                let left = try await cp.must("get", "deploy,cm,svc", "-n", "team", "-o", "name")
                return phase == "Terminating" && left.split(separator: "\n").allSatisfy { $0 == "configmap/kube-root-ca.crt" }
            }
            #expect(terminating)
            let refused = try await cp.kubectl("create", "configmap", "late", "-n", "team")
            #expect(refused.status != 0 && refused.stderr.contains("unable to create new content in namespace team because it is being terminated"), "\(refused.output)")
            // The kubelet confirms the pods' deletion; the namespace goes.
            try await kubelet.revive("n1")
            #expect(try await TestEnv.eventually { try await cp.kubectl("get", "ns", "team").status != 0 })
            #expect(try await cp.must("get", "pods", "-n", "team", "-o", "name").isEmpty)
        }
    }

    @Test func serviceAccountsTokensAndRootCA() async throws {
        try await withCluster(nodes: [FakeKubelet.NodeSpec("n1")]) { cp, _ in
            #expect(try await TestEnv.eventually { try await cp.kubectl("get", "sa", "default").status == 0 })
            let ca = try String(contentsOf: cp.dataDir.appendingPathComponent("ca.crt"), encoding: .utf8)
            #expect(try await TestEnv.eventually { try await cp.kubectl("get", "cm", "kube-root-ca.crt", "-o", "jsonpath={.data.ca\\.crt}").stdout == ca })
            try await cp.must("create", "namespace", "apps")
            #expect(try await TestEnv.eventually {
                let sa = try await cp.kubectl("get", "sa", "default", "-n", "apps"), cm = try await cp.kubectl("get", "cm", "kube-root-ca.crt", "-n", "apps")
                return sa.status == 0 && cm.status == 0
            })
            // Pods get the projected token volume in every container unless they opt out.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: app}
                spec:
                  nodeName: n1
                  initContainers: [{name: init, image: "busybox:1.36"}]
                  containers: [{name: a, image: "busybox:1.36"}, {name: b, image: "busybox:1.36"}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: quiet}
                spec:
                  automountServiceAccountToken: false
                  containers: [{name: a, image: "busybox:1.36"}]
                """)
            let volume = try await cp.must("get", "pod", "app", "-o", "jsonpath={.spec.volumes[0].name} {.spec.volumes[0].projected.sources[*].serviceAccountToken.path} {.spec.volumes[0].projected.sources[*].configMap.name}")
            #expect(volume.hasPrefix("kube-api-access-") && volume.hasSuffix(" token kube-root-ca.crt"), "\(volume)")
            let mounts = try await cp.must("get", "pod", "app", "-o", "jsonpath={.spec.initContainers[*].volumeMounts[*].mountPath} {.spec.containers[*].volumeMounts[*].mountPath}")
            #expect(mounts.split(separator: " ").filter { $0 == "/var/run/secrets/kubernetes.io/serviceaccount" }.count == 3)
            #expect(try await cp.must("get", "pod", "app", "-o", "jsonpath={.spec.serviceAccountName}") == "default")
            #expect(try await cp.must("get", "pod", "quiet", "-o", "jsonpath={.spec.volumes}").isEmpty)
            // kubectl create token; the token authenticates as the service account (and may do nothing).
            let token = try await cp.must("create", "token", "default").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.split(separator: ".").count == 3)
            let who = try await cp.must("auth", "whoami", "--token", token, "-o", "jsonpath={.status.userInfo.username}")
            #expect(who == "system:serviceaccount:default:default")
            let denied = try await cp.kubectl("get", "pods", "--token", token)
            #expect(denied.status != 0 && denied.stderr.contains("User \"system:serviceaccount:default:default\" cannot list resource \"pods\""))
            #expect(try await cp.kubectl("get", "pods", "--token", token + "x").stderr.contains("Unauthorized"))
            // The kubelet's call: a token bound to a pod on its node, good until the pod goes.
            // (As the node: the admin acting as system:node:n1 in system:nodes.)
            var cfg = try KubeConfig.load(path: cp.kubeconfig.path)
            cfg.impersonateUser = "system:node:n1"
            cfg.impersonateGroups = ["system:nodes"]
            let node = try KubeClient(config: cfg)
            defer { Task { await node.shutdown() } }
            let uid = try await cp.must("get", "pod", "app", "-o", "jsonpath={.metadata.uid}")
            let body: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                   "spec": ["expirationSeconds": 3607, "boundObjectRef": ["kind": "Pod", "apiVersion": "v1", "name": "app", "uid": .string(uid)]]]
            let answer = try JSONParser.parse(try await node.request(.POST, node.url(apiVersion: "v1", resource: "serviceaccounts", namespace: "default",
                                                                                    name: "default", subresource: "token"), body: JSONWriter.bytes(body)))
            let bound = answer[path: ["status", "token"]]?.stringValue ?? ""
            #expect(!bound.isEmpty && answer[path: ["status", "expirationTimestamp"]] != nil)
            #expect(try await cp.must("auth", "whoami", "--token", bound, "-o", "jsonpath={.status.userInfo.groups}").contains("system:serviceaccounts:default"))
            // Another node may not ask for it.
            cfg.impersonateUser = "system:node:n2"
            let other = try KubeClient(config: cfg)
            defer { Task { await other.shutdown() } }
            await #expect(throws: KubeClientError.self) {
                _ = try await other.request(.POST, other.url(apiVersion: "v1", resource: "serviceaccounts", namespace: "default", name: "default",
                                                             subresource: "token"), body: JSONWriter.bytes(body))
            }
            try await cp.must("delete", "pod", "app", "--grace-period=0", "--force")
            #expect(try await TestEnv.eventually { try await cp.kubectl("auth", "whoami", "--token", bound).stderr.contains("Unauthorized") })
        }
    }

    @Test func nodesGetDistinctPodCIDRs() async throws {
        try await withCluster(args: ["--cluster-cidr", "10.100.0.0/16"], nodes: [FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2"), FakeKubelet.NodeSpec("n3")]) { cp, _ in
            var cidrs: [String] = []
            let done = try await TestEnv.eventually {
                cidrs = try await cp.must("get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}").split(separator: " ").map(String.init)
                return cidrs.count == 3
            }
            #expect(done)
            #expect(Set(cidrs).count == 3)
            #expect(cidrs.allSatisfy { $0.hasPrefix("10.100.") && $0.hasSuffix(".0/24") })
            let first = try await cp.must("get", "node", "n1", "-o", "jsonpath={.spec.podCIDRs[0]}")
            #expect(try await first == cp.must("get", "node", "n1", "-o", "jsonpath={.spec.podCIDR}"))
        }
    }
}
