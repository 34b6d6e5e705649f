/// A horizontal pod autoscaler (autoscaling/v2, the storage version): keeps
/// the replica count of a resource with a `scale` subresource between
/// `minReplicas` and `maxReplicas`, sized to hold its metrics at their targets.
public struct HorizontalPodAutoscaler: KubeObject, Hashable {
    public static let apiVersion = "autoscaling/v2"
    public static let kind = "HorizontalPodAutoscaler"
    public static let resource = "horizontalpodautoscalers"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: HorizontalPodAutoscalerSpec?
    public var status: HorizontalPodAutoscalerStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: HorizontalPodAutoscalerSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What to scale, within which bounds, on which metrics.
public struct HorizontalPodAutoscalerSpec: Sendable, Hashable, Codable {
    public var scaleTargetRef: CrossVersionObjectReference
    public var minReplicas: Int?
    public var maxReplicas: Int
    public var metrics: [MetricSpec]?
    public var behavior: HorizontalPodAutoscalerBehavior?
    public init(scaleTargetRef: CrossVersionObjectReference, minReplicas: Int? = nil, maxReplicas: Int, metrics: [MetricSpec]? = nil) {
        self.scaleTargetRef = scaleTargetRef
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.metrics = metrics
    }
}

/// A reference to an object of any version by kind and name.
public struct CrossVersionObjectReference: Sendable, Hashable, Codable {
    public var kind: String
    public var name: String
    public var apiVersion: String?
    public init(kind: String, name: String, apiVersion: String? = nil) {
        self.kind = kind
        self.name = name
        self.apiVersion = apiVersion
    }
}

/// One metric to scale on: `type` names which of the sources is set
/// (`Resource`, `ContainerResource`, `Pods`, `Object`, `External`).
public struct MetricSpec: Sendable, Hashable, Codable {
    public var type: String
    public var object: ObjectMetricSource?
    public var pods: PodsMetricSource?
    public var resource: ResourceMetricSource?
    public var containerResource: ContainerResourceMetricSource?
    public var external: ExternalMetricSource?
    public init(type: String) { self.type = type }

    /// A resource metric (`cpu`, `memory`) of the pods at an average utilization of their requests.
    public static func resource(_ name: String, averageUtilization: Int) -> MetricSpec {
        var m = MetricSpec(type: "Resource")
        m.resource = ResourceMetricSource(name: name, target: MetricTarget(type: "Utilization", averageUtilization: averageUtilization))
        return m
    }
}

/// A metric describing one object (custom metrics API).
public struct ObjectMetricSource: Sendable, Hashable, Codable {
    public var describedObject: CrossVersionObjectReference
    public var target: MetricTarget
    public var metric: MetricIdentifier
}

/// A metric averaged over the pods (custom metrics API).
public struct PodsMetricSource: Sendable, Hashable, Codable {
    public var metric: MetricIdentifier
    public var target: MetricTarget
}

/// A resource metric of the pods (metrics.k8s.io).
public struct ResourceMetricSource: Sendable, Hashable, Codable {
    public var name: String
    public var target: MetricTarget
    public init(name: String, target: MetricTarget) {
        self.name = name
        self.target = target
    }
}

/// A resource metric of one container of each pod (metrics.k8s.io).
public struct ContainerResourceMetricSource: Sendable, Hashable, Codable {
    public var name: String
    public var target: MetricTarget
    public var container: String
    public init(name: String, target: MetricTarget, container: String) {
        self.name = name
        self.target = target
        self.container = container
    }
}

/// A metric of something outside the cluster (external metrics API).
public struct ExternalMetricSource: Sendable, Hashable, Codable {
    public var metric: MetricIdentifier
    public var target: MetricTarget
}

/// A metric's name and selector.
public struct MetricIdentifier: Sendable, Hashable, Codable {
    public var name: String
    public var selector: LabelSelector?
}

/// A metric's target: `Utilization` (`averageUtilization`, percent of the
/// request), `AverageValue` (`averageValue` per pod) or `Value`.
public struct MetricTarget: Sendable, Hashable, Codable {
    public var type: String
    public var value: Quantity?
    public var averageValue: Quantity?
    public var averageUtilization: Int?
    public init(type: String, value: Quantity? = nil, averageValue: Quantity? = nil, averageUtilization: Int? = nil) {
        self.type = type
        self.value = value
        self.averageValue = averageValue
        self.averageUtilization = averageUtilization
    }
}

/// How fast to scale up and down.
public struct HorizontalPodAutoscalerBehavior: Sendable, Hashable, Codable {
    public var scaleUp: HPAScalingRules?
    public var scaleDown: HPAScalingRules?
    public init(scaleUp: HPAScalingRules? = nil, scaleDown: HPAScalingRules? = nil) {
        self.scaleUp = scaleUp
        self.scaleDown = scaleDown
    }
}

/// The rules of one direction: a stabilization window and rate policies,
/// of which `selectPolicy` (`Max`, `Min`, `Disabled`) picks.
public struct HPAScalingRules: Sendable, Hashable, Codable {
    public var stabilizationWindowSeconds: Int?
    public var selectPolicy: String?
    public var policies: [HPAScalingPolicy]?
    public init(stabilizationWindowSeconds: Int? = nil, selectPolicy: String? = nil, policies: [HPAScalingPolicy]? = nil) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
    }
}

