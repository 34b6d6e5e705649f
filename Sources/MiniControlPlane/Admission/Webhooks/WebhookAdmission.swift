import Foundation
import KubeAPI
import Logging
import Synchronization

/// kube-apiserver's `MutatingAdmissionWebhook` and `ValidatingAdmissionWebhook`
/// plugins: every write that a configuration's webhook matches is sent to it
/// as an AdmissionReview v1. Mutating webhooks run one after another (the
/// configurations by name, the webhooks in their order) and may answer with
/// a JSON patch; those with `reinvocationPolicy: IfNeeded` run once more when
/// a later one changed the object. Validating webhooks run after the
/// object's own validation and all of them must allow the write. A webhook
/// that cannot be called, times out or answers nonsense refuses the write
/// under `failurePolicy: Fail` and is passed over under `Ignore`.
struct WebhookAdmission: AdmissionPlugin {
    let mutating: Bool
    let caller: WebhookCaller
    let compiled: CompiledWebhooks
    var name: String { mutating ? "MutatingAdmissionWebhook" : "ValidatingAdmissionWebhook" }
    static let logger = Logger(label: "admission.webhook")

    init(mutating: Bool, caller: WebhookCaller) {
        self.mutating = mutating
        self.caller = caller
        compiled = CompiledWebhooks()
    }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard mutating else { return }
        let hooks = try await matching(a, registry)
        guard !hooks.isEmpty else { return }
        // The object as each webhook left it: one that asks is called again if a later one changed it.
        var after: [Int: JSONValue?] = [:]
        for (i, (w, version)) in hooks.enumerated() {
            merge(try await invoke(w, index: i, version: version, a, registry, object: &a.object), into: &a)
            after[i] = a.object
        }
        for (i, (w, version)) in hooks.enumerated() where w.reinvoke && after[i] != a.object {
            merge(try await invoke(w, index: i, version: version, a, registry, object: &a.object, round: 1), into: &a)
        }
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard !mutating else { return }
        let hooks = try await matching(a, registry)
        guard !hooks.isEmpty else { return }
        // As upstream, validating webhooks are called at once; the first refusal in their order is returned.
        let request = a
        let results = await withTaskGroup(of: (Int, Result<WebhookOutcome, Status>).self) { group in
            for (i, (w, version)) in hooks.enumerated() {
                group.addTask {
                    var unchanged = request.object
                    do throws(Status) {
                        return (i, .success(try await self.invoke(w, index: i, version: version, request, registry, object: &unchanged)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var out: [(Int, Result<WebhookOutcome, Status>)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        for (_, r) in results {
            switch r {
            case .success(let outcome): merge(outcome, into: &a)
            case .failure(let status): throw status
            }
        }
    }

    func merge(_ outcome: WebhookOutcome, into a: inout AdmissionAttributes) {
        a.warnings += outcome.warnings
        for (k, v) in outcome.auditAnnotations { a.auditAnnotations[k] = v }
    }

    /// The webhooks of this kind that match the write, with the version each matched in.
    func matching(_ a: AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) -> [(CompiledWebhook, String)] {
        guard !WebhookMatching.isExempt(a.info) else { return [] }
        let hooks = try await compiled.webhooks(mutating: mutating, registry)
        guard !hooks.isEmpty else { return [] }
        let served = registry.resources.snapshot.resources
        var out: [(CompiledWebhook, String)] = []
        for w in hooks {
            guard let version = WebhookMatching.matchedVersion(w.hook, a, served: served) else { continue }
            guard try await WebhookMatching.matchesNamespace(w, a, registry: registry), WebhookMatching.matchesObject(w, a) else { continue }
            out.append((w, version))
        }
        return out
    }

    /// What a webhook said besides allowing.
    struct WebhookOutcome: Sendable {
        var warnings: [String] = []
        var auditAnnotations: [String: String] = [:]
    }

    /// Evaluates the match conditions, calls the webhook and handles its answer (a patch is
    /// applied to `object`); under `failurePolicy: Ignore` a failure is logged and passed over.
    func invoke(_ w: CompiledWebhook, index: Int, version: String, _ a: AdmissionAttributes, _ registry: ResourceStorage,
                object: inout JSONValue?, round: Int = 0) async throws(Status) -> WebhookOutcome {
        var current = a
        current.object = object
        var request = Self.request(current, version: version)
        do throws(WebhookError) {
            guard try Self.conditionsHold(w, request: request, current) else { return WebhookOutcome() }
            let response = try await send(w, &request, registry)
            guard response.allowed else { throw .denied(Self.denial(w.name, response.status)) }
            if let patch = response.patch, !patch.isEmpty {
                guard mutating else { return outcome(response, w.name) }
                guard let current = object else { throw .call("a patch for a request without an object") }
                var patched: JSONValue
                do { patched = try WebhookResponse.applyPatch(response, to: current) } catch { throw .call(error.description) }
                // As upstream decodes the patched object with its defaults.
                _ = registry.normalize(a.info, &patched)
                object = patched
            }
            return outcome(response, w.name)
        } catch {
            switch error {
            case .denied(let status):
                throw status
            case .call(let message):
                let status = APIErrors.internalError("failed calling webhook \"\(w.name)\": \(message)")
                guard w.failOpen else { throw status }
                Self.logger.warning("Failed calling webhook, failing open \(w.name): \(message)")
                var o = WebhookOutcome()
                o.auditAnnotations["failed-open.\(mutating ? "mutating" : "validating").webhook.admission.k8s.io/round_\(round)_index_\(index)"] = w.name
                return o
            case .condition(let message):
                guard w.failOpen else { throw APIErrors.internalError("failed calling webhook \"\(w.name)\": \(message)") }
                return WebhookOutcome()
            }
        }
    }

    func outcome(_ r: AdmissionResponse, _ webhook: String) -> WebhookOutcome {
        var o = WebhookOutcome()
        o.warnings = (r.warnings ?? []).map { String($0.prefix(4096)) }
        // As upstream, a webhook's audit annotations are prefixed with its name.
        for (k, v) in r.auditAnnotations ?? [:] { o.auditAnnotations["\(webhook)/\(k)"] = v }
        return o
    }

    enum WebhookError: Error {
        /// The webhook refused; the status goes to the client as it is.
        case denied(Status)
        /// The webhook could not be called or answered nonsense.
        case call(String)
        /// A match condition failed to evaluate.
        case condition(String)
    }

    /// Upstream's `ToStatusErr`: `admission webhook "NAME" denied the request: MESSAGE`, code 400 or the webhook's.
    static func denial(_ name: String, _ result: Status?) -> Status {
        var s = result ?? Status(message: "", reason: "", code: 400)
        if (s.code ?? 0) < 400 { s.code = 400 }
        s.status = "Failure"
        s.kind = "Status"
        s.apiVersion = "v1"
        let deniedBy = "admission webhook \"\(name)\" denied the request"
        if let message = s.message, !message.isEmpty {
            s.message = "\(deniedBy): \(message)"
        } else if let reason = s.reason, !reason.isEmpty {
            s.message = "\(deniedBy): \(reason)"
        } else {
            s.message = "\(deniedBy) without explanation"
        }
        return s
    }

    /// Whether every match condition holds; an error in one is the webhook's failure.
    static func conditionsHold(_ w: CompiledWebhook, request: AdmissionRequest, _ a: AdmissionAttributes) throws(WebhookError) -> Bool {
        guard !w.conditions.isEmpty else { return true }
        let bindings = AdmissionCEL.bindings(a, request: request)
        let result = AdmissionCEL.matchConditions(w.conditions) { expression in
            var evaluator = AdmissionCEL.evaluator(bindings, a)
            do throws(CELEvaluator.Failure) { return .success(try evaluator.evaluate(expression)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let holds): return holds
        case .failure(let errors): throw .condition(errors.message)
        }
    }

    /// The AdmissionRequest of a write.
    static func request(_ a: AdmissionAttributes, version: String) -> AdmissionRequest {
        let kind = GroupVersionKind(group: a.info.group, version: version, kind: a.info.kind)
        let resource = GroupVersionResource(group: a.info.group, version: version, resource: a.info.plural)
        let user = a.requester
        var r = AdmissionRequest(uid: UUID().uuidString.lowercased(), kind: kind, resource: resource, operation: a.operation.rawValue,
                                 userInfo: AdmissionUserInfo(username: user.name, groups: user.groups))
        r.subResource = a.subresource
        r.requestKind = GroupVersionKind(group: a.info.group, version: a.info.version, kind: a.info.kind)
        r.requestResource = GroupVersionResource(group: a.info.group, version: a.info.version, resource: a.info.plural)
        r.requestSubResource = a.subresource
        r.name = a.name.isEmpty ? nil : a.name
        let isNamespace = a.info.isBuiltin && a.info.group.isEmpty && a.info.plural == "namespaces"
        r.namespace = isNamespace ? a.name : a.namespace
        r.object = a.object.map { Self.inVersion($0, version, a.info) }
        r.oldObject = a.oldObject.map { Self.inVersion($0, version, a.info) }
        r.dryRun = a.dryRun
        let optionsKind = switch a.operation {
        case .create: "CreateOptions"
        case .update: "UpdateOptions"
        case .delete: "DeleteOptions"
        }
        r.options = ["apiVersion": "meta.k8s.io/v1", "kind": .string(optionsKind)]
        return r
    }

    /// A custom object in the version a webhook's rule matched (the versions of a
    /// definition differ only in `apiVersion`: conversion is `None`).
    static func inVersion(_ o: JSONValue, _ version: String, _ info: ResourceInfo) -> JSONValue {
        guard version != info.version, info.custom != nil else { return o }
        var out = o
        out["apiVersion"] = .string("\(info.group)/\(version)")
        return out
    }

    /// Sends the review and checks the answer's envelope.
    func send(_ w: CompiledWebhook, _ request: inout AdmissionRequest, _ registry: ResourceStorage) async throws(WebhookError) -> AdmissionResponse {
        guard w.hook.admissionReviewVersions.contains("v1") || w.hook.admissionReviewVersions.contains("v1beta1") else {
            throw .call("webhook does not accept v1 or v1beta1 AdmissionReview")
        }
        let target = try await Self.target(w.hook.clientConfig, timeout: w.timeout, registry)
        let review = AdmissionReview(request: request)
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await caller.post(target, body: JSONWriter.bytes(KubeCodec.encode(review)), caBundle: w.hook.clientConfig.caBundle,
                                           timeout: w.timeout)
        } catch {
            throw .call("failed to call webhook: \(error.description)")
        }
        guard (200..<300).contains(answer.status) else {
            let text = String(decoding: answer.body.prefix(1024), as: UTF8.self)
            throw .call("received invalid webhook response: the server responded with the status code \(answer.status) but did not return more information: \(text)")
        }
        do { return try WebhookResponse.decode(answer.body, uid: request.uid) } catch { throw .call(error.description) }
    }

    /// Where a webhook is: its URL, or a ready endpoint of its Service's port (as the services
    /// proxy reaches Services), verified as `NAME.NAMESPACE.svc`.
    static func target(_ config: WebhookClientConfig, timeout: Duration, _ registry: ResourceStorage) async throws(WebhookError) -> WebhookCaller.Target {
        let query = "timeout=\(timeout.components.seconds)s"
        if let text = config.url {
            guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else { throw .call("invalid URL \(text)") }
            let port = url.port ?? 443
            let path = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + "?" + query
            let isIP = host.contains(":") || host.split(separator: ".").allSatisfy { Int($0) != nil }
            return WebhookCaller.Target(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port,
                                        serverName: isIP ? nil : host, path: path, url: text + "?" + query)
        }
        guard let service = config.service else { throw .call("no url or service") }
        let port = Int(service.port ?? 443)
        let path = (service.path ?? "/").isEmpty ? "/" : service.path ?? "/"
        let serverName = "\(service.name).\(service.namespace).svc"
        let url = "https://\(serverName):\(port)\(path)?\(query)"
        let svc: JSONValue
        do { svc = try await registry.get(ResourceCatalog.info(for: Service.self), service.namespace, service.name) } catch {
            throw .call("failed to call webhook: service \"\(service.name)\" not found")
        }
        guard let sp = (svc[path: ["spec", "ports"]]?.arrayValue ?? []).first(where: { $0["port"]?.intValue == Int64(port) }) else {
            throw .call("failed to call webhook: service \(service.namespace)/\(service.name) has no port \(port)")
        }
        let portName = sp["name"]?.stringValue ?? ""
        let candidates = (try? await registry.serviceEndpoints(service.namespace, service.name, portName: portName)) ?? []
        guard let (ip, number) = candidates.randomElement() else {
            throw .call("failed to call webhook: Post \"\(url)\": no endpoints available for service \"\(service.name)\"")
        }
        return WebhookCaller.Target(host: ip, port: number, serverName: serverName, path: path + "?" + query, url: url)
    }
}

/// The webhook configurations as last read (for a second, as ``AdmissionReadCache``
/// trusts its reads), compiled once per change of their resource versions.
final class CompiledWebhooks: Sendable {
    private let state = Mutex<(fingerprint: String, hooks: [CompiledWebhook])>(("", []))

    func webhooks(mutating: Bool, _ registry: ResourceStorage) async throws(Status) -> [CompiledWebhook] {
        let info = mutating ? ResourceCatalog.info(for: MutatingWebhookConfiguration.self)
                            : ResourceCatalog.info(for: ValidatingWebhookConfiguration.self)
        let objects = try await registry.admissionList(info, nil).sorted {
            ($0[path: ["metadata", "name"]]?.stringValue ?? "") < ($1[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        let fingerprint = objects.map { o in
            (o[path: ["metadata", "name"]]?.stringValue ?? "") + "@" + (o[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
        }.joined(separator: ",")
        if let cached = state.withLock({ $0.fingerprint == fingerprint ? $0.hooks : nil }) { return cached }
        var hooks: [CompiledWebhook] = []
        for o in objects {
            let name = o[path: ["metadata", "name"]]?.stringValue ?? ""
            if mutating, let c = try? JSONValueDecoder.decode(MutatingWebhookConfiguration.self, from: o) {
                hooks += (c.webhooks ?? []).map { CompiledWebhook($0, configuration: name, reinvoke: $0.reinvocationPolicy == "IfNeeded") }
            } else if !mutating, let c = try? JSONValueDecoder.decode(ValidatingWebhookConfiguration.self, from: o) {
                hooks += (c.webhooks ?? []).map { CompiledWebhook($0, configuration: name) }
            }
        }
        state.withLock { $0 = (fingerprint, hooks) }
        return hooks
    }
}
