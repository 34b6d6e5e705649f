import Foundation
import KubeAPI

/// Options of a write request.
struct WriteOptions: Sendable {
    var dryRun = false
    /// `Strict`, `Warn` or `Ignore`.
    var fieldValidation = "Warn"
    /// Keys that occurred twice in the body.
    var duplicateKeys: [String] = []
    /// Who makes the write, for `metadata.managedFields` (`fieldManager`, or
    /// the User-Agent's product as kube-apiserver derives it).
    var fieldManager = "kube-apiserver"
    /// Server-side apply: take other managers' fields.
    var force = false
    /// The write's managedFields were already decided (by server-side apply).
    var managedFieldsDecided = false
    /// The subresource the write's managedFields entry names (`scale`).
    var fieldsSubresource: String?
    /// Who asks, for admission; nil for the API server's own writes.
    var user: UserInfo?
}

/// The result of a write: the object and warnings for the `Warning` header.
struct WriteResult: Sendable {
    var object: JSONValue
    var warnings: [String] = []
    var created = false
}

/// Generic object storage for all resources (upstream's generic registry
/// store; named apart from the image registry client): defaulting, validation,
/// optimistic concurrency, finalizers and graceful deletion, on top of a
/// revisioned ``Store``. Objects are handled as JSON trees so unknown fields
/// survive.
final class ResourceStorage: Sendable {
    let store: any Store
    let defaulter: Defaulter
    let allocator: ServiceAllocator
    let namespaceCache = NamespaceCache()
    /// PriorityClasses for the Priority admission plugin.
    let priorityClasses = PriorityClassCache()
    /// The admission plugins every write passes.
    let admission: AdmissionChain
    /// What admission reads on every write, briefly cached.
    let admissionReads = AdmissionReadCache()
    /// Calls definitions' conversion webhooks.
    let conversionCaller = WebhookCaller()

    /// Decides RBAC escalation checks on role and binding writes (none for
    /// a registry without one, as in unit tests).
    let authorizer: Authorizer?
    /// The resources this API server serves: the built-ins and the custom resources of its established definitions.
    let resources = ResourceRegistry()

    init(store: any Store, defaulter: Defaulter, allocator: ServiceAllocator, admission: AdmissionChain = .standard(),
         authorizer: Authorizer? = nil) {
        self.authorizer = authorizer
        self.store = store
        self.defaulter = defaulter
        self.allocator = allocator
        self.admission = admission
    }

    // MARK: errors

    static func status(_ e: StoreError, _ info: ResourceInfo, _ name: String) -> Status {
        switch e {
        case .notFound: return APIErrors.notFound(info, name)
        case .alreadyExists: return APIErrors.alreadyExists(info, name)
        case .conflict: return APIErrors.conflict(info, name)
        case .compacted(let r, let c): return APIErrors.gone("too old resource version: \(r) (\(c))")
        case .futureRevision(let r, let c):
            return APIErrors.timeout("Too large resource version: \(r), current: \(c)")
        case .unavailable(let m): return APIErrors.internalError(m)
        }
    }

    // MARK: reading

    /// The stored value of one object.
    func getStored(_ info: ResourceInfo, _ ns: String?, _ name: String) async throws(Status) -> StoredValue {
        let found: StoredValue?
        do {
            found = try await store.get(key: info.key(namespace: ns, name: name))
        } catch {
            throw Self.status(error, info, name)
        }
        guard let found else { throw APIErrors.notFound(info, name) }
        return found
    }

    /// One object with its resourceVersion.
    func get(_ info: ResourceInfo, _ ns: String?, _ name: String) async throws(Status) -> JSONValue {
        let s = try await getStored(info, ns, name)
        return try await served(s, info)
    }

    /// A stored object in `info`'s version.
    func decode(_ s: StoredValue, _ info: ResourceInfo) throws(Status) -> JSONValue {
        do {
            return info.fromStorage(try StoredObject.decode(s.value, revision: s.modRevision))
        } catch {
            throw APIErrors.internalError("stored \(info.plural) object \(s.key) is corrupt: \(error)")
        }
    }