/// At most `value` pods (`Pods`) or percent (`Percent`) per `periodSeconds`.
public struct HPAScalingPolicy: Sendable, Hashable, Codable {
    public var type: String
    public var value: Int
    public var periodSeconds: Int
    public init(type: String, value: Int, periodSeconds: Int) {
        self.type = type
        self.value = value
        self.periodSeconds = periodSeconds
    }
}

/// What the autoscaler last saw and did.
public struct HorizontalPodAutoscalerStatus: Sendable, Hashable, Codable {
    public var observedGeneration: Int64?
    public var lastScaleTime: Timestamp?
    public var currentReplicas: Int?
    public var desiredReplicas: Int
    public var currentMetrics: [MetricStatus]?
    public var conditions: [HorizontalPodAutoscalerCondition]?
    public init(desiredReplicas: Int = 0) { self.desiredReplicas = desiredReplicas }
}

/// A metric's last reading, in the shape of its ``MetricSpec``.
public struct MetricStatus: Sendable, Hashable, Codable {
    public var type: String
    public var object: ObjectMetricStatus?
    public var pods: PodsMetricStatus?
    public var resource: ResourceMetricStatus?
    public var containerResource: ContainerResourceMetricStatus?
    public var external: ExternalMetricStatus?
    public init(type: String) { self.type = type }
}

/// The last reading of an object metric.
public struct ObjectMetricStatus: Sendable, Hashable, Codable {
    public var metric: MetricIdentifier
    public var current: MetricValueStatus
    public var describedObject: CrossVersionObjectReference
}

/// The last reading of a pods metric.
public struct PodsMetricStatus: Sendable, Hashable, Codable {
    public var metric: MetricIdentifier
    public var current: MetricValueStatus
}

/// The last reading of a resource metric.
public struct ResourceMetricStatus: Sendable, Hashable, Codable {
    public var name: String
    public var current: MetricValueStatus
    public init(name: String, current: MetricValueStatus) {
        self.name = name
        self.current = current
    }
}

/// The last reading of a container resource metric.
public struct ContainerResourceMetricStatus: Sendable, Hashable, Codable {
    public var name: String
    public var current: MetricValueStatus
    public var container: String
    public init(name: String, current: MetricValueStatus, container: String) {
        self.name = name
        self.current = current
        self.container = container
    }
}

/// The last reading of an external metric.
public struct ExternalMetricStatus: Sendable, Hashable, Codable {
    public var metric: MetricIdentifier
    public var current: MetricValueStatus
}

/// A reading: a value, an average per pod, or an average utilization (percent).
public struct MetricValueStatus: Sendable, Hashable, Codable {
    public var value: Quantity?
    public var averageValue: Quantity?
    public var averageUtilization: Int?
    public init(value: Quantity? = nil, averageValue: Quantity? = nil, averageUtilization: Int? = nil) {
        self.value = value
        self.averageValue = averageValue
        self.averageUtilization = averageUtilization
    }
}

/// AbleToScale, ScalingActive or ScalingLimited.
public struct HorizontalPodAutoscalerCondition: Sendable, Hashable, Codable {
    public var type: String
    public var status: String
    public var lastTransitionTime: Timestamp?
    public var reason: String?
    public var message: String?
    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Timestamp? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

// MARK: - autoscaling/v1

/// The autoscaling/v1 form of a ``HorizontalPodAutoscaler``: a CPU
/// utilization target only (other metrics travel in annotations, as
/// upstream's conversion keeps them). Kept in the v2 object's storage.
public struct HorizontalPodAutoscalerV1: KubeObject, Hashable {
    public static let apiVersion = "autoscaling/v1"
    public static let kind = "HorizontalPodAutoscaler"
    public static let resource = "horizontalpodautoscalers"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: HorizontalPodAutoscalerSpecV1?
    public var status: HorizontalPodAutoscalerStatusV1?
}

/// The v1 spec.
public struct HorizontalPodAutoscalerSpecV1: Sendable, Hashable, Codable {
    public var scaleTargetRef: CrossVersionObjectReference
    public var minReplicas: Int?
    public var maxReplicas: Int
    public var targetCPUUtilizationPercentage: Int?
}

/// The v1 status.
public struct HorizontalPodAutoscalerStatusV1: Sendable, Hashable, Codable {
    public var observedGeneration: Int64?
    public var lastScaleTime: Timestamp?
    public var currentReplicas: Int
    public var desiredReplicas: Int
    public var currentCPUUtilizationPercentage: Int?
}
