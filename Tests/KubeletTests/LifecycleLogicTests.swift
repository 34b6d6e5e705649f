import Testing
@testable import Kubelet

@Suite struct BackOffTests {
    @Test func doublesUpToFiveMinutesAndResets() {
        var b = BackOff()
        var now = 0.0
        var delays: [Double] = []
        for _ in 0..<7 {
            let next = b.failed("c", at: now)
            delays.append(next - now)
            #expect(b.isBackingOff("c", at: now + 1))
            now = next + 1
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300])
        // Ten quiet minutes later the back-off starts over.
        now += 600 + 301
        #expect(b.failed("c", at: now) - now == 10)
    }
}

@Suite struct ProbeStateTests {
    @Test func readinessNeedsSuccessThreshold() {
        var p = ProbeState(kind: .readiness, initialDelay: 5, period: 2, successThreshold: 2, failureThreshold: 3, started: 100)
        #expect(p.healthy == false && !p.isDue(at: 104) && p.isDue(at: 105))
        #expect(p.record(.success, at: 105) == .none)
        #expect(p.nextRun == 107)
        #expect(p.record(.success, at: 107) == .becameHealthy)
        #expect(p.record(.failure("HTTP probe failed with statuscode: 500"), at: 109) == .none)
        #expect(p.record(.failure("x"), at: 111) == .none)
        #expect(p.record(.failure("x"), at: 113) == .becameUnhealthy("x"))
        #expect(p.record(.failure("x"), at: 115) == .none)
        #expect(p.consecutiveFailures == 4)
    }

    @Test func livenessStartsUnknownAndFailsAfterThreshold() {
        var p = ProbeState(kind: .liveness, initialDelay: 0, period: 1, successThreshold: 1, failureThreshold: 1, started: 0)
        #expect(p.healthy == nil)
        #expect(p.record(.failure("dial tcp: connection refused"), at: 0) == .becameUnhealthy("dial tcp: connection refused"))
    }
}

@Suite struct CRILogReaderTests {
    let log = """
        2026-01-02T15:04:05.000000001Z stdout F first
        2026-01-02T15:04:06.000000001Z stderr P par
        2026-01-02T15:04:06.000000002Z stderr F tial
        2026-01-02T15:04:07.000000001Z stdout F third
        2026-01-02T15:04:08.000000001Z stdout F 
        """

    @Test func joinsPartialsAndAppliesOptions() {
        let r = CRILogReader()
        #expect(r.render(log, .init()) == "first\npartial\nthird\n\n")
        #expect(r.render(log, .init(tailLines: 2)) == "third\n\n")
        #expect(r.render(log, .init(since: "2026-01-02T15:04:06")) == "partial\nthird\n\n")
        #expect(r.render(log, .init(timestamps: true, streams: ["stderr"])) == "2026-01-02T15:04:06.000000001Z partial\n")
        #expect(r.render(log, .init(limitBytes: 8)) == "first\npa")
    }
}
