#if canImport(Glibc)
import Glibc
#endif

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
