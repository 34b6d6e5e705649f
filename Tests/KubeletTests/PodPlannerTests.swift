import Testing
import KubeAPI
@testable import Runtime
@testable import Kubelet

/// A pod named web in default with uid "u", as the planner tests use it.
func plannerPod(_ containers: [Container], initContainers: [Container]? = nil, restartPolicy: String = "Always") -> Pod {
    var p = pod(containers)
    p.metadata.uid = "u"
    p.spec?.initContainers = initContainers
    p.spec?.restartPolicy = restartPolicy
    return p
}

/// A probe checked every `period` seconds from the container's start.
func probe(period: Int = 10, failureThreshold: Int = 3, grace: Int64? = nil) -> Probe {
    var p = Probe()
    p.exec = ExecAction(command: ["true"])
    p.periodSeconds = period
    p.failureThreshold = failureThreshold
    p.terminationGracePeriodSeconds = grace
    return p
}

/// A sidecar: an init container that restarts always.
func sidecar(_ name: String) -> Container {
    var c = container(name)
    c.restartPolicy = "Always"
    return c
}

@Suite struct PodPlannerRestartTests {
    @Test func firstSyncMakesSandboxVolumesAndStarts() async {
        var h = PlannerHarness(pod: plannerPod([container("app"), container("log")]))
        let actions = await h.sync()
        #expect(actions.first == .makeSandbox)
        #expect(actions.contains(.setUpVolumes))
        #expect(actions.starts == ["app#0", "log#0"])
        #expect(actions.last == .reportStatus)
        // Running and nothing to probe: the next pass only reports.
        h.now += 1
        #expect(await h.sync() == [.reportStatus])
    }

