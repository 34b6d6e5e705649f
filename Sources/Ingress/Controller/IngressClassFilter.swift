public import KubeAPI

/// Which ingresses a controller serves, as ingress-nginx decides: those
/// whose `spec.ingressClassName` names an IngressClass of this controller
/// (or the configured class name), or whose legacy
/// `kubernetes.io/ingress.class` annotation is the class name; ingresses
/// without any class only with `watchWithoutClass`.
public struct IngressClassFilter: Sendable, Hashable {
    /// `spec.controller` of the classes served (`swiftkube.io/ingress-controller`).
    public var controller: String
    /// The class name served (`swiftkube`).
    public var className: String
    public var watchWithoutClass: Bool

    public init(controller: String = IngressClassFilter.defaultController, className: String = "swiftkube", watchWithoutClass: Bool = false) {
        self.controller = controller
        self.className = className
        self.watchWithoutClass = watchWithoutClass
    }

    /// The controller name of the built-in controller.
    public static let defaultController = "swiftkube.io/ingress-controller"

    /// Whether `ingress` is served, given the cluster's IngressClasses.
    public func serves(_ ingress: Ingress, classes: [IngressClass]) -> Bool {
        if let name = ingress.spec?.ingressClassName {
            if name == className { return true }
            return classes.contains { $0.name == name && $0.spec?.controller == controller }
        }
        if let annotation = ingress.metadata.annotations?[Ingress.classAnnotation] {
            return annotation == className
        }
        return watchWithoutClass
    }
}
