#if canImport(Glibc)
import Glibc
#endif
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
        let executor: ThreadTaskExecutor
        do {
            executor = try ThreadTaskExecutor()
        } catch {
            await BlockingTestGate.shared.release()
            throw error
        }
        do {
            try await withTaskExecutorPreference(executor) { try await function() }
        } catch {
            executor.shutdown()
            await BlockingTestGate.shared.release()
            throw error
        }
        executor.shutdown()
        await BlockingTestGate.shared.release()
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Runs each test of the suite on a thread of its own (see `OwnThreadTrait`).
    public static var ownThread: Self { OwnThreadTrait() }
}

/// Lets at most one blocking test per core run at once, in arrival order.
actor BlockingTestGate {
    static let shared = BlockingTestGate(width: max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

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

/// A task executor backed by one dedicated thread that runs its jobs in order.
final class ThreadTaskExecutor: TaskExecutor, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var exited = false
    private var thread = pthread_t()

    struct ThreadError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "pthread_create failed: \(String(cString: strerror(errno)))" }
    }

    init() throws {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let executor = Unmanaged<ThreadTaskExecutor>.fromOpaque(raw).takeRetainedValue()
            executor.runLoop()
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<ThreadTaskExecutor>.fromOpaque(box).release()
            throw ThreadError(errno: created)
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(&mutex)
        if exited {
            // A job that outlived its test: the shared pool runs it.
            pthread_mutex_unlock(&mutex)
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(job)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Lets the thread finish the jobs it has and exit.
    func shutdown() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
        pthread_detach(thread)
    }

    private func runLoop() {
        while true {
            pthread_mutex_lock(&mutex)
            while jobs.isEmpty && !stopping {
                pthread_cond_wait(&condition, &mutex)
            }
            if jobs.isEmpty {
                exited = true
                pthread_mutex_unlock(&mutex)
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(&mutex)
            for job in batch {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
    }
}