    @Test func alwaysRestartsAfterSuccessAndFailure() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "Always"))
        _ = await h.sync()
        h.runtime.exit("app", code: 0)
        h.now += 1
        let waiting = await h.sync()
        #expect(waiting.starts.isEmpty)
        #expect(waiting.waits.map { $0.0 } == ["app"] && waiting.waits.map { $0.1 } == [1_011])
        #expect(h.planner.waiting["app"]?.reason == "CrashLoopBackOff")
        h.now = 1_011
        #expect(await h.sync().starts == ["app#1"])
        #expect(h.planner.waiting["app"] == nil)
        h.runtime.exit("app", code: 1)
        h.now += 1
        #expect(await h.sync().waits.count == 1)
    }

    @Test func onFailureRestartsOnlyFailures() async {
        var h = PlannerHarness(pod: plannerPod([container("ok"), container("bad")], restartPolicy: "OnFailure"))
        _ = await h.sync()
        h.runtime.exit("ok", code: 0)
        h.runtime.exit("bad", code: 2)
        h.now += 1
        let actions = await h.sync()
        #expect(actions.waits.map { $0.0 } == ["bad"])
        h.now += 10
        #expect(await h.sync().starts == ["bad#1"])
        #expect(h.planner.waiting["ok"] == nil && h.planner.ready["ok"] == false)
    }

    @Test func neverRestartsNothing() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "Never"))
        _ = await h.sync()
        h.runtime.exit("app", code: 1)
        for _ in 0..<3 {
            h.now += 400
            let actions = await h.sync()
            #expect(actions.starts.isEmpty && actions.waits.isEmpty && actions.last == .reportStatus)
        }
        #expect(h.planner.waiting["app"] == nil && h.planner.ready["app"] == false)
    }

    @Test func containerVanishedWithoutExitRecordCountsAsFailed() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "OnFailure"))
        _ = await h.sync()
        h.runtime.state.withLock { $0.containers["k8s-u-app-0"]?.state = .unknown }
        h.now += 1
        #expect(await h.sync().waits.map { $0.0 } == ["app"])
    }

    @Test func backOffDoublesToFiveMinutesWithUpstreamMessages() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        _ = await h.sync()
        var delays: [Double] = []
        for attempt in 0..<7 {
            h.runtime.exit("app", code: 1)
            h.now += 1
            let crashed = await h.sync()
            guard let wait = crashed.waits.first else {
                Issue.record("no back-off after attempt \(attempt)")
                return
            }
            let (name, until, message) = wait
            let delay = until - h.now
            delays.append(delay)
            #expect(name == "app")
            #expect(message == "back-off \(Int(delay))s restarting failed container=app pod=web_default(u)")
            #expect(h.planner.waiting["app"] == .init("CrashLoopBackOff", message))
            // Upstream's event, from the first restart on.
            let backOffEvent = PodEvent(container: "app", type: "Warning", reason: "BackOff",
                                        "Back-off restarting failed container app in pod web_default(u)")
            #expect(crashed.events == (attempt == 0 ? [] : [backOffEvent]))
            // Still waiting just before the end, started at the end.
            h.now = until - 1
            #expect(await h.sync().starts.isEmpty)
            h.now = until
            #expect(await h.sync().starts == ["app#\(attempt + 1)"])
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300])
    }

    @Test func backOffStartsOverAfterTenMinutesOfRunning() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        _ = await h.sync()
        func crashAndRestart(after running: Double) async -> Double {
            h.now += running
            h.runtime.exit("app", code: 1)
            let until = await h.sync().waits.first?.1 ?? h.now
            let delay = until - h.now
            h.now = until
            _ = await h.sync()
            return delay
        }
        #expect(await crashAndRestart(after: 1) == 10)
        #expect(await crashAndRestart(after: 1) == 20)
        #expect(await crashAndRestart(after: 300) == 40) // five minutes is not enough
        #expect(await crashAndRestart(after: 601) == 10) // ten minutes of running are
    }

    @Test func oldAttemptsAreRemovedKeepingThePrevious() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        _ = await h.sync()
        for _ in 0..<2 {
            h.runtime.exit("app", code: 1)
            h.now += 400
            _ = await h.sync()
            h.now += 400
            _ = await h.sync()
        }
        // Attempts 0, 1 (exited) and 2 (running): 0 goes.
        h.now += 1
        let actions = await h.sync()
        #expect(actions.contains(.removeContainer(id: "k8s-u-app-0")))
        #expect(h.runtime.observe(podUID: "u").map(\.attempt) == [1, 2])
    }

    @Test func finishedAndRejectedPods() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], restartPolicy: "Never"))
        _ = await h.sync()
        h.runtime.exit("app", code: 0)
        h.reportedPhase = "Succeeded"
        #expect(await h.sync() == [])
        var rejected = PlannerHarness(pod: plannerPod([container("app")]))
        rejected.planner.failure = .init(reason: "OutOfcpu", message: "Node didn't have enough resource: cpu")
        #expect(await rejected.sync() == [.reportStatus])
    }

    @Test func sandboxFailureWaitsFiveSeconds() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        h.sandboxError = "Failed to create pod sandbox: no IP addresses left"
        let failed = await h.sync()
        #expect(failed == [.makeSandbox, .event(PodEvent(type: "Warning", reason: "FailedCreatePodSandBox",
                                                          "Failed to create pod sandbox: no IP addresses left")), .reportStatus])
        #expect(h.planner.waiting["app"]?.reason == "ContainerCreating")
        h.now += 4
        #expect(await h.sync() == [.reportStatus])
        h.now += 1
        let retried = await h.sync()
        #expect(retried.first == .makeSandbox && retried.starts == ["app#0"])
    }

    @Test func volumesRefreshAndKeepLastGoodContents() {
        var planner = PodPlanner(volumeRefreshSeconds: 30)
        let p = plannerPod([container("app")])
        func plan(_ hasVolumes: Bool, at now: Double) -> [PodAction] {
            planner.plan(.init(pod: p, containers: [], hasSandbox: true, hasVolumes: hasVolumes), now: now)
        }
        #expect(plan(false, at: 0).contains(.setUpVolumes))
        planner.volumesSetUp(at: 0)
        #expect(!plan(true, at: 29).contains(.setUpVolumes))
        #expect(plan(true, at: 30).contains(.setUpVolumes))
        // A failed refresh keeps the pod going on the last good contents and is tried again at the next pass.
        #expect(planner.volumesFailed("MountVolume.SetUp failed: x", hadVolumes: true, pod: p, at: 30) == nil)
        #expect(plan(true, at: 31).contains(.setUpVolumes))
        // A failed first set-up ends the pass: the containers wait with ContainerCreating.
        let failed = planner.volumesFailed("MountVolume.SetUp failed: x", hadVolumes: false, pod: p, at: 31)
        #expect(failed == [.event(PodEvent(type: "Warning", reason: "FailedMount", "MountVolume.SetUp failed: x")), .reportStatus])
        #expect(planner.waiting["app"] == .init("ContainerCreating", "MountVolume.SetUp failed: x"))
        #expect(plan(false, at: 32).contains(.setUpVolumes))
    }
}

