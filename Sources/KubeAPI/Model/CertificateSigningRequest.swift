public import Foundation

/// A certificate signing request (`certificates.k8s.io/v1`, cluster-scoped):
/// a PKCS#10 request for a signer; approved through the `approval`
/// subresource, signed by the signer's controller into `status.certificate`.
public struct CertificateSigningRequest: KubeObject, Hashable {
    public static let apiVersion = "certificates.k8s.io/v1"
    public static let kind = "CertificateSigningRequest"
    public static let resource = "certificatesigningrequests"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CertificateSigningRequestSpec
    public var status: CertificateSigningRequestStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: CertificateSigningRequestSpec) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The signers built into Kubernetes.
    public enum Signer {
        /// Client certificates for the API server (any user; approved by hand).
        public static let kubeAPIServerClient = "kubernetes.io/kube-apiserver-client"
        /// Kubelet client certificates (`CN=system:node:NAME`, `O=system:nodes`).
        public static let kubeAPIServerClientKubelet = "kubernetes.io/kube-apiserver-client-kubelet"
        /// Kubelet serving certificates.
        public static let kubeletServing = "kubernetes.io/kubelet-serving"
        /// Never signed: for CSRs whose certificate comes from elsewhere.
        public static let legacyUnknown = "kubernetes.io/legacy-unknown"
    }

    /// The condition of `type`, if present.
    public func condition(_ type: String) -> CertificateSigningRequestCondition? {
        status?.conditions?.first { $0.type == type }
    }

    /// Approved and neither Denied nor Failed.
    public var isApproved: Bool {
        condition("Approved")?.status == "True" && condition("Denied") == nil && condition("Failed") == nil
    }

    /// Denied or Failed.
    public var isFinished: Bool { condition("Denied") != nil || condition("Failed") != nil }
}

/// What is requested and, set by the API server, by whom.
public struct CertificateSigningRequestSpec: Codable, Sendable, Hashable {
    /// The PEM-encoded PKCS#10 request (base64 in JSON, as `[]byte`).
    public var request: String
    public var signerName: String
    /// Requested lifetime in seconds (at least 600).
    public var expirationSeconds: Int32?
    /// Key usages: `client auth`, `server auth`, `digital signature`, `key encipherment`, ...
    public var usages: [String]?
    /// The requester, set by the API server on create.
    public var username: String?
    public var uid: String?
    public var groups: [String]?
    public var extra: [String: [String]]?

    public init(request: String, signerName: String, usages: [String]? = nil, expirationSeconds: Int32? = nil) {
        self.request = request
        self.signerName = signerName
        self.usages = usages
        self.expirationSeconds = expirationSeconds
    }

    /// The decoded PEM of `request`, nil when it is not base64.
    public var requestPEM: String? {
        Data(base64Encoded: request).flatMap { String(data: $0, encoding: .utf8) }
    }
}

/// Approval conditions and the issued certificate.
public struct CertificateSigningRequestStatus: Codable, Sendable, Hashable {
    public var conditions: [CertificateSigningRequestCondition]?
    /// The PEM certificate chain (base64 in JSON).
    public var certificate: String?

    public init(conditions: [CertificateSigningRequestCondition]? = nil, certificate: String? = nil) {
        self.conditions = conditions
        self.certificate = certificate
    }
}

/// `Approved`, `Denied` or `Failed`.
public struct CertificateSigningRequestCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastUpdateTime: Timestamp?
    public var lastTransitionTime: Timestamp?

    public init(type: String, status: String = "True", reason: String? = nil, message: String? = nil, at time: Date = Date()) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastUpdateTime = Timestamp(time)
        self.lastTransitionTime = Timestamp(time)
    }
}
