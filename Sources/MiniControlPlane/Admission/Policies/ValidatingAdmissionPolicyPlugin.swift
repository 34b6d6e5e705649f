import Foundation
import KubeAPI
import Synchronization

/// kube-apiserver's `ValidatingAdmissionPolicy` plugin: the CEL validations of
/// each policy run, in the validating phase, on the writes its
/// `matchConstraints` and one of its bindings' `matchResources` select, once
/// per parameter object the binding names (`params`). A failed validation
/// refuses the write under the binding's `Deny` action (`... is forbidden:
/// ValidatingAdmissionPolicy 'p' with binding 'b' denied request: MESSAGE`,
/// with the validation's reason and its code), warns under `Warn`, and is
/// recorded in the audit event under `Audit`. Expressions that cannot be
/// evaluated, and misconfigured bindings, follow the policy's `failurePolicy`.
/// Expressions share the CRD rules' evaluator: 1,000,000 per expression and
/// 10,000,000 per policy and binding at most.
struct ValidatingAdmissionPolicyPlugin: AdmissionPlugin {
    let name = "ValidatingAdmissionPolicy"
    let compiled = CompiledPolicies()
    /// Upstream's `RuntimeCELCostBudget`: all expressions of one policy evaluation together.
    static let costBudget: Int64 = 10_000_000

    /// One refusal, as upstream's dispatcher keeps it: the first one is returned.
    struct Denial {
        var policy: String
        var binding: String?
        var message: String
        var reason: String?
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard !WebhookMatching.isExempt(a.info) else { return }
        let policies = try await compiled.policies(registry)
        guard !policies.isEmpty else { return }
        let served = registry.resources.snapshot.resources
        var denials: [Denial] = []
        var failures: [JSONValue] = []
        // Read at most once per write, and only when a policy applies.
        var namespaceRead: JSONValue?
        func namespaceObject() async throws(Status) -> JSONValue {
            if let n = namespaceRead { return n }
            let n = try await Self.namespaceObject(a, registry)
            namespaceRead = n
            return n
        }
        for p in policies {
            guard let version = try await p.constraints.matchedVersion(a, served: served, registry) else { continue }
            let request = WebhookAdmission.request(a, version: version)
            let failOpen = p.policy.spec.failurePolicy == "Ignore"
            func configurationError(_ message: String, binding: String?) {
                guard !failOpen else { return }
                denials.append(Denial(policy: p.name, binding: binding, message: message, reason: nil))
            }
            for b in p.bindings {
                if let m = b.match, try await m.matchedVersion(a, served: served, registry) == nil { continue }
                let params: [JSONValue?]
                do { params = try await Self.params(p.policy.spec.paramKind, b.binding.spec.paramRef, a, served: served, registry) } catch {
                    configurationError("failed to configure binding: \(error.message ?? "")", binding: b.name)
                    continue
                }
                let namespace = try await namespaceObject()
                for param in params {
                    for d in p.evaluate(a, request: request, params: param, namespaceObject: namespace) {
                        guard d.failed else { continue }
                        if d.evaluationError && failOpen { continue }
                        let actions = b.binding.spec.validationActions ?? []
                        // As upstream, an expression that cannot be evaluated is a failure under
                        // failurePolicy Fail, and the binding's actions decide what it does.
                        if actions.contains("Deny") {
                            denials.append(Denial(policy: p.name, binding: b.name, message: d.message, reason: d.reason))
                        }
                        if actions.contains("Warn") {
                            a.warnings.append("Validation failed for ValidatingAdmissionPolicy '\(p.name)' with binding '\(b.name)': \(d.message)")
                        }
                        if actions.contains("Audit") {
                            failures.append(["message": .string(d.message), "policy": .string(p.name), "binding": .string(b.name),
                                             "expressionIndex": .int(Int64(d.index)),
                                             "validationActions": .array(actions.map { .string($0) })])
                        }
                    }
                }
            }
            for (key, value) in p.annotations.isEmpty ? [] : p.annotations(a, request: request, namespaceObject: try await namespaceObject()) {
                a.auditAnnotations["\(p.name)/\(key)"] = value
            }
        }
        if !failures.isEmpty {
            a.auditAnnotations["validation.policy.admission.k8s.io/validation_failure"] = String(decoding: JSONWriter.bytes(.array(failures)), as: UTF8.self)
        }
        guard let d = denials.first else { return }
        let message = d.binding.map { "ValidatingAdmissionPolicy '\(d.policy)' with binding '\($0)' denied request: \(d.message)" }
            ?? "ValidatingAdmissionPolicy '\(d.policy)' denied request: \(d.message)"
        var status = a.forbidden(message)
        let reason = d.reason ?? "Invalid"
        status.reason = reason
        status.code = switch reason {
        case "Unauthorized": 401
        case "Forbidden": 403
        case "RequestEntityTooLarge": 413
        default: 422
        }
        var details = status.details ?? StatusDetails()
        // As upstream, the cause carries the policy's message alone (kubectl shows it under "is invalid").
        details.causes = (details.causes ?? []) + [StatusCause(reason: nil, message: message, field: nil)]
        status.details = details
        throw status
    }

