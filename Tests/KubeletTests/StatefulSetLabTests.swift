import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinuxSystem
import Runtime
import TestSupport

/// A StatefulSet on a real node (controlplane + kubelet in a test network
/// namespace, local-path volumes): its pods start in order, each writes to
/// its own claim, and a deleted pod comes back with the same name and finds
/// its data.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct StatefulSetLabTests {
    @Test func podsKeepTheirDataAcrossADeletion() throws {
        let storage = TestPaths.temporaryDirectory("swiftkube-sts-storage")
        defer { try? FileIO.removeTree(storage) }
        let cluster = try TestCluster(controlPlaneArguments: ["--local-path-root", storage])
        defer { cluster.tearDown() }
        try cluster.apply("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: data}
            spec:
              serviceName: data
              replicas: 2
              selector: {matchLabels: {app: data}}
              template:
                metadata: {labels: {app: data}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: busybox:1.35
                    command: ["sh", "-c", "hostname >> /data/log; sleep 3600"]
                    volumeMounts: [{name: www, mountPath: /data}]
              volumeClaimTemplates:
              - metadata: {name: www}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """)
        let ready = eventually(seconds: 180) {
            cluster.kubectl(["get", "sts", "data", "-o", "jsonpath={.status.readyReplicas}"]).stdout == "2"
        }
        #expect(ready, "\(cluster.kubectl(["get", "pods,pvc", "-o", "wide"]).stdout)\n\(cluster.kubeletLog)")
        // data-1 was made once data-0 was Ready.
        let created = cluster.jsonpath("data-1", "{.metadata.creationTimestamp}")
        let readyAt = cluster.jsonpath("data-0", "{.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}")
        #expect(!created.isEmpty && created >= readyAt, "\(created) \(readyAt)")

        func log(_ pod: String) -> String {
            let volume = cluster.kubectl(["get", "pvc", "www-\(pod)", "-o", "jsonpath={.spec.volumeName}"]).stdout
            let path = cluster.kubectl(["get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}"]).stdout
            return path.isEmpty ? "" : ((try? FileIO.read(path + "/log")) ?? "")
        }
        #expect(eventually(seconds: 30) { log("data-0") == "data-0\n" }, "\(log("data-0"))")
        #expect(eventually(seconds: 30) { log("data-1") == "data-1\n" }, "\(log("data-1"))")

        // Deleted, data-0 comes back with its name, its claim and its data.
        let uid = cluster.jsonpath("data-0", "{.metadata.uid}")
        #expect(cluster.kubectl(["delete", "pod", "data-0", "--wait=false"]).code == 0)
        let back = eventually(seconds: 120) {
            let p = cluster.jsonpath("data-0", "{.metadata.uid} {.status.phase}")
            return !p.hasPrefix(uid) && p.hasSuffix("Running")
        }
        #expect(back, "\(cluster.kubeletLog)")
        #expect(eventually(seconds: 30) { log("data-0") == "data-0\ndata-0\n" }, "\(log("data-0"))")
        #expect(cluster.kubectl(["delete", "sts", "data"]).code == 0)
    }
}
