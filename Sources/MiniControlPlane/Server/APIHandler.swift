import Foundation
import KubeAPI
import Logging
import NIOHTTP1
import HTTPServing

/// Routes HTTP requests to discovery, OpenAPI, health, metrics and the
/// resource registry, with authentication, authorization and metrics.
final class APIHandler: Sendable {
    let registry: ResourceStorage
    /// The OpenAPI documents of what is served now (rebuilt when definitions change what that is).
    let openAPI = OpenAPI.Cache()
    let authenticator: Authenticator
    /// `Node,RBAC` authorization.
    let authorizer: Authorizer
    let metrics: APIMetrics
    let logger: Logger
    let serverAddress: String
    let readiness: @Sendable () async -> Bool
    /// Time between BOOKMARK events on watches that allow them.
    let bookmarkInterval: Duration
    /// Reaches kubelets for `pods/NAME/log`.
    let kubelets: KubeletProxy?
    /// metrics.k8s.io from the kubelets' summaries.
    let nodeMetrics: NodeMetricsAPI?
    /// Recent "referenced by a pod on this node" grants.
    let nodeGrants = NodeGrantCache()
    /// API Priority and Fairness: priority levels, their seats and per-flow queues.
    let flowControl = FlowControl()
    /// Issues and checks service account tokens (TokenRequest).
    let tokens: ServiceAccountTokens?
    /// More Prometheus text for /metrics (the scheduler's).
    let extraMetrics: @Sendable () -> String
    /// The audit log, when configured.
    let audit: AuditLog?
    /// Proxies group-versions APIServices send to Services.
    let aggregator: Aggregator?
    /// The cluster's log store behind Loki's API (`/loki/api/v1/…`), nil when off.
    let logs: ClusterLogService?
    /// With several control planes: this one's identity in the leader Lease;
    /// only the leader answers `/metrics/kube-state`, so the series are not doubled.
    let leaderIdentity: String?
    /// `kube_state_metrics_list_total`'s counts.
    let kubeStateLists = KubeStateMetrics.ListCounts()
    /// The web dashboard at `/dashboard/`, nil with `--disable dashboard`.
    let dashboard: DashboardServer?

    static let gitVersion = "v1.32.0+swiftkube.0.1.0"

    init(registry: ResourceStorage, authenticator: Authenticator, authorizer: Authorizer, metrics: APIMetrics, logger: Logger, serverAddress: String,
         bookmarkInterval: Duration = .seconds(15), kubelets: KubeletProxy? = nil, tokens: ServiceAccountTokens? = nil,
         extraMetrics: @escaping @Sendable () -> String = { "" }, audit: AuditLog? = nil, aggregator: Aggregator? = nil,
         logs: ClusterLogService? = nil, leaderIdentity: String? = nil, dashboard: DashboardServer? = nil, readiness: @escaping @Sendable () async -> Bool) {
        self.logs = logs
        self.dashboard = dashboard
        self.leaderIdentity = leaderIdentity
        self.audit = audit
        self.aggregator = aggregator
        self.bookmarkInterval = bookmarkInterval
        self.tokens = tokens
        self.extraMetrics = extraMetrics
        self.kubelets = kubelets
        self.nodeMetrics = kubelets.map { NodeMetricsAPI(kubelets: $0, registry: registry, logger: logger) }
        self.registry = registry
        self.authenticator = authenticator
        self.authorizer = authorizer
        self.metrics = metrics
        self.logger = logger
        self.serverAddress = serverAddress
        self.readiness = readiness
    }

    static func status(_ s: Status) -> HTTPResponse {
        .status(s)
    }

    static var version: JSONValue {
        ["major": "1", "minor": "32", "gitVersion": .string(gitVersion), "gitCommit": "swiftkube", "gitTreeState": "clean",
         "buildDate": "2026-01-01T00:00:00Z", "goVersion": "swift6.3", "compiler": "swiftc", "platform": "linux/amd64"]
    }