    /// The namespace of a namespaced write, for `namespaceObject` (null otherwise).
    static func namespaceObject(_ a: AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) -> JSONValue {
        guard let ns = a.namespace, !ns.isEmpty, a.info.namespaced else { return .null }
        return try await registry.admissionNamespace(ns) ?? .null
    }

    /// The parameter objects of a binding, as upstream's `CollectParams`: none needed without
    /// a `paramKind` or `paramRef` (one evaluation with `params` null); by name or selector,
    /// in the binding's namespace or else the request's; none found is an error under
    /// `parameterNotFoundAction: Deny`, and means no evaluation under `Allow`.
    static func params(_ kind: ParamKind?, _ ref: ParamRef?, _ a: AdmissionAttributes, served: ResourceSet,
                       _ registry: ResourceStorage) async throws(Status) -> [JSONValue?] {
        guard let kind, let ref else { return [nil] }
        guard let info = served.find(apiVersion: kind.apiVersion ?? "", kind: kind.kind ?? "") else {
            throw APIErrors.badRequest("paramKind kind `\(kind.apiVersion ?? "")/\(kind.kind ?? "")` not known")
        }
        var ns: String?
        if info.namespaced {
            ns = (ref.namespace ?? "").isEmpty ? a.namespace : ref.namespace
            guard let n = ns, !n.isEmpty else {
                throw APIErrors.badRequest("cannot use namespaced paramRef in policy binding that matches cluster-scoped resources")
            }
        } else if !(ref.namespace ?? "").isEmpty {
            throw APIErrors.badRequest("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
        }
        var found: [JSONValue] = []
        if let name = ref.name, !name.isEmpty {
            do { found = [try await registry.get(info, ns, name)] } catch where error.code == 404 { found = [] }
        } else {
            var q = ListQuery()
            q.labels = WebhookMatching.requirements(ref.selector ?? LabelSelector())
            for item in try await registry.list(info, ns, q).items { found.append(try registry.decode(item, info)) }
        }
        if found.isEmpty && ref.parameterNotFoundAction != "Allow" {
            throw APIErrors.badRequest("no params found for policy binding with `Deny` parameterNotFoundAction")
        }
        return found
    }
}

/// Which writes a policy's `matchConstraints` or a binding's `matchResources` select.
struct CompiledMatch: Sendable {
    let rules: [(names: [String], rule: RuleWithOperations)]
    let excluded: [(names: [String], rule: RuleWithOperations)]
    let matchPolicy: String?
    let namespaceSelector: LabelRequirements
    let objectSelector: LabelRequirements

    init(_ m: MatchResources) {
        rules = (m.resourceRules ?? []).map { ($0.resourceNames ?? [], $0.rule) }
        excluded = (m.excludeResourceRules ?? []).map { ($0.resourceNames ?? [], $0.rule) }
        matchPolicy = m.matchPolicy
        namespaceSelector = WebhookMatching.requirements(m.namespaceSelector)
        objectSelector = WebhookMatching.requirements(m.objectSelector)
    }

