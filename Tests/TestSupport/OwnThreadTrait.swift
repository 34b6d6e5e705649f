#if canImport(Glibc)
import Glibc
#endif
// Swift Testing is there only when tests are built: a release `swift build`
// of every target (scripts/lab, scripts/demo --release) compiles this
// module without the traits.
#if canImport(Testing)
public import Testing

/// A suite trait for tests that block: they wait on real processes,
/// containers and network namespaces with synchronous calls.
///
/// Swift Testing runs a synchronous test on a thread of the cooperative pool,
/// which has one thread per core. On a 2-core machine two such tests hold the
/// whole pool for as long as they run, and every async test in the process
/// (fake kubelets posting heartbeats, watch streams, timers) stops for
/// minutes. Under this trait each test runs on a thread of its own, through a
/// task executor preference, and at most one per core run at once, so the
/// blocking tests keep their old pace and the pool stays free.
public struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        await BlockingTestGate.shared.acquire()
        let outcome: Result<Void, any Error>
        do {
            try await Self.onOwnThread(function)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await BlockingTestGate.shared.release()
        try outcome.get()
    }

    static func onOwnThread(_ function: @Sendable () async throws -> Void) async throws {
        let executor = try ThreadTaskExecutor()
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

/// Runs `body` on a thread of its own once one of `gate`'s places is free:
/// for test helpers whose bodies block (a cluster fixture's synchronous
/// kubectl calls), so they never hold a thread of the cooperative pool.
public func onOwnThread<T>(gate: BlockingTestGate = .clusters, _ body: () async throws -> T) async throws -> T {
    await gate.acquire()
    let outcome: Result<T, any Error>
    do {
        let executor = try ThreadTaskExecutor()
        defer { executor.shutdown() }
        outcome = .success(try await withTaskExecutorPreference(executor) { try await body() })
    } catch {
        outcome = .failure(error)
    }
    await gate.release()
    return try outcome.get()
}

extension Trait where Self == OwnThreadTrait {
    /// Runs each test of the suite on a thread of its own (see `OwnThreadTrait`).
    public static var ownThread: Self { OwnThreadTrait() }
}

/// Lets at most one blocking test per core run at once, in arrival order.
public actor BlockingTestGate {
    static let shared = BlockingTestGate(width: cores)
    /// Tests that start a control plane and drive it with kubectl: as many at once as
    /// there are cores, beside the tests under ``OwnThreadTrait``.
    public static let clusters = BlockingTestGate(width: cores)
    static var cores: Int { max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { free = width }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
#endif