    /// Handles one request.
    func handle(_ req: HTTPRequest) async -> HTTPResponse {
        let start = ContinuousClock.now
        let received = Date()
        // On large stacks, as every deep value of the request: see `JSONParser.maxDepth`.
        var routed = RequestRecord(verb: req.method.rawValue.lowercased())
        let annotations = AuditAnnotations()
        let response = await AuditAnnotations.$current.withValue(annotations) {
            await withTaskExecutorPreference(LargeStackExecutor.shared) {
                await route(req, record: &routed)
            }
        }
        routed.auditAnnotations = annotations.all
        let record = routed
        let d = ContinuousClock.now - start
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        metrics.record(verb: record.verb, resource: record.resource, code: Int(response.status.code), seconds: seconds)
        if let audit, let user = record.user { audit.record(auditEntry(req, record, user: user, response, received: received)) }
        if response.status.code >= 500 {
            logger.warning("\(req.method) \(req.uri) -> \(response.status.code)")
        } else {
            logger.debug("\(req.method) \(req.uri) -> \(response.status.code)")
        }
        return response
    }

    private func route(_ req: HTTPRequest, record: inout RequestRecord) async -> HTTPResponse {
        // The dashboard's page and scripts carry no data: served before authentication.
        if let dashboard, req.path.hasPrefix("/dashboard"), !req.path.hasPrefix("/dashboard/prometheus/"),
           req.method == .GET || req.method == .HEAD, let asset = dashboard.asset(req.path) {
            return asset
        }
        let req = Authenticator.movingWebSocketBearer(req)
        let user: UserInfo
        switch await authenticate(req.headers, peerCertificate: req.peerCertificate) {
        case .unauthorized: return Self.status(APIErrors.unauthorized)
        case .forbidden(let s): return Self.status(s)
        case .user(let u): user = u
        }
        record.user = user
        return await routeAuthenticated(req, user: user, record: &record)
    }

    /// The verb of a non-resource request: its lowercased method (`get` for HEAD).
    static func nonResourceVerb(_ req: HTTPRequest) -> String {
        req.method == .HEAD ? "get" : req.method.rawValue.lowercased()
    }

    /// Refuses a non-resource request RBAC does not allow (nil when allowed).
    func forbiddenPath(_ req: HTTPRequest, user: UserInfo) -> HTTPResponse? {
        let attrs = RequestAttributes(verb: Self.nonResourceVerb(req), path: req.path)
        return authorizer.allows(user, attrs) ? nil : Self.status(Authorizer.forbidden(user, attrs))
    }

    /// Refuses a create of a virtual resource (reviews) RBAC does not allow.
    func forbiddenCreate(_ group: String, _ resource: String, namespace: String? = nil, user: UserInfo) -> HTTPResponse? {
        let attrs = RequestAttributes(verb: "create", group: group, resource: resource, namespace: namespace)
        return authorizer.allows(user, attrs) ? nil : Self.status(Authorizer.forbidden(user, attrs))
    }