    /// The version the write matched in, or nil when it is not selected.
    func matchedVersion(_ a: AdmissionAttributes, served: ResourceSet, _ registry: ResourceStorage) async throws(Status) -> String? {
        func named(_ names: [String]) -> Bool { names.isEmpty || names.contains(a.name) }
        // A binding's resources without rules are all its policy's.
        var version = a.info.version
        if !rules.isEmpty {
            let candidates = rules.filter { named($0.names) }.map(\.rule)
            guard let v = WebhookMatching.matchedVersion(candidates, matchPolicy: matchPolicy, a, served: served) else { return nil }
            version = v
        }
        let exclusions = excluded.filter { named($0.names) }.map(\.rule)
        if WebhookMatching.matchedVersion(exclusions, matchPolicy: matchPolicy, a, served: served) != nil { return nil }
        guard WebhookMatching.matchesObject(objectSelector, a),
              try await WebhookMatching.matchesNamespace(namespaceSelector, a, registry: registry) else { return nil }
        return version
    }
}

/// A policy with its expressions compiled and the bindings that name it.
struct CompiledPolicy: Sendable {
    let policy: ValidatingAdmissionPolicy
    let constraints: CompiledMatch
    let bindings: [(name: String, binding: ValidatingAdmissionPolicyBinding, match: CompiledMatch?)]
    let conditions: [(name: String, expression: CELExpr)]
    let variables: [(name: String, expression: CELExpr)]
    /// Each validation's expression and message expression (nil where they do not compile: stored before validation caught it).
    let validations: [(validation: Validation, expression: CELExpr?, message: CELExpr?)]
    let annotations: [(key: String, expression: CELExpr?)]

    var name: String { policy.metadata.name ?? "" }

    init(_ policy: ValidatingAdmissionPolicy, bindings: [ValidatingAdmissionPolicyBinding]) {
        self.policy = policy
        constraints = CompiledMatch(policy.spec.matchConstraints ?? MatchResources())
        self.bindings = bindings.map { ($0.metadata.name ?? "", $0, $0.spec.matchResources.map(CompiledMatch.init)) }
        let vars = AdmissionPolicyValidation.variables(hasParams: policy.spec.paramKind != nil)
        func compile(_ s: String) -> CELExpr? { try? CELParser.parse(s, variables: vars) }
        conditions = (policy.spec.matchConditions ?? []).compactMap { c in compile(c.expression).map { (c.name, $0) } }
        variables = (policy.spec.variables ?? []).compactMap { v in compile(v.expression).map { (v.name, $0) } }
        validations = (policy.spec.validations ?? []).map { v in
            (v, compile(v.expression), v.messageExpression.flatMap { $0.isEmpty ? nil : compile($0) })
        }
        annotations = (policy.spec.auditAnnotations ?? []).map { ($0.key, compile($0.valueExpression)) }
    }

    /// The outcome of one validation.
    struct Decision {
        var index: Int
        var failed: Bool
        /// The expression could not be evaluated (failurePolicy decides), rather than being false.
        var evaluationError: Bool
        var message: String
        var reason: String?
    }

    /// The CEL bindings of one evaluation, with the policy's variables evaluated in order
    /// (one that fails is left out: an expression using it then fails).
    func bindings(_ a: AdmissionAttributes, request: AdmissionRequest, params: JSONValue?, namespaceObject: JSONValue,
                  budget: inout Int64) -> [String: CELValue] {
        var b = AdmissionCEL.bindings(a, request: request)
        b["namespaceObject"] = CELValue(namespaceObject)
        b["variables"] = .map([:])
        if policy.spec.paramKind != nil { b["params"] = CELValue(params ?? .null) }
        var values: [CELValue: CELValue] = [:]
        for (name, expression) in variables {
            var e = AdmissionCEL.evaluator(b, a, costLimit: min(CELEvaluator.perCallLimit, budget))
            if let v = try? e.evaluate(expression) { values[.string(name)] = v }
            budget -= e.cost
            b["variables"] = .map(values)
        }
        return b
    }

