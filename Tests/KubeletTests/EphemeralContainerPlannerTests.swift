import Testing
import KubeAPI
@testable import Kubelet

/// An ephemeral container named `name` running busybox, targeting `target`.
func ephemeral(_ name: String, target: String? = nil) -> EphemeralContainer {
    EphemeralContainer(Container(name: name, image: "busybox:1.35"), targetContainerName: target)
}

@Suite struct EphemeralContainerPlannerTests {
    @Test func addedToARunningPodStartsOnceAndIsNeverRestarted() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "Always"))
        #expect(await h.sync().starts == ["app#0"])
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger")]
        h.now += 1
        let started = await h.sync()
        #expect(started.starts == ["debugger#0"])
        #expect(started.last == .reportStatus)
        h.runtime.exit("debugger", code: 1)
        // Exited with a failure under restartPolicy Always: still never restarted, no back-off wait.
        for _ in 0..<3 {
            h.now += 400
            let later = await h.sync()
            #expect(later.starts.isEmpty && later.waits.isEmpty)
        }
        #expect(h.planner.waiting["debugger"] == nil)
    }

    @Test func joinsTheTargetsProcessNamespace() async {
        var h = PlannerHarness(pod: plannerPod([container("app"), container("side")]))
        _ = await h.sync()
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger", target: "app"), ephemeral("plain")]
        h.now += 1
        let starts = await h.sync().compactMap { action -> ContainerStart? in
            if case .startContainer(let s) = action { s } else { nil }
        }
        #expect(starts.map(\.name) == ["debugger", "plain"])
        #expect(starts[0].sharedPIDNamespace == "/proc/100/ns/pid")
        #expect(starts[0].isInit == false && starts[0].attempt == 0)
        // Without a target and without shareProcessNamespace: a process namespace of its own.
        #expect(starts[1].sharedPIDNamespace == nil)
    }

    @Test func withoutATargetItSharesThePodsProcessNamespaceWhenThePodDoes() async {
        var p = plannerPod([container("app")])
        p.spec?.shareProcessNamespace = true
        var h = PlannerHarness(pod: p)
        _ = await h.sync()
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger")]
        h.now += 1
        let start = await h.sync().compactMap { action -> ContainerStart? in
            if case .startContainer(let s) = action { s } else { nil }
        }.first
        #expect(start?.sharedPIDNamespace == "/proc/100/ns/pid")
    }

    @Test func waitsWhileTheTargetDoesNotRun() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "Never"))
        _ = await h.sync()
        h.runtime.exit("app", code: 0)
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger", target: "app")]
        h.now += 1
        let first = await h.sync()
        #expect(first.starts.isEmpty)
        #expect(first.events == [PodEvent(container: "debugger", type: "Warning", reason: "Failed", "Error: unable to find target container app")])
        #expect(h.planner.waiting["debugger"] == .init("CreateContainerConfigError", "unable to find target container app"))
        // The same reason again is no news: no second event.
        h.now += 1
        #expect(await h.sync().events.isEmpty)
    }

    @Test func startsBeforeInitContainersAreDone() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [container("setup")]))
        #expect(await h.sync().starts == ["setup#0"])
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger")]
        h.now += 1
        #expect(await h.sync().starts == ["debugger#0"])
    }

    @Test func stopsWithThePod() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        _ = await h.sync()
        h.pod.spec?.ephemeralContainers = [ephemeral("debugger", target: "app")]
        h.now += 1
        _ = await h.sync()
        h.pod.metadata.deletionTimestamp = Timestamp()
        h.now += 1
        let actions = await h.sync()
        #expect(Set(actions.stops.map(\.name)) == ["app", "debugger"])
        #expect(h.terminated)
    }
}

@Suite struct EphemeralContainerStatusTests {
    func observed(_ name: String, _ state: ObservedContainer.State) -> ObservedContainer {
        ObservedContainer(id: "k8s-u-\(name)-0", podUID: "u", name: name, attempt: 0, isInit: false, state: state,
                          createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", imageID: "sha256:abc", image: "busybox:1.35",
                          pid: 10, terminationMessage: nil)
    }

    func build(_ p: Pod, _ containers: [ObservedContainer], waiting: [String: PodStatusBuilder.Waiting] = [:]) -> PodStatus {
        PodStatusBuilder().build(.init(pod: p, previous: nil, sandboxReady: true, podIP: "10.244.1.2", hostIP: "192.168.1.10",
                                       startTime: Timestamp(), containers: containers, waiting: waiting))
    }

    @Test func waitingRunningTerminated() throws {
        var p = pod([container("app")])
        p.spec?.ephemeralContainers = [ephemeral("debugger", target: "app")]
        let app = observed("app", .running)

        let waiting = build(p, [app])
        let w = try #require(waiting.ephemeralContainerStatuses?.first)
        #expect(w.name == "debugger" && w.state?.waiting?.reason == "ContainerCreating")
        #expect(w.ready == false && w.restartCount == 0 && w.started == nil && w.image == "busybox:1.35")

        let running = build(p, [app, observed("debugger", .running)])
        let r = try #require(running.ephemeralContainerStatuses?.first)
        #expect(r.state?.running != nil && r.ready == false && r.containerID == "swiftrun://k8s-u-debugger-0")
        // Ephemeral containers count for neither phase nor readiness.
        #expect(running.phase == "Running")
        #expect(running.conditions?.first { $0.type == "Ready" }?.status == "True")

        let exited = ObservedContainer.State.exited(code: 2, signal: nil, finishedAt: "2026-01-01T00:01:00Z", oomKilled: false)
        let done = build(p, [app, observed("debugger", exited)])
        let d = try #require(done.ephemeralContainerStatuses?.first)
        #expect(d.state?.terminated?.exitCode == 2 && d.state?.terminated?.reason == "Error")
        #expect(done.phase == "Running")

        let blocked = build(p, [app], waiting: ["debugger": .init("CreateContainerConfigError", "unable to find target container app")])
        #expect(blocked.ephemeralContainerStatuses?.first?.state?.waiting?.reason == "CreateContainerConfigError")
    }

    @Test func podInitializingWhenThePodHasInitContainers() {
        var p = pod([container("app")])
        p.spec?.initContainers = [container("setup")]
        p.spec?.ephemeralContainers = [ephemeral("debugger")]
        #expect(build(p, []).ephemeralContainerStatuses?.first?.state?.waiting?.reason == "PodInitializing")
    }

    @Test func noStatusesWithoutEphemeralContainers() {
        #expect(build(pod([container("app")]), [observed("app", .running)]).ephemeralContainerStatuses == nil)
    }
}