    /// Serves a request once its user is known: public paths, discovery,
    /// OpenAPI and /metrics (non-resource paths RBAC decides), the review
    /// APIs and the resources.
    private func routeAuthenticated(_ req: HTTPRequest, user: UserInfo, record: inout RequestRecord) async -> HTTPResponse {
        let segs = req.path.split(separator: "/").map(String.init)
        switch req.path {
        case "/healthz", "/livez", "/readyz", "/version", "/version/":
            if let refused = forbiddenPath(req, user: user) { return refused }
            switch req.path {
            case "/readyz": return await readiness() ? .text("ok") : .text("storage not ready", status: .serviceUnavailable)
            case "/version", "/version/": return .jsonBytes(JSONWriter.bytes(Self.version))
            default: return .text("ok")
            }
        default:
            break
        }
        // Loki's API authorizes by what is read (pods/log), not by path.
        if segs.first == "loki" { return await lokiRequest(req, segs: segs, user: user) }
        // Discovery, OpenAPI and /metrics are non-resource paths; so is any path below a group's version.
        let isResource = (segs.first == "api" && segs.count > 2) || (segs.first == "apis" && segs.count > 3)
        if !isResource, let refused = forbiddenPath(req, user: user) { return refused }
        let accept = req.headers.first(name: "accept")
        // The resources served now (custom resources come and go): this request resolves on them alone.
        let served = registry.resources.snapshot.resources
        switch segs.first {
        case "metrics" where segs.count == 2 && segs[1] == "kube-state":
            return await kubeStateMetrics()
        case "metrics" where segs.count == 3 && segs[1] == "sd":
            return await prometheusDiscovery(role: segs[2], user: user)
        case "metrics" where segs.count == 1:
            return .text(metrics.render() + extraMetrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "dashboard":
            return await dashboardPrometheus(req, segs: segs)
        case "openapi":
            let documents = openAPI.documents(registry.resources.snapshot)
            if let aggregated = await aggregatedOpenAPI(req, segs: segs, documents: documents, user: user) { return aggregated }
            return OpenAPI.respond(req, segs: segs, documents: documents) ?? Self.status(APIErrors.notFoundPath(req.path))
        case "api":
            if segs.count == 1 {
                if Discovery.wantsAggregated(accept) {
                    return .jsonBytes(JSONWriter.bytes(Discovery.aggregated(core: true, in: served)), contentType: Discovery.aggregatedContentType)
                }
                return .jsonBytes(JSONWriter.bytes(Discovery.versions(serverAddress: serverAddress)))
            }
            guard segs[1] == "v1" else { return Self.status(APIErrors.notFoundPath(req.path)) }
            if segs.count == 2 { return .jsonBytes(JSONWriter.bytes(Discovery.resourceList(group: "", in: served))) }
            return await resourceRequest(req, group: "", version: "v1", segs: segs[2...], served: served, user: user, record: &record)
        case "apis":
            if segs.count == 1 {
                if Discovery.wantsAggregated(accept) {
                    return .jsonBytes(JSONWriter.bytes(await mergedAggregatedDiscovery(served: served)), contentType: Discovery.aggregatedContentType)
                }
                return .jsonBytes(JSONWriter.bytes(await mergedGroupList(served: served)))
            }
            if let aggregated = await aggregatedRequest(req, segs: segs, served: served, user: user, record: &record) { return aggregated }
            let group = segs[1]
            if group == SelfSubjectReview.group {
                record.verb = "create"
                if segs.count == 4 && segs[2] == "v1" && segs[3] == "tokenreviews" {
                    record.resource = "tokenreviews"
                    if let refused = forbiddenCreate(group, "tokenreviews", user: user) { return refused }
                    return await tokenReview(req, user: user)
                }
                record.resource = "selfsubjectreviews"
                if segs.count == 4, let refused = forbiddenCreate(group, "selfsubjectreviews", user: user) { return refused }
                return SelfSubjectReview.handle(req, segs: segs, user: user)
            }
            if group == AccessReview.group {
                record.verb = "create"
                let (resource, response) = await AccessReview.handle(req, segs: segs, user: user, authorizer: authorizer)
                record.resource = resource
                return response
            }
            if group == NodeMetricsAPI.group, let nodeMetrics {
                record.resource = segs.count > 3 ? segs[segs.count > 5 ? 5 : 3] : ""
                record.verb = "get"
                return await nodeMetrics.handle(req, segs: segs, user: user, authorizer: authorizer)
            }
            guard served.groups.contains(group) else { return Self.status(APIErrors.notFoundPath(req.path)) }
            if segs.count == 2 { return .jsonBytes(JSONWriter.bytes(Discovery.group(group, in: served))) }
            let version = segs[2]
            guard served.versions(group: group).contains(version) else { return Self.status(APIErrors.notFoundPath(req.path)) }
            if segs.count == 3 { return .jsonBytes(JSONWriter.bytes(Discovery.resourceList(group: group, version: version, in: served))) }
            return await resourceRequest(req, group: group, version: version, segs: segs[3...], served: served, user: user, record: &record)
        default:
            return Self.status(APIErrors.notFoundPath(req.path))
        }
    }

    private func resourceRequest(_ req: HTTPRequest, group: String, version: String, segs: ArraySlice<String>, served: ResourceSet,
                                 user: UserInfo, record: inout RequestRecord) async -> HTTPResponse {
        guard case .resource(let path) = APIPath.parse(group: group, version: version, segs, in: served) else {
            return Self.status(APIErrors.notFoundPath(req.path))
        }
        record.resource = path.info.plural
        record.path = path
        if path.info.namespaced, path.namespace == nil, path.name != nil {
            return Self.status(APIErrors.notFoundPath(req.path))
        }
        record.verb = Self.verb(req, path)
        let verb = record.verb
        let query: ListQuery
        do {
            query = try Self.listQuery(req, path.info)
        } catch {
            return Self.status(error)
        }
        let attrs = RequestAttributes(verb: verb, info: path.info, subresource: path.subresource, namespace: path.namespace,
                                      name: path.name, fieldSelector: query.fields)
        let decision = authorizer.authorize(user, attrs)
        if decision == .deny { return Self.status(Authorizer.forbidden(user, attrs)) }
        do {
            if decision != .allow {
                try await checkConditional(decision, user: user, attrs: attrs, req: req)
            }
            let flow = flowControl.classify(FlowRequest(user: user, verb: verb,
                                                        resource: (path.info.group, path.subresource.map { "\(path.info.plural)/\($0)" } ?? path.info.plural,
                                                                   path.namespace)))
            var response = try await flowControl.run(flow, longRunning: Self.isLongRunning(req, path, verb: verb)) { () async throws(Status) -> HTTPResponse in
                if path.subresource == "proxy" {
                    return try await proxy(req, path)
                }
                if path.subresource == "token" {
                    guard verb == "create" else { throw APIErrors.methodNotAllowed() }
                    return try await requestToken(req, namespace: path.namespace, name: path.name ?? "", user: user)
                }
                return try await dispatch(req, path, verb: verb, query: query, user: user)
            }
            response.headers.replaceOrAdd(name: "X-Kubernetes-PF-FlowSchema-UID", value: flow.schemaUID)
            response.headers.replaceOrAdd(name: "X-Kubernetes-PF-PriorityLevel-UID", value: flow.levelUID)
            return response
        } catch {
            var response = Self.status(error)
            if error.code == 429 {
                response.headers.replaceOrAdd(name: "Retry-After", value: String(error.details?.retryAfterSeconds ?? 1))
            }
            return response
        }
    }

    /// Requests that hold their connection open (watches, followed logs,
    /// exec/attach/port-forward, proxied upgrades) and take no seat.
    static func isLongRunning(_ req: HTTPRequest, _ path: APIPath, verb: String) -> Bool {
        if verb == "watch" { return true }
        switch path.subresource {
        case "exec", "attach", "portforward": return true
        case "log": return req.flag("follow")
        case "proxy": return req.headers.first(name: "upgrade") != nil
        default: return false
        }
    }

    static func verb(_ req: HTTPRequest, _ path: APIPath) -> String {
        switch req.method {
        case .GET, .HEAD:
            if path.name == nil { return req.flag("watch") ? "watch" : "list" }
            return "get"
        case .POST: return "create"
        case .PUT: return "update"
        case .PATCH: return "patch"
        case .DELETE: return path.name == nil ? "deletecollection" : "delete"
        default: return req.method.rawValue.lowercased()
        }
    }

    /// The selectors, page size and continue token of a list or watch, each
    /// refused with upstream's message when malformed (`limit=abc`, a field
    /// the kind cannot be selected on).
    static func listQuery(_ req: HTTPRequest, _ info: ResourceInfo?) throws(Status) -> ListQuery {
        var q = ListQuery()
        if let l = req.param("labelSelector"), !l.isEmpty {
            do { q.labels = try LabelRequirements(parsing: l) } catch { throw APIErrors.badRequest(error.message) }
        }
        if let f = req.param("fieldSelector"), !f.isEmpty {
            do {
                let selector = try FieldSelector(parsing: f)
                q.fields = try info.map { i throws(SelectorParseError) in try FieldLabels.check(selector, i) } ?? selector
            } catch {
                throw APIErrors.badRequest(error.message)
            }
        }
        if let l = req.param("limit") {
            do {
                let n = try ListParameters.limit(l)
                if n > 0 { q.limit = Int(n) }
            } catch {
                throw APIErrors.badRequest(error.message)
            }
        }
        q.continueToken = req.param("continue")
        return q
    }

    /// Whether a pod bound to `node` in `namespace` references object `name` of `resource`.
    private func podOnNode(_ node: String, namespace: String?, references name: String, resource: String) async throws(Status) -> Bool {
        var q = ListQuery()
        q.fields = FieldSelector(terms: [.init(field: "spec.nodeName", value: node, negated: false)])
        let pods = try await registry.list(ResourceCatalog.info(for: Pod.self), namespace, q)
        for p in pods.items {
            guard let pod = try? JSONParser.parse(p.value) else { continue }
            let refs = NodeAuthorizer.references(of: pod)
            let set = switch resource {
            case "secrets": refs.secrets
            case "configmaps": refs.configMaps
            case "persistentvolumeclaims": refs.claims
            default: refs.serviceAccounts
            }
            if set.contains(name) { return true }
        }
        return false
    }

    /// Whether persistent volume `name` is bound to a claim (its claimRef,
    /// and the claim's volumeName back) that a pod bound to `node` references.
    private func volumeBoundToReferencedClaim(_ name: String, node: String) async throws(Status) -> Bool {
        guard let pv = try? await registry.get(ResourceCatalog.info(for: PersistentVolume.self), nil, name),
              let namespace = pv[path: ["spec", "claimRef", "namespace"]]?.stringValue,
              let claimName = pv[path: ["spec", "claimRef", "name"]]?.stringValue,
              let claim = try? await registry.get(ResourceCatalog.info(for: PersistentVolumeClaim.self), namespace, claimName),
              claim[path: ["spec", "volumeName"]]?.stringValue == name else { return false }
        return try await podOnNode(node, namespace: namespace, references: claimName, resource: "persistentvolumeclaims")
    }

    /// Checks node permissions that depend on the object.
    private func checkConditional(_ d: AuthorizationDecision, user: UserInfo, attrs: RequestAttributes, req: HTTPRequest) async throws(Status) {
        let podInfo = ResourceCatalog.info(for: Pod.self)
        switch d {
        case .podBoundTo(let node):
            if attrs.verb == "create" {
                let (body, _) = try BodyDecoder.decode(req.body, contentType: req.headers.first(name: "content-type"))
                if body[path: ["spec", "nodeName"]]?.stringValue == node { return }
            } else if let name = attrs.name {
                let pod = try await registry.get(podInfo, attrs.namespace, name)
                if pod[path: ["spec", "nodeName"]]?.stringValue == node { return }
            }
        case .bodyNamed(let name):
            let (body, _) = try BodyDecoder.decode(req.body, contentType: req.headers.first(name: "content-type"))
            if body[path: ["metadata", "name"]]?.stringValue == name { return }
        case .referencedBy(let node):
            let target = attrs.name ?? attrs.fieldSelector.requiredValue("metadata.name") ?? ""
            let key = NodeGrantCache.Key(node: node, resource: attrs.resource, namespace: attrs.namespace ?? "", name: target)
            if nodeGrants.allows(key) { return }
            if attrs.resource == "persistentvolumes" {
                if try await volumeBoundToReferencedClaim(target, node: node) {
                    nodeGrants.grant(key)
                    return
                }
            } else if try await podOnNode(node, namespace: attrs.namespace, references: target, resource: attrs.resource) {
                nodeGrants.grant(key)
                return
            }
        default:
            return
        }
        throw Authorizer.forbidden(user, attrs)
    }
}