@Suite struct PodPlannerInitContainerTests {
    @Test func initContainersRunInOrderToSuccessBeforeTheRest() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [container("a"), container("b")]))
        #expect(await h.sync().starts == ["a#0"])
        h.now += 1
        #expect(await h.sync() == [.reportStatus]) // a runs: b and app wait
        h.runtime.exit("a", code: 1)
        h.now += 1
        let failed = await h.sync()
        #expect(failed.starts.isEmpty && failed.waits.map { $0.0 } == ["a"])
        h.now += 10
        #expect(await h.sync().starts == ["a#1"])
        h.runtime.exit("a", code: 0)
        h.now += 1
        #expect(await h.sync().starts == ["b#0"])
        h.runtime.exit("b", code: 0)
        h.now += 1
        #expect(await h.sync().starts == ["app#0"])
        // Done init containers are not started again when the app restarts.
        h.runtime.exit("app", code: 1)
        h.now += 1
        _ = await h.sync()
        h.now += 10
        #expect(await h.sync().starts == ["app#1"])
    }

    @Test func failedInitContainerWithNeverStopsThePod() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [container("a")], restartPolicy: "Never"))
        _ = await h.sync()
        h.runtime.exit("a", code: 1)
        h.now += 1
        #expect(await h.sync() == [.reportStatus])
    }

    @Test func failedInitContainerWithOnFailureRestarts() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [container("a")], restartPolicy: "OnFailure"))
        _ = await h.sync()
        h.runtime.exit("a", code: 3)
        h.now += 1
        #expect(await h.sync().waits.map { $0.2 } == ["back-off 10s restarting failed container=a pod=web_default(u)"])
        h.now += 10
        #expect(await h.sync().starts == ["a#1"])
    }

    @Test func createdButNotStartedInitContainerIsStarted() {
        var planner = PodPlanner()
        let p = plannerPod([container("app")], initContainers: [container("a")])
        let created = ObservedContainer(id: "k8s-u-a-0", podUID: "u", name: "a", attempt: 0, isInit: true, state: .created,
                                        createdAt: "", imageID: "", image: "", pid: 0)
        let actions = planner.plan(.init(pod: p, containers: [created], hasSandbox: true, hasVolumes: true), now: 0)
        #expect(actions == [.setUpVolumes, .startCreated(id: "k8s-u-a-0", name: "a"), .reportStatus])
    }

    @Test func sidecarStartsThenTheNextOneAndIsRestartedWhateverThePolicy() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [sidecar("proxy"), container("migrate")],
                                               restartPolicy: "Never"))
        #expect(await h.sync().starts == ["proxy#0"])
        h.now += 1
        #expect(await h.sync().starts == ["migrate#0"]) // proxy started: on to the next
        h.runtime.exit("migrate", code: 0)
        h.now += 1
        #expect(await h.sync().starts == ["app#0"])
        // The sidecar stops while the app runs: restarted with back-off, the app untouched.
        h.runtime.exit("proxy", code: 1)
        h.now += 1
        let crashed = await h.sync()
        #expect(crashed.waits.map { $0.2 } == ["back-off 10s restarting failed container=proxy pod=web_default(u)"])
        #expect(crashed.stops.isEmpty && crashed.starts.isEmpty)
        h.now += 10
        #expect(await h.sync().starts == ["proxy#1"])
        // The app is done for good: the sidecar is stopped, not restarted.
        h.runtime.exit("app", code: 0)
        h.now += 1
        let done = await h.sync()
        #expect(done.stops.map(\.name) == ["proxy"])
        #expect(done.stops.first?.deadline == .grace(30))
        #expect(done.stops.first?.event == PodEvent(container: "proxy", reason: "Killing", "Stopping container proxy"))
        h.now += 60
        let after = await h.sync()
        #expect(after.starts.isEmpty && after.waits.isEmpty && after.stops.isEmpty)
    }

    @Test func sidecarWithStartupProbeHoldsTheNextUntilStarted() async {
        var proxy = sidecar("proxy")
        proxy.startupProbe = probe(period: 5, failureThreshold: 3)
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [proxy]))
        _ = await h.sync()
        h.probeResults["proxy/startup"] = .failure("connection refused")
        h.now += 1
        let failing = await h.sync()
        #expect(failing.probes == ["proxy/startup"] && failing.starts.isEmpty)
        h.probeResults["proxy/startup"] = .success
        h.now += 5
        let passing = await h.sync()
        #expect(passing.probes == ["proxy/startup"] && passing.starts.isEmpty)
        #expect(h.planner.started["proxy"] == true)
        h.now += 1
        #expect(await h.sync().starts == ["app#0"])
    }

    @Test func sidecarLivenessFailureUsesUpstreamWording() async {
        var proxy = sidecar("proxy")
        proxy.livenessProbe = probe(failureThreshold: 1)
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [proxy]))
        _ = await h.sync()
        h.probeResults["proxy/liveness"] = .failure("exit 1")
        h.now += 1
        let killed = await h.sync()
        #expect(killed.stops.map(\.event.message) == ["Init container proxy failed liveness probe"])
    }
}

