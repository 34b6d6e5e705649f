import Foundation
import KubeAPI
import Testing
import TestSupport

/// StatefulSets through the real kubectl: pods made in ordinal order with a
/// claim each, a deleted pod back with its name and claim, a partitioned
/// rolling update, `kubectl rollout status|history|undo statefulset`, and
/// the 422 of a selector change.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct StatefulSetTests {
    static let manifest = """
        apiVersion: v1
        kind: Service
        metadata: {name: nginx}
        spec:
          clusterIP: None
          selector: {app: web}
          ports: [{port: 80, name: web}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: web}
        spec:
          serviceName: nginx
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: web
                image: "nginx:1.25"
                volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
          volumeClaimTemplates:
          - metadata: {name: www}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """

    static func value(_ cp: TestControlPlane, _ args: String...) async throws -> String {
        let r = try await cp.kubectl(args)
        guard r.status == 0 else { throw TestError("kubectl \(args.joined(separator: " ")) failed: \(r.output)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitFor(_ cp: TestControlPlane, _ expected: String, seconds: Double = 90, _ args: String...) async throws -> String {
        var last = ""
        _ = await TestEnv.eventually(seconds: seconds) {
            let r = try? await cp.kubectl(args)
            last = r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return last == expected
        }
        return last
    }

    @Test func podsComeUpInOrderWithClaimsAndRollWithAPartition() async throws {
        try await withCluster(nodes: [.init("n1"), .init("n2")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.manifest)
            #expect(try await Self.waitFor(cp, "3/3", "get", "sts", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.replicas}") == "3/3")
            let table = try await Self.value(cp, "get", "sts", "web")
            #expect(table.hasPrefix("NAME   READY   AGE") && table.contains("web    3/3"), "\(table)")

            // Stable names, identity and one claim per pod, each made after its predecessor was Ready.
            #expect(try await Self.value(cp, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}") == "web-0 web-1 web-2")
            for i in 0..<3 {
                let identity = try await Self.value(cp, "get", "pod", "web-\(i)", "-o",
                    "jsonpath={.spec.hostname} {.spec.subdomain} {.metadata.labels.statefulset\\.kubernetes\\.io/pod-name} {.metadata.labels.apps\\.kubernetes\\.io/pod-index} {.spec.volumes[0].persistentVolumeClaim.claimName}")
                #expect(identity == "web-\(i) nginx web-\(i) \(i) www-web-\(i)")
            }
            #expect(try await Self.value(cp, "get", "pvc", "-o", "jsonpath={.items[*].metadata.name}") == "www-web-0 www-web-1 www-web-2")
            for i in 1..<3 {
                let created = try await Self.value(cp, "get", "pod", "web-\(i)", "-o", "jsonpath={.metadata.creationTimestamp}")
                let before = try await Self.value(cp, "get", "pod", "web-\(i - 1)", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}")
                #expect(created >= before, "web-\(i) created \(created) before web-\(i - 1) was ready at \(before)")
            }
            // The headless Service's endpoints name the pods: cluster-dns answers web-0.nginx.default.svc.cluster.local.
            let hostnames = {
                ((try? await Self.value(cp, "get", "endpointslices", "-l", "kubernetes.io/service-name=nginx", "-o",
                                        "jsonpath={.items[*].endpoints[*].hostname}")) ?? "").split(separator: " ").sorted()
            }
            _ = await TestEnv.eventually(seconds: 30) { await hostnames() == ["web-0", "web-1", "web-2"] }
            #expect(await hostnames() == ["web-0", "web-1", "web-2"])
            let events = try await Self.value(cp, "get", "events", "--field-selector", "involvedObject.name=web", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
            #expect(events.contains("create Claim www-web-0 Pod web-0 in StatefulSet web success"), "\(events)")
            #expect(events.contains("create Pod web-2 in StatefulSet web successful"), "\(events)")

            // A deleted pod comes back with its name and its claim.
            let uid = try await Self.value(cp, "get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}")
            let claimUID = try await Self.value(cp, "get", "pvc", "www-web-1", "-o", "jsonpath={.metadata.uid}")
            // (Without --wait=false, kubectl can miss the deletion when the pod
            // of the same name is back before its watch starts, as upstream's.)
            try await cp.must("delete", "pod", "web-1", "--wait=false")
            _ = await TestEnv.eventually(seconds: 60) {
                let now = (try? await Self.value(cp, "get", "pod", "web-1", "-o", "jsonpath={.metadata.uid} {.status.phase}")) ?? ""
                return now.hasSuffix("Running") && !now.hasPrefix(uid)
            }
            #expect(try await Self.value(cp, "get", "pod", "web-1", "-o", "jsonpath={.spec.volumes[0].persistentVolumeClaim.claimName}") == "www-web-1")
            #expect(try await Self.value(cp, "get", "pvc", "www-web-1", "-o", "jsonpath={.metadata.uid}") == claimUID)
            #expect(try await Self.value(cp, "get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}") != uid)

            // A partitioned rolling update: only ordinals >= 2 move.
            try await cp.must("patch", "sts", "web", "-p", #"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#)
            try await cp.must("set", "image", "sts/web", "web=nginx:1.26")
            let partitioned = try await cp.kubectl(["rollout", "status", "sts/web", "--timeout=90s"])
            #expect(partitioned.stdout.contains("partitioned roll out complete: 1 new pods have been updated..."), "\(partitioned.output)")
            let images = { try await Self.value(cp, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image} {end}") }
            #expect(try await images() == "web-0=nginx:1.25 web-1=nginx:1.25 web-2=nginx:1.26")
            #expect(try await Self.value(cp, "get", "sts", "web", "-o", "jsonpath={.status.updatedReplicas} {.status.currentReplicas}") == "1 2")

            // The rest of the way, then history and undo through ControllerRevisions.
            try await cp.must("patch", "sts", "web", "-p", #"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}"#)
            let done = try await cp.kubectl(["rollout", "status", "sts/web", "--timeout=120s"])
            #expect(done.status == 0 && done.stdout.contains("3 new pods have been updated"), "\(done.output)")
            #expect(try await images() == "web-0=nginx:1.26 web-1=nginx:1.26 web-2=nginx:1.26")
            let current = try await Self.value(cp, "get", "sts", "web", "-o", "jsonpath={.status.currentRevision} {.status.updateRevision}")
            let revisions = try await Self.value(cp, "get", "controllerrevisions", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.revision} {end}")
            #expect(revisions.split(separator: " ").count == 2, "\(revisions)")
            #expect(current.split(separator: " ").count == 2 && current.split(separator: " ")[0] == current.split(separator: " ")[1], "\(current)")
            let crTable = try await Self.value(cp, "get", "controllerrevisions")
            #expect(crTable.hasPrefix("NAME") && crTable.contains("statefulset.apps/web"), "\(crTable)")
            let history = try await Self.value(cp, "rollout", "history", "sts/web")
            #expect(history.contains("REVISION") && history.contains("1 ") && history.contains("2 "), "\(history)")
            let rev1 = try await Self.value(cp, "rollout", "history", "sts/web", "--revision=1")
            #expect(rev1.contains("nginx:1.25"), "\(rev1)")
            try await cp.must("rollout", "undo", "sts/web")
            let undone = try await cp.kubectl(["rollout", "status", "sts/web", "--timeout=120s"])
            #expect(undone.status == 0, "\(undone.output)")
            #expect(try await Self.waitFor(cp, "web-0=nginx:1.25 web-1=nginx:1.25 web-2=nginx:1.25", "get", "pods", "-l", "app=web", "-o",
                                           "jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image} {end}")
                    == "web-0=nginx:1.25 web-1=nginx:1.25 web-2=nginx:1.25")
            // Revision 1 came back as revision 3.
            let after = try await Self.value(cp, "rollout", "history", "sts/web")
            #expect(after.contains("3 ") && !after.contains("\n1 "), "\(after)")

            // Scaled down, the highest ordinal goes and its claim stays (Retain).
            try await cp.must("scale", "sts", "web", "--replicas=2")
            #expect(try await Self.waitFor(cp, "web-0 web-1", "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}") == "web-0 web-1")
            #expect(try await Self.value(cp, "get", "pvc", "www-web-2", "-o", "name") == "persistentvolumeclaim/www-web-2")
        }
    }

    static let db = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          serviceName: db
          replicas: 2
          podManagementPolicy: Parallel
          persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec: {containers: [{name: db, image: "postgres:16", volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]}]}
          volumeClaimTemplates:
          - metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
        """

    @Test func claimsFollowTheRetentionPolicyAndOrphansAreAdopted() async throws {
        try await withCluster(nodes: [.init("n1")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.db)
            #expect(try await Self.waitFor(cp, "2", "get", "sts", "db", "-o", "jsonpath={.status.readyReplicas}") == "2")
            let setUID = try await Self.value(cp, "get", "sts", "db", "-o", "jsonpath={.metadata.uid}")
            #expect(try await Self.waitFor(cp, "StatefulSet/\(setUID)/true", "get", "pvc", "data-db-0", "-o",
                                           "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].uid}/{.metadata.ownerReferences[0].controller}")
                    == "StatefulSet/\(setUID)/true")

            // Scaled down (whenScaled: Delete): the claim passes to its pod and goes with it.
            try await cp.must("scale", "sts", "db", "--replicas=1")
            #expect(try await Self.waitFor(cp, "data-db-0", "get", "pvc", "-o", "jsonpath={.items[*].metadata.name}") == "data-db-0")
            #expect(try await Self.waitFor(cp, "db-0", "get", "pods", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}") == "db-0")

            // Deleted with --cascade=orphan and made again: the new set adopts the pod and its claim.
            let podUID = try await Self.value(cp, "get", "pod", "db-0", "-o", "jsonpath={.metadata.uid}")
            try await cp.must("delete", "sts", "db", "--cascade=orphan")
            #expect(try await Self.waitFor(cp, "", "get", "pod", "db-0", "-o", "jsonpath={.metadata.ownerReferences}") == "")
            try await cp.must("apply", "-f", "-", stdin: Self.db.replacingOccurrences(of: "replicas: 2", with: "replicas: 1"))
            let newUID = try await Self.value(cp, "get", "sts", "db", "-o", "jsonpath={.metadata.uid}")
            #expect(newUID != setUID)
            #expect(try await Self.waitFor(cp, "\(podUID) \(newUID)", "get", "pod", "db-0", "-o", "jsonpath={.metadata.uid} {.metadata.ownerReferences[0].uid}")
                    == "\(podUID) \(newUID)")
            #expect(try await Self.waitFor(cp, newUID, "get", "pvc", "data-db-0", "-o", "jsonpath={.metadata.ownerReferences[0].uid}") == newUID)
            #expect(try await Self.waitFor(cp, "1", "get", "controllerrevisions", "-l", "app=db", "-o",
                                           "jsonpath={.items[?(@.metadata.ownerReferences[0].uid==\"\(newUID)\")].revision}") == "1")

            // Deleted (whenDeleted: Delete): pods and claims go with it.
            try await cp.must("delete", "sts", "db")
            #expect(try await Self.waitFor(cp, "", "get", "pvc", "-o", "jsonpath={.items[*].metadata.name}") == "")
            #expect(try await Self.waitFor(cp, "", "get", "pods", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}") == "")
        }
    }

    @Test func changingTheSelectorIsRefusedWithTheField() async throws {
        try await withCluster { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.manifest)
            let changed = Self.manifest
                .replacingOccurrences(of: "selector: {matchLabels: {app: web}}", with: "selector: {matchLabels: {app: web, tier: x}}")
                .replacingOccurrences(of: "metadata: {labels: {app: web}}", with: "metadata: {labels: {app: web, tier: x}}")
            let r = try await cp.kubectl(["apply", "-f", "-"], stdin: changed)
            #expect(r.status != 0)
            #expect(r.output.contains("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"),
                    "\(r.output)")
        }
    }
}
