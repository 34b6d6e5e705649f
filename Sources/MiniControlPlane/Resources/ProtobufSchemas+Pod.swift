/// Pods as protobuf: what kubectl's typed pod client sends (`kubectl debug
/// node/NAME` and `kubectl debug --copy-to` create pods this way), and pod
/// templates. Field numbers from k8s.io/api core/v1 generated.proto (1.32);
/// an empty name marks an embedded Go struct whose fields are inline in JSON.
extension ProtobufSchemas {
    static let pod = PBMessage(fields: [1: f("metadata", meta), 2: f("spec", msg { podSpec })])

    static let keyToPath = PBMessage(fields: [1: f("key", .string), 2: f("path", .string), 3: f("mode", .ptrInt)])
    static let inlineName: PBType = msg { localObjectReference }
    static let objectFieldSelector = PBMessage(fields: [1: f("apiVersion", .string), 2: f("fieldPath", .string)])
    static let resourceFieldSelector = PBMessage(fields: [1: f("containerName", .string), 2: f("resource", .string), 3: f("divisor", .quantity)])

    static let volume = PBMessage(fields: [
        1: f("name", .string),
        2: f("", msg {
            PBMessage(fields: [
                1: f("hostPath", msg { PBMessage(fields: [1: f("path", .string), 2: f("type", .string)]) }),
                2: f("emptyDir", msg { PBMessage(fields: [1: f("medium", .string), 2: f("sizeLimit", .quantity)]) }),
                6: f("secret", msg { PBMessage(fields: [1: f("secretName", .string), 2: f("items", msg { keyToPath }, repeated: true),
                                                        3: f("defaultMode", .ptrInt), 4: f("optional", .ptrBool)]) }),
                10: f("persistentVolumeClaim", msg { PBMessage(fields: [1: f("claimName", .string), 2: f("readOnly", .bool)]) }),
                16: f("downwardAPI", msg { PBMessage(fields: [1: f("items", msg { downwardAPIFile }, repeated: true), 2: f("defaultMode", .ptrInt)]) }),
                19: f("configMap", msg { PBMessage(fields: [1: f("", inlineName), 2: f("items", msg { keyToPath }, repeated: true),
                                                            3: f("defaultMode", .ptrInt), 4: f("optional", .ptrBool)]) }),
                26: f("projected", msg { PBMessage(fields: [1: f("sources", msg { volumeProjection }, repeated: true), 2: f("defaultMode", .ptrInt)]) }),
            ])
        }),
    ])
    static let downwardAPIFile = PBMessage(fields: [
        1: f("path", .string), 2: f("fieldRef", msg { objectFieldSelector }), 3: f("resourceFieldRef", msg { resourceFieldSelector }),
        4: f("mode", .ptrInt),
    ])
    static let volumeProjection = PBMessage(fields: [
        1: f("secret", msg { PBMessage(fields: [1: f("", inlineName), 2: f("items", msg { keyToPath }, repeated: true), 4: f("optional", .ptrBool)]) }),
        2: f("downwardAPI", msg { PBMessage(fields: [1: f("items", msg { downwardAPIFile }, repeated: true)]) }),
        3: f("configMap", msg { PBMessage(fields: [1: f("", inlineName), 2: f("items", msg { keyToPath }, repeated: true), 4: f("optional", .ptrBool)]) }),
        4: f("serviceAccountToken", msg { PBMessage(fields: [1: f("audience", .string), 2: f("expirationSeconds", .ptrInt), 3: f("path", .string)]) }),
    ])

    static let probeHandler = PBMessage(fields: [
        1: f("exec", msg { PBMessage(fields: [1: f("command", .string, repeated: true)]) }),
        2: f("httpGet", msg {
            PBMessage(fields: [1: f("path", .string), 2: f("port", .intOrString), 3: f("host", .string), 4: f("scheme", .string),
                               5: f("httpHeaders", msg { PBMessage(fields: [1: f("name", .string), 2: f("value", .string)]) }, repeated: true)])
        }),
        3: f("tcpSocket", msg { PBMessage(fields: [1: f("port", .intOrString), 2: f("host", .string)]) }),
    ])
    static let probe = PBMessage(fields: [
        1: f("", msg { probeHandler }), 2: f("initialDelaySeconds", .int), 3: f("timeoutSeconds", .int), 4: f("periodSeconds", .int),
        5: f("successThreshold", .int), 6: f("failureThreshold", .int), 7: f("terminationGracePeriodSeconds", .ptrInt),
    ])
    static let lifecycleHandler = PBMessage(fields: [
        1: f("exec", msg { PBMessage(fields: [1: f("command", .string, repeated: true)]) }),
        2: f("httpGet", msg { PBMessage(fields: [1: f("path", .string), 2: f("port", .intOrString), 3: f("host", .string), 4: f("scheme", .string)]) }),
        3: f("tcpSocket", msg { PBMessage(fields: [1: f("port", .intOrString), 2: f("host", .string)]) }),
        4: f("sleep", msg { PBMessage(fields: [1: f("seconds", .int)]) }),
    ])
    static let securityContext = PBMessage(fields: [
        1: f("capabilities", msg { PBMessage(fields: [1: f("add", .string, repeated: true), 2: f("drop", .string, repeated: true)]) }),
        2: f("privileged", .ptrBool), 4: f("runAsUser", .ptrInt), 5: f("runAsNonRoot", .ptrBool), 6: f("readOnlyRootFilesystem", .ptrBool),
        7: f("allowPrivilegeEscalation", .ptrBool), 8: f("runAsGroup", .ptrInt), 9: f("procMount", .string),
        11: f("seccompProfile", msg { PBMessage(fields: [1: f("type", .string), 2: f("localhostProfile", .string)]) }),
    ])