    /// Whether a namespace exists (cached briefly).
    func namespaceExists(_ ns: String) async throws(Status) -> Bool {
        try await namespaceState(ns) != .missing
    }

    /// Whether a namespace exists and whether it is being deleted; cached
    /// for two seconds (API servers sharing etcd learn of deletions by others).
    func namespaceState(_ ns: String) async throws(Status) -> NamespaceCache.State {
        if let s = namespaceCache.state(ns) { return s }
        let nsInfo = ResourceCatalog.info(for: Namespace.self)
        do {
            guard let found = try await store.get(key: nsInfo.key(namespace: nil, name: ns)) else { return .missing }
            let obj = try? JSONParser.parse(found.value)
            let state: NamespaceCache.State = obj?[path: ["metadata", "deletionTimestamp"]] != nil ? .terminating : .active
            namespaceCache.set(ns, state)
            return state
        } catch {
            throw Self.status(error, nsInfo, ns)
        }
    }

    // MARK: create

    static let generateNameAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// Creates an object from a request body.
    func create(_ info: ResourceInfo, _ ns: String?, _ body: JSONValue, _ options: WriteOptions) async throws(Status) -> WriteResult {
        var obj = try checkTypeMeta(info, body)
        try checkNamespace(info, ns, &obj)
        var meta = obj["metadata"] ?? .emptyObject
        if (meta["name"]?.stringValue ?? "").isEmpty, let gen = meta["generateName"]?.stringValue, !gen.isEmpty {
            let suffix = String((0..<5).map { _ in Self.generateNameAlphabet.randomElement() ?? "x" })
            meta["name"] = .string(gen + suffix)
        }
        for k in ["resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] {
            meta[k] = nil
        }
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(Timestamp().description)
        if Self.hasGeneration(info) { meta["generation"] = 1 } else { meta["generation"] = nil }
        Self.omitEmptyMetadata(&meta)
        obj["metadata"] = meta
        let name = meta["name"]?.stringValue ?? ""
        prepareForCreate(info, &obj)
        if info.builtinKind == "CertificateSigningRequest" { try Self.prepareCertificateSigningRequest(&obj, requester: options.user) }
        let unknownFields = normalize(info, &obj)
        var attributes = AdmissionAttributes(operation: .create, info: info, subresource: nil, namespace: ns, name: name,
                                             object: obj, user: options.user, dryRun: options.dryRun)
        try await admission.admit(&attributes, self)
        obj = attributes.object ?? obj
        var warnings = try validate(info, name, obj, old: nil, options, unknownFields: unknownFields)
        attributes.object = obj
        try await admission.validate(&attributes, self)
        warnings = attributes.warnings + warnings
        try await checkEscalation(info, obj, old: nil, user: options.user)
        try recordManagedFields(info, old: nil, &obj, subresource: nil, options)
        if info.builtinKind == "Service" {
            // Fail before reserving anything when the name is taken.
            if (try? await store.get(key: info.key(namespace: ns, name: name))) ?? nil != nil {
                throw APIErrors.alreadyExists(info, name)
            }
            try await allocator.allocate(&obj, registry: self, dryRun: options.dryRun)
        }
        if options.dryRun { return WriteResult(object: obj, warnings: warnings, created: true) }
        let rev: Int64
        let stored = StoredObject.encode(try await storable(obj, info))
        do {
            rev = try await store.create(key: info.key(namespace: ns, name: name), value: stored)
        } catch {
            if info.builtinKind == "Service" { await allocator.release(obj, store: store) }
            throw Self.status(error, info, name)
        }
        if info.plural == "namespaces" { namespaceCache.set(name, .active) }
        admissionReads.forget(info, namespace: ns, name: name)
        obj.set(path: ["metadata", "resourceVersion"], to: .string(String(rev)))
        return WriteResult(object: obj, warnings: warnings, created: true)
    }

    /// RBAC escalation prevention for the request's user (``EscalationCheck``).
    func checkEscalation(_ info: ResourceInfo, _ obj: JSONValue, old: JSONValue?, user: UserInfo?) async throws(Status) {
        guard let kind = info.builtinKind, EscalationCheck.kinds.contains(kind), let user, let authorizer else { return }
        try await EscalationCheck.check(info, obj, old: old, user: user, authorizer: authorizer, registry: self)
    }

