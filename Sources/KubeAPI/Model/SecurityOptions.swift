/// SELinuxOptions are the labels to be applied to the container.
public struct SELinuxOptions: Sendable, Hashable, Codable {
    public var level: String?
    public var role: String?
    public var type: String?
    public var user: String?
    public init() {}
}

/// WindowsSecurityContextOptions contain Windows-specific options and credentials.
public struct WindowsSecurityContextOptions: Sendable, Hashable, Codable {
    public var gmsaCredentialSpec: String?
    public var gmsaCredentialSpecName: String?
    public var hostProcess: Bool?
    public var runAsUserName: String?
    public init() {}
}

/// AppArmorProfile defines a pod or container's AppArmor settings.
public struct AppArmorProfile: Sendable, Hashable, Codable {
    public var localhostProfile: String?
    public var type: String?
    public init() {}
}
