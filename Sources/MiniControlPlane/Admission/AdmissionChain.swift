import KubeAPI

/// One admission plugin. A plugin looks at the attributes (resource, kind,
/// operation) and decides whether it has anything to say; there are no
/// per-resource code paths outside the plugins. Mutating plugins change
/// `attributes.object` in `admit`; validating plugins only refuse in
/// `validate`. Both default to doing nothing.
protocol AdmissionPlugin: Sendable {
    /// Upstream's plugin name (`NamespaceLifecycle`, `PodSecurity`, ...).
    var name: String { get }
    /// The mutating phase.
    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status)
    /// The validating phase, after the object was defaulted and validated.
    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status)
}

extension AdmissionPlugin {
    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {}
    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {}
}

/// The API server's admission chain: every plugin's mutating phase in order,
/// then (after the registry's own validation) every validating phase in
/// order, as kube-apiserver runs its enabled plugins. The first refusal ends
/// the request.
struct AdmissionChain: Sendable {
    let plugins: [any AdmissionPlugin]

    /// kube-apiserver's default plugins that this server implements, in
    /// upstream's order.
    static func standard(defaultTolerations: DefaultTolerationSeconds = DefaultTolerationSeconds()) -> AdmissionChain {
        let webhooks = WebhookCaller()
        return AdmissionChain(plugins: [
            NamespaceLifecycle(),
            LimitRanger(),
            ServiceAccountAdmission(),
            NodeRestriction(),
            PriorityAdmission(),
            defaultTolerations,
            DefaultStorageClass(),
            StorageObjectInUseProtection(),
            PersistentVolumeClaimResize(),
            PodSecurityAdmission(),
            SignerPermission.approval,
            SignerPermission.signing,
            CertificateSubjectRestriction(),
            DefaultIngressClass(),
            WebhookAdmission(mutating: true, caller: webhooks),
            ValidatingAdmissionPolicyPlugin(),
            WebhookAdmission(mutating: false, caller: webhooks),
            ResourceQuotaAdmission(),
        ])
    }

    /// Plugin names in order (for logs and docs).
    var names: [String] { plugins.map(\.name) }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        defer { Self.publish(a) }
        a.authorizer = registry.authorizer
        for p in plugins { try await p.admit(&a, registry) }
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        defer { Self.publish(a) }
        a.authorizer = registry.authorizer
        for p in plugins { try await p.validate(&a, registry) }
    }

    /// Hands the plugins' audit annotations to the request's audit event
    /// (also when a plugin refused it, as upstream's).
    static func publish(_ a: AdmissionAttributes) {
        guard !a.auditAnnotations.isEmpty else { return }
        AuditAnnotations.current?.add(a.auditAnnotations)
    }
}