    static let container = PBMessage(fields: [
        1: f("name", .string), 2: f("image", .string), 3: f("command", .string, repeated: true), 4: f("args", .string, repeated: true),
        5: f("workingDir", .string),
        6: f("ports", msg { PBMessage(fields: [1: f("name", .string), 2: f("hostPort", .int), 3: f("containerPort", .int),
                                               4: f("protocol", .string), 5: f("hostIP", .string)]) }, repeated: true),
        7: f("env", msg {
            PBMessage(fields: [1: f("name", .string), 2: f("value", .string), 3: f("valueFrom", msg {
                PBMessage(fields: [
                    1: f("fieldRef", msg { objectFieldSelector }), 2: f("resourceFieldRef", msg { resourceFieldSelector }),
                    3: f("configMapKeyRef", msg { PBMessage(fields: [1: f("", inlineName), 2: f("key", .string), 3: f("optional", .ptrBool)]) }),
                    4: f("secretKeyRef", msg { PBMessage(fields: [1: f("", inlineName), 2: f("key", .string), 3: f("optional", .ptrBool)]) }),
                ])
            })])
        }, repeated: true),
        8: f("resources", msg { PBMessage(fields: [1: f("limits", .map(.quantity)), 2: f("requests", .map(.quantity))]) }),
        9: f("volumeMounts", msg {
            PBMessage(fields: [1: f("name", .string), 2: f("readOnly", .bool), 3: f("mountPath", .string), 4: f("subPath", .string),
                               5: f("mountPropagation", .string), 6: f("subPathExpr", .string), 7: f("recursiveReadOnly", .string)])
        }, repeated: true),
        10: f("livenessProbe", msg { probe }), 11: f("readinessProbe", msg { probe }),
        12: f("lifecycle", msg { PBMessage(fields: [1: f("postStart", msg { lifecycleHandler }), 2: f("preStop", msg { lifecycleHandler })]) }),
        13: f("terminationMessagePath", .string), 14: f("imagePullPolicy", .string), 15: f("securityContext", msg { securityContext }),
        16: f("stdin", .bool), 17: f("stdinOnce", .bool), 18: f("tty", .bool),
        19: f("envFrom", msg {
            PBMessage(fields: [1: f("prefix", .string),
                               2: f("configMapRef", msg { PBMessage(fields: [1: f("", inlineName), 2: f("optional", .ptrBool)]) }),
                               3: f("secretRef", msg { PBMessage(fields: [1: f("", inlineName), 2: f("optional", .ptrBool)]) })])
        }, repeated: true),
        20: f("terminationMessagePolicy", .string), 22: f("startupProbe", msg { probe }), 24: f("restartPolicy", .string),
    ])

    static let podSpec = PBMessage(fields: [
        1: f("volumes", msg { volume }, repeated: true),
        2: f("containers", msg { container }, repeated: true), 3: f("restartPolicy", .string),
        4: f("terminationGracePeriodSeconds", .ptrInt), 5: f("activeDeadlineSeconds", .ptrInt), 6: f("dnsPolicy", .string),
        7: f("nodeSelector", .map(.string)), 8: f("serviceAccountName", .string), 9: f("serviceAccount", .string),
        10: f("nodeName", .string), 11: f("hostNetwork", .bool), 12: f("hostPID", .bool), 13: f("hostIPC", .bool),
        14: f("securityContext", msg {
            PBMessage(fields: [2: f("runAsUser", .ptrInt), 3: f("runAsNonRoot", .ptrBool), 4: f("supplementalGroups", .ptrInt, repeated: true),
                               5: f("fsGroup", .ptrInt), 6: f("runAsGroup", .ptrInt),
                               7: f("sysctls", msg { PBMessage(fields: [1: f("name", .string), 2: f("value", .string)]) }, repeated: true),
                               10: f("seccompProfile", msg { PBMessage(fields: [1: f("type", .string), 2: f("localhostProfile", .string)]) })])
        }),
        15: f("imagePullSecrets", msg { localObjectReference }, repeated: true), 16: f("hostname", .string), 17: f("subdomain", .string),
        19: f("schedulerName", .string), 20: f("initContainers", msg { container }, repeated: true),
        21: f("automountServiceAccountToken", .ptrBool),
        22: f("tolerations", msg { PBMessage(fields: [1: f("key", .string), 2: f("operator", .string), 3: f("value", .string),
                                                      4: f("effect", .string), 5: f("tolerationSeconds", .ptrInt)]) }, repeated: true),
        23: f("hostAliases", msg { PBMessage(fields: [1: f("ip", .string), 2: f("hostnames", .string, repeated: true)]) }, repeated: true),
        24: f("priorityClassName", .string), 25: f("priority", .ptrInt),
        26: f("dnsConfig", msg {
            PBMessage(fields: [1: f("nameservers", .string, repeated: true), 2: f("searches", .string, repeated: true),
                               3: f("options", msg { PBMessage(fields: [1: f("name", .string), 2: f("value", .string)]) }, repeated: true)])
        }),
        27: f("shareProcessNamespace", .ptrBool),
        28: f("readinessGates", msg { PBMessage(fields: [1: f("conditionType", .string)]) }, repeated: true),
        29: f("runtimeClassName", .string), 30: f("enableServiceLinks", .ptrBool), 31: f("preemptionPolicy", .string),
        34: f("ephemeralContainers", msg { PBMessage(fields: [1: f("", msg { container }), 2: f("targetContainerName", .string)]) },
              repeated: true),
        35: f("setHostnameAsFQDN", .ptrBool), 37: f("hostUsers", .ptrBool),
    ])
}
