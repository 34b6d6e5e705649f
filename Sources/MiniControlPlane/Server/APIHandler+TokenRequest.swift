import Foundation
import KubeAPI
import NIOHTTP1
import HTTPServing

extension APIHandler {
    /// Authenticates (client certificate, static, service-account and
    /// bootstrap tokens, or anonymous), then applies impersonation as RBAC allows.
    func authenticate(_ headers: HTTPHeaders, peerCertificate: [UInt8]? = nil) async -> Authenticator.Outcome {
        let user: UserInfo
        switch await authenticateCredentials(headers, peerCertificate: peerCertificate) {
        case .user(let u): user = u
        case let other: return other
        }
        return Impersonation.apply(user, headers: headers, authorizer: authorizer)
    }

    /// Who the request's credentials name, before impersonation.
    func authenticateCredentials(_ headers: HTTPHeaders, peerCertificate: [UInt8]? = nil) async -> Authenticator.Outcome {
        let outcome = authenticator.authenticate(headers, peerCertificate: peerCertificate)
        guard case .unauthorized = outcome, let token = Authenticator.bearerToken(headers) else { return outcome }
        if token.split(separator: ".").count == 3, let tokens, let u = await tokens.authenticate(token, registry: registry) {
            return .user(u)
        }
        if let u = await BootstrapTokenAuthenticator.authenticate(token, lookup: bootstrapSecret) { return .user(u) }
        return .unauthorized
    }

    /// A Secret of kube-system, for the bootstrap token authenticator.
    @Sendable func bootstrapSecret(_ name: String) async -> Secret? {
        guard let obj = try? await registry.get(ResourceCatalog.info(for: Secret.self), BootstrapToken.namespace, name) else { return nil }
        return try? KubeCodec.decode(Secret.self, from: obj)
    }

    /// `POST /apis/authentication.k8s.io/v1/tokenreviews`: who a bearer token
    /// authenticates as, for webhooks and proxies that delegate authentication
    /// (RBAC's `system:auth-delegator` grants it). The
    /// token is checked as a request bearing it would be; requested audiences
    /// must include the API server's.
    func tokenReview(_ req: HTTPRequest, user: UserInfo) async -> HTTPResponse {
        guard req.method == .POST else { return Self.status(APIErrors.methodNotAllowed()) }
        let body: JSONValue
        do {
            (body, _) = try decodeBody(req)
        } catch {
            return Self.status(error)
        }
        guard let token = body[path: ["spec", "token"]]?.stringValue, !token.isEmpty else {
            return Self.status(invalidStatus(kind: "TokenReview", group: "authentication.k8s.io", name: "", errors: [.required("spec.token")]))
        }
        let requested = (body[path: ["spec", "audiences"]]?.arrayValue ?? []).compactMap(\.stringValue)
        var status: JSONValue = ["user": .emptyObject]
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer \(token)")
        if !requested.isEmpty && !requested.contains(ServiceAccountTokens.audience) {
            status["authenticated"] = false
            status["error"] = .string("token audiences [\"\(ServiceAccountTokens.audience)\"] is invalid for the target audiences \(requested.map { "\"\($0)\"" })")
        } else if case .user(let u) = await authenticateCredentials(headers) {
            status["authenticated"] = true
            status["user"] = ["username": .string(u.name), "groups": .array(u.groups.map(JSONValue.string))]
            status["audiences"] = [.string(ServiceAccountTokens.audience)]
        } else {
            status["authenticated"] = false
            status["error"] = "invalid bearer token"
        }
        let review: JSONValue = ["kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                                 "metadata": ["creationTimestamp": .null], "spec": body["spec"] ?? .emptyObject, "status": status]
        return .jsonBytes(JSONWriter.bytes(review), status: .created)
    }

    /// `POST serviceaccounts/NAME/token`: a TokenRequest answered with a signed token.
    func requestToken(_ req: HTTPRequest, namespace: String?, name: String, user: UserInfo) async throws(Status) -> HTTPResponse {
        guard let tokens else { throw APIErrors.unavailable("token issuing is not configured") }
        let ns = namespace ?? ""
        let (body, _) = try decodeBody(req)
        let spec = body["spec"] ?? .emptyObject
        let seconds = spec["expirationSeconds"]?.intValue ?? 3600
        var errs: [FieldError] = []
        if seconds < 600 { errs.append(.invalid("spec.expirationSeconds", int: seconds, "may not specify a duration less than 10 minutes")) }
        if seconds > 1 << 32 { errs.append(.invalid("spec.expirationSeconds", int: seconds, "may not specify a duration larger than 2^32 seconds")) }
        var audiences = (spec["audiences"]?.arrayValue ?? []).compactMap(\.stringValue)
        if audiences.isEmpty { audiences = [ServiceAccountTokens.audience] }
        if !errs.isEmpty { throw invalidStatus(kind: "TokenRequest", group: "authentication.k8s.io", name: name, errors: errs) }
        let saInfo = ResourceCatalog.info(for: ServiceAccount.self)
        var attributes = AdmissionAttributes(operation: .create, info: saInfo, subresource: "token", namespace: ns, name: name,
                                             object: body, user: user, dryRun: false)
        try await registry.admission.admit(&attributes, registry)
        try await registry.admission.validate(&attributes, registry)
        let sa = try await registry.get(saInfo, ns, name)
        var subject = ServiceAccountTokens.Subject(namespace: ns, name: name, uid: sa[path: ["metadata", "uid"]]?.stringValue ?? "", pod: nil)
        var node: String?
        if let ref = spec["boundObjectRef"], let kind = ref["kind"]?.stringValue {
            guard kind == "Pod" || kind == "Secret" else {
                throw invalidStatus(kind: "TokenRequest", group: "authentication.k8s.io", name: name,
                                    errors: [.notSupported("spec.boundObjectRef.kind", kind, ["Pod", "Secret"])])
            }
            let boundInfo = kind == "Pod" ? ResourceCatalog.info(for: Pod.self) : ResourceCatalog.info(for: Secret.self)
            let boundName = ref["name"]?.stringValue ?? ""
            let bound = try await registry.get(boundInfo, ns, boundName)
            let uid = bound[path: ["metadata", "uid"]]?.stringValue ?? ""
            if let want = ref["uid"]?.stringValue, !want.isEmpty, want != uid {
                throw APIErrors.conflict(boundInfo, boundName,
                                         "the UID in the bound object reference (\(want)) does not match the UID in record. The object might have been deleted and then recreated")
            }
            if kind == "Pod" {
                if bound[path: ["spec", "serviceAccountName"]]?.stringValue != name {
                    throw APIErrors.badRequest("pod \(boundName) does not use service account \(name)")
                }
                // Nodes: bound to their own pods (NodeRestriction admission, above).
                node = bound[path: ["spec", "nodeName"]]?.stringValue
                subject.pod = (boundName, uid)
            } else {
                subject.secret = (boundName, uid)
            }
        }
        let (token, expires) = try tokens.issue(subject, audiences: audiences, seconds: seconds, node: node, now: Date())
        var outSpec = spec
        outSpec["audiences"] = .array(audiences.map { .string($0) })
        outSpec["expirationSeconds"] = .int(seconds)
        let response: JSONValue = [
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["name": .string(name), "namespace": .string(ns), "creationTimestamp": .null],
            "spec": outSpec,
            "status": ["token": .string(token), "expirationTimestamp": .string(Timestamp(expires).description)],
        ]
        return .jsonBytes(JSONWriter.bytes(response), status: .created)
    }
}
