/// A job (batch/v1): runs pods until `completions` of them succeed, or fails
/// when its backoff limit, deadline or pod failure policy says so.
public struct Job: KubeObject, Hashable {
    public static let apiVersion = "batch/v1"
    public static let kind = "Job"
    public static let resource = "jobs"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: JobSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The finalizer on a Job's pods until the Job controller has counted them.
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    /// The annotation and label with an Indexed Job pod's completion index.
    public static let completionIndexKey = "batch.kubernetes.io/job-completion-index"
    /// The annotation with the failures of an index so far (backoffLimitPerIndex).
    public static let indexFailureCountKey = "batch.kubernetes.io/job-index-failure-count"
    /// The labels tying pods to their Job (the legacy ones without the prefix too).
    public static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"
    public static let jobNameLabel = "batch.kubernetes.io/job-name"
    public static let legacyControllerUIDLabel = "controller-uid"
    public static let legacyJobNameLabel = "job-name"
}

/// Desired state of a job.
public struct JobSpec: Sendable, Hashable, Codable {
    public var parallelism: Int?
    public var completions: Int?
    public var activeDeadlineSeconds: Int64?
    public var podFailurePolicy: PodFailurePolicy?
    public var successPolicy: SuccessPolicy?
    public var backoffLimit: Int?
    public var backoffLimitPerIndex: Int?
    public var maxFailedIndexes: Int?
    public var selector: LabelSelector?
    public var manualSelector: Bool?
    public var template: PodTemplateSpec?
    public var ttlSecondsAfterFinished: Int?
    /// `NonIndexed` (the default) or `Indexed`.
    public var completionMode: String?
    public var suspend: Bool?
    /// `TerminatingOrFailed` or `Failed`.
    public var podReplacementPolicy: String?
    public var managedBy: String?
    public init() {}
}

/// How pod failures count (batch/v1 PodFailurePolicy).
public struct PodFailurePolicy: Sendable, Hashable, Codable {
    public var rules: [PodFailurePolicyRule]
    public init(rules: [PodFailurePolicyRule] = []) { self.rules = rules }
}

/// One rule: an action when a failed pod matches exit codes or conditions.
public struct PodFailurePolicyRule: Sendable, Hashable, Codable {
    /// `FailJob`, `FailIndex`, `Ignore` or `Count`.
    public var action: String
    public var onExitCodes: PodFailurePolicyOnExitCodesRequirement?
    public var onPodConditions: [PodFailurePolicyOnPodConditionsPattern]?
    public init(action: String, onExitCodes: PodFailurePolicyOnExitCodesRequirement? = nil,
                onPodConditions: [PodFailurePolicyOnPodConditionsPattern]? = nil) {
        self.action = action
        self.onExitCodes = onExitCodes
        self.onPodConditions = onPodConditions
    }
}

/// Exit codes of (one or any) container, `In` or `NotIn` a set.
public struct PodFailurePolicyOnExitCodesRequirement: Sendable, Hashable, Codable {
    public var containerName: String?
    public var `operator`: String
    public var values: [Int32]
    public init(containerName: String? = nil, operator op: String, values: [Int32]) {
        self.containerName = containerName
        self.operator = op
        self.values = values
    }
}

/// A pod condition type and status (`True` by default).
public struct PodFailurePolicyOnPodConditionsPattern: Sendable, Hashable, Codable {
    public var type: String
    public var status: String?
    public init(type: String, status: String? = nil) {
        self.type = type
        self.status = status
    }
}

/// When an Indexed job counts as succeeded before all indexes do.
public struct SuccessPolicy: Sendable, Hashable, Codable {
    public var rules: [SuccessPolicyRule]
    public init(rules: [SuccessPolicyRule] = []) { self.rules = rules }
}

/// Indexes that must succeed, and/or how many of them.
public struct SuccessPolicyRule: Sendable, Hashable, Codable {
    public var succeededIndexes: String?
    public var succeededCount: Int?
    public init(succeededIndexes: String? = nil, succeededCount: Int? = nil) {
        self.succeededIndexes = succeededIndexes
        self.succeededCount = succeededCount
    }
}

/// Observed state of a job.
public struct JobStatus: Sendable, Hashable, Codable {
    public var conditions: [Condition]?
    public var startTime: Timestamp?
    public var completionTime: Timestamp?
    public var active: Int?
    public var succeeded: Int?
    public var failed: Int?
    public var terminating: Int?
    public var completedIndexes: String?
    public var failedIndexes: String?
    public var uncountedTerminatedPods: UncountedTerminatedPods?
    public var ready: Int?
    public init() {}
}

/// UIDs of finished pods whose finalizer is being removed, not yet in the counters.
public struct UncountedTerminatedPods: Sendable, Hashable, Codable {
    public var succeeded: [String]?
    public var failed: [String]?
    public init(succeeded: [String]? = nil, failed: [String]? = nil) {
        self.succeeded = succeeded
        self.failed = failed
    }
}

/// A cron job (batch/v1): creates a Job from its template on a schedule.
public struct CronJob: KubeObject, Hashable {
    public static let apiVersion = "batch/v1"
    public static let kind = "CronJob"
    public static let resource = "cronjobs"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CronJobSpec?
    public var status: CronJobStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: CronJobSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The annotation on a CronJob's Jobs with the time they were scheduled for (RFC 3339).
    public static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"
}

/// Desired state of a cron job.
public struct CronJobSpec: Sendable, Hashable, Codable {
    public var schedule: String
    public var timeZone: String?
    public var startingDeadlineSeconds: Int64?
    /// `Allow` (the default), `Forbid` or `Replace`.
    public var concurrencyPolicy: String?
    public var suspend: Bool?
    public var jobTemplate: JobTemplateSpec
    public var successfulJobsHistoryLimit: Int?
    public var failedJobsHistoryLimit: Int?
    public init(schedule: String, jobTemplate: JobTemplateSpec = JobTemplateSpec()) {
        self.schedule = schedule
        self.jobTemplate = jobTemplate
    }
}

/// The Job a cron job creates.
public struct JobTemplateSpec: Sendable, Hashable, Codable {
    public var metadata: ObjectMeta?
    public var spec: JobSpec?
    public init(metadata: ObjectMeta? = nil, spec: JobSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// Observed state of a cron job.
public struct CronJobStatus: Sendable, Hashable, Codable {
    public var active: [ObjectReference]?
    public var lastScheduleTime: Timestamp?
    public var lastSuccessfulTime: Timestamp?
    public init() {}
}
