/// Field types of the protobuf subset we decode.
indirect enum PBType: Sendable {
    /// `int` and `bool` are omitted when zero (Go's omitempty); `ptrInt` and
    /// `ptrBool` are pointer fields, kept whenever present.
    case string, bytes, int, bool, ptrInt, ptrBool, quantity, intOrString, time
    case message(PBRef)
    /// map<string, T>
    case map(PBType)
}

/// A lazily built message schema (schemas refer to each other).
struct PBRef: Sendable {
    let make: @Sendable () -> PBMessage
    var schema: PBMessage { make() }
}

/// Field number → JSON name, type and repetition.
struct PBMessage: Sendable {
    var fields: [Int: (name: String, type: PBType, repeated: Bool)]
}

/// Field numbers of the Kubernetes types kubectl sends as protobuf, from
/// Kubernetes' generated.proto (k8s.io/api and apimachinery).
enum ProtobufSchemas {
    static func f(_ name: String, _ type: PBType, repeated: Bool = false) -> (name: String, type: PBType, repeated: Bool) {
        (name, type, repeated)
    }
    static func msg(_ m: @escaping @Sendable () -> PBMessage) -> PBType { .message(PBRef(make: m)) }

    static let objectMeta = PBMessage(fields: [
        1: f("name", .string), 2: f("generateName", .string), 3: f("namespace", .string), 5: f("uid", .string),
        6: f("resourceVersion", .string), 7: f("generation", .int), 8: f("creationTimestamp", .time),
        9: f("deletionTimestamp", .time), 10: f("deletionGracePeriodSeconds", .ptrInt), 11: f("labels", .map(.string)),
        12: f("annotations", .map(.string)), 13: f("ownerReferences", msg { ownerReference }, repeated: true),
        14: f("finalizers", .string, repeated: true),
    ])
    static let ownerReference = PBMessage(fields: [
        1: f("kind", .string), 3: f("name", .string), 4: f("uid", .string), 5: f("apiVersion", .string),
        6: f("controller", .ptrBool), 7: f("blockOwnerDeletion", .ptrBool),
    ])
    static let objectReference = PBMessage(fields: [
        1: f("kind", .string), 2: f("namespace", .string), 3: f("name", .string), 4: f("uid", .string),
        5: f("apiVersion", .string), 6: f("resourceVersion", .string), 7: f("fieldPath", .string),
    ])
    static let localObjectReference = PBMessage(fields: [1: f("name", .string)])
    static let labelSelector = PBMessage(fields: [
        1: f("matchLabels", .map(.string)),
        2: f("matchExpressions", msg { PBMessage(fields: [1: f("key", .string), 2: f("operator", .string), 3: f("values", .string, repeated: true)]) }, repeated: true),
    ])
    static let meta: PBType = msg { objectMeta }

