import Foundation
import KubeAPI
import Testing
import TestSupport

/// `pods/NAME/ephemeralcontainers` as kubectl 1.32 uses it, against a real
/// control plane without kubelets: what `kubectl debug` sends, what the
/// server keeps and what it refuses, in upstream's words. The containers
/// running is KubeletTests' `EphemeralContainerKubeletTests`.
@Suite(.requires(.product("controlplane"), .kubectl))
struct EphemeralContainersKubectlTests {
    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p1, labels: {app: p1}}
        spec:
          containers:
          - {name: c, image: "busybox:1.36", command: [sleep, "3600"]}

        """

    /// The pod's `spec.ephemeralContainers` as JSON.
    func ephemeral(_ c: ClusterFixture, _ pod: String = "p1") throws -> [JSONValue] {
        let r = try c.kubectl("get", "pod", pod, "-o", "json")
        return try JSONParser.parse(Array(r.stdout.utf8))[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []
    }

    /// PUTs `body` to `path` (`kubectl replace --raw`).
    func put(_ c: ClusterFixture, _ path: String, _ body: JSONValue) throws -> CommandResult {
        try c.kubectl(["replace", "--raw", path, "-f", "-"], stdin: JSONWriter.string(body))
    }

    @Test func kubectlDebugAddsEphemeralContainers() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod)
            #expect(r.status == 0, "\(r.output)")

            // Discovery lists the subresource.
            r = try c.kubectl("get", "--raw", "/api/v1")
            #expect(r.stdout.contains("\"pods/ephemeralcontainers\""))

            // kubectl debug sends a strategic merge patch to pods/p1/ephemeralcontainers.
            r = try c.kubectl("debug", "p1", "--image=busybox:1.35", "--target=c", "--", "sh", "-c", "ps")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("Defaulting debug container name to debugger-"), "\(r.output)")
            var list = try ephemeral(c)
            #expect(list.count == 1)
            let first = try #require(list.first)
            let name = try #require(first["name"]?.stringValue)
            #expect(name.hasPrefix("debugger-"))
            #expect(first["image"] == "busybox:1.35" && first["targetContainerName"] == "c")
            #expect(first["command"] == ["sh", "-c", "ps"])
            #expect(first["terminationMessagePolicy"] == "File" && first["imagePullPolicy"] == "IfNotPresent")
            #expect(first["terminationMessagePath"] == "/dev/termination-log")

            // A second one joins the first; the GET of the subresource is the pod.
            r = try c.kubectl("debug", "p1", "--image=busybox:1.35", "-c", "second", "--", "true")
            #expect(r.status == 0, "\(r.output)")
            list = try ephemeral(c)
            #expect(list.compactMap { $0["name"]?.stringValue } == [name, "second"])
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/p1/ephemeralcontainers")
            let viaSub = try JSONParser.parse(Array(r.stdout.utf8))
            #expect(viaSub["kind"] == "Pod" && viaSub[path: ["spec", "ephemeralContainers"]]?.arrayValue?.count == 2)
            #expect((viaSub[path: ["metadata", "managedFields"]]?.arrayValue ?? []).contains { $0["subresource"] == "ephemeralcontainers" })

            // A name already taken.
            r = try c.kubectl("debug", "p1", "--image=busybox:1.35", "-c", "c")
            #expect(r.status != 0)
            #expect(r.stderr.contains("spec.ephemeralContainers[2].name: Duplicate value: \"c\""), "\(r.stderr)")
            // A target that does not exist.
            r = try c.kubectl("debug", "p1", "--image=busybox:1.35", "--target=nope")
            #expect(r.stderr.contains("spec.ephemeralContainers[2].targetContainerName: Not found: \"nope\""), "\(r.stderr)")
            // A pod that does not exist.
            r = try c.kubectl("debug", "nope", "--image=busybox:1.35")
            #expect(r.stderr.contains("pods \"nope\" not found"), "\(r.stderr)")
            #expect(try ephemeral(c).count == 2)
        }
    }

    @Test func updatesMayOnlyAddEphemeralContainers() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("debug", "p1", "--image=busybox:1.35", "-c", "dbg")
            #expect(r.status == 0, "\(r.output)")
            let sub = "/api/v1/namespaces/default/pods/p1/ephemeralcontainers"
            r = try c.kubectl("get", "--raw", sub)
            let pod = try JSONParser.parse(Array(r.stdout.utf8))

            // Removing one.
            var removed = pod
            removed.set(path: ["spec", "ephemeralContainers"], to: .array([]))
            r = try put(c, sub, removed)
            #expect(r.status != 0)
            #expect(r.output.contains("existing ephemeral containers") && r.output.contains("dbg") && r.output.contains("may not be removed"), "\(r.output)")

            // Changing one.
            var changed = pod
            changed.set(path: ["spec", "ephemeralContainers"], to: [["name": "dbg", "image": "busybox:1.36"]])
            r = try put(c, sub, changed)
            #expect(r.output.contains("existing ephemeral containers") && r.output.contains("may not be changed"), "\(r.output)")

            // Fields ephemeral containers may not have.
            var ports = pod
            var list = pod[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []
            list.append(["name": "web", "image": "busybox:1.35", "ports": [["containerPort": 80]], "readinessProbe": ["exec": ["command": ["true"]]]])
            ports.set(path: ["spec", "ephemeralContainers"], to: .array(list))
            r = try put(c, sub, ports)
            #expect(r.output.contains("spec.ephemeralContainers[1].ports: Forbidden: cannot be set for an Ephemeral Container"), "\(r.output)")
            #expect(r.output.contains("spec.ephemeralContainers[1].readinessProbe: Forbidden: cannot be set for an Ephemeral Container"), "\(r.output)")

            // A valid PUT adds one and drops every other change of the body.
            var added = pod
            list = pod[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []
            list.append(["name": "more", "image": "busybox:1.35"])
            added.set(path: ["spec", "ephemeralContainers"], to: .array(list))
            added.set(path: ["metadata", "labels"], to: ["app": "changed"])
            added.set(path: ["spec", "activeDeadlineSeconds"], to: 5)
            r = try put(c, sub, added)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "pod", "p1", "-o", "jsonpath={.metadata.labels.app} {.spec.ephemeralContainers[*].name} {.spec.activeDeadlineSeconds}")
            #expect(r.stdout == "p1 dbg more ", "\(r.output)")

            // Through the pod itself they cannot change.
            r = try c.kubectl("get", "pod", "p1", "-o", "json")
            var whole = try JSONParser.parse(Array(r.stdout.utf8))
            whole.set(path: ["spec", "ephemeralContainers"], to: [["name": "dbg", "image": "busybox:1.35"]])
            r = try put(c, "/api/v1/namespaces/default/pods/p1", whole)
            #expect(r.output.contains("pod updates may not change fields other than"), "\(r.output)")

            // Nor be there on create.
            r = try c.kubectl(["create", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: p2}
                spec:
                  containers: [{name: c, image: "busybox:1.36"}]
                  ephemeralContainers: [{name: e, image: "busybox:1.36"}]

                """)
            #expect(r.stderr.contains("spec.ephemeralContainers: Forbidden: cannot be set on create"), "\(r.stderr)")
        }
    }

    @Test func debugByCopyAndNodeDebugPods() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod + """
                ---
                apiVersion: v1
                kind: Node
                metadata: {name: worker-1}

                """)
            #expect(r.status == 0, "\(r.output)")

            // --copy-to: a new pod with the original containers and a debug container.
            r = try c.kubectl("debug", "p1", "--copy-to=p1-debug", "--image=busybox:1.35", "--", "sleep", "3600")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "pod", "p1-debug", "-o", "jsonpath={.spec.containers[*].name}|{.spec.containers[1].image}|{.metadata.labels}")
            let parts = r.stdout.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.count == 3 && parts[0].hasPrefix("c debugger-") && parts[1] == "busybox:1.35", "\(r.output)")
            #expect(parts.last == "", "the legacy profile drops the labels: \(r.output)")

            // node/NAME: a pod on the node in its host namespaces with / at /host.
            r = try c.kubectl("debug", "node/worker-1", "--image=busybox:1.35", "--", "true")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("Creating debugging pod node-debugger-worker-1-"), "\(r.output)")
            r = try c.kubectl("get", "pods", "-o", "json")
            let items = try JSONParser.parse(Array(r.stdout.utf8))["items"]?.arrayValue ?? []
            let node = try #require(items.first { ($0[path: ["metadata", "name"]]?.stringValue ?? "").hasPrefix("node-debugger-worker-1-") })
            let spec = try #require(node["spec"])
            #expect(spec["nodeName"] == "worker-1" && spec["hostPID"] == true && spec["hostNetwork"] == true && spec["hostIPC"] == true)
            #expect(spec["restartPolicy"] == "Never")
            #expect(spec["volumes"]?.arrayValue?.first?[path: ["hostPath", "path"]] == "/")
            #expect(spec["containers"]?.arrayValue?.first?["volumeMounts"]?.arrayValue?.first?["mountPath"] == "/host")
        }
    }
}
