#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// Workloads in the lab (one lab, the scenarios in turn, as LabTests):
/// a Job of 5 completions two at a time; an Indexed Job whose pods see
/// their index; a StatefulSet of 3 with claims that starts in order, whose
/// pods answer by their DNS names, keep their data across a deletion and
/// roll with a partition; `kubectl drain` held by a disruption budget until
/// the replacement is ready; a high-priority pod preempting a low-priority
/// one on a full node; an autoscaler that scales a CPU-burning Deployment up
/// on the kubelets' real usage and back down when the load stops; a
/// CronJob every minute that runs twice and keeps one finished Job.
extension LabTests {
    static let batch = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: five}
        spec:
          completions: 5
          parallelism: 2
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: "busybox:1.35", command: ["sh", "-c", "sleep 1; echo done"]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: indexed}
        spec:
          completions: 3
          parallelism: 3
          completionMode: Indexed
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: "busybox:1.35", command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: tick}
        spec:
          schedule: "* * * * *"
          successfulJobsHistoryLimit: 1
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers: [{name: main, image: "busybox:1.35", command: ["sh", "-c", "date"]}]
        """

    /// Each pod writes its name and start time to its claim once, and serves it.
    static let statefulSet = """
        apiVersion: v1
        kind: Service
        metadata: {name: db}
        spec:
          clusterIP: None
          selector: {app: db}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:
          serviceName: db
          replicas: 3
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: db
                image: busybox:1.35
                command: ["sh", "-c", "[ -f /data/id ] || echo \\"$(hostname) $(date +%s%N)\\" > /data/id; exec httpd -f -p 80 -h /data"]
                readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
                volumeMounts: [{name: data, mountPath: /data}]
          volumeClaimTemplates:
          - metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Mi}}}
        """

    /// Two replicas under a budget of one disruption.
    static let guarded = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: guarded}
        spec:
          replicas: 2
          selector: {matchLabels: {app: guarded}}
          template:
            metadata: {labels: {app: guarded}}
            spec:
              terminationGracePeriodSeconds: 1
              containers: [{name: main, image: "busybox:1.35", command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"],
                            readinessProbe: {exec: {command: ["cat", "/tmp/ready"]}, periodSeconds: 1}}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: guarded}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: guarded}}
        """

    /// A pod on node-2 of `priority` asking for `cpu`.
    static func sized(_ name: String, priority: String, cpu: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          priorityClassName: \(priority)
          nodeSelector: {kubernetes.io/hostname: node-2}
          terminationGracePeriodSeconds: 1
          containers: [{name: main, image: "busybox:1.35", command: ["sleep", "3600"], resources: {requests: {cpu: "\(cpu)"}}}]
        """
    }

    /// Busy while IDLE is unset: 100m requested, 120m allowed (120% of the
    /// request against a 50% target: two replicas), little enough beside
    /// the other test process on two cores.
    static let burner = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: burn}
        spec:
          replicas: 1
          selector: {matchLabels: {app: burn}}
          template:
            metadata: {labels: {app: burn}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: burn
                image: busybox:1.35
                command: ["sh", "-c", "if [ -z \\"$IDLE\\" ]; then while :; do :; done; else exec sleep 3600; fi"]
                resources: {requests: {cpu: 100m}, limits: {cpu: 120m}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: burn}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
          minReplicas: 1
          maxReplicas: 2
          metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
          behavior:
            scaleDown: {stabilizationWindowSeconds: 10}
        """

    @Test func aLabRunsJobsCronJobsAndAnAutoscaledDeployment() throws {
        let s = LabSession()
        let before = s.snapshot()
        defer { s.tearDown() }
        let up = s.lab("up", "--nodes", "2")
        try #require(up.code == 0, "\(up)")
        let apply = s.kubectl(["apply", "-f", "-"], stdin: Self.batch)
        try #require(apply.code == 0, "\(apply)")
        let cronCreated = Date()

        // A Job of 5 completions, 2 at a time.
        let five = s.kubectl(["wait", "--for=condition=complete", "job/five", "--timeout=240s"])
        #expect(five.code == 0, "\(five) \(s.kubectl(["get", "pods", "-o", "wide"]))")
        #expect(s.get("get", "job", "five", "-o", "jsonpath={.status.succeeded}") == "5")

        // An Indexed Job: each pod sees its index, in its env and hostname.
        #expect(s.kubectl(["wait", "--for=condition=complete", "job/indexed", "--timeout=180s"]).code == 0)
        for index in 0..<3 {
            let pod = s.get("get", "pods", "-l", "batch.kubernetes.io/job-completion-index=\(index),job-name=indexed", "-o", "name")
            let log = s.get("logs", pod)
            #expect(log == "index=\(index) host=indexed-\(index)", "\(pod): \(log)")
        }

        try checkStatefulSet(s)
        try checkDrainRespectsTheBudget(s)
        try checkPreemption(s)

        // An autoscaled Deployment: up on the burner's real usage…
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.burner).code == 0)
        let scaledUp = s.eventually(seconds: 180) { Int(s.get("get", "deployment", "burn", "-o", "jsonpath={.spec.replicas}")) ?? 0 >= 2 }
        #expect(scaledUp, "\(s.kubectl(["describe", "hpa", "burn"]).stdout)")
        let targets = s.get("get", "hpa", "burn", "-o", "jsonpath={.status.currentMetrics[0].resource.current.averageUtilization}")
        #expect((Int(targets) ?? 0) > 50, "utilization \(targets)")
        print("lab: the autoscaler scaled up at \(targets)% of the CPU request: \(s.get("get", "hpa", "burn"))")
        // …and down once the load stops (a rollout to idle pods).
        #expect(s.kubectl(["set", "env", "deployment/burn", "IDLE=1"]).code == 0)
        let scaledDown = s.eventually(seconds: 180) { s.get("get", "deployment", "burn", "-o", "jsonpath={.spec.replicas}") == "1" }
        #expect(scaledDown, "\(s.kubectl(["describe", "hpa", "burn"]).stdout)")
        let reasons = s.get("get", "events", "--field-selector", "involvedObject.name=burn,reason=SuccessfulRescale", "-o",
                            "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
        #expect(reasons.contains("above target") && reasons.contains("All metrics below target"), "\(reasons)")

        // The CronJob ran at least twice (each minute) and keeps one finished Job.
        let ticked = s.eventually(seconds: max(10, 200 - Date().timeIntervalSince(cronCreated))) {
            let uids = Set(s.get("get", "events", "--field-selector", "involvedObject.name=tick,reason=SuccessfulCreate",
                                 "-o", "jsonpath={.items[*].message}").split(separator: " ").filter { $0.hasPrefix("tick-") })
            return uids.count >= 2 && !s.get("get", "cronjob", "tick", "-o", "jsonpath={.status.lastSuccessfulTime}").isEmpty
        }
        #expect(ticked, "\(s.kubectl(["get", "cronjob,jobs", "-o", "wide"]).stdout) \(s.kubectl(["get", "events", "--field-selector", "involvedObject.name=tick"]).stdout)")
        #expect(s.eventually(seconds: 60) {
            s.get("get", "jobs", "-l", "batch.kubernetes.io/controller-uid", "-o", "jsonpath={.items[*].metadata.name}")
                .split(separator: " ").filter { $0.hasPrefix("tick-") }.count <= 2
        }, "history limit: \(s.kubectl(["get", "jobs"]).stdout)")

        #expect(s.lab("down").code == 0)
        #expect(s.snapshot() == before)
    }

    /// A StatefulSet of 3 with claims: in order, by DNS name, data kept, a partitioned roll.
    func checkStatefulSet(_ s: LabSession) throws {
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.statefulSet).code == 0)
        let rollout = s.kubectl(["rollout", "status", "statefulset/db", "--timeout=300s"], timeout: 320)
        try #require(rollout.code == 0, "\(rollout) \(s.kubectl(["get", "pods,pvc", "-o", "wide"]).stdout)")
        // OrderedReady: each pod was created once the one before it was ready.
        for ordinal in 1..<3 {
            let readyBefore = s.get("get", "pod", "db-\(ordinal - 1)", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}")
            let created = s.get("get", "pod", "db-\(ordinal)", "-o", "jsonpath={.metadata.creationTimestamp}")
            #expect(!readyBefore.isEmpty && readyBefore <= created, "db-\(ordinal) created at \(created), db-\(ordinal - 1) ready at \(readyBefore)")
        }
        #expect(Set(s.get("get", "pvc", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " "))
                == ["data-db-0", "data-db-1", "data-db-2"])
        // Each pod answers by its own DNS name with what it wrote to its claim.
        func id(_ ordinal: Int) -> String {
            s.kubectl(["exec", "db-0", "--", "sh", "-c",
                       "printf 'GET /id HTTP/1.0\\r\\n\\r\\n' | nc -w 5 db-\(ordinal).db.default.svc.cluster.local 80 | tail -n 1"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var ids: [String] = []
        for ordinal in 0..<3 {
            let answer = id(ordinal)
            #expect(answer.hasPrefix("db-\(ordinal) "), "db-\(ordinal).db: \(answer)")
            ids.append(answer)
        }
        // Deleted, db-1 comes back with the same name and claim: the same data.
        let uid = s.get("get", "pod", "db-1", "-o", "jsonpath={.metadata.uid}")
        #expect(s.kubectl(["delete", "pod", "db-1", "--wait=false"]).code == 0)
        #expect(s.eventually(seconds: 120) {
            let now = s.get("get", "pod", "db-1", "-o", "jsonpath={.metadata.uid} {.status.conditions[?(@.type==\"Ready\")].status}")
            return !now.hasPrefix(uid) && now.hasSuffix("True")
        })
        #expect(s.eventually(seconds: 30) { id(1) == ids[1] }, "db-1 after its deletion: \(id(1)), before: \(ids[1])")
        // A partitioned roll: only ordinals ≥ 2 take the new template.
        #expect(s.kubectl(["patch", "statefulset", "db", "-p", #"{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}"#]).code == 0)
        #expect(s.kubectl(["set", "env", "statefulset/db", "REVISION=2"]).code == 0)
        let rolled = s.eventually(seconds: 120) {
            let update = s.get("get", "statefulset", "db", "-o", "jsonpath={.status.updateRevision}")
            let hashes = (0..<3).map { s.get("get", "pod", "db-\($0)", "-o", "jsonpath={.metadata.labels.controller-revision-hash}") }
            return !update.isEmpty && hashes[2] == update && hashes[0] != update && hashes[1] != update
                && s.get("get", "statefulset", "db", "-o", "jsonpath={.status.updatedReplicas}") == "1"
        }
        #expect(rolled, "\(s.kubectl(["get", "pods", "-l", "app=db", "-L", "controller-revision-hash"]).stdout)")
        #expect(s.kubectl(["delete", "statefulset", "db"]).code == 0)
    }

    /// `kubectl drain` waits on the budget: the second pod goes only once the first one's replacement is ready.
    func checkDrainRespectsTheBudget(_ s: LabSession) throws {
        // Both replicas on node-1 (node-2 cordoned while they start).
        #expect(s.kubectl(["cordon", "node-2"]).code == 0)
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.guarded).code == 0)
        #expect(s.kubectl(["rollout", "status", "deployment/guarded", "--timeout=120s"]).code == 0)
        #expect(s.kubectl(["uncordon", "node-2"]).code == 0)
        #expect(s.eventually(seconds: 30) { s.get("get", "pdb", "guarded", "-o", "jsonpath={.status.disruptionsAllowed}") == "1" })
        let drain = s.kubectl(["drain", "node-1", "--pod-selector=app=guarded", "--timeout=180s"], timeout: 200)
        #expect(drain.code == 0, "\(drain)")
        #expect(drain.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget"), "\(drain)")
        let nodes = s.get("get", "pods", "-l", "app=guarded", "-o", "jsonpath={.items[*].spec.nodeName}")
        #expect(nodes == "node-2 node-2", "\(nodes)")
        #expect(s.kubectl(["uncordon", "node-1"]).code == 0)
        #expect(s.kubectl(["delete", "deployment,pdb", "guarded"]).code == 0)
    }

    /// On a node without room, a high-priority pod takes the place of a low-priority one.
    func checkPreemption(_ s: LabSession) throws {
        #expect(s.kubectl(["create", "priorityclass", "low", "--value=10"]).code == 0)
        #expect(s.kubectl(["create", "priorityclass", "high", "--value=1000"]).code == 0)
        let allocatable = s.get("get", "node", "node-2", "-o", "jsonpath={.status.allocatable.cpu}")
        let milli = allocatable.hasSuffix("m") ? Int(allocatable.dropLast()) ?? 0 : (Int(allocatable) ?? 0) * 1000
        let cpu = "\(milli * 6 / 10)m"
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.sized("low", priority: "low", cpu: cpu)).code == 0)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/low", "--timeout=120s"]).code == 0)
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.sized("high", priority: "high", cpu: cpu)).code == 0)
        let won = s.kubectl(["wait", "--for=condition=Ready", "pod/high", "--timeout=180s"])
        #expect(won.code == 0, "\(won) \(s.kubectl(["get", "pods", "-o", "wide"]).stdout) \(s.kubectl(["get", "events", "--field-selector", "involvedObject.name=high"]).stdout)")
        #expect(s.eventually(seconds: 60) { s.kubectl(["get", "pod", "low"]).code != 0 }, "the low-priority pod is still there")
        let preempted = s.get("get", "events", "--field-selector", "involvedObject.name=low,reason=Preempted", "-o", "jsonpath={.items[*].message}")
        #expect(preempted.contains("on node node-2"), "\(preempted)")
        #expect(s.kubectl(["delete", "pod", "high", "--wait=false"]).code == 0)
    }
}
