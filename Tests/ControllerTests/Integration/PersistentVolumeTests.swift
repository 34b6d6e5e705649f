import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import Controllers

/// The PV controller, the local-path provisioner, protection finalizers,
/// DefaultStorageClass and expansion against a real control plane, through
/// kubectl (no kubelet mounts anything here: see the lab tests for that).
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct PersistentVolumeTests {
    static func volume(_ name: String, size: String, className: String = "manual", policy: String = "Retain", labels: String = "{}") -> String {
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: \(name), labels: \(labels)}
        spec:
          capacity: {storage: \(size)}
          accessModes: [ReadWriteOnce]
          storageClassName: \(className)
          persistentVolumeReclaimPolicy: \(policy)
          hostPath: {path: /tmp/\(name)}
        """
    }

    static func claim(_ name: String, size: String, className: String? = "manual", modes: String = "[ReadWriteOnce]",
                      extra: String = "") -> String {
        """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: \(name)}
        spec:
          accessModes: \(modes)
          resources: {requests: {storage: \(size)}}
          \(className.map { "storageClassName: \"\($0)\"" } ?? "")
          \(extra)
        """
    }

    /// kubectl that must succeed, its output trimmed.
    static func must(_ cp: TestControlPlane, _ args: [String]) async throws -> String {
        let r = try await cp.kubectl(args)
        guard r.status == 0 else { throw TestError("kubectl \(args.joined(separator: " ")) failed: \(r.output)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitFor(_ cp: TestControlPlane, _ args: [String], _ expected: String) async throws -> String {
        var last = ""
        _ = await TestEnv.eventually(seconds: 60) {
            last = (try? await Self.must(cp, args)) ?? ""
            return last == expected
        }
        return last
    }

    static func events(_ cp: TestControlPlane, _ object: String) async throws -> String {
        try await Self.must(cp, ["get", "events", "--field-selector", "involvedObject.name=\(object)", "-o",
                           "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"])
    }

    @Test func staticBindingTakesTheSmallestVolumeThatFits() async throws {
        try await withCluster { cp, _ in
            for (name, size) in [("small", "1Gi"), ("big", "10Gi"), ("fits", "5Gi")] {
                try await cp.must("apply", "-f", "-", stdin: Self.volume(name, size: size))
            }
            #expect(try await Self.waitFor(cp, ["get", "pv", "fits", "-o", "jsonpath={.status.phase}"], "Available") == "Available")
            try await cp.must("apply", "-f", "-", stdin: Self.claim("data", size: "2Gi"))
            #expect(try await Self.waitFor(cp, ["get", "pvc", "data", "-o", "jsonpath={.status.phase} {.spec.volumeName} {.status.capacity.storage}"],
                                           "Bound fits 5Gi") == "Bound fits 5Gi")
            #expect(try await cp.must("get", "pv", "fits", "-o", "jsonpath={.status.phase} {.spec.claimRef.name}") == "Bound data")
            let annotations = try await cp.must("get", "pvc", "data", "-o", "jsonpath={.metadata.annotations}")
            #expect(annotations.contains("pv.kubernetes.io/bind-completed") && annotations.contains("pv.kubernetes.io/bound-by-controller"))
            // Both carry their protection finalizers.
            #expect(try await cp.must("get", "pvc", "data", "-o", "jsonpath={.metadata.finalizers}").contains("kubernetes.io/pvc-protection"))
            #expect(try await cp.must("get", "pv", "fits", "-o", "jsonpath={.metadata.finalizers}").contains("kubernetes.io/pv-protection"))

            // Nothing fits: the claim waits, and says why.
            try await cp.must("apply", "-f", "-", stdin: Self.claim("huge", size: "100Gi", className: ""))
            _ = try await TestEnv.eventually(seconds: 30) { try await Self.events(cp, "huge").contains("FailedBinding") }
            #expect(try await Self.events(cp, "huge").contains("no persistent volumes available for this claim and no storage class is set"))
            #expect(try await cp.must("get", "pvc", "huge", "-o", "jsonpath={.status.phase}") == "Pending")

            // A claim that names a volume bound elsewhere.
            try await cp.must("apply", "-f", "-", stdin: Self.claim("thief", size: "1Gi", extra: "volumeName: fits"))
            _ = try await TestEnv.eventually(seconds: 30) { try await Self.events(cp, "thief").contains("FailedBinding") }
            #expect(try await Self.events(cp, "thief").contains("volume \"fits\" already bound to a different claim."))

            // Retain: the claim gone, the volume is Released and stays.
            try await cp.must("delete", "pvc", "data", "--wait=false")
            #expect(try await Self.waitFor(cp, ["get", "pv", "fits", "-o", "jsonpath={.status.phase}"], "Released") == "Released")
            // A Released volume is not bound again.
            try await cp.must("apply", "-f", "-", stdin: Self.claim("again", size: "5Gi"))
            #expect(try await Self.waitFor(cp, ["get", "pvc", "again", "-o", "jsonpath={.spec.volumeName}"], "big") == "big")
        }
    }

    @Test func localPathProvisionsOnTheSelectedNodeAndDeletes() async throws {
        try await withCluster(args: ["--local-path-root", "/srv/lp"]) { cp, _ in
            // The default class is applied to a claim that names none.
            #expect(try await cp.must("get", "sc") .contains("local-path (default)"))
            try await cp.must("apply", "-f", "-", stdin: Self.claim("db", size: "1Gi", className: nil))
            #expect(try await cp.must("get", "pvc", "db", "-o", "jsonpath={.spec.storageClassName}") == "local-path")
            _ = try await TestEnv.eventually(seconds: 30) { try await Self.events(cp, "db").contains("WaitForFirstConsumer") }
            #expect(try await Self.events(cp, "db").contains("waiting for first consumer to be created before binding"))

            // The scheduler's choice (set by hand here) provisions on that node.
            try await cp.must("annotate", "pvc", "db", "volume.kubernetes.io/selected-node=node-a")
            #expect(try await Self.waitFor(cp, ["get", "pvc", "db", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
            let uid = try await cp.must("get", "pvc", "db", "-o", "jsonpath={.metadata.uid}")
            let pv = "pvc-\(uid)"
            #expect(try await cp.must("get", "pvc", "db", "-o", "jsonpath={.spec.volumeName}") == pv)
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.spec.hostPath.path}") == "/srv/lp/\(pv)_default_db")
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}") == "node-a")
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.metadata.finalizers}").contains("external-provisioner.volume.kubernetes.io/finalizer"))
            let events = try await Self.events(cp, "db")
            #expect(events.contains("ProvisioningSucceeded: Successfully provisioned volume \(pv)"), "\(events)")

            // Expansion: a directory has no size, so the new size holds at once.
            try await cp.must("patch", "pvc", "db", "-p", "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"3Gi\"}}}}")
            #expect(try await Self.waitFor(cp, ["get", "pvc", "db", "-o", "jsonpath={.status.capacity.storage}"], "3Gi") == "3Gi")
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.spec.capacity.storage}") == "3Gi")

            // Delete: the claim gone, the volume is deleted; without a kubelet to
            // remove the directory it waits on the provisioner's finalizer.
            try await cp.must("delete", "pvc", "db")
            #expect(try await Self.waitFor(cp, ["get", "pv", pv, "-o", "jsonpath={.metadata.finalizers}"],
                                           "[\"external-provisioner.volume.kubernetes.io/finalizer\"]") == "[\"external-provisioner.volume.kubernetes.io/finalizer\"]")
            #expect(!(try await cp.must("get", "pv", pv, "-o", "jsonpath={.metadata.deletionTimestamp}")).isEmpty)

            // What local-path cannot do fails with a clear event.
            try await cp.must("apply", "-f", "-", stdin: Self.claim("shared", size: "1Gi", className: nil, modes: "[ReadWriteMany]"))
            try await cp.must("annotate", "pvc", "shared", "volume.kubernetes.io/selected-node=node-a")
            _ = try await TestEnv.eventually(seconds: 30) { try await Self.events(cp, "shared").contains("ProvisioningFailed") }
            #expect(try await Self.events(cp, "shared").contains("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"))
            // The scheduler is to choose again, as with the external-provisioner.
            #expect(try await Self.waitFor(cp, ["get", "pvc", "shared", "-o", "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}"], "") == "")
        }
    }

    @Test func aPodWithALocalPathClaimLandsWhereItsVolumeIsMade() async throws {
        try await withCluster(nodes: [.init("node-a"), .init("node-b")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.claim("cache", size: "1Gi", className: nil))
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: cache}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: cache}}
                  template:
                    metadata: {labels: {app: cache}}
                    spec:
                      containers: [{name: c, image: busybox:1.36}]
                      volumes: [{name: data, persistentVolumeClaim: {claimName: cache}}]
                """)
            #expect(try await Self.waitFor(cp, ["get", "pvc", "cache", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
            let node = try await Self.must(cp, ["get", "pvc", "cache", "-o", "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}"])
            #expect(node == "node-a" || node == "node-b")
            let pv = try await Self.must(cp, ["get", "pvc", "cache", "-o", "jsonpath={.spec.volumeName}"])
            #expect(try await Self.must(cp, ["get", "pv", pv, "-o", "jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}"]) == node)
            _ = await TestEnv.eventually(seconds: 60) {
                (try? await Self.must(cp, ["get", "pods", "-l", "app=cache", "-o", "jsonpath={.items[0].spec.nodeName}"])) == node
            }
            #expect(try await Self.must(cp, ["get", "pods", "-l", "app=cache", "-o", "jsonpath={.items[0].spec.nodeName}"]) == node)
            // The next pod of the Deployment goes to the same node: the volume is there.
            let first = try await Self.must(cp, ["get", "pods", "-l", "app=cache", "-o", "jsonpath={.items[0].metadata.name}"])
            try await cp.must("delete", "pod", first, "--wait=false")
            var placed: [Substring] = []
            _ = await TestEnv.eventually(seconds: 60) {
                let rows = (try? await Self.must(cp, ["get", "pods", "-l", "app=cache", "-o",
                                                      "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{\"\\n\"}{end}"])) ?? ""
                placed = rows.split(separator: "\n").filter { !$0.hasPrefix(first + " ") }.compactMap { $0.split(separator: " ").dropFirst().first }
                return !placed.isEmpty
            }
            #expect(placed == [Substring(node)], "\(placed)")
        }
    }

    @Test func aClaimInUseStaysUntilItsPodIsGone() async throws {
        try await withCluster(nodes: [.init("node-a")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.volume("vol", size: "1Gi"))
            try await cp.must("apply", "-f", "-", stdin: Self.claim("used", size: "1Gi"))
            #expect(try await Self.waitFor(cp, ["get", "pvc", "used", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: user}
                spec:
                  nodeName: node-a
                  containers: [{name: c, image: busybox:1.36}]
                  volumes: [{name: data, persistentVolumeClaim: {claimName: used}}]
                """)
            try await cp.must("delete", "pvc", "used", "--wait=false")
            try await Task.sleep(for: .seconds(2))
            // Still there, being deleted.
            #expect(!(try await cp.must("get", "pvc", "used", "-o", "jsonpath={.metadata.deletionTimestamp}")).isEmpty)
            #expect(try await cp.must("get", "pvc", "used", "-o", "jsonpath={.metadata.finalizers}").contains("kubernetes.io/pvc-protection"))
            // A bound volume cannot go either.
            try await cp.must("delete", "pv", "vol", "--wait=false")
            try await cp.must("delete", "pod", "user", "--grace-period=0", "--force")
            _ = try await TestEnv.eventually(seconds: 30) { (try await cp.kubectl("get", "pvc", "used")).status != 0 }
            #expect((try await cp.kubectl("get", "pvc", "used")).stderr.contains("NotFound"))
            // Released, then unprotected: the volume goes too.
            _ = try await TestEnv.eventually(seconds: 30) { (try await cp.kubectl("get", "pv", "vol")).status != 0 }
            #expect((try await cp.kubectl("get", "pv", "vol")).stderr.contains("NotFound"))
        }
    }

    @Test func genericEphemeralVolumesGetAClaimOwnedByThePod() async throws {
        try await withCluster { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: scratch}
                spec:
                  nodeName: node-x
                  containers: [{name: c, image: busybox:1.36}]
                  volumes:
                  - name: work
                    ephemeral:
                      volumeClaimTemplate:
                        metadata: {labels: {purpose: scratch}}
                        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
                """)
            #expect(try await Self.waitFor(cp, ["get", "pvc", "scratch-work", "-o", "jsonpath={.metadata.ownerReferences[0].name} {.metadata.labels.purpose}"],
                                           "scratch scratch") == "scratch scratch")
        }
    }

    @Test func badClaimsAndVolumesAreRefusedInKubernetesWords() async throws {
        try await withCluster { cp, _ in
            var r = try await cp.kubectl(["apply", "-f", "-"], stdin: Self.claim("nosize", size: "0"))
            #expect(r.status != 0 && r.stderr.contains("spec.resources[storage]: Invalid value: \"0\": must be greater than zero"), "\(r.output)")
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: nosource}
                spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce]}
                """)
            #expect(r.status != 0 && r.stderr.contains("spec: Required value: must specify a volume type"), "\(r.output)")
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: unknown}
                spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], floppy: {drive: a}}
                """)
            #expect(r.status != 0 && r.stderr.contains("floppy"), "\(r.output)")
            // A bound claim's spec is immutable, but for its size.
            try await cp.must("apply", "-f", "-", stdin: Self.volume("v", size: "1Gi"))
            try await cp.must("apply", "-f", "-", stdin: Self.claim("c", size: "1Gi"))
            _ = try await Self.waitFor(cp, ["get", "pvc", "c", "-o", "jsonpath={.status.phase}"], "Bound")
            r = try await cp.kubectl("patch", "pvc", "c", "-p", "{\"spec\":{\"accessModes\":[\"ReadWriteMany\"]}}")
            #expect(r.status != 0 && r.stderr.contains("spec is immutable after creation except resources.requests"), "\(r.output)")
            // Growing needs a class that allows it.
            r = try await cp.kubectl("patch", "pvc", "c", "-p", "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}")
            #expect(r.status != 0 && r.stderr.contains("only dynamically provisioned pvc can be resized"), "\(r.output)")
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: odd}
                provisioner: example.com/x
                reclaimPolicy: Recycle
                volumeBindingMode: Sometimes
                """)
            #expect(r.status != 0 && r.stderr.contains("reclaimPolicy: Unsupported value: \"Recycle\"")
                    && r.stderr.contains("volumeBindingMode: Unsupported value: \"Sometimes\""), "\(r.output)")
        }
    }
}

let kubernetesExamplesDirectory = ProcessInfo.processInfo.environment["KUBERNETES_EXAMPLES"] ?? ""
let kubernetesExamplesCheckout = TestRequirement("a checkout of github.com/kubernetes/examples in KUBERNETES_EXAMPLES") {
    !kubernetesExamplesDirectory.isEmpty && FileManager.default.fileExists(atPath: kubernetesExamplesDirectory + "/README.md")
}

/// The storage manifests of the public kubernetes/examples repository apply.
/// The repository is not part of this one: point `KUBERNETES_EXAMPLES` at a
/// checkout of it (github.com/kubernetes/examples).
@Suite(.requires(.product("controlplane"), .tool("kubectl"), kubernetesExamplesCheckout), .serialized)
struct StorageExamplesTests {
    static let directory = kubernetesExamplesDirectory

    /// Every PersistentVolume, PersistentVolumeClaim and StorageClass document of the checkout.
    static func storageDocuments() throws -> [(file: String, text: String)] {
        try exampleDocuments(in: directory, kinds: ["PersistentVolume", "PersistentVolumeClaim", "StorageClass"])
    }

    @Test func everyExampleApplies() async throws {
        let docs = try Self.storageDocuments()
        #expect(!docs.isEmpty)
        try await withCluster { cp, _ in
            for (file, doc) in docs {
                // Each on its own (several examples are classes named "fast"), as a dry run.
                let r = try await cp.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: doc)
                // What kube-apiserver 1.32 refuses too: storage.k8s.io/v1beta1 (removed
                // in 1.22) and fields a PV source never had (strict decoding).
                let refusedUpstream = doc.contains("storage.k8s.io/v1beta1") || r.stderr.contains("strict decoding error: unknown field")
                #expect(r.status == 0 || refusedUpstream, "\(file): \(r.output)")
            }
        }
    }
}

/// The attachdetach controller makes and removes VolumeAttachments for CSI volumes in use.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct AttachDetachTests {
    @Test func aCSIVolumeInUseOnANodeIsAttachedThereAndDetachedAfter() async throws {
        try await withCluster(nodes: [.init("node-a")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: disk}
                spec:
                  capacity: {storage: 1Gi}
                  accessModes: [ReadWriteOnce]
                  storageClassName: ""
                  csi: {driver: hostpath.csi.k8s.io, volumeHandle: vol-1}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: disk}
                spec: {accessModes: [ReadWriteOnce], storageClassName: "", volumeName: disk, resources: {requests: {storage: 1Gi}}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: user}
                spec:
                  nodeName: node-a
                  containers: [{name: c, image: busybox:1.36}]
                  volumes: [{name: d, persistentVolumeClaim: {claimName: disk}}]
                """)
            let name = StorageNames.attachmentName(volumeHandle: "vol-1", driver: "hostpath.csi.k8s.io", node: "node-a")
            #expect(name.hasPrefix("csi-") && name.count == 68)
            _ = await TestEnv.eventually(seconds: 60) { (try? await cp.kubectl("get", "volumeattachment", name))?.status == 0 }
            #expect(try await cp.must("get", "volumeattachment", name, "-o", "jsonpath={.spec.attacher} {.spec.nodeName} {.spec.source.persistentVolumeName}")
                    == "hostpath.csi.k8s.io node-a disk")
            try await cp.must("delete", "pod", "user", "--grace-period=0", "--force")
            _ = await TestEnv.eventually(seconds: 60) { (try? await cp.kubectl("get", "volumeattachment", name))?.status != 0 }
            #expect((try await cp.kubectl("get", "volumeattachment", name)).stderr.contains("NotFound"))
            // A driver that says it needs no attaching gets none.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: storage.k8s.io/v1
                kind: CSIDriver
                metadata: {name: hostpath.csi.k8s.io}
                spec: {attachRequired: false}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: user2}
                spec:
                  nodeName: node-a
                  containers: [{name: c, image: busybox:1.36}]
                  volumes: [{name: d, persistentVolumeClaim: {claimName: disk}}]
                """)
            try await Task.sleep(for: .seconds(2))
            #expect(try await cp.must("get", "volumeattachments", "-o", "name") == "")
        }
    }
}

/// The documents of kind `kinds` in a checkout of kubernetes/examples: each
/// YAML document, and each JSON file that is one object.
func exampleDocuments(in directory: String, kinds: Set<String>) throws -> [(file: String, text: String)] {
    var out: [(String, String)] = []
    let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
    for file in files.sorted() {
        if file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for doc in text.components(separatedBy: "\n---") {
                let found = doc.split(separator: "\n").filter { $0.hasPrefix("kind:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
                if let kind = found.first, kinds.contains(kind) { out.append((file, doc)) }
            }
        } else if file.hasSuffix(".json"), let data = FileManager.default.contents(atPath: directory + "/" + file),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let kind = object["kind"] as? String,
                  kinds.contains(kind) {
            out.append((file, String(decoding: data, as: UTF8.self)))
        }
    }
    return out
}