    /// The field manager of a resource type.
    static func fieldManager(_ info: ResourceInfo) -> FieldManager {
        if let custom = info.custom {
            return FieldManager(schema: custom.structural?.patchSchema(isResourceRoot: true) ?? PatchSchema.forKind(""),
                                apiVersion: info.apiVersion, statusSubresource: hasStatusSubresource(info))
        }
        return FieldManager(kind: info.kind, apiVersion: info.apiVersion, statusSubresource: hasStatusSubresource(info))
    }

    /// Records in `metadata.managedFields` what a create, update or patch
    /// changed, unless server-side apply already did.
    func recordManagedFields(_ info: ResourceInfo, old: JSONValue?, _ obj: inout JSONValue, subresource: String?,
                             _ options: WriteOptions) throws(Status) {
        guard !options.managedFieldsDecided else { return }
        do {
            try Self.fieldManager(info).update(old: old, new: &obj, manager: options.fieldManager,
                                               subresource: options.fieldsSubresource ?? subresource, now: Timestamp().description)
        } catch {
            throw APIErrors.invalid(info, obj[path: ["metadata", "name"]]?.stringValue ?? "",
                                    [.invalid("metadata.managedFields", "[...]", error.message)])
        }
    }

    /// Kinds whose metadata.generation tracks spec changes (every custom resource's does).
    static func hasGeneration(_ info: ResourceInfo) -> Bool {
        !info.isBuiltin || ["Deployment", "ReplicaSet", "DaemonSet", "Job", "CronJob", "StatefulSet", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress",
                              "CustomResourceDefinition"].contains(info.kind)
    }

    /// Whether an update moves `metadata.generation`: a change of `spec` for built-ins,
    /// of anything but `metadata` and `status` for custom resources (upstream's custom resource strategy).
    static func generationChanges(_ info: ResourceInfo, _ obj: JSONValue, old: JSONValue) -> Bool {
        guard !info.isBuiltin else { return obj["spec"] != old["spec"] }
        var a = obj, b = old
        for k in ["metadata", "status"] {
            a[k] = nil
            b[k] = nil
        }
        return a != b
    }

    /// Built-ins are defaulted by their kind; custom resources are pruned and
    /// defaulted by their version's schema, which returns the pruned fields'
    /// paths (nil for built-ins, whose unknown fields ``UnknownFieldCheck`` finds).
    func normalize(_ info: ResourceInfo, _ obj: inout JSONValue) -> [String]? {
        guard let custom = info.custom else {
            defaulter.apply(kind: info.kind, to: &obj)
            return nil
        }
        guard let schema = custom.structural else { return [] }
        let unknown = schema.prune(&obj, isResourceRoot: true)
        schema.applyDefaults(&obj)
        return unknown
    }

    /// Kinds whose status is reset on create and kept by main-resource updates.
    static func hasStatusSubresource(_ info: ResourceInfo) -> Bool { info.subresources.contains("status") }