    /// Evaluates the match conditions and the validations.
    func evaluate(_ a: AdmissionAttributes, request: AdmissionRequest, params: JSONValue?, namespaceObject: JSONValue) -> [Decision] {
        var budget = ValidatingAdmissionPolicyPlugin.costBudget
        let b = bindings(a, request: request, params: params, namespaceObject: namespaceObject, budget: &budget)
        // `.costExceeded` means the policy's budget is spent; one expression over its own
        // limit is an error of that expression, as cel-go words it.
        func run(_ expression: CELExpr) -> Result<CELValue, CELEvaluator.Failure> {
            guard budget > 0 else { return .failure(.costExceeded) }
            let byBudget = budget < CELEvaluator.perCallLimit
            var e = AdmissionCEL.evaluator(b, a, costLimit: min(CELEvaluator.perCallLimit, budget))
            defer { budget -= e.cost }
            do { return .success(try e.evaluate(expression)) } catch {
                return .failure(error == .costExceeded && !byBudget ? .error(error.description) : error)
            }
        }
        switch AdmissionCEL.matchConditions(conditions, run: run) {
        case .success(false): return []
        case .success(true): break
        case .failure(let errors): return [Decision(index: 0, failed: true, evaluationError: true, message: errors.message)]
        }
        var out: [Decision] = []
        for (i, (v, expression, messageExpression)) in validations.enumerated() {
            guard let expression else {
                out.append(Decision(index: i, failed: true, evaluationError: true, message: "compilation failed for expression: \(v.expression)"))
                continue
            }
            switch run(expression) {
            case .success(.bool(true)):
                out.append(Decision(index: i, failed: false, evaluationError: false, message: ""))
            case .success(.bool(false)):
                var message = ""
                if let messageExpression, case .success(.string(let s)) = run(messageExpression) {
                    let trimmed = s.trimmingCharacters(in: .whitespaces)
                    if trimmed.utf8.count <= 5 * 1024, !trimmed.contains(where: { $0 == "\n" || $0 == "\r" }) { message = trimmed }
                }
                if message.isEmpty { message = (v.message ?? "").trimmingCharacters(in: .whitespaces) }
                if message.isEmpty { message = "failed expression: \(v.expression.trimmingCharacters(in: .whitespaces))" }
                out.append(Decision(index: i, failed: true, evaluationError: false, message: message, reason: v.reason ?? "Invalid"))
            case .success(let other):
                out.append(Decision(index: i, failed: true, evaluationError: true,
                                    message: "expression '\(v.expression)' resulted in error: no such overload: expected bool, got \(other.typeName)"))
            case .failure(let f):
                let message = f == .costExceeded
                    ? "validation failed due to running out of cost budget, no further validation rules will be run"
                    : "expression '\(v.expression)' resulted in error: \(f)"
                out.append(Decision(index: i, failed: true, evaluationError: true, message: message))
            }
        }
        return out
    }

    /// The audit annotations the policy's `valueExpression`s give (strings; null or empty for none).
    func annotations(_ a: AdmissionAttributes, request: AdmissionRequest, namespaceObject: JSONValue) -> [(String, String)] {
        guard !annotations.isEmpty else { return [] }
        var budget = ValidatingAdmissionPolicyPlugin.costBudget
        let b = bindings(a, request: request, params: nil, namespaceObject: namespaceObject, budget: &budget)
        var out: [(String, String)] = []
        for (key, expression) in annotations {
            guard let expression else { continue }
            var e = AdmissionCEL.evaluator(b, a)
            if case .string(let s)? = try? e.evaluate(expression), !s.trimmingCharacters(in: .whitespaces).isEmpty {
                out.append((key, String(s.trimmingCharacters(in: .whitespaces).prefix(10 * 1024))))
            }
        }
        return out
    }
}

/// The policies and bindings as last read (once a second at most), compiled once per change.
final class CompiledPolicies: Sendable {
    private let state = Mutex<(fingerprint: String, policies: [CompiledPolicy])>(("", []))

    func policies(_ registry: ResourceStorage) async throws(Status) -> [CompiledPolicy] {
        let policyObjects = try await registry.admissionList(ResourceCatalog.info(for: ValidatingAdmissionPolicy.self), nil)
        guard !policyObjects.isEmpty else { return [] }
        let bindingObjects = try await registry.admissionList(ResourceCatalog.info(for: ValidatingAdmissionPolicyBinding.self), nil)
        let fingerprint = (policyObjects + bindingObjects).map { o in
            (o[path: ["metadata", "uid"]]?.stringValue ?? "") + "@" + (o[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
        }.joined(separator: ",")
        if let cached = state.withLock({ $0.fingerprint == fingerprint ? $0.policies : nil }) { return cached }
        let bindings = bindingObjects.compactMap { try? JSONValueDecoder.decode(ValidatingAdmissionPolicyBinding.self, from: $0) }
        let policies = policyObjects.compactMap { try? JSONValueDecoder.decode(ValidatingAdmissionPolicy.self, from: $0) }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
            .map { p in
                CompiledPolicy(p, bindings: bindings.filter { $0.spec.policyName == p.metadata.name }
                    .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") })
            }
        state.withLock { $0 = (fingerprint, policies) }
        return policies
    }
}