    static let podTemplate = PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { podSpec })])

    static let deployment = PBMessage(fields: [
        1: f("metadata", meta),
        2: f("spec", msg {
            PBMessage(fields: [
                1: f("replicas", .ptrInt), 2: f("selector", msg { labelSelector }), 3: f("template", msg { podTemplate }),
                4: f("strategy", msg {
                    PBMessage(fields: [1: f("type", .string),
                                       2: f("rollingUpdate", msg { PBMessage(fields: [1: f("maxUnavailable", .intOrString), 2: f("maxSurge", .intOrString)]) })])
                }),
                5: f("minReadySeconds", .int), 6: f("revisionHistoryLimit", .ptrInt), 7: f("paused", .bool), 9: f("progressDeadlineSeconds", .ptrInt),
            ])
        }),
    ])

    /// batch/v1 JobSpec (kubectl create job, and job --from=cronjob copies a CronJob's).
    static let jobSpec = PBMessage(fields: [
        1: f("parallelism", .ptrInt), 2: f("completions", .ptrInt), 3: f("activeDeadlineSeconds", .ptrInt),
        4: f("selector", msg { labelSelector }), 5: f("manualSelector", .ptrBool), 6: f("template", msg { podTemplate }),
        7: f("backoffLimit", .ptrInt), 8: f("ttlSecondsAfterFinished", .ptrInt), 9: f("completionMode", .string),
        10: f("suspend", .ptrBool),
        11: f("podFailurePolicy", msg {
            PBMessage(fields: [1: f("rules", msg {
                PBMessage(fields: [
                    1: f("action", .string),
                    2: f("onExitCodes", msg { PBMessage(fields: [1: f("containerName", .string), 2: f("operator", .string),
                                                                 3: f("values", .int, repeated: true)]) }),
                    3: f("onPodConditions", msg { PBMessage(fields: [1: f("type", .string), 2: f("status", .string)]) }, repeated: true),
                ])
            }, repeated: true)])
        }),
        12: f("backoffLimitPerIndex", .ptrInt), 13: f("maxFailedIndexes", .ptrInt), 14: f("podReplacementPolicy", .string),
        15: f("managedBy", .string),
        16: f("successPolicy", msg {
            PBMessage(fields: [1: f("rules", msg { PBMessage(fields: [1: f("succeededIndexes", .string), 2: f("succeededCount", .ptrInt)]) },
                                    repeated: true)])
        }),
    ])

    static let job = PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { jobSpec })])

    static let cronJob = PBMessage(fields: [
        1: f("metadata", meta),
        2: f("spec", msg {
            PBMessage(fields: [
                1: f("schedule", .string), 2: f("startingDeadlineSeconds", .ptrInt), 3: f("concurrencyPolicy", .string),
                4: f("suspend", .ptrBool),
                5: f("jobTemplate", msg { PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { jobSpec })]) }),
                6: f("successfulJobsHistoryLimit", .ptrInt), 7: f("failedJobsHistoryLimit", .ptrInt), 8: f("timeZone", .string),
            ])
        }),
    ])

    static let service = PBMessage(fields: [
        1: f("metadata", meta),
        2: f("spec", msg {
            PBMessage(fields: [
                1: f("ports", msg { PBMessage(fields: [1: f("name", .string), 2: f("protocol", .string), 3: f("port", .int),
                                                       4: f("targetPort", .intOrString), 5: f("nodePort", .int), 6: f("appProtocol", .string)]) },
                     repeated: true),
                2: f("selector", .map(.string)), 3: f("clusterIP", .string), 4: f("type", .string), 5: f("externalIPs", .string, repeated: true),
                7: f("sessionAffinity", .string), 8: f("loadBalancerIP", .string), 9: f("loadBalancerSourceRanges", .string, repeated: true),
                10: f("externalName", .string), 11: f("externalTrafficPolicy", .string), 12: f("healthCheckNodePort", .int),
                13: f("publishNotReadyAddresses", .bool), 17: f("ipFamilyPolicy", .string), 18: f("clusterIPs", .string, repeated: true),
                19: f("ipFamilies", .string, repeated: true), 22: f("internalTrafficPolicy", .string),
            ])
        }),
    ])

    static let deleteOptions = PBMessage(fields: [
        1: f("gracePeriodSeconds", .ptrInt),
        2: f("preconditions", msg { PBMessage(fields: [1: f("uid", .string), 2: f("resourceVersion", .string)]) }),
        3: f("orphanDependents", .ptrBool), 4: f("propagationPolicy", .string), 5: f("dryRun", .string, repeated: true),
    ])

    /// Kinds accepted as protobuf (by kind, or by `apiVersion/kind` where
    /// versions of a kind differ).
    static let kinds: [String: PBMessage] = [
        // kubectl autoscale.
        "autoscaling/v1/HorizontalPodAutoscaler": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [
                    1: f("scaleTargetRef", msg { PBMessage(fields: [1: f("kind", .string), 2: f("name", .string), 3: f("apiVersion", .string)]) }),
                    2: f("minReplicas", .ptrInt), 3: f("maxReplicas", .int), 4: f("targetCPUUtilizationPercentage", .ptrInt),
                ])
            }),
        ]),
        "ConfigMap": PBMessage(fields: [1: f("metadata", meta), 2: f("data", .map(.string)), 3: f("binaryData", .map(.bytes)),
                                        4: f("immutable", .ptrBool)]),
        "Secret": PBMessage(fields: [1: f("metadata", meta), 2: f("data", .map(.bytes)), 3: f("type", .string),
                                     4: f("stringData", .map(.string)), 5: f("immutable", .ptrBool)]),
        "Namespace": PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { PBMessage(fields: [1: f("finalizers", .string, repeated: true)]) })]),
        "ServiceAccount": PBMessage(fields: [1: f("metadata", meta), 2: f("secrets", msg { objectReference }, repeated: true),
                                             3: f("imagePullSecrets", msg { localObjectReference }, repeated: true),
                                             4: f("automountServiceAccountToken", .ptrBool)]),
        "Deployment": deployment,
        "Job": job,
        "CronJob": cronJob,
        "Pod": pod,
        "Service": service,
        "Eviction": PBMessage(fields: [1: f("metadata", meta), 2: f("deleteOptions", msg { deleteOptions })]),
        // kubectl certificate approve|deny (certificates.k8s.io/v1, PUT .../approval);
        // spec.extra is set by the server, so not decoded.
        "CertificateSigningRequest": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [1: f("request", .bytes), 2: f("username", .string), 3: f("uid", .string),
                                   4: f("groups", .string, repeated: true), 5: f("usages", .string, repeated: true),
                                   7: f("signerName", .string), 8: f("expirationSeconds", .ptrInt)])
            }),
            3: f("status", msg {
                PBMessage(fields: [
                    1: f("conditions", msg {
                        PBMessage(fields: [1: f("type", .string), 2: f("reason", .string), 3: f("message", .string),
                                           4: f("lastUpdateTime", .time), 5: f("lastTransitionTime", .time), 6: f("status", .string)])
                    }, repeated: true),
                    2: f("certificate", .bytes),
                ])
            }),
        ]),
        // kubectl create priorityclass (scheduling.k8s.io/v1).
        "PriorityClass": PBMessage(fields: [1: f("metadata", meta), 2: f("value", .int), 3: f("globalDefault", .bool),
                                            4: f("description", .string), 5: f("preemptionPolicy", .string)]),
        // kubectl create poddisruptionbudget (policy/v1).
        "PodDisruptionBudget": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [1: f("minAvailable", .intOrString), 2: f("selector", msg { labelSelector }),
                                   3: f("maxUnavailable", .intOrString), 4: f("unhealthyPodEvictionPolicy", .string)])
            }),
        ]),
        // kubectl create quota (core/v1).
        "ResourceQuota": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [
                    1: f("hard", .map(.quantity)), 2: f("scopes", .string, repeated: true),
                    3: f("scopeSelector", msg {
                        PBMessage(fields: [1: f("matchExpressions", msg {
                            PBMessage(fields: [1: f("scopeName", .string), 2: f("operator", .string), 3: f("values", .string, repeated: true)])
                        }, repeated: true)])
                    }),
                ])
            }),
            3: f("status", msg { PBMessage(fields: [1: f("hard", .map(.quantity)), 2: f("used", .map(.quantity))]) }),
        ]),
        "LimitRange": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [1: f("limits", msg {
                    PBMessage(fields: [1: f("type", .string), 2: f("max", .map(.quantity)), 3: f("min", .map(.quantity)),
                                       4: f("default", .map(.quantity)), 5: f("defaultRequest", .map(.quantity)),
                                       6: f("maxLimitRequestRatio", .map(.quantity))])
                }, repeated: true)])
            }),
        ]),
        "DeleteOptions": deleteOptions,
        // kubectl create token (authentication.k8s.io/v1).
        "TokenRequest": PBMessage(fields: [
            1: f("metadata", meta),
            2: f("spec", msg {
                PBMessage(fields: [
                    1: f("audiences", .string, repeated: true), 4: f("expirationSeconds", .ptrInt),
                    3: f("boundObjectRef", msg { PBMessage(fields: [1: f("kind", .string), 2: f("apiVersion", .string), 3: f("name", .string), 4: f("uid", .string)]) }),
                ])
            }),
        ]),
        "SelfSubjectAccessReview": PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { accessReviewSpec })]),
        "SubjectAccessReview": PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { accessReviewSpec })]),
        "LocalSubjectAccessReview": PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { accessReviewSpec })]),
        "SelfSubjectRulesReview": PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { PBMessage(fields: [1: f("namespace", .string)]) })]),
        // rbac.authorization.k8s.io/v1 (kubectl create role|clusterrole|rolebinding|clusterrolebinding).
        "Role": PBMessage(fields: [1: f("metadata", meta), 2: f("rules", msg { policyRule }, repeated: true)]),
        "ClusterRole": PBMessage(fields: [
            1: f("metadata", meta), 2: f("rules", msg { policyRule }, repeated: true),
            3: f("aggregationRule", msg { PBMessage(fields: [1: f("clusterRoleSelectors", msg { labelSelector }, repeated: true)]) }),
        ]),
        "RoleBinding": binding,
        "ClusterRoleBinding": binding,
    ]

    /// The spec of the authorization.k8s.io access reviews (the self review uses fields 1 and 2).
    static let accessReviewSpec = PBMessage(fields: [
        1: f("resourceAttributes", msg {
            PBMessage(fields: [1: f("namespace", .string), 2: f("verb", .string), 3: f("group", .string), 4: f("version", .string),
                               5: f("resource", .string), 6: f("subresource", .string), 7: f("name", .string)])
        }),
        2: f("nonResourceAttributes", msg { PBMessage(fields: [1: f("path", .string), 2: f("verb", .string)]) }),
        3: f("user", .string), 4: f("groups", .string, repeated: true), 6: f("uid", .string),
    ])

    static let policyRule = PBMessage(fields: [
        1: f("verbs", .string, repeated: true), 2: f("apiGroups", .string, repeated: true), 3: f("resources", .string, repeated: true),
        4: f("resourceNames", .string, repeated: true), 5: f("nonResourceURLs", .string, repeated: true),
    ])

    static let binding = PBMessage(fields: [
        1: f("metadata", meta),
        2: f("subjects", msg { PBMessage(fields: [1: f("kind", .string), 2: f("apiGroup", .string), 3: f("name", .string), 4: f("namespace", .string)]) },
             repeated: true),
        3: f("roleRef", msg { PBMessage(fields: [1: f("apiGroup", .string), 2: f("kind", .string), 3: f("name", .string)]) }),
    ])
}
