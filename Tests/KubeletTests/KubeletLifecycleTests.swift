import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import TestSupport
import LinuxSystem

/// Restarts, probes, OOM kills, termination and configuration, each checked
/// through the API as a user would (kubectl get/describe).
@Suite(.ownThread, .requires(TestCluster.requirements))
struct KubeletLifecycleTests {
    @Test func probesRestartsBackOffAndOOM() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let node = cluster.nodeName
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: liveness}
            spec:
              nodeName: \(node)
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 600"]
                livenessProbe: {exec: {command: ["cat", "/tmp/healthy"]}, periodSeconds: 1, failureThreshold: 1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: readiness}
            spec:
              nodeName: \(node)
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "sleep 600"]
                readinessProbe: {exec: {command: ["test", "-f", "/tmp/ready"]}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: crasher}
            spec:
              nodeName: \(node)
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "echo dying; exit 3"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: hog}
            spec:
              nodeName: \(node)
              restartPolicy: Never
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "tail /dev/zero"]
                resources: {limits: {memory: 24Mi}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: done}
            spec:
              nodeName: \(node)
              restartPolicy: Never
              initContainers:
              - {name: init, image: "busybox:1.35", command: ["sh", "-c", "echo initialized > /work/state"], volumeMounts: [{name: work, mountPath: /work}]}
              containers:
              - {name: main, image: "busybox:1.35", command: ["sh", "-c", "cat /work/state; echo bye > /dev/termination-log"], volumeMounts: [{name: work, mountPath: /work}]}
              volumes: [{name: work, emptyDir: {}}]
            """)
        // A failing liveness probe restarts the container.
        #expect(eventually(seconds: 60) { (Int(cluster.jsonpath("liveness", "{.status.containerStatuses[0].restartCount}")) ?? 0) >= 1 }, "\(cluster.kubeletLog)")
        let events = cluster.kubectl(["get", "events", "--field-selector", "involvedObject.name=liveness", "-o", "jsonpath={.items[*].reason}"]).stdout
        #expect(events.contains("Unhealthy") && events.contains("Killing"), "\(events)")

        // Readiness follows the probe.
        #expect(cluster.jsonpath("readiness", "{.status.conditions[?(@.type==\"Ready\")].status}") == "False")
        let readyPodDir = cluster.inNode("grep -l '\"name\":\"readiness\"' \(cluster.dir)/kubelet/pods/*/sandbox.json | head -1").stdout
        _ = readyPodDir
        let touched = try? TestProcess.run([TestPaths.product("swiftrun")!, "--root", cluster.dir + "/kubelet/runtime", "exec",
                                             "k8s-\(cluster.jsonpath("readiness", "{.metadata.uid}"))-app-0", "touch", "/tmp/ready"])
        #expect(touched?.code == 0, "\(String(describing: touched))")
        #expect(cluster.waitFor("readiness", "{.status.conditions[?(@.type==\"Ready\")].status}", equals: "True"))

        // A crashing container backs off.
        #expect(cluster.waitFor("crasher", "{.status.containerStatuses[0].state.waiting.reason}", equals: "CrashLoopBackOff"))
        #expect(cluster.jsonpath("crasher", "{.status.containerStatuses[0].lastState.terminated.exitCode}") == "3")
        #expect(cluster.jsonpath("crasher", "{.status.containerStatuses[0].lastState.terminated.reason}") == "Error")

        // The memory hog is OOM-killed and the pod fails.
        #expect(cluster.waitFor("hog", "{.status.phase}", equals: "Failed"), "\(cluster.kubeletLog)")
        #expect(cluster.jsonpath("hog", "{.status.containerStatuses[0].state.terminated.reason}") == "OOMKilled")
        #expect(cluster.jsonpath("hog", "{.status.containerStatuses[0].state.terminated.exitCode}") == "137")

        // Init containers run first and share volumes; the termination message is reported.
        #expect(cluster.waitFor("done", "{.status.phase}", equals: "Succeeded"))
        #expect(cluster.jsonpath("done", "{.status.initContainerStatuses[0].state.terminated.reason}") == "Completed")
        #expect(cluster.jsonpath("done", "{.status.containerStatuses[0].state.terminated.message}") == "bye\n")
        let log = cluster.inNode("cat \(cluster.dir)/logs/default_done_*/main/0.log").stdout
        #expect(log.hasSuffix(" stdout F initialized\n"), "\(log)")
        // kubectl logs goes through the API server to the kubelet API.
        #expect(cluster.kubectl(["logs", "done"]).stdout == "initialized\n")
        #expect(cluster.kubectl(["logs", "done", "-c", "init"]).stdout == "")
        let previous = cluster.kubectl(["logs", "crasher", "--previous", "--timestamps"]).stdout
        #expect(previous.hasSuffix(" dying\n") && previous.hasPrefix("20"), "\(previous)")
        let tail = cluster.kubectl(["logs", "liveness", "--tail=1"])
        #expect(tail.code == 0, "\(tail)")
        let missing = cluster.kubectl(["logs", "done", "-c", "nope"])
        #expect(missing.code != 0 && missing.stderr.contains("container nope is not valid for pod done"), "\(missing)")
    }

    @Test func configurationEnvironmentVolumesAndTermination() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        try cluster.apply("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {color: blue, greeting: hello}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds}
            stringData: {password: s3cret}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: configured, labels: {tier: front}}
            spec:
              nodeName: \(cluster.nodeName)
              terminationGracePeriodSeconds: 2
              securityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000}
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.2; done"]
                env:
                - {name: COLOR, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                envFrom: [{prefix: CFG_, configMapRef: {name: settings}}]
                volumeMounts:
                - {name: cfg, mountPath: /etc/cfg}
                - {name: sec, mountPath: /etc/sec, readOnly: true}
                - {name: info, mountPath: /etc/info}
                - {name: scratch, mountPath: /scratch}
              volumes:
              - {name: cfg, configMap: {name: settings}}
              - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
              - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
              - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
            """)
        #expect(cluster.waitFor("configured", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        let uid = cluster.jsonpath("configured", "{.metadata.uid}")
        func exec(_ script: String) -> String {
            (try? TestProcess.run([TestPaths.product("swiftrun")!, "--root", cluster.dir + "/kubelet/runtime", "exec", "k8s-\(uid)-app-0", "sh", "-c", script]))?.stdout ?? ""
        }
        let env = exec("env")
        for expected in ["COLOR=blue", "PASSWORD=s3cret", "POD_NAME=configured", "CFG_greeting=hello", "KUBERNETES_SERVICE_HOST="] {
            #expect(env.contains(expected), "missing \(expected) in \(env)")
        }
        #expect(exec("id -u; id -G") == "1000\n1000 2000\n")
        #expect(exec("cat /etc/cfg/color /etc/sec/password; echo; cat /etc/info/labels") == "blues3cret\ntier=\"front\"")
        // defaultMode 0400 plus group read for the fsGroup.
        #expect(exec("stat -c '%a %g' /etc/sec/..data/password") == "440 2000\n")
        #expect(exec("df -k /scratch | tail -1 | awk '{print $2}'") == "8192\n")
        // Secrets (and the service-account token's projected volume) are kept in memory, as upstream's.
        #expect(exec("awk '$2 == \"/etc/sec\" {print $3}' /proc/mounts") == "tmpfs\n")

        // A configMap change reaches the volume.
        #expect(cluster.kubectl(["patch", "configmap", "settings", "--type=merge", "-p", #"{"data":{"color":"green"}}"#]).code == 0)
        #expect(eventually(seconds: 60) { exec("cat /etc/cfg/color") == "green" })

        // A pod that ignores SIGTERM, deleted with a 300 s grace period and then
        // again with 1 s: the shorter one applies to the termination under way.
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: stubborn}
            spec:
              nodeName: \(cluster.nodeName)
              terminationGracePeriodSeconds: 300
              containers:
              - {name: app, image: "busybox:1.35", command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.2; done"]}
            """)
        #expect(cluster.waitFor("stubborn", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        #expect(cluster.kubectl(["delete", "pod", "stubborn", "--wait=false"]).code == 0)
        #expect(eventually(seconds: 30) { cluster.kubeletLog.contains("Stopping container app") || cluster.jsonpath("stubborn", "{.metadata.deletionTimestamp}") != "" })
        usleep(1_000_000)
        #expect(cluster.kubectl(["delete", "pod", "stubborn", "--grace-period=1", "--wait=false"]).code == 0)
        #expect(eventually(seconds: 60) { cluster.kubectl(["get", "pod", "stubborn"]).code != 0 }, "still there long before its first grace period ended")

        // Termination: SIGTERM reaches the process, which exits within the grace period.
        #expect(cluster.kubectl(["delete", "pod", "configured"], timeout: 60).code == 0)
        let log = cluster.inNode("cat \(cluster.dir)/logs/default_configured_*/app/0.log 2>/dev/null; true").stdout
        _ = log
        #expect(eventually(seconds: 30) { cluster.leftovers.isEmpty }, "\(cluster.leftovers)")
    }

    @Test func podsThatCannotRunSayWhy() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let node = cluster.nodeName
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: no-image}
            spec: {nodeName: \(node), containers: [{name: app, image: "example.invalid/missing:1.0", imagePullPolicy: Never}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: bad-command}
            spec: {nodeName: \(node), containers: [{name: app, image: "busybox:1.35", command: ["/no/such/program"]}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: root-image}
            spec: {nodeName: \(node), securityContext: {runAsNonRoot: true}, containers: [{name: app, image: "busybox:1.35", command: ["sleep", "60"]}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: missing-config}
            spec: {nodeName: \(node), containers: [{name: app, image: "busybox:1.35", command: ["sleep", "60"], env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: fine}
            spec: {nodeName: \(node), containers: [{name: app, image: "busybox:1.35", command: ["sleep", "600"]}]}
            """)
        let waiting = "{.status.containerStatuses[0].state.waiting.reason}"
        #expect(cluster.waitFor("no-image", waiting, equals: "ErrImageNeverPull"))
        #expect(cluster.jsonpath("no-image", "{.status.containerStatuses[0].state.waiting.message}").contains("is not present with pull policy of Never"))
        #expect(cluster.waitFor("bad-command", waiting, equals: "CreateContainerError"))
        #expect(cluster.jsonpath("bad-command", "{.status.containerStatuses[0].state.waiting.message}").contains("/no/such/program"))
        #expect(cluster.waitFor("root-image", waiting, equals: "CreateContainerConfigError"))
        #expect(cluster.jsonpath("root-image", "{.status.containerStatuses[0].state.waiting.message}") == "container has runAsNonRoot and image will run as root")
        #expect(cluster.waitFor("missing-config", waiting, equals: "CreateContainerConfigError"))
        #expect(cluster.jsonpath("missing-config", "{.status.containerStatuses[0].state.waiting.message}") == "configmap \"nope\" not found")
        // The others never block a healthy pod.
        #expect(cluster.waitFor("fine", "{.status.phase}", equals: "Running"))
        let describe = cluster.kubectl(["describe", "pod", "no-image"]).stdout
        #expect(describe.contains("ErrImageNeverPull"), "\(describe)")
    }

    @Test func staticPodsHooksAndExitsWhileTheKubeletIsDown() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let hooks = cluster.dir + "/hooks"
        try FileIO.makeDirectories(hooks, mode: 0o777)

        // A static pod runs from the manifest directory and is mirrored to the API server.
        let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: static-web}
            spec:
              containers:
              - {name: web, image: "busybox:1.35", command: ["sh", "-c", "echo static; sleep 600"]}
            """
        try FileIO.writeAtomically(cluster.manifests + "/static-web.yaml", Array(manifest.utf8), mode: 0o644)
        let staticName = "static-web-\(cluster.nodeName)"
        #expect(cluster.waitFor(staticName, "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        #expect(!cluster.jsonpath(staticName, "{.metadata.annotations.kubernetes\\.io/config\\.mirror}").isEmpty)
        let staticContainer = cluster.jsonpath(staticName, "{.status.containerStatuses[0].containerID}")
        let mirrorUID = cluster.jsonpath(staticName, "{.metadata.uid}")
        // Deleting the mirror does not stop the static pod; the mirror comes back.
        #expect(cluster.kubectl(["delete", "pod", staticName, "--wait=false"]).code == 0)
        #expect(eventually(seconds: 60) {
            let uid = cluster.jsonpath(staticName, "{.metadata.uid}")
            return !uid.isEmpty && uid != mirrorUID
                && cluster.jsonpath(staticName, "{.status.containerStatuses[0].containerID}") == staticContainer
        }, "\(cluster.kubeletLog)")

        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hooks}
            spec:
              nodeName: \(cluster.nodeName)
              terminationGracePeriodSeconds: 5
              containers:
              - name: app
                image: busybox:1.35
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
                lifecycle:
                  postStart: {exec: {command: ["sh", "-c", "echo started > /hooks/poststart"]}}
                  preStop: {exec: {command: ["sh", "-c", "echo stopping > /hooks/prestop"]}}
                volumeMounts: [{name: hooks, mountPath: /hooks}]
              volumes: [{name: hooks, hostPath: {path: \(hooks), type: Directory}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: waiter}
            spec:
              nodeName: \(cluster.nodeName)
              restartPolicy: Never
              containers:
              - {name: app, image: "busybox:1.35", command: ["sh", "-c", "while [ ! -f /tmp/go ]; do sleep 0.2; done; exit 7"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: counter}
            spec:
              nodeName: \(cluster.nodeName)
              restartPolicy: Never
              containers:
              - {name: app, image: "busybox:1.35", command: ["sh", "-c", "echo one; sleep 3; echo two"]}
            """)
        for name in ["hooks", "waiter"] {
            #expect(cluster.waitFor(name, "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        }
        #expect(FileIO.exists(hooks + "/poststart"))
        // kubectl logs -f follows until the container ends.
        // (Under load the 3-second container may be done before a poll sees it run.)
        #expect(eventually(seconds: 120) { ["Running", "Succeeded"].contains(cluster.jsonpath("counter", "{.status.phase}")) })
        #expect(cluster.kubectl(["logs", "-f", "counter"]).stdout == "one\ntwo\n")

        // The kubelet API wants credentials: a client certificate the cluster CA signed (or a token).
        let url = "https://\(cluster.nodeIP):10250/pods"
        #expect(cluster.inNode("curl -sk -o /dev/null -w %{http_code} \(url)").stdout == "401")
        let authorized = cluster.inNode("curl -sk --cert \(cluster.dir)/cp/apiserver-kubelet-client.crt --key \(cluster.dir)/cp/apiserver-kubelet-client.key \(url)")
        #expect(authorized.stdout.contains("\"name\":\"waiter\""), "\(authorized)")

        // SIGTERM stops the kubelet, not the pods. An exit while it is down is not lost.
        cluster.stopKubelet(signal: SIGTERM)
        let runtime = ContainerRuntime(root: cluster.dir + "/kubelet/runtime", initExecutable: TestPaths.product("swiftrun") ?? "")
        let waiterID = "k8s-\(cluster.jsonpath("waiter", "{.metadata.uid}"))-app-0"
        #expect((try? runtime.state(id: waiterID))?.status == .running, "\(runtime.list().map { "\($0.id) \($0.status)" }) \(cluster.kubectl(["get", "pods", "-o", "wide"]))")
        let touched = try? TestProcess.run([TestPaths.product("swiftrun")!, "--root", cluster.dir + "/kubelet/runtime", "exec", waiterID, "touch", "/tmp/go"])
        #expect(touched?.code == 0, "\(String(describing: touched))")
        #expect(eventually(seconds: 30) { (try? runtime.state(id: waiterID))?.status == .stopped })
        try cluster.startKubelet()
        #expect(cluster.waitFor("waiter", "{.status.phase}", equals: "Failed"), "\(cluster.kubeletLog)")
        #expect(cluster.jsonpath("waiter", "{.status.containerStatuses[0].state.terminated.exitCode}") == "7")
        // The static pod was adopted, not restarted.
        #expect(cluster.jsonpath(staticName, "{.status.containerStatuses[0].containerID}") == staticContainer)
        #expect(cluster.jsonpath(staticName, "{.status.containerStatuses[0].restartCount}") == "0")

        // Deleting runs the preStop hook first.
        #expect(cluster.kubectl(["delete", "pod", "hooks"]).code == 0)
        #expect(((try? FileIO.read(hooks + "/prestop")) ?? "") == "stopping\n")
        // Removing the manifest stops the static pod and deletes its mirror.
        unlink(cluster.manifests + "/static-web.yaml")
        #expect(eventually(seconds: 60) { cluster.kubectl(["get", "pod", staticName]).code != 0 })
        #expect(eventually(seconds: 60) { (try? runtime.state(id: String(staticContainer.split(separator: "/").last ?? ""))) == nil })
    }
}
