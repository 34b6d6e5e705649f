import Foundation
import KubeAPI
import Testing
import TestSupport

/// ReplicationControllers (core/v1) through the real kubectl: the selector
/// and labels defaulted from the template, pods kept at the count, `kubectl
/// scale rc`, the columns of `kubectl get rc`, pods gone with the RC, and
/// upstream's validation errors.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct ReplicationControllerTests {
    static let rc = """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: web}
        spec:
          replicas: 3
          template:
            metadata: {labels: {app: web, tier: front}}
            spec: {containers: [{name: web, image: "nginx:1.25"}]}
        """

    @Test func podsAreKeptAtTheCountScaledAndCollected() async throws {
        try await withCluster(nodes: [.init("n1"), .init("n2")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.rc)
            // As upstream's v1 defaults: the selector and labels are the template's.
            #expect(try await cp.must("get", "rc", "web", "-o", "jsonpath={.spec.selector.app} {.spec.selector.tier} {.metadata.labels.app}")
                    == "web front web")
            let ready = { try await cp.must("get", "rc", "web", "-o", "jsonpath={.status.replicas}/{.status.readyReplicas}/{.status.availableReplicas}") }
            _ = try await TestEnv.eventually { try await ready() == "3/3/3" }
            #expect(try await ready() == "3/3/3")
            let owner = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].apiVersion}")
            #expect(owner == "ReplicationController/v1")
            let table = try await cp.must("get", "rc", "web", "-o", "wide")
            #expect(table.hasPrefix("NAME   DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR"), "\(table)")
            #expect(table.contains("app=web,tier=front"), "\(table)")

            // kubectl scale rc goes through the scale subresource.
            #expect(try await cp.must("get", "--raw", "/api/v1/namespaces/default/replicationcontrollers/web/scale")
                .contains(#""selector":"app=web,tier=front""#))
            try await cp.must("scale", "rc", "web", "--replicas=1")
            let scaled = { try await cp.must("get", "pods", "-l", "app=web", "-o", "name").trimmingCharacters(in: .whitespacesAndNewlines) }
            _ = try await TestEnv.eventually { try await scaled().split(separator: "\n").count == 1 }
            #expect(try await scaled().split(separator: "\n").count == 1)
            #expect(try await cp.must("get", "rc", "web", "-o", "jsonpath={.status.replicas}") == "1")

            // A pod deleted by hand comes back; the RC deleted, its pods go with it.
            let pod = try await scaled()
            try await cp.must("delete", pod, "--wait=false")
            _ = try await TestEnv.eventually { let p = try await scaled(); return !p.isEmpty && p != pod }
            #expect(try await scaled() != pod)
            try await cp.must("delete", "rc", "web")
            _ = try await TestEnv.eventually { try await cp.must("get", "pods", "-l", "app=web", "-o", "name").isEmpty }
            #expect(try await cp.must("get", "pods", "-l", "app=web", "-o", "name").isEmpty)
        }
    }

    @Test func badReplicationControllersAreRefusedWithTheField() async throws {
        try await withCluster { cp, _ in
            let mismatch = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: ReplicationController
                metadata: {name: bad}
                spec:
                  selector: {app: other}
                  template:
                    metadata: {labels: {app: web}}
                    spec: {containers: [{name: web, image: "nginx:1.25"}]}
                """)
            #expect(mismatch.status != 0)
            #expect(mismatch.output.contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"),
                    "\(mismatch.output)")
            let restart = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: ReplicationController
                metadata: {name: bad}
                spec:
                  replicas: -1
                  template:
                    metadata: {labels: {app: web}}
                    spec: {restartPolicy: OnFailure, containers: [{name: web, image: "nginx:1.25"}]}
                """)
            #expect(restart.output.contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"), "\(restart.output)")
            #expect(restart.output.contains("spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""),
                    "\(restart.output)")
        }
    }
}

/// The workload manifests of the public kubernetes/examples repository
/// apply (a server-side dry run), kind by kind with the number the corpus
/// has; see StorageExamplesTests for `KUBERNETES_EXAMPLES`.
@Suite(.requires(.product("controlplane"), .tool("kubectl"), kubernetesExamplesCheckout), .serialized)
struct WorkloadExamplesTests {
    @Test(arguments: [("ReplicationController", 33), ("StatefulSet", 4), ("HorizontalPodAutoscaler", 2)])
    func everyExampleApplies(kind: String, atLeast: Int) async throws {
        let docs = try exampleDocuments(in: kubernetesExamplesDirectory, kinds: [kind])
        #expect(docs.count >= atLeast)
        try await withCluster { cp, _ in
            for (file, doc) in docs {
                // Namespaces the examples expect to exist (kubectl create -f of their directory makes them).
                for line in doc.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("namespace:") {
                    let namespace = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                    _ = try await cp.kubectl(["create", "namespace", namespace])
                }
                let r = try await cp.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: doc)
                // Templates with `{{…}}` placeholders are not YAML: kubectl itself refuses them.
                let notYAML = r.stderr.contains("error parsing STDIN")
                #expect(r.status == 0 || notYAML, "\(file): \(r.output)")
            }
        }
    }
}
