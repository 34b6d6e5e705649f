/// An ingress (`networking.k8s.io/v1`): host and path rules that send HTTP(S)
/// traffic arriving at an ingress controller to Services, with TLS from
/// Secrets. The controller named by the ingress's class serves it and writes
/// its address to `status.loadBalancer`.
public struct Ingress: KubeObject, Hashable {
    public static let apiVersion = "networking.k8s.io/v1"
    public static let kind = "Ingress"
    public static let resource = "ingresses"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: IngressSpec?
    public var status: IngressStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: IngressSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The legacy annotation naming the class, before `spec.ingressClassName`.
    public static let classAnnotation = "kubernetes.io/ingress.class"
}

/// What an ingress routes.
public struct IngressSpec: Sendable, Hashable, Codable {
    /// The IngressClass whose controller serves this ingress.
    public var ingressClassName: String?
    /// Where requests that no rule matches go.
    public var defaultBackend: IngressBackend?
    /// TLS hosts and the Secrets holding their certificates.
    public var tls: [IngressTLS]?
    /// Host rules, each with HTTP paths.
    public var rules: [IngressRule]?

    public init(ingressClassName: String? = nil, defaultBackend: IngressBackend? = nil, tls: [IngressTLS]? = nil,
                rules: [IngressRule]? = nil) {
        self.ingressClassName = ingressClassName
        self.defaultBackend = defaultBackend
        self.tls = tls
        self.rules = rules
    }
}

/// A backend: a Service port or (exclusively) another resource.
public struct IngressBackend: Sendable, Hashable, Codable {
    public var service: IngressServiceBackend?
    public var resource: TypedLocalObjectReference?

    public init(service: IngressServiceBackend? = nil, resource: TypedLocalObjectReference? = nil) {
        self.service = service
        self.resource = resource
    }
}

/// A Service in the ingress's namespace and one of its ports.
public struct IngressServiceBackend: Sendable, Hashable, Codable {
    public var name: String
    public var port: ServiceBackendPort?

    public init(name: String, port: ServiceBackendPort? = nil) {
        self.name = name
        self.port = port
    }
}

/// A Service port by name or (exclusively) by number.
public struct ServiceBackendPort: Sendable, Hashable, Codable {
    public var name: String?
    public var number: Int32?

    public init(name: String? = nil, number: Int32? = nil) {
        self.name = name
        self.number = number
    }
}

/// Hosts served over TLS with the certificate of one Secret.
public struct IngressTLS: Sendable, Hashable, Codable {
    public var hosts: [String]?
    /// A `kubernetes.io/tls` Secret in the ingress's namespace.
    public var secretName: String?

    public init(hosts: [String]? = nil, secretName: String? = nil) {
        self.hosts = hosts
        self.secretName = secretName
    }
}

/// One host (or every host, when empty) and its paths.
public struct IngressRule: Sendable, Hashable, Codable {
    /// A DNS name, or `*.domain` matching exactly one more label.
    public var host: String?
    public var http: HTTPIngressRuleValue?

    public init(host: String? = nil, http: HTTPIngressRuleValue? = nil) {
        self.host = host
        self.http = http
    }
}

/// The HTTP paths of a rule.
public struct HTTPIngressRuleValue: Sendable, Hashable, Codable {
    public var paths: [HTTPIngressPath]

    public init(paths: [HTTPIngressPath]) {
        self.paths = paths
    }
}

/// A path and the backend its requests go to.
public struct HTTPIngressPath: Sendable, Hashable, Codable {
    public var path: String?
    /// `Exact`, `Prefix` or `ImplementationSpecific`.
    public var pathType: String?
    public var backend: IngressBackend

    public init(path: String? = nil, pathType: String? = nil, backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }

    /// The path types upstream supports.
    public static let pathTypes = ["Exact", "ImplementationSpecific", "Prefix"]
}

/// Where the controller serves an ingress.
public struct IngressStatus: Sendable, Hashable, Codable {
    public var loadBalancer: IngressLoadBalancerStatus?
    public init(loadBalancer: IngressLoadBalancerStatus? = nil) { self.loadBalancer = loadBalancer }
}

/// The addresses of an ingress's load balancer.
public struct IngressLoadBalancerStatus: Sendable, Hashable, Codable {
    public var ingress: [IngressLoadBalancerIngress]?
    public init(ingress: [IngressLoadBalancerIngress]? = nil) { self.ingress = ingress }
}

/// One address of an ingress's load balancer.
public struct IngressLoadBalancerIngress: Sendable, Hashable, Codable {
    public var ip: String?
    public var hostname: String?
    public var ports: [IngressPortStatus]?
    public init(ip: String? = nil, hostname: String? = nil) {
        self.ip = ip
        self.hostname = hostname
    }
}

/// The state of one port of an ingress's load balancer.
public struct IngressPortStatus: Sendable, Hashable, Codable {
    public var port: Int32
    public var `protocol`: String
    public var error: String?
    public init(port: Int32, protocol: String) {
        self.port = port
        self.protocol = `protocol`
    }
}

/// An ingress class (`networking.k8s.io/v1`): which controller serves the
/// ingresses naming it. The class annotated
/// `ingressclass.kubernetes.io/is-default-class: "true"` is given to new
/// ingresses that name none.
public struct IngressClass: KubeObject, Hashable {
    public static let apiVersion = "networking.k8s.io/v1"
    public static let kind = "IngressClass"
    public static let resource = "ingressclasses"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: IngressClassSpec?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: IngressClassSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The annotation marking the default class.
    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
}

/// The controller of a class and its parameters.
public struct IngressClassSpec: Sendable, Hashable, Codable {
    /// A domain-prefixed path naming the controller (`example.com/ingress-controller`); immutable.
    public var controller: String?
    public var parameters: IngressClassParametersReference?

    public init(controller: String? = nil, parameters: IngressClassParametersReference? = nil) {
        self.controller = controller
        self.parameters = parameters
    }
}

/// A reference to an object holding a class's configuration.
public struct IngressClassParametersReference: Sendable, Hashable, Codable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
    /// `Cluster` or `Namespace`.
    public var scope: String?
    public var namespace: String?

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}