    func prepareForCreate(_ info: ResourceInfo, _ obj: inout JSONValue) {
        guard info.isBuiltin else {
            // A custom resource's status is the status subresource's to write, when it has one.
            if Self.hasStatusSubresource(info) { obj["status"] = nil }
            return
        }
        switch info.builtinKind ?? "" {
        case "Pod", "Deployment", "ReplicaSet", "DaemonSet", "Service", "ResourceQuota", "CronJob", "StatefulSet", "CustomResourceDefinition":
            obj["status"] = nil
        case "Job":
            obj["status"] = nil
            Defaulter.generateJobSelector(&obj)
        case "PodDisruptionBudget":
            // Upstream's strategy starts from an empty status, whose counts v1 always writes.
            obj["status"] = ["disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0]
        case "Ingress":
            // Upstream's strategy starts from an empty status.
            obj["status"] = ["loadBalancer": [:]]
        case "Namespace":
            obj["status"] = ["phase": "Active"]
            // The namespace controller removes this once the namespace is empty.
            obj["spec"] = ["finalizers": ["kubernetes"]]
        case "Secret":
            foldStringData(&obj)
        default:
            break
        }
    }

    func foldStringData(_ obj: inout JSONValue) {
        guard case .object(let sd) = obj["stringData"] ?? .null else {
            obj["stringData"] = nil
            return
        }
        var data = obj["data"]?.objectValue ?? [:]
        for (k, v) in sd { data[k] = .string(Data((v.stringValue ?? "").utf8).base64EncodedString()) }
        obj["data"] = .object(data)
        obj["stringData"] = nil
    }

    /// Checks apiVersion and kind, filling them in when absent.
    func checkTypeMeta(_ info: ResourceInfo, _ body: JSONValue) throws(Status) -> JSONValue {
        guard case .object = body else {
            throw APIErrors.badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): the body is not a JSON object")
        }
        var obj = body
        if let v = obj["apiVersion"], v.stringValue != info.apiVersion {
            throw APIErrors.badRequest("the API version in the data (\(v.stringValue ?? JSONWriter.string(v))) does not match the expected API version (\(info.apiVersion))")
        }
        if let k = obj["kind"], k.stringValue != info.kind {
            throw APIErrors.badRequest("the kind in the data (\(k.stringValue ?? JSONWriter.string(k))) does not match the expected kind (\(info.kind))")
        }
        obj["apiVersion"] = .string(info.apiVersion)
        obj["kind"] = .string(info.kind)
        if let m = obj["metadata"], m.objectValue == nil {
            throw APIErrors.badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): metadata must be an object")
        }
        return obj
    }

    func checkNamespace(_ info: ResourceInfo, _ ns: String?, _ obj: inout JSONValue) throws(Status) {
        var meta = obj["metadata"] ?? .emptyObject
        if info.namespaced {
            if let bodyNS = meta["namespace"]?.stringValue, !bodyNS.isEmpty, bodyNS != ns {
                throw APIErrors.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            meta["namespace"] = ns.map(JSONValue.string)
        } else {
            meta["namespace"] = nil
        }
        obj["metadata"] = meta
    }

    /// Runs validation and field validation; returns warnings.
    func validate(_ info: ResourceInfo, _ name: String, _ obj: JSONValue, old: JSONValue?, _ options: WriteOptions,
                  subresource: String? = nil, unknownFields: [String]? = nil) throws(Status) -> [String] {
        // Unknown fields first: upstream's strict decoding refuses them before validation.
        var problems: [String] = []
        if options.fieldValidation != "Ignore" {
            problems = options.duplicateKeys.map { "duplicate field \"\($0)\"" }
            problems += (unknownFields ?? UnknownFieldCheck.unknownFields(info, obj) ?? []).map { "unknown field \"\($0)\"" }
            if !problems.isEmpty, options.fieldValidation == "Strict" {
                throw APIErrors.badRequest("strict decoding error: " + problems.joined(separator: ", "))
            }
        }
        let outcome = info.isBuiltin ? Validator.validate(info.apiVersion, kind: info.kind, obj, old: old, subresource: subresource)
            : Validator.validateCustomResource(obj, old: old, schema: info.custom?.structural)
        switch outcome {
        case .valid: break
        case .invalid(let errs): throw APIErrors.invalid(info, name, errs)
        case .undecodable(let m):
            throw APIErrors.badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): \(m)")
        }
        return problems
    }
}

/// Namespaces known to exist (and whether they are being deleted), to spare
/// a read per create. Entries are trusted for two seconds.
final class NamespaceCache: Sendable {
    enum State: Sendable, Equatable { case active, terminating, missing }
    private let entries = Mutex<[String: (State, ContinuousClock.Instant)]>([:])
    static let ttl: Duration = .seconds(2)

    func state(_ n: String) -> State? {
        entries.withLock { m in
            guard let (s, at) = m[n], ContinuousClock.now - at < Self.ttl else { return nil }
            return s
        }
    }

    func set(_ n: String, _ s: State) { entries.withLock { $0[n] = (s, ContinuousClock.now) } }
    func remove(_ n: String) { _ = entries.withLock { $0.removeValue(forKey: n) } }
}

import Synchronization
