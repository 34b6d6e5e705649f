import Testing
import Foundation
import KubeAPI
@testable import Kubelet

@Suite struct PodStatusBuilderTests {
    func observed(_ name: String, attempt: Int, _ state: ObservedContainer.State, isInit: Bool = false) -> ObservedContainer {
        ObservedContainer(id: "k8s-u-\(name)-\(attempt)", podUID: "u", name: name, attempt: attempt, isInit: isInit, state: state,
                          createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", imageID: "sha256:abc", image: "busybox:1.35",
                          pid: 10, terminationMessage: nil)
    }

    func build(_ p: Pod, _ containers: [ObservedContainer], waiting: [String: PodStatusBuilder.Waiting] = [:], ready: [String: Bool] = [:]) -> PodStatus {
        PodStatusBuilder().build(.init(pod: p, previous: nil, sandboxReady: true, podIP: "10.244.1.2", hostIP: "192.168.1.10",
                                       startTime: Timestamp(), containers: containers, waiting: waiting, ready: ready))
    }

    func condition(_ s: PodStatus, _ type: String) -> String? { s.conditions?.first { $0.type == type }?.status }

    @Test func runningAndReady() {
        var p = pod([container("a"), container("b")])
        p.spec?.containers[1].readinessProbe = Probe()
        let s = build(p, [observed("a", attempt: 0, .running), observed("b", attempt: 0, .running)], ready: ["b": false])
        #expect(s.phase == "Running")
        #expect(condition(s, "Ready") == "False" && condition(s, "ContainersReady") == "False" && condition(s, "Initialized") == "True")
        #expect(s.containerStatuses?[0].ready == true && s.containerStatuses?[1].ready == false)
        #expect(s.containerStatuses?[0].containerID == "swiftrun://k8s-u-a-0")
        let ready = build(p, [observed("a", attempt: 0, .running), observed("b", attempt: 0, .running)], ready: ["b": true])
        #expect(condition(ready, "Ready") == "True")
    }

    @Test func phasesByRestartPolicy() {
        let exited0 = ObservedContainer.State.exited(code: 0, signal: nil, finishedAt: "2026-01-01T00:01:00Z", oomKilled: false)
        let exited1 = ObservedContainer.State.exited(code: 1, signal: nil, finishedAt: "2026-01-01T00:01:00Z", oomKilled: false)
        var p = pod([container("a")])
        p.spec?.restartPolicy = "Never"
        #expect(build(p, [observed("a", attempt: 0, exited0)]).phase == "Succeeded")
        #expect(build(p, [observed("a", attempt: 0, exited1)]).phase == "Failed")
        p.spec?.restartPolicy = "OnFailure"
        #expect(build(p, [observed("a", attempt: 0, exited0)]).phase == "Succeeded")
        #expect(build(p, [observed("a", attempt: 0, exited1)]).phase == "Running")
        p.spec?.restartPolicy = "Always"
        let s = build(p, [observed("a", attempt: 0, exited1), observed("a", attempt: 1, exited1)],
                      waiting: ["a": .init("CrashLoopBackOff", "back-off 20s")])
        #expect(s.phase == "Running")
        #expect(s.containerStatuses?[0].restartCount == 1)
        #expect(s.containerStatuses?[0].state?.waiting?.reason == "CrashLoopBackOff")
        #expect(s.containerStatuses?[0].lastState?.terminated?.exitCode == 1)
    }

    /// Sidecars (init containers with restartPolicy Always, KEP-753): started
    /// counts as initialized, their readiness counts for the pod's, and they
    /// neither fail a pod nor keep a finished one running.
    @Test func sidecarsInitializeOnceStartedAndDoNotDecideThePhase() {
        var p = pod([container("main")])
        var sidecar = container("proxy")
        sidecar.restartPolicy = "Always"
        p.spec?.initContainers = [sidecar]
        p.spec?.restartPolicy = "Never"
        let starting = build(p, [])
        #expect(starting.phase == "Pending" && condition(starting, "Initialized") == "False")
        let running = build(p, [observed("proxy", attempt: 0, .running, isInit: true), observed("main", attempt: 0, .running)])
        #expect(running.phase == "Running")
        #expect(condition(running, "Initialized") == "True" && condition(running, "Ready") == "True")
        #expect(running.initContainerStatuses?[0].started == true && running.initContainerStatuses?[0].ready == true)
        let sidecarUnready = build(p, [observed("proxy", attempt: 0, .running, isInit: true), observed("main", attempt: 0, .running)],
                                   ready: ["proxy": false])
        #expect(condition(sidecarUnready, "ContainersReady") == "False")
        let exited0 = ObservedContainer.State.exited(code: 0, signal: nil, finishedAt: "2026-01-01T00:01:00Z", oomKilled: false)
        let done = build(p, [observed("proxy", attempt: 0, .running, isInit: true), observed("main", attempt: 0, exited0)])
        #expect(done.phase == "Succeeded")
    }

