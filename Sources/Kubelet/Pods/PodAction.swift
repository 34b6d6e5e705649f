public import KubeAPI

/// One step ``PodPlanner`` asks ``PodWorker`` to take. The planner decides
/// (pure, clocked); the worker carries the actions out in order, through
/// ``PodRuntime`` and the kubelet's managers, and hands outcomes that matter
/// to later decisions back to the planner.
public enum PodAction: Sendable, Equatable {
    /// Create the pod's sandbox (namespaces, network, cgroup). When it fails
    /// the rest of the pass is dropped (``PodPlanner/sandboxFailed(_:at:)``).
    case makeSandbox
    /// Set up the pod's volumes, or refresh configMap/secret contents.
    case setUpVolumes
    /// Make the image present (pull policy, ImagePullBackOff), then create and
    /// start one attempt of a container.
    case startContainer(ContainerStart)
    /// Start a container that was created but never started (a kubelet restart in between).
    case startCreated(id: String, name: String)
    /// Run one probe of a running container; the result goes back to
    /// ``PodPlanner/probed(_:result:pod:at:)``.
    case probe(ProbeRun)
    /// Stop containers, all at once: the event, the preStop hook, the stop
    /// signal, SIGKILL when the deadline passes.
    case stopContainers([ContainerStop])
    /// A container may not start before `until` (``now`` seconds): the
    /// container waits with `reason` (CrashLoopBackOff). The worker's resync
    /// comes back to it; nothing to carry out now.
    case waitUntil(Double, container: String, reason: String, message: String)
    /// Record an event about the pod (or one of its containers).
    case event(PodEvent)
    /// Remove a stopped container (an old attempt, or every container of a terminating pod).
    case removeContainer(id: String)
    /// Write the pod's status.
    case reportStatus
    /// The pod is being deleted: stop syncing it, and let containers being
    /// stopped have `gracePeriod` seconds from now before SIGKILL (a shorter
    /// deadline already set stays).
    case beginTermination(gracePeriod: Int64)
    /// Tear down the volumes, remove the sandbox and the pod's log directory.
    case removeSandbox
    /// Delete the pod from the API server (grace 0, uid precondition): the
    /// last step of a deletion the API server asked for.
    case deletePod
    /// The pod is gone from the node: forget its status, end the worker.
    case finishTermination
}

/// One attempt of a container to create and start.
public struct ContainerStart: Sendable, Equatable {
    /// The container's spec.
    public var container: Container
    /// 0 for the first run, one more for each restart.
    public var attempt: Int
    /// An init container (sidecars included).
    public var isInit: Bool
    /// The pid namespace to join (`shareProcessNamespace`): the first running container's.
    public var sharedPIDNamespace: String?

    public init(container: Container, attempt: Int, isInit: Bool, sharedPIDNamespace: String? = nil) {
        self.container = container
        self.attempt = attempt
        self.isInit = isInit
        self.sharedPIDNamespace = sharedPIDNamespace
    }

    public var name: String { container.name ?? "" }
}

/// One container to stop.
public struct ContainerStop: Sendable, Equatable {
    /// When SIGKILL follows the stop signal.
    public enum Deadline: Sendable, Equatable {
        /// This many seconds after the stop begins.
        case grace(Double)
        /// The terminating pod's kill deadline (``PodAction/beginTermination(gracePeriod:)``),
        /// which a second deletion with a shorter grace period moves closer.
        case podKillDeadline
    }

    /// The runtime's container id.
    public var id: String
    /// The container's name in the pod.
    public var name: String
    /// The container's spec, when the pod still names it.
    public var container: Container?
    /// Run first, raced against the deadline (termination of a running container).
    public var preStop: LifecycleHandler?
    /// The stop signal (the container's `lifecycle.stopSignal`, SIGTERM by default).
    public var signal: Int32
    public var deadline: Deadline
    /// The Killing event recorded as the stop begins.
    public var event: PodEvent

    public init(id: String, name: String, container: Container? = nil, preStop: LifecycleHandler? = nil, signal: Int32 = 15,
                deadline: Deadline, event: PodEvent) {
        self.id = id
        self.name = name
        self.container = container
        self.preStop = preStop
        self.signal = signal
        self.deadline = deadline
        self.event = event
    }
}

/// One run of one probe of a running container.
public struct ProbeRun: Sendable, Equatable {
    /// The container's spec.
    public var container: Container
    /// The runtime's id of the running attempt.
    public var containerID: String
    public var kind: ProbeState.Kind
    /// The probe of `kind` in the container's spec.
    public var probe: Probe

    public init(container: Container, containerID: String, kind: ProbeState.Kind, probe: Probe) {
        self.container = container
        self.containerID = containerID
        self.kind = kind
        self.probe = probe
    }

    public var name: String { container.name ?? "" }
}

/// An event about a pod, or about one of its containers when `container` is set.
public struct PodEvent: Sendable, Equatable {
    public var container: String?
    /// Normal or Warning.
    public var type: String
    public var reason: String
    public var message: String

    public init(container: String? = nil, type: String = "Normal", reason: String, _ message: String) {
        self.container = container
        self.type = type
        self.reason = reason
        self.message = message
    }
}
