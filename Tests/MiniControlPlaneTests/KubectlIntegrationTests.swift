import Foundation
import KubeAPI
import Testing
import TestSupport

let manifests = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
          - name: nginx
            image: nginx:1.25
            ports: [{containerPort: 80}]
            env: [{name: A, value: "1"}]
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector: {app: web}
      ports: [{port: 80, targetPort: 80}]
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: p1
      labels: {app: p1, tier: back}
    spec:
      containers:
      - name: c
        image: busybox:1.36
        command: [sleep, "3600"]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: fast

    """

@Suite(.requires(.product("controlplane"), .kubectl))
struct KubectlIntegrationTests {
    @Test(arguments: Backend.available)
    func everydayKubectl(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            // apply: create, then change and re-apply.
            var r = try c.kubectl(["apply", "-f", "-"], stdin: manifests)
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("deployment.apps/web created"))
            #expect(r.stdout.contains("pod/p1 created"))
            let changed = manifests.replacingOccurrences(of: "replicas: 2", with: "replicas: 3").replacingOccurrences(of: "nginx:1.25", with: "nginx:1.26")
            r = try c.kubectl(["apply", "-f", "-"], stdin: changed)
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("deployment.apps/web configured"))
            #expect(r.stdout.contains("pod/p1 unchanged"))
            #expect(!r.stderr.contains("warning"), "\(r.stderr)")
            r = try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.strategy.rollingUpdate.maxSurge}")
            #expect(r.stdout == "3 nginx:1.26 25%")

            // get in its forms.
            r = try c.kubectl("get", "pod", "p1", "-o", "yaml")
            #expect(r.stdout.contains("restartPolicy: Always") && r.stdout.contains("dnsPolicy: ClusterFirst"))
            #expect(r.stdout.contains("terminationGracePeriodSeconds: 30") && r.stdout.contains("imagePullPolicy: IfNotPresent"))
            r = try c.kubectl("get", "svc", "web", "-o", "json")
            #expect(r.stdout.contains("\"clusterIP\": \"10."))
            r = try c.kubectl("get", "pods", "-o", "wide")
            #expect(r.stdout.contains("NOMINATED NODE") && r.stdout.contains("p1"))
            r = try c.kubectl("get", "pods", "-l", "tier=back", "-o", "name")
            #expect(r.stdout == "pod/p1\n")
            r = try c.kubectl("get", "pods", "-l", "tier=front", "-o", "name")
            #expect(r.stdout.isEmpty)
            r = try c.kubectl("get", "po,svc,deploy,cm")
            #expect(r.status == 0 && r.stdout.contains("service/kubernetes") && r.stdout.contains("configmap/settings"))
            r = try c.kubectl("get", "all")
            #expect(r.stdout.contains("pod/p1") && r.stdout.contains("service/web") && r.stdout.contains("deployment.apps/web"))
            #expect(!r.stdout.contains("configmap"))

            // describe, label, annotate, scale.
            r = try c.kubectl("describe", "pod", "p1")
            #expect(r.status == 0 && r.stdout.contains("Tolerations:") && r.stdout.contains("busybox:1.36"))
            r = try c.kubectl("describe", "deployment", "web")
            #expect(r.status == 0 && r.stdout.contains("RollingUpdateStrategy:  25% max unavailable, 25% max surge"))
            #expect(try c.kubectl("label", "pod", "p1", "color=blue").status == 0)
            #expect(try c.kubectl("annotate", "pod", "p1", "note=hello").status == 0)
            r = try c.kubectl("get", "pod", "p1", "-o", "jsonpath={.metadata.labels.color} {.metadata.annotations.note}")
            #expect(r.stdout == "blue hello")
            #expect(try c.kubectl("label", "pod", "p1", "color-").status == 0)
            #expect(try c.kubectl("scale", "deployment", "web", "--replicas=5").status == 0)
            #expect(try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "5")

            // patch: json, merge, strategic.
            r = try c.kubectl("patch", "deploy", "web", "--type=json", "-p", #"[{"op":"replace","path":"/spec/replicas","value":1}]"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "deploy", "web", "--type=merge", "-p", #"{"metadata":{"labels":{"patched":"yes"}}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "deploy", "web", "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.labels.patched} {.spec.template.spec.containers[*].name}")
            #expect(r.stdout == "1 yes nginx sidecar")

            // edit through KUBE_EDITOR.
            let editor = c.dir.appendingPathComponent("editor.sh")
            try "#!/bin/sh\nsed -i 's/mode: fast/mode: slow/' \"$1\"\n".write(to: editor, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
            r = try c.kubectl(["edit", "configmap", "settings"], env: ["KUBE_EDITOR": editor.path])
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "cm", "settings", "-o", "jsonpath={.data.mode}").stdout == "slow")

            // server-side dry run changes nothing.
            r = try c.kubectl("scale", "deployment", "web", "--replicas=9", "--dry-run=server")
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "1")

            // delete.
            r = try c.kubectl("delete", "pod", "p1")
            #expect(r.status == 0 && r.stdout.contains("pod \"p1\" deleted"), "\(r.output)")
            r = try c.kubectl(["delete", "--ignore-not-found", "-f", "-"], stdin: manifests)
            #expect(r.status == 0, "\(r.output)")
            // What is left: the root CA ConfigMap every namespace gets; the
            // garbage collector removes the ReplicaSet's pods in the background.
            for _ in 0..<300 {
                r = try c.kubectl("get", "pods,deploy,rs,cm", "-o", "name")
                if r.stdout == "configmap/kube-root-ca.crt\n" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(r.stdout == "configmap/kube-root-ca.crt\n", "\(r.output)")
        }
    }

    /// kubectl's typed commands send protobuf bodies.
    @Test(arguments: Backend.available)
    func typedCreateCommandsAndDrain(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            for args in [["create", "namespace", "team"], ["create", "deployment", "d1", "--image=nginx:1.25", "--replicas=2", "--port=8080"],
                         ["create", "service", "nodeport", "s1", "--tcp=80:8080"], ["create", "secret", "generic", "s", "--from-literal=a=b"],
                         ["create", "configmap", "c", "--from-literal=x=y"], ["create", "serviceaccount", "sa1"],
                         ["expose", "deployment", "d1", "--port=80", "--name=d1svc"], ["set", "image", "deployment/d1", "nginx=nginx:1.26"],
                         ["rollout", "restart", "deployment/d1"]] {
                let r = try c.kubectl(args)
                #expect(r.status == 0, "\(args): \(r.output)")
            }
            var r = try c.kubectl("get", "deploy", "d1", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}")
            #expect(r.stdout == "2 nginx:1.26 8080")
            r = try c.kubectl("get", "secret", "s", "-o", "jsonpath={.data.a}")
            #expect(r.stdout == "Yg==")
            r = try c.kubectl("get", "svc", "s1", "-o", "jsonpath={.spec.type} {.spec.ports[0].nodePort}")
            #expect(r.stdout.hasPrefix("NodePort 3"), "\(r.output)")
            // cordon and drain evict through pods/eviction (protobuf).
            #expect(try c.kubectl(["create", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}"#).status == 0)
            #expect(try c.kubectl(["run", "dp", "--image=busybox:1.36", "--overrides={\"spec\":{\"nodeName\":\"n1\"}}"]).status == 0)
            r = try c.kubectl("drain", "n1", "--force", "--grace-period=0", "--ignore-daemonsets")
            #expect(r.status == 0 && r.output.contains("pod/dp evicted"), "\(r.output)")
            r = try c.kubectl("get", "node", "n1", "-o", "jsonpath={.spec.unschedulable}")
            #expect(r.stdout == "true")
            #expect(try c.kubectl("get", "pod", "dp").status != 0)
            r = try c.kubectl("delete", "namespace", "team")
            #expect(r.status == 0, "\(r.output)")
            // kubectl auth can-i answers from the enforced rules.
            #expect(try c.kubectl("auth", "can-i", "create", "pods").stdout == "yes\n")
            #expect(try c.kubectl("auth", "can-i", "list", "services", "--as=system:node:n1", "--as-group=system:nodes").stdout == "yes\n")
            #expect(try c.kubectl("auth", "can-i", "delete", "deployments", "--as=system:node:n1", "--as-group=system:nodes").stdout.hasPrefix("no"))
        }
    }

    @Test(arguments: Backend.available)
    func watchShowsChanges(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let out = c.dir.appendingPathComponent("watch.out")
            let watcher = try c.kubectlBackground(["get", "pods", "-w", "--output-watch-events", "-o", "custom-columns=EVENT:type,NAME:object.metadata.name,TIER:object.metadata.labels.tier"], output: out)
            defer { watcher.stop() }
            // Wait until kubectl's watch is open (its header is printed once the list returned).
            _ = await Harness.waitUntil { ((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("EVENT") }
            #expect(try c.kubectl("run", "w1", "--image=busybox:1.36").status == 0)
            #expect(try c.kubectl("label", "pod", "w1", "tier=front").status == 0)
            #expect(try c.kubectl("delete", "pod", "w1").status == 0)
            let seen = await Harness.waitUntil {
                let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
                return text.contains("DELETED")
            }
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            #expect(seen, "watch output:\n\(text)")
            let lines = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(lines.contains(["ADDED", "w1", "<none>"]))
            #expect(lines.contains(["MODIFIED", "w1", "front"]))
            #expect(lines.contains(["DELETED", "w1", "front"]))
        }
    }

    @Test(arguments: Backend.available)
    func killNineAndRestartLosesNothing(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            #expect(try c.kubectl(["apply", "-f", "-"], stdin: manifests).status == 0)
            #expect(try c.kubectl("scale", "deployment", "web", "--replicas=4").status == 0)
            // The deployment controller keeps writing status, so compare what only a user changes.
            let before = try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.generation} {.metadata.uid}").stdout
            let client = try c.client()
            let rvAfterScale = try await client.get(Deployment.self, name: "web").metadata.resourceVersion ?? ""
            await client.shutdown()

            try await c.killAndRestart()

            var r = try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.generation} {.metadata.uid} {.spec.replicas}")
            #expect(r.stdout == before + " 4", "\(r.output)")
            r = try c.kubectl("get", "pods,svc,cm", "-o", "name")
            #expect(r.stdout.contains("pod/p1") && r.stdout.contains("service/web") && r.stdout.contains("configmap/settings"))
            // Writes after the restart get higher revisions, and a watch from
            // before the crash resumes with exactly the later changes.
            #expect(try c.kubectl("label", "deploy", "web", "after=restart").status == 0)
            let client2 = try c.client()
            defer { Task { await client2.shutdown() } }
            var opts = ListOptions()
            opts.resourceVersion = rvAfterScale
            var events: [String] = []
            // (Status writes of the deployment controller may come first.)
            for try await e in client2.watch(Deployment.self, options: opts) {
                events.append("\(e.object?.metadata.labels?["after"] ?? "-")")
                if events.last == "restart" || events.count > 100 { break }
            }
            #expect(events.last == "restart" && events.dropLast().allSatisfy { $0 == "-" }, "\(events)")
            let newRV = Int(try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}").stdout) ?? 0
            #expect(newRV > Int(rvAfterScale) ?? Int.max)
        }
    }

    @Test(arguments: Backend.available)
    func badInputGivesClearErrors(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: Bad_Name}
                spec:
                  containers: [{name: c, ports: [{containerPort: 99999}]}]
                """)
            #expect(r.status != 0)
            #expect(r.stderr.contains("The Pod \"Bad_Name\" is invalid"))
            #expect(r.stderr.contains("spec.containers[0].image: Required value"))
            #expect(r.stderr.contains("spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive"))
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: u}\nspec:\n  containers: [{name: c, image: x:1, bogus: 1}]\n")
            #expect(r.status != 0 && r.stderr.contains("unknown field \"spec.containers[0].bogus\""), "\(r.output)")
            r = try c.kubectl("get", "widgets")
            #expect(r.status != 0 && r.stderr.contains("the server doesn't have a resource type \"widgets\""))
            // Conflicting update: replace with a stale resourceVersion.
            #expect(try c.kubectl(["apply", "-f", "-"], stdin: manifests).status == 0)
            let stale = try c.kubectl("get", "deploy", "web", "-o", "json").stdout
            #expect(try c.kubectl("scale", "deploy", "web", "--replicas=3").status == 0)
            r = try c.kubectl(["replace", "-f", "-"], stdin: stale)
            #expect(r.status != 0)
            #expect(r.stderr.contains("the object has been modified; please apply your changes to the latest version and try again"))
            // Immutable selector.
            r = try c.kubectl("patch", "deploy", "web", "--type=merge", "-p", #"{"spec":{"selector":{"matchLabels":{"app":"other"}}}}"#)
            #expect(r.status != 0 && r.stderr.contains("field is immutable"), "\(r.output)")
            // A body for another namespace.
            r = try c.kubectl(["create", "-n", "default", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n")
            #expect(r.status != 0 && r.stderr.contains("namespace"), "\(r.output)")
            // Unknown namespace.
            r = try c.kubectl(["create", "-n", "nope", "-f", "-"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
            #expect(r.status != 0 && r.stderr.contains("namespaces \"nope\" not found"), "\(r.output)")
        }
    }
}