    @Test func initContainersGatePhase() {
        var p = pod([container("main")])
        p.spec?.initContainers = [container("init")]
        let pending = build(p, [observed("init", attempt: 0, .running, isInit: true)])
        #expect(pending.phase == "Pending" && condition(pending, "Initialized") == "False")
        #expect(pending.containerStatuses?[0].state?.waiting?.reason == "PodInitializing")
        let oom = ObservedContainer.State.exited(code: 137, signal: 9, finishedAt: "2026-01-01T00:01:00Z", oomKilled: true)
        let s = build(p, [observed("init", attempt: 0, .exited(code: 0, signal: nil, finishedAt: "2026-01-01T00:01:00Z", oomKilled: false), isInit: true),
                          observed("main", attempt: 0, oom)])
        #expect(s.initContainerStatuses?[0].state?.terminated?.reason == "Completed")
        #expect(s.containerStatuses?[0].state?.terminated?.reason == "OOMKilled")
    }
}

@Suite struct PodUpdateTests {
    @Test func ownStatusEchoDoesNotWakeTheWorker() {
        let old = pod([container("a")])
        var echo = old
        echo.metadata.resourceVersion = "42"
        echo.status = PodStatus()
        echo.status?.phase = "Running"
        #expect(!PodWorker.needsSync(from: old, to: echo))
        var edited = echo
        edited.spec?.containers[0].image = "busybox:1.36"
        #expect(PodWorker.needsSync(from: echo, to: edited))
        var deleted = echo
        deleted.metadata.deletionTimestamp = Timestamp()
        #expect(PodWorker.needsSync(from: echo, to: deleted))
        var labelled = echo
        labelled.metadata.labels = ["tier": "web"]
        #expect(PodWorker.needsSync(from: echo, to: labelled))
    }

    @Test func readinessGateConditionWakesTheWorkerAndGatesReady() {
        var gated = pod([container("a")])
        gated.spec?.readinessGates = [PodReadinessGate(conditionType: "example.com/lb")]
        var opened = gated
        opened.status = PodStatus()
        opened.status?.conditions = [Condition(type: "example.com/lb", status: "True")]
        #expect(PodWorker.needsSync(from: gated, to: opened))
        var other = gated
        other.status = PodStatus()
        other.status?.conditions = [Condition(type: "Ready", status: "True")]
        #expect(!PodWorker.needsSync(from: gated, to: other))

        // The gate is read from the API server's copy, where its controller
        // sets it, even though the kubelet's last status did not have it.
        let running = [ObservedContainer(id: "k8s-u-a-0", podUID: "u", name: "a", attempt: 0, isInit: false, state: .running,
                                         createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", imageID: "sha256:abc",
                                         image: "busybox:1.35", pid: 10, terminationMessage: nil)]
        func ready(_ p: Pod) -> String? {
            PodStatusBuilder().build(.init(pod: p, previous: PodStatus(), sandboxReady: true, podIP: "10.244.1.2", hostIP: "192.168.1.10",
                                           startTime: Timestamp(), containers: running, waiting: [:], ready: [:]))
                .conditions?.first { $0.type == "Ready" }?.status
        }
        #expect(ready(gated) == "False")
        #expect(ready(opened) == "True")
    }
}

@Suite struct ContainerLogsRequestTests {
    @Test func parsesKubectlParameters() throws {
        let r = try ContainerLogs.Request(namespace: "ns", pod: "p", container: "c",
                                          query: ["follow": ["true"], "tailLines": ["5"], "timestamps": ["true"], "sinceSeconds": ["10"], "limitBytes": ["100"]],
                                          now: Date(timeIntervalSince1970: 1_767_366_245))
        #expect(r.follow && r.options.timestamps && r.options.tailLines == 5 && r.options.limitBytes == 100)
        #expect(r.options.since == "2026-01-02T15:03:55.000000Z")
        #expect(throws: ContainerLogsError.badRequest("tailLines must be a non-negative integer")) {
            try ContainerLogs.Request(namespace: "ns", pod: "p", container: "c", query: ["tailLines": ["x"]])
        }
    }
}

@Suite struct TokenBucketTests {
    @Test func burstThenRate() {
        var bucket = TokenBucket(rate: 50, burst: 3)
        // Three at once, then each waits its 20 ms turn.
        #expect((0..<3).map { _ in bucket.take(now: 10) } == [0, 0, 0])
        #expect(abs(bucket.take(now: 10) - 0.02) < 1e-9)
        #expect(abs(bucket.take(now: 10) - 0.04) < 1e-9)
        // Time refills what was owed, then the bucket again, up to the burst.
        #expect(bucket.take(now: 10.06) == 0)
        #expect((0..<3).map { _ in bucket.take(now: 100) } == [0, 0, 0])
        #expect(bucket.take(now: 100) > 0)
    }

    @Test func zeroRateIsUnlimited() {
        var bucket = TokenBucket(rate: 0, burst: 1)
        #expect((0..<1000).allSatisfy { _ in bucket.take(now: 0) == 0 })
    }
}
