import Testing
import TestSupport
import Glibc
@Suite(.enabled(if: TestCluster.available)) struct DebugCrash {
    @Test func crasher() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              nodeName: \(cluster.nodeName)
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "echo dying; exit 3"]
            """)
        for _ in 0..<20 {
            usleep(2_000_000)
            print(cluster.kubectl(["get", "pod", "crasher", "-o", "jsonpath={.status.containerStatuses[0]}"]).stdout)
        }
        print(cluster.kubeletLog)
    }
}
