import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A task executor whose threads have large stacks: the API server runs its
/// requests and control loops on it so that documents nested as deep as the
/// decoders accept (``JSONParser/maxDepth``) can travel the paths that recurse
/// once per level (strategic merge patch, merge patch, comparing, hashing and
/// freeing a ``JSONValue``, typed decoding) without overflowing a stack.
///
/// Swift's cooperative threads have glibc's default stack, 8 MiB or only
/// 2 MiB when `ulimit -s` is unlimited, and the Go decoders upstream accepts
/// 10,000 levels. Each thread here reserves ``stackSize`` bytes of address
/// space; the kernel commits a page only when a frame first touches it, and a
/// thread gives back what a deep job touched beyond ``trimDepth`` as soon as
/// the job ends, so a burst of deep bodies leaves no resident memory behind.
///
/// Use it as a task executor preference; child tasks inherit it, unstructured
/// tasks must ask for it again. Synchronous code (a fuzz target) can hand it
/// work and wait:
///
/// ```swift
/// let response = await withTaskExecutorPreference(LargeStackExecutor.shared) {
///     await handler.route(request)
/// }
/// let merged = try LargeStackExecutor.shared.runAndWait { try StrategicMergePatch.apply(patch, to: pod, kind: "Pod") }
/// ```
public final class LargeStackExecutor: TaskExecutor, @unchecked Sendable {
    /// Address space reserved for each thread's stack: 256 MiB, about five
    /// times what the hungriest path (a strategic merge patch of a document
    /// 10,000 levels deep, in a debug build) uses.
    public static let stackSize = 256 << 20
    /// Stack a job may leave resident: a thread that touched its stack deeper
    /// than this below its start returns those pages when the job ends.
    public static let trimDepth = 4 << 20
    /// The process's executor: two threads per core, at least four.
    public static let shared = LargeStackExecutor(threads: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    /// A job of a task, or a closure of ``runAndWait(_:)``.
    private enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private let stackSize: Int
    private let condition = NSCondition()
    private var queue: [Work] = []
    private var head = 0

    /// Starts `threads` threads, each with a stack of `stackSize` bytes; they
    /// serve for the life of the process.
    public init(threads: Int, stackSize: Int = LargeStackExecutor.stackSize) {
        self.stackSize = stackSize
        for index in 0..<max(1, threads) {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "large-stack-\(index)"
            thread.stackSize = stackSize
            thread.start()
        }
    }

    /// Queues a job; one of the threads runs it.
    public func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Runs `body` on one of the threads and waits for it; on one of them
    /// already, runs it right here.
    public func runAndWait<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        if Thread.current.threadDictionary[Self.threadKey] != nil { return try body() }
        let result: Result<T, E> = withoutActuallyEscaping(body) { body in
            let handoff = Handoff<T, E>(body)
            let done = DispatchSemaphore(value: 0)
            submit(.closure {
                handoff.run()
                done.signal()
            })
            done.wait()
            guard let result = handoff.result else { preconditionFailure("a large-stack thread finished without a result") }
            return result
        }
        return try result.get()
    }

    private static let threadKey = "LargeStackExecutor"

    private func submit(_ work: Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    private func next() -> Work {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count { condition.wait() }
        let job = queue[head]
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 {
            queue.removeFirst(head)
            head = 0
        }
        return job
    }

    private func serve() {
        Thread.current.threadDictionary[Self.threadKey] = true
        let trim = StackTrim.ofCurrentThread(size: stackSize, keeping: Self.trimDepth)
        let me = asUnownedTaskExecutor()
        while true {
            switch next() {
            case .job(let job): job.runSynchronously(on: me)
            case .closure(let body): body()
            }
            trim?.releaseIfTouched()
        }
    }
}

/// A closure of ``LargeStackExecutor/runAndWait(_:)`` and its result, handed
/// between the threads (the caller waits meanwhile).
private final class Handoff<T, E: Error>: @unchecked Sendable {
    /// The caller's closure: not really escaping, so no reference to it may
    /// be left once the caller stops waiting.
    private var body: (() throws(E) -> T)?
    var result: Result<T, E>?
    init(_ body: @escaping () throws(E) -> T) { self.body = body }

    /// Runs the closure once and drops it.
    func run() {
        guard let body else { return }
        self.body = nil
        do throws(E) { result = .success(try body()) } catch { result = .failure(error) }
    }
}

/// The deep part of the current thread's stack, returned to the kernel when a
/// job touched it.
struct StackTrim {
    /// Lowest address given back (1 MiB above the bottom of the mapping, at worst).
    let low: UInt
    /// The page whose residency says the stack went deeper than kept.
    let probe: UInt
    let pageSize: Int

    /// The stack of the current thread, `size` bytes (of which this frame
    /// is near the top), beyond `keeping` bytes below this frame; nil when
    /// the stack is not deeper than that.
    static func ofCurrentThread(size: Int, keeping: Int) -> StackTrim? {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0, size > keeping + (2 << 20) else { return nil }
        var marker = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        // The thread's start leaves this frame within 1 MiB of the top: the
        // range below stays inside the stack's mapping.
        let low = (here - UInt(size) + UInt(1 << 20)) & ~UInt(page - 1)
        let probe = (here - UInt(keeping)) & ~UInt(page - 1)
        return StackTrim(low: low, probe: probe, pageSize: page)
    }

    /// Returns the pages below the probe to the kernel when the probe page is
    /// resident (a frame touched it since the last time).
    func releaseIfTouched() {
        guard let probePage = UnsafeMutableRawPointer(bitPattern: probe),
              let lowest = UnsafeMutableRawPointer(bitPattern: low) else { return }
        var resident: UInt8 = 0
        guard mincore(probePage, pageSize, &resident) == 0, resident & 1 == 1 else { return }
        _ = madvise(lowest, Int(probe - low) + pageSize, Int32(MADV_DONTNEED))
    }
}
