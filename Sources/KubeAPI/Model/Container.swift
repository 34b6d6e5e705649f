/// A container of a pod.
public struct Container: Sendable, Hashable, Codable {
    public var name: String?
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var ports: [ContainerPort]?
    public var envFrom: [EnvFromSource]?
    public var env: [EnvVar]?
    public var resources: ResourceRequirements?
    public var resizePolicy: [ContainerResizePolicy]?
    public var restartPolicy: String?
    public var volumeMounts: [VolumeMount]?
    public var volumeDevices: [VolumeDevice]?
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var lifecycle: Lifecycle?
    public var terminationMessagePath: String?
    public var terminationMessagePolicy: String?
    public var imagePullPolicy: String?
    public var securityContext: SecurityContext?
    public var stdin: Bool?
    public var stdinOnce: Bool?
    public var tty: Bool?

    public init(name: String? = nil, image: String? = nil) {
        self.name = name
        self.image = image
    }
}

/// A port a container listens on.
public struct ContainerPort: Sendable, Hashable, Codable {
    public var name: String?
    public var hostPort: Int?
    public var containerPort: Int?
    public var `protocol`: String?
    public var hostIP: String?
    public init(containerPort: Int? = nil, name: String? = nil) {
        self.containerPort = containerPort
        self.name = name
    }
}

/// An environment variable.
public struct EnvVar: Sendable, Hashable, Codable {
    public var name: String?
    public var value: String?
    public var valueFrom: EnvVarSource?
    public init(name: String? = nil, value: String? = nil) {
        self.name = name
        self.value = value
    }
}

/// Where an environment variable's value comes from.
public struct EnvVarSource: Sendable, Hashable, Codable {
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: KeySelector?
    public var secretKeyRef: KeySelector?
    public init() {}
}

/// A field of the pod (`metadata.name`, `status.podIP`, ...).
public struct ObjectFieldSelector: Sendable, Hashable, Codable {
    public var apiVersion: String?
    public var fieldPath: String?
    public init(fieldPath: String? = nil) { self.fieldPath = fieldPath }
}

/// A resource of a container (`limits.cpu`, ...).
public struct ResourceFieldSelector: Sendable, Hashable, Codable {
    public var containerName: String?
    public var resource: String?
    public var divisor: Quantity?
    public init() {}
}

/// A key of a ConfigMap or Secret.
public struct KeySelector: Sendable, Hashable, Codable {
    public var name: String?
    public var key: String?
    public var optional: Bool?
    public init(name: String? = nil, key: String? = nil) {
        self.name = name
        self.key = key
    }
}

/// All keys of a ConfigMap or Secret as environment variables.
public struct EnvFromSource: Sendable, Hashable, Codable {
    public var prefix: String?
    public var configMapRef: KeySelector?
    public var secretRef: KeySelector?
    public init() {}
}

/// Requests and limits.
public struct ResourceRequirements: Sendable, Hashable, Codable {
    public var limits: ResourceList?
    public var requests: ResourceList?
    public var claims: [ResourceClaim]?
    public init(limits: ResourceList? = nil, requests: ResourceList? = nil) {
        self.limits = limits
        self.requests = requests
    }
}

/// Where a volume is mounted in a container.
public struct VolumeMount: Sendable, Hashable, Codable {
    public var name: String?
    public var readOnly: Bool?
    public var recursiveReadOnly: String?
    public var mountPath: String?
    public var subPath: String?
    public var mountPropagation: String?
    public var subPathExpr: String?
    public init(name: String? = nil, mountPath: String? = nil) {
        self.name = name
        self.mountPath = mountPath
    }
}

/// A liveness, readiness or startup probe.
public struct Probe: Sendable, Hashable, Codable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var grpc: GRPCAction?
    public var initialDelaySeconds: Int?
    public var timeoutSeconds: Int?
    public var periodSeconds: Int?
    public var successThreshold: Int?
    public var failureThreshold: Int?
    public var terminationGracePeriodSeconds: Int64?
    public init() {}
}

/// Runs a command in the container.
public struct ExecAction: Sendable, Hashable, Codable {
    public var command: [String]?
    public init(command: [String]? = nil) { self.command = command }
}

/// An HTTP GET against the pod.
public struct HTTPGetAction: Sendable, Hashable, Codable {
    public var path: String?
    public var port: IntOrString?
    public var host: String?
    public var scheme: String?
    public var httpHeaders: [HTTPHeader]?
    public init() {}
}

/// A header of an HTTP probe.
public struct HTTPHeader: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
}

/// A TCP connect to the pod.
public struct TCPSocketAction: Sendable, Hashable, Codable {
    public var port: IntOrString?
    public var host: String?
    public init() {}
}

/// A gRPC health check.
public struct GRPCAction: Sendable, Hashable, Codable {
    public var port: Int?
    public var service: String?
    public init() {}
}

/// postStart and preStop hooks.
public struct Lifecycle: Sendable, Hashable, Codable {
    public var postStart: LifecycleHandler?
    public var preStop: LifecycleHandler?
    public var stopSignal: String?
    public init() {}
}

/// One hook.
public struct LifecycleHandler: Sendable, Hashable, Codable {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var sleep: SleepAction?
    public init() {}
}

/// Sleeps for a while.
public struct SleepAction: Sendable, Hashable, Codable {
    public var seconds: Int64
}