@Suite struct PodPlannerProbeTests {
    @Test func livenessFailureRestartsWithUpstreamReason() async {
        var app = container("app")
        app.livenessProbe = probe(period: 10, failureThreshold: 2, grace: 5)
        var h = PlannerHarness(pod: plannerPod([app]))
        _ = await h.sync()
        h.probeResults["app/liveness"] = .failure("HTTP probe failed with statuscode: 500")
        h.now += 1
        let first = await h.sync()
        #expect(first.probes == ["app/liveness"] && first.stops.isEmpty)
        #expect(first.events == [PodEvent(container: "app", type: "Warning", reason: "Unhealthy",
                                          "Liveness probe failed: HTTP probe failed with statuscode: 500")])
        #expect(h.planner.probeWake == 1_011)
        h.now += 5
        #expect(await h.sync().probes.isEmpty) // not due yet
        h.now += 5
        let second = await h.sync()
        #expect(second.stops == [ContainerStop(id: "k8s-u-app-0", name: "app", deadline: .grace(5),
                                               event: PodEvent(container: "app", reason: "Killing",
                                                               "Container app failed liveness probe, will be restarted"))])
        #expect(h.planner.ready["app"] == false)
        // Killed, then restarted as any exit is.
        h.now += 1
        #expect(await h.sync().waits.map { $0.0 } == ["app"])
    }

    @Test func livenessGraceDefaultsToThePods() async {
        var app = container("app")
        app.livenessProbe = probe(failureThreshold: 1)
        var p = plannerPod([app])
        p.spec?.terminationGracePeriodSeconds = 12
        var h = PlannerHarness(pod: p)
        _ = await h.sync()
        h.probeResults["app/liveness"] = .failure("x")
        h.now += 1
        #expect(await h.sync().stops.map(\.deadline) == [.grace(12)])
    }

    @Test func startupProbeGatesLivenessAndReadiness() async {
        var app = container("app")
        app.startupProbe = probe(period: 10, failureThreshold: 3)
        app.livenessProbe = probe(period: 10, failureThreshold: 1)
        app.readinessProbe = probe(period: 10)
        var h = PlannerHarness(pod: plannerPod([app]))
        _ = await h.sync()
        #expect(h.planner.started["app"] == false && h.planner.ready["app"] == false)
        h.probeResults["app/startup"] = .failure("not yet")
        h.probeResults["app/liveness"] = .failure("would kill")
        h.now += 1
        let starting = await h.sync()
        #expect(starting.probes == ["app/startup"])
        #expect(starting.stops.isEmpty)
        #expect(h.planner.probeWake == 1_011) // only the startup probe wakes the worker
        // Started: liveness and readiness follow in the same pass.
        h.probeResults["app/startup"] = .success
        h.probeResults["app/liveness"] = .success
        h.now += 10
        let started = await h.sync()
        #expect(started.probes == ["app/startup", "app/liveness", "app/readiness"])
        #expect(h.planner.started["app"] == true && h.planner.ready["app"] == true)
    }

    @Test func startupProbeFailureRestarts() async {
        var app = container("app")
        app.startupProbe = probe(period: 1, failureThreshold: 2)
        var h = PlannerHarness(pod: plannerPod([app]))
        _ = await h.sync()
        h.probeResults["app/startup"] = .failure("connection refused")
        h.now += 1
        #expect(await h.sync().stops.isEmpty)
        h.now += 1
        let killed = await h.sync()
        #expect(killed.stops.map(\.event.message) == ["Container app failed startup probe, will be restarted"])
        #expect(killed.stops.map(\.deadline) == [.grace(30)])
    }

    @Test func readinessFollowsResultsWithoutRestarting() async {
        var app = container("app")
        app.readinessProbe = probe(period: 10, failureThreshold: 1)
        var h = PlannerHarness(pod: plannerPod([app]))
        _ = await h.sync()
        h.now += 1
        _ = await h.sync()
        #expect(h.planner.ready["app"] == true)
        h.probeResults["app/readiness"] = .failure("HTTP probe failed with statuscode: 503")
        h.now += 10
        let failing = await h.sync()
        #expect(failing.stops.isEmpty)
        #expect(h.planner.ready["app"] == false)
    }
}

