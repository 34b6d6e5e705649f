/// An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging.
public struct EphemeralContainer: Sendable, Hashable, Codable {
    public var args: [String]?
    public var command: [String]?
    public var env: [EnvVar]?
    public var envFrom: [EnvFromSource]?
    public var image: String?
    public var imagePullPolicy: String?
    public var lifecycle: Lifecycle?
    public var livenessProbe: Probe?
    public var name: String?
    public var ports: [ContainerPort]?
    public var readinessProbe: Probe?
    public var resizePolicy: [ContainerResizePolicy]?
    public var resources: ResourceRequirements?
    public var restartPolicy: String?
    public var securityContext: SecurityContext?
    public var startupProbe: Probe?
    public var stdin: Bool?
    public var stdinOnce: Bool?
    public var targetContainerName: String?
    public var terminationMessagePath: String?
    public var terminationMessagePolicy: String?
    public var tty: Bool?
    public var volumeDevices: [VolumeDevice]?
    public var volumeMounts: [VolumeMount]?
    public var workingDir: String?
    public init() {}
}
