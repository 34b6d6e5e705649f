/// The result of validating an object: field errors (HTTP 422) or a body that
/// cannot be decoded as the kind at all (HTTP 400).
public enum ValidationOutcome: Sendable, Equatable {
    case valid
    case invalid([FieldError])
    case undecodable(String)
}

/// Validates objects like the Kubernetes API server, with its field paths and wording.
public enum Validator {
    /// Validates a new object (`old == nil`) or an update of `old`, made
    /// through `subresource` when one is given (`ephemeralcontainers`).
    public static func validate(kind: String, _ obj: JSONValue, old: JSONValue? = nil, subresource: String? = nil) -> ValidationOutcome {
        validate(ResourceCatalog.all.first { $0.kind == kind && $0.conversion == nil }?.apiVersion ?? "v1", kind: kind, obj,
                 old: old, subresource: subresource)
    }

    /// Validates an object written through `apiVersion` (some checks depend
    /// on the version a request used, as upstream's do). Objects of a
    /// version kept in another's storage are validated in the stored form.
    public static func validate(_ apiVersion: String, kind: String, _ obj: JSONValue, old: JSONValue? = nil,
                                subresource: String? = nil) -> ValidationOutcome {
        var errs: [FieldError] = []
        do {
            if let info = ResourceCatalog.find(apiVersion: apiVersion, kind: kind), info.conversion != nil {
                errs = try validateTyped(kind: kind, info.toStorage(obj), old: old.map(info.toStorage), requestVersion: apiVersion,
                                         subresource: subresource)
            } else {
                errs = try validateTyped(kind: kind, obj, old: old, requestVersion: apiVersion, subresource: subresource)
            }
        } catch let e as DecodingErrorAsField {
            return .invalid([e.error])
        } catch let e as KubeCodecError {
            return .undecodable(e.message)
        } catch {
            return .undecodable("\(error)")
        }
        return errs.isEmpty ? .valid : .invalid(errs)
    }

    /// Validates a custom resource's metadata as upstream's custom resource strategy does (its name a DNS subdomain);
    /// the rest is its definition's schema's to check.
    public static func validateCustomResource(_ obj: JSONValue, old: JSONValue? = nil, schema: StructuralSchema? = nil) -> ValidationOutcome {
        do {
            let meta = try decode(ObjectMeta.self, obj["metadata"] ?? .emptyObject)
            let oldMeta = try old.map { try decode(ObjectMeta.self, $0["metadata"] ?? .emptyObject) }
            var errs = validateMeta(meta, kind: "", old: oldMeta)
            if let schema {
                errs += schema.validate(obj, old: old, path: "")
                errs += schema.validateRules(obj, old: old)
            }
            return errs.isEmpty ? .valid : .invalid(errs)
        } catch let e as DecodingErrorAsField {
            return .invalid([e.error])
        } catch {
            return .undecodable("\(error)")
        }
    }

    struct DecodingErrorAsField: Error { var error: FieldError }