@Suite struct PodPlannerTerminationTests {
    func deleted(_ p: Pod, grace: Int64? = nil) -> Pod {
        var p = p
        p.metadata.deletionTimestamp = Timestamp()
        p.metadata.deletionGracePeriodSeconds = grace
        return p
    }

    @Test func preStopGracePeriodAndStopSignal() async {
        var app = container("app")
        var lifecycle = Lifecycle()
        var hook = LifecycleHandler()
        hook.exec = ExecAction(command: ["nginx", "-s", "quit"])
        lifecycle.preStop = hook
        lifecycle.stopSignal = "SIGQUIT"
        app.lifecycle = lifecycle
        var h = PlannerHarness(pod: plannerPod([app, container("log")], initContainers: [container("init")]))
        _ = await h.sync()
        h.runtime.exit("init", code: 0)
        h.now += 1
        _ = await h.sync()
        h.pod = deleted(h.pod, grace: 45)
        h.now += 1
        let actions = await h.sync()
        let stops = [
            ContainerStop(id: "k8s-u-app-0", name: "app", container: app, preStop: hook, signal: 3, deadline: .podKillDeadline,
                          event: PodEvent(container: "app", reason: "Killing", "Stopping container app")),
            ContainerStop(id: "k8s-u-log-0", name: "log", container: container("log"), signal: 15, deadline: .podKillDeadline,
                          event: PodEvent(container: "log", reason: "Killing", "Stopping container log")),
        ]
        #expect(actions == [.beginTermination(gracePeriod: 45), .stopContainers(stops),
                            .removeContainer(id: "k8s-u-app-0"), .removeContainer(id: "k8s-u-init-0"), .removeContainer(id: "k8s-u-log-0"),
                            .removeSandbox, .deletePod, .finishTermination])
        #expect(h.terminated && h.runtime.observe(podUID: "u").isEmpty)
    }

    @Test func sidecarsStopAfterTheOthersInReverseOrder() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [sidecar("proxy"), sidecar("logs")]))
        _ = await h.sync()
        h.now += 1
        _ = await h.sync()
        h.now += 1
        #expect(await h.sync().starts == ["app#0"])
        h.pod = deleted(h.pod, grace: 20)
        h.now += 1
        let actions = await h.sync()
        let stopOrder = actions.compactMap { action -> [String]? in
            guard case .stopContainers(let stops) = action else { return nil }
            return stops.map(\.name)
        }
        #expect(stopOrder == [["app"], ["logs"], ["proxy"]])
        #expect(actions.stops.allSatisfy { $0.deadline == .podKillDeadline })
        #expect(actions.first == .beginTermination(gracePeriod: 20) && actions.last == .finishTermination)
    }

    @Test func gracePeriodFromSpecThenDefault() {
        var planner = PodPlanner()
        var p = deleted(plannerPod([container("app")]))
        #expect(planner.plan(.init(pod: p, containers: [], hasSandbox: true, hasVolumes: true), now: 0).first == .beginTermination(gracePeriod: 30))
        p.spec?.terminationGracePeriodSeconds = 7
        #expect(planner.plan(.init(pod: p, containers: [], hasSandbox: true, hasVolumes: true), now: 0).first == .beginTermination(gracePeriod: 7))
        p.metadata.deletionGracePeriodSeconds = -1
        #expect(planner.plan(.init(pod: p, containers: [], hasSandbox: true, hasVolumes: true), now: 0).first == .beginTermination(gracePeriod: 0))
    }

    @Test func podGoneFromTheAPIIsNotDeletedAgain() {
        var planner = PodPlanner()
        let actions = planner.plan(.init(pod: plannerPod([container("app")]), containers: [], hasSandbox: false, hasVolumes: false,
                                         removedFromAPI: true), now: 0)
        #expect(actions == [.beginTermination(gracePeriod: 30), .removeSandbox, .finishTermination])
    }

    @Test func podDeletedWhileStarting() async {
        var h = PlannerHarness(pod: plannerPod([container("app")], initContainers: [container("a"), container("b")]))
        _ = await h.sync()
        // b was created but not started when the deletion came; a finished.
        h.runtime.exit("a", code: 0)
        let sandbox = h.runtime.loadSandbox(uid: "u")
        if let sandbox {
            _ = try? h.runtime.createContainer(ContainerManager.Request(pod: h.pod, container: container("b"), attempt: 0, isInit: true,
                                                                        sandbox: sandbox, environment: [], mounts: []))
        }
        h.pod = deleted(h.pod)
        h.now += 1
        let actions = await h.sync()
        #expect(actions.starts.isEmpty)
        #expect(actions.stops.map(\.name) == ["b"])
        #expect(actions.stops.first?.preStop == nil)
        #expect(actions.contains(.deletePod) && actions.last == .finishTermination)
        #expect(h.terminated && h.runtime.loadSandbox(uid: "u") == nil)
    }

    @Test func podDeletedBeforeItsSandbox() async {
        var h = PlannerHarness(pod: plannerPod([container("app")]))
        h.pod = deleted(h.pod, grace: 0)
        #expect(await h.sync() == [.beginTermination(gracePeriod: 0), .removeSandbox, .deletePod, .finishTermination])
    }
}