    /// Decodes, turning a missing required key into a "Required value" field error.
    static func decode<T: Decodable>(_ t: T.Type, _ v: JSONValue) throws -> T {
        do {
            return try JSONDecoderShim.decode(t, v)
        } catch let DecodingError.keyNotFound(key, ctx) {
            let path = (ctx.codingPath + [key]).map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }
                .joined().replacingOccurrences(of: ".[", with: "[")
            throw DecodingErrorAsField(error: .required(String(path.drop(while: { $0 == "." }))))
        } catch let e as DecodingError {
            throw KubeCodecError(message: KubeCodec.describe(e))
        }
    }

    static func validateTyped(kind: String, _ obj: JSONValue, old: JSONValue?, requestVersion: String = "v1",
                              subresource: String? = nil) throws -> [FieldError] {
        var errs: [FieldError] = []
        let meta = try decode(ObjectMeta.self, obj["metadata"] ?? .emptyObject)
        let oldMeta = try old.map { try decode(ObjectMeta.self, $0["metadata"] ?? .emptyObject) }
        errs += validateMeta(meta, kind: kind, old: oldMeta)
        switch kind {
        case "Pod":
            let pod = try decode(Pod.self, obj)
            let oldPod = try old.map { try decode(Pod.self, $0) }
            if subresource == "ephemeralcontainers", let oldPod {
                return PodValidation.validateEphemeralContainersUpdate(pod, old: oldPod, metadataErrors: errs)
            }
            errs += PodValidation.validatePod(pod, old: oldPod)
        case "Deployment":
            let d = try decode(Deployment.self, obj)
            let o = try old.map { try decode(Deployment.self, $0) }
            errs += WorkloadValidation.validateDeployment(d, old: o)
        case "ReplicationController":
            errs += WorkloadValidation.validateReplicationController(try decode(ReplicationController.self, obj))
        case "ReplicaSet":
            let r = try decode(ReplicaSet.self, obj)
            let o = try old.map { try decode(ReplicaSet.self, $0) }
            errs += WorkloadValidation.validateReplicaSet(r, old: o)
        case "DaemonSet":
            let d = try decode(DaemonSet.self, obj)
            let o = try old.map { try decode(DaemonSet.self, $0) }
            errs += WorkloadValidation.validateDaemonSet(d, old: o)
        case "StatefulSet":
            let sts = try decode(StatefulSet.self, obj)
            errs += WorkloadValidation.validateStatefulSet(sts, old: try old.map { try decode(StatefulSet.self, $0) })
        case "ControllerRevision":
            let r = try decode(ControllerRevision.self, obj)
            errs += WorkloadValidation.validateControllerRevision(r, old: try old.map { try decode(ControllerRevision.self, $0) })
        case "Job":
            let j = try decode(Job.self, obj)
            errs += BatchValidation.validateJob(j, old: try old.map { try decode(Job.self, $0) })
        case "HorizontalPodAutoscaler":
            errs += AutoscalingValidation.validate(try decode(HorizontalPodAutoscaler.self, obj))
        case "ValidatingWebhookConfiguration":
            errs += AdmissionRegistrationValidation.validate(try decode(ValidatingWebhookConfiguration.self, obj))
        case "MutatingWebhookConfiguration":
            errs += AdmissionRegistrationValidation.validate(try decode(MutatingWebhookConfiguration.self, obj))
        case "ValidatingAdmissionPolicy":
            errs += AdmissionPolicyValidation.validate(try decode(ValidatingAdmissionPolicy.self, obj))
        case "ValidatingAdmissionPolicyBinding":
            errs += AdmissionPolicyValidation.validate(try decode(ValidatingAdmissionPolicyBinding.self, obj))
        case "APIService":
            let a = try decode(APIService.self, obj)
            errs += subresource == "status" ? APIServiceValidation.validateStatus(a) : APIServiceValidation.validate(a)
        case "CustomResourceDefinition":
            let crd = try decode(CustomResourceDefinition.self, obj)
            errs += APIExtensionsValidation.validate(crd, old: try old.map { try decode(CustomResourceDefinition.self, $0) })
        case "CronJob":
            let c = try decode(CronJob.self, obj)
            errs += BatchValidation.validateCronJob(c, old: try old.map { try decode(CronJob.self, $0) })
        case "Service":
            let s = try decode(Service.self, obj)
            let o = try old.map { try decode(Service.self, $0) }
            errs += ServiceValidation.validateService(s, old: o)
        case "Node":
            errs += ServiceValidation.validateNode(try decode(Node.self, obj))
        case "ConfigMap":
            errs += ServiceValidation.validateConfigMap(try decode(ConfigMap.self, obj))
        case "Secret":
            errs += ServiceValidation.validateSecret(try decode(Secret.self, obj))
        case "EndpointSlice":
            let s = try decode(EndpointSlice.self, obj)
            let o = try old.map { try decode(EndpointSlice.self, $0) }
            errs += ServiceValidation.validateEndpointSlice(s, old: o)
        case "Endpoints":
            _ = try decode(Endpoints.self, obj)
        case "Event":
            let e = try decode(Event.self, obj)
            let o = try old.map { try decode(Event.self, $0) }
            errs += EventValidation.validate(e, old: o, strict: requestVersion == EventsV1Event.apiVersion)
        case "Lease":
            let l = try decode(Lease.self, obj)
            if let d = l.spec?.leaseDurationSeconds, d <= 0 {
                errs.append(.invalid("spec.leaseDurationSeconds", int: Int64(d), "must be greater than 0"))
            }
        case "PodTemplate":
            let t = try decode(PodTemplate.self, obj)
            if let spec = t.template?.spec {
                errs += PodValidation.validatePodSpec(spec, path: "template.spec")
            } else {
                errs.append(.required("template.spec"))
            }
        case "CertificateSigningRequest":
            let csr = try decode(CertificateSigningRequest.self, obj)
            let o = try old.map { try decode(CertificateSigningRequest.self, $0) }
            errs += CertificatesValidation.validate(csr, old: o)
        case "NetworkPolicy":
            errs += NetworkingValidation.validateNetworkPolicy(try decode(NetworkPolicy.self, obj))
        case "PodDisruptionBudget":
            errs += PolicyValidation.validatePodDisruptionBudget(try decode(PodDisruptionBudget.self, obj))
        case "Ingress":
            let ing = try decode(Ingress.self, obj)
            errs += NetworkingValidation.validateIngress(ing, old: try old.map { try decode(Ingress.self, $0) }, subresource: subresource)
        case "IngressClass":
            let c = try decode(IngressClass.self, obj)
            errs += NetworkingValidation.validateIngressClass(c, old: try old.map { try decode(IngressClass.self, $0) })
        case "PriorityClass":
            let pc = try decode(PriorityClass.self, obj)
            let o = try old.map { try decode(PriorityClass.self, $0) }
            errs += SchedulingValidation.validatePriorityClass(pc, old: o)
        case "PersistentVolume":
            let pv = try decode(PersistentVolume.self, obj)
            errs += StorageValidation.validatePersistentVolume(pv, old: try old.map { try decode(PersistentVolume.self, $0) })
        case "PersistentVolumeClaim":
            let pvc = try decode(PersistentVolumeClaim.self, obj)
            errs += StorageValidation.validateClaim(pvc, old: try old.map { try decode(PersistentVolumeClaim.self, $0) })
        case "StorageClass":
            let sc = try decode(StorageClass.self, obj)
            errs += StorageValidation.validateStorageClass(sc, old: try old.map { try decode(StorageClass.self, $0) })
        case "CSIDriver":
            let d = try decode(CSIDriver.self, obj)
            errs += StorageValidation.validateCSIDriver(d, old: try old.map { try decode(CSIDriver.self, $0) })
        case "CSINode":
            errs += StorageValidation.validateCSINode(try decode(CSINode.self, obj))
        case "VolumeAttachment":
            let va = try decode(VolumeAttachment.self, obj)
            errs += StorageValidation.validateVolumeAttachment(va, old: try old.map { try decode(VolumeAttachment.self, $0) })
        case "Role":
            errs += RBACValidation.validateRules(try decode(Role.self, obj).rules, namespaced: true)
        case "ClusterRole":
            errs += RBACValidation.validateClusterRole(try decode(ClusterRole.self, obj))
        case "RoleBinding":
            let b = try decode(RoleBinding.self, obj)
            let o = try old.map { try decode(RoleBinding.self, $0) }
            errs += RBACValidation.validateBinding(roleRef: b.roleRef, subjects: b.subjects, namespaced: true, oldRoleRef: o?.roleRef)
        case "ClusterRoleBinding":
            let b = try decode(ClusterRoleBinding.self, obj)
            let o = try old.map { try decode(ClusterRoleBinding.self, $0) }
            errs += RBACValidation.validateBinding(roleRef: b.roleRef, subjects: b.subjects, namespaced: false, oldRoleRef: o?.roleRef)
        case "ResourceQuota":
            errs += QuotaValidation.validateResourceQuota(try decode(ResourceQuota.self, obj))
        case "LimitRange":
            errs += QuotaValidation.validateLimitRange(try decode(LimitRange.self, obj))
        case "Namespace":
            _ = try decode(Namespace.self, obj)
        case "ServiceAccount":
            _ = try decode(ServiceAccount.self, obj)
        default:
            break
        }
        return errs
    }

    /// Kinds whose names must be DNS-1123 labels rather than subdomains.
    static let labelNamedKinds: Set<String> = ["Namespace"]
    /// Kinds whose names are any path segment (`system:node`), as upstream's RBAC names.
    static let pathSegmentNamedKinds: Set<String> = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "APIService"]

    static func validateMeta(_ m: ObjectMeta, kind: String, old: ObjectMeta?) -> [FieldError] {
        var errs: [FieldError] = []
        if let name = m.name, !name.isEmpty {
            let nameErrs: [String]
            if kind == "Service" {
                nameErrs = dns1035LabelErrors(name)
            } else if pathSegmentNamedKinds.contains(kind) {
                nameErrs = RBACValidation.pathSegmentNameErrors(name)
            } else if labelNamedKinds.contains(kind) {
                nameErrs = LabelValidation.dns1123LabelErrors(name)
            } else {
                nameErrs = LabelValidation.dns1123SubdomainErrors(name)
            }
            for e in nameErrs { errs.append(.invalid("metadata.name", name, e)) }
        } else if (m.generateName ?? "").isEmpty {
            errs.append(.required("metadata.name", "name or generateName is required"))
        }
        errs += LabelValidation.validateLabels(m.labels, field: "metadata.labels")
        errs += LabelValidation.validateAnnotations(m.annotations, field: "metadata.annotations")
        for (i, f) in (m.finalizers ?? []).enumerated() {
            for e in LabelValidation.qualifiedNameErrors(f) { errs.append(.invalid("metadata.finalizers[\(i)]", f, e)) }
        }
        if let old {
            if let a = old.uid, let b = m.uid, a != b { errs.append(.invalid("metadata.uid", b, "field is immutable")) }
            if let a = old.name, let b = m.name, a != b { errs.append(.invalid("metadata.name", b, "field is immutable")) }
            if (old.namespace ?? "") != (m.namespace ?? "") {
                errs.append(.invalid("metadata.namespace", m.namespace ?? "", "field is immutable"))
            }
        }
        return errs
    }

    /// Errors for a DNS-1035 label (Service names).
    public static func dns1035LabelErrors(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append("must be no more than 63 characters") }
        let ok = LabelValidation.isDNS1123Label(s) && (s.first?.isLetter ?? false)
        if !ok {
            errs.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        }
        return errs
    }

    /// Errors for a port number.
    static func validatePort(_ p: Int?, _ field: String, required: Bool = true) -> [FieldError] {
        guard let p else { return required ? [.required(field)] : [] }
        if p < 1 || p > 65535 { return [.invalid(field, int: Int64(p), "must be between 1 and 65535, inclusive")] }
        return []
    }

    static func validateProtocol(_ p: String?, _ field: String) -> [FieldError] {
        guard let p else { return [] }
        if !["TCP", "UDP", "SCTP"].contains(p) { return [.notSupported(field, p, ["SCTP", "TCP", "UDP"])] }
        return []
    }
}

import Foundation

enum JSONDecoderShim {
    static func decode<T: Decodable>(_ t: T.Type, _ v: JSONValue) throws -> T {
        try JSONValueDecoder.decode(t, from: v)
    }
}
