import Foundation
import KubeAPI
import NIOHTTP1
import HTTPServing

extension APIHandler {
    /// How the client wants objects back.
    enum OutputForm {
        case plain
        case table(includeObject: String)
        case partialMetadata
    }

    static func outputForm(_ req: HTTPRequest) -> OutputForm {
        let accept = (req.headers.first(name: "accept") ?? "").replacingOccurrences(of: " ", with: "")
        for part in accept.split(separator: ",") {
            if part.contains("as=Table"), part.contains("g=meta.k8s.io") {
                return .table(includeObject: req.param("includeObject") ?? "PartialObjectMetadata")
            }
            if part.contains("as=PartialObjectMetadata"), part.contains("g=meta.k8s.io") { return .partialMetadata }
            if part.hasPrefix("application/json") || part.hasPrefix("*/*") { return .plain }
        }
        return .plain
    }

    static func writeOptions(_ req: HTTPRequest, duplicates: [String] = [], user: UserInfo? = nil) throws(Status) -> WriteOptions {
        var o = WriteOptions()
        o.user = user
        if let d = req.query["dryRun"] {
            guard d.allSatisfy({ $0 == "All" }) else {
                throw APIErrors.badRequest("Invalid dryRun value: \(d.joined(separator: ",")); supported values: All")
            }
            o.dryRun = true
        }
        if let v = req.param("fieldValidation") {
            guard ["Strict", "Warn", "Ignore"].contains(v) else {
                throw APIErrors.badRequest("fieldValidation must be one of Strict, Warn, Ignore; got \(v)")
            }
            o.fieldValidation = v
        }
        o.duplicateKeys = duplicates
        if let m = req.param("fieldManager") {
            guard m.count <= 128 else {
                throw invalidStatus(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                    errors: [.tooLong("fieldManager", 128)])
            }
            guard m.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f }) else {
                throw invalidStatus(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                    errors: [.invalid("fieldManager", FieldError.quote(m), "must only contain printable characters")])
            }
            o.fieldManager = m
        } else {
            o.fieldManager = Self.managerFromUserAgent(req.headers.first(name: "user-agent") ?? "")
        }
        if let f = req.param("force") {
            guard let b = Bool(f) else { throw APIErrors.badRequest("force must be true or false, not \(f)") }
            o.force = b
        }
        return o
    }

    /// kube-apiserver's default field manager: the User-Agent up to its
    /// first `/`, at most 128 characters.
    static func managerFromUserAgent(_ agent: String) -> String {
        String((agent.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").prefix(128))
    }

    static func render(_ obj: JSONValue, _ path: APIPath, _ form: OutputForm, status: HTTPResponseStatus = .ok,
                       warnings: [String] = []) -> HTTPResponse {
        var response: HTTPResponse
        switch form {
        case .table(let include):
            let t = TablePrinter.table(path.info, objects: [obj],
                                       resourceVersion: obj[path: ["metadata", "resourceVersion"]]?.stringValue,
                                       continueToken: nil, includeObject: include)
            response = .jsonBytes(JSONWriter.bytes(t), status: status)
        case .partialMetadata:
            response = .jsonBytes(JSONWriter.bytes(["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                    "metadata": obj["metadata"] ?? .emptyObject]), status: status)
        case .plain:
            response = .jsonBytes(JSONWriter.bytes(obj), status: status)
        }
        for w in warnings { response.headers.add(name: "Warning", value: "299 - \"\(w.replacingOccurrences(of: "\"", with: "\\\""))\"") }
        return response
    }

    func decodeBody(_ req: HTTPRequest, contentType: String? = nil) throws(Status) -> (JSONValue, [String]) {
        try BodyDecoder.decode(req.body, contentType: contentType ?? req.headers.first(name: "content-type"))
    }

    /// Whether a PATCH is server-side apply.
    static func isApply(_ req: HTTPRequest) -> Bool {
        req.contentMediaType == PatchKind.apply
    }

    func dispatch(_ req: HTTPRequest, _ path: APIPath, verb: String, query: ListQuery, user: UserInfo) async throws(Status) -> HTTPResponse {
        let info = path.info
        let ns = path.namespace
        // Verbs other than list, watch, create and deletecollection always have a name.
        let name = path.name ?? ""
        let form = Self.outputForm(req)
        if info.kind == "ComponentStatus" { return try await componentStatus(req, path, verb: verb) }
        if info.kind == "Binding" {
            guard verb == "create" else { throw APIErrors.methodNotAllowed() }
            let (body, _) = try decodeBody(req)
            guard let pod = body[path: ["metadata", "name"]]?.stringValue else {
                throw invalidStatus(kind: "Binding", group: "", name: "", errors: [.required("metadata.name")])
            }
            try await registry.bind(ns, podName: pod, binding: body, dryRun: try Self.writeOptions(req, user: user).dryRun)
            return .status(APIErrors.success(code: 201))
        }
        switch (verb, path.subresource) {
        case ("list", nil):
            try Self.validateListOptions(req)
            return try await list(req, path, query, form)
        case ("watch", nil):
            return try await watch(req, path, query, form)
        case ("get", nil):
            return Self.render(try await registry.get(info, ns, name), path, form)
        case ("create", nil):
            let (body, dups) = try decodeBody(req)
            let r = try await registry.create(info, ns, body, try Self.writeOptions(req, duplicates: dups, user: user))
            return Self.render(r.object, path, form, status: .created, warnings: r.warnings)
        case ("update", let sub) where sub == nil || sub == "status" || sub == "finalize" || sub == "ephemeralcontainers" || sub == "approval":
            let (body, dups) = try decodeBody(req)
            let r = try await registry.update(info, ns, name, body, subresource: sub, try Self.writeOptions(req, duplicates: dups, user: user))
            return Self.render(r.object, path, form, warnings: r.warnings)
        case ("patch", let sub) where sub == nil || sub == "status" || sub == "ephemeralcontainers":
            let options = try Self.writeOptions(req, user: user)
            if Self.isApply(req) {
                guard req.param("fieldManager") != nil else {
                    throw invalidStatus(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                        errors: [.required("fieldManager", "is required for apply patch")])
                }
                // JSON is YAML: a body that is a JSON object skips the YAML parser.
                let json = req.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
                let (config, _) = try decodeBody(req, contentType: json ? "application/json" : "application/yaml")
                let r = try await registry.apply(info, ns, name, config, subresource: sub, options)
                return Self.render(r.object, path, form, status: r.created ? .created : .ok, warnings: r.warnings)
            }
            if req.param("force") != nil {
                throw invalidStatus(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                    errors: [.forbidden("force", "may not be specified for non-apply patch")])
            }
            let kind = try Self.patchKind(req)
            let r = try await registry.patch(info, ns, name, kind: kind, req.body, subresource: sub, options)
            return Self.render(r.object, path, form, warnings: r.warnings)
        case ("get", "status"), ("get", "ephemeralcontainers"), ("get", "approval"):
            return Self.render(try await registry.get(info, ns, name), path, form)
        case ("delete", nil):
            let options = try Self.deleteOptions(req)
            let obj = try await registry.delete(info, ns, name, options: options, dryRun: try Self.writeOptions(req, user: user).dryRun, user: user)
            return Self.render(obj, path, form)
        case ("deletecollection", nil):
            let options = try Self.deleteOptions(req)
            let dry = try Self.writeOptions(req, user: user).dryRun
            let page = try await registry.list(info, ns, ListQuery(labels: query.labels, fields: query.fields))
            var deleted: [JSONValue] = []
            for item in page.items {
                let parts = item.key.split(separator: "/")
                let name = String(parts.last ?? "")
                let itemNS = info.namespaced ? parts.dropLast().last.map(String.init) : nil
                if let obj = try? await registry.delete(info, itemNS, name, options: options, dryRun: dry, user: user) {
                    deleted.append(obj)
                }
            }
            return .jsonBytes(JSONWriter.bytes(["apiVersion": .string(info.apiVersion), "kind": .string(info.listKind),
                                                "metadata": .emptyObject, "items": .array(deleted)]))
        case ("get", "log"):
            guard let kubelets else { throw APIErrors.unavailable("no kubelet client configured") }
            return try await kubelets.logs(registry, namespace: ns, name: name, request: req)
        case ("get", let sub?) where ["exec", "attach", "portforward"].contains(sub), ("create", let sub?) where ["exec", "attach", "portforward"].contains(sub):
            guard let kubelets else { throw APIErrors.unavailable("no kubelet client configured") }
            return try await kubelets.stream(registry, namespace: ns, name: name, subresource: sub, request: req)
        case ("get", "scale"):
            return .jsonBytes(JSONWriter.bytes(try await registry.getScale(info, ns, name)))
        case ("update", "scale"):
            let (body, _) = try decodeBody(req)
            var options = try Self.writeOptions(req, user: user)
            options.fieldsSubresource = "scale"
            return .jsonBytes(JSONWriter.bytes(try await registry.updateScale(info, ns, name, body: body, patch: nil, options)))
        case ("patch", "scale"):
            let kind = try Self.patchKind(req)
            var options = try Self.writeOptions(req, user: user)
            options.fieldsSubresource = "scale"
            return .jsonBytes(JSONWriter.bytes(try await registry.updateScale(info, ns, name, body: nil, patch: (kind, req.body), options)))
        case ("create", "binding"):
            let (body, _) = try decodeBody(req)
            try await registry.bind(ns, podName: name, binding: body, dryRun: try Self.writeOptions(req, user: user).dryRun)
            return .status(APIErrors.success(code: 201))
        case ("create", "eviction"):
            let (body, _) = try decodeBody(req)
            var options = DeleteOptions()
            if let d = body["deleteOptions"] { options = (try? KubeCodec.decode(DeleteOptions.self, from: d)) ?? DeleteOptions() }
            if let bodyName = body[path: ["metadata", "name"]]?.stringValue, !bodyName.isEmpty, bodyName != name {
                throw APIErrors.badRequest("name in URL does not match name in Eviction object")
            }
            // Upstream's propagateDryRun: the request's dryRun or the eviction's deleteOptions.dryRun.
            let dryRun = try Self.writeOptions(req, user: user).dryRun || (options.dryRun ?? []).contains("All")
            try await registry.evict(ns, name, options: options, dryRun: dryRun, user: user)
            return .status(APIErrors.success(code: 201))
        default:
            throw APIErrors.methodNotAllowed()
        }
    }

    static func patchKind(_ req: HTTPRequest) throws(Status) -> PatchKind {
        let type = req.contentMediaType
        guard let kind = PatchKind(rawValue: type) else {
            throw APIErrors.unsupportedMediaType(type, accepted: PatchKind.accepted)
        }
        return kind
    }

    static func deleteOptions(_ req: HTTPRequest) throws(Status) -> DeleteOptions {
        var o = DeleteOptions()
        if !req.body.isEmpty {
            let (v, _) = try BodyDecoder.decode(req.body, contentType: req.headers.first(name: "content-type"))
            do {
                o = try KubeCodec.decode(DeleteOptions.self, from: v)
            } catch {
                throw APIErrors.badRequest("invalid DeleteOptions: \(error.message)")
            }
        }
        if let g = req.param("gracePeriodSeconds") {
            guard let n = Int64(g) else { throw APIErrors.badRequest("gracePeriodSeconds must be an integer") }
            o.gracePeriodSeconds = n
        }
        if let p = req.param("propagationPolicy") { o.propagationPolicy = p }
        if let p = o.propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw invalidStatus(kind: "DeleteOptions", group: "", name: "",
                                errors: [.notSupported("propagationPolicy", p, ["Foreground", "Background", "Orphan", "nil"])])
        }
        if req.param("orphanDependents") == "true" { o.orphanDependents = true }
        return o
    }

    func list(_ req: HTTPRequest, _ path: APIPath, _ q: ListQuery, _ form: OutputForm) async throws(Status) -> HTTPResponse {
        let page = try await registry.list(path.info, path.namespace, q)
        let rv = String(page.revision)
        // A definition with a conversion webhook: the page converted in one review.
        var converted: [JSONValue]?
        if path.info.custom?.conversionWebhook != nil {
            var stored: [JSONValue] = []
            for item in page.items {
                do { stored.append(try StoredObject.decode(item.value, revision: item.modRevision)) } catch {
                    throw APIErrors.internalError("stored \(path.info.plural) object \(item.key) is corrupt: \(error)")
                }
            }
            converted = try await registry.served(stored, path.info)
        }
        func objects() throws(Status) -> [JSONValue] {
            if let converted { return converted }
            var out: [JSONValue] = []
            for item in page.items { out.append(try registry.decode(item, path.info)) }
            return out
        }
        switch form {
        case .table(let include):
            let objects = try objects()
            let t = TablePrinter.table(path.info, objects: objects, resourceVersion: rv, continueToken: page.continueToken,
                                       includeObject: include)
            return .jsonBytes(JSONWriter.bytes(t))
        case .partialMetadata:
            let items: [JSONValue] = try objects().map { obj in
                ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? .emptyObject]
            }
            var meta: JSONValue = ["resourceVersion": .string(rv)]
            if let c = page.continueToken { meta["continue"] = .string(c) }
            return .jsonBytes(JSONWriter.bytes(["kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                                                "items": .array(items)]))
        case .plain:
            // Splice stored bytes: no parse per object.
            var out: [UInt8] = Array(#"{"apiVersion":""#.utf8) + Array(path.info.apiVersion.utf8) + Array(#"","items":["#.utf8)
            out.reserveCapacity(page.items.reduce(256) { $0 + $1.value.count + 32 })
            if let converted {
                for (i, obj) in converted.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    JSONWriter.write(obj, into: &out)
                }
            } else {
                for (i, item) in page.items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: StoredObject.inject(item.value, revision: item.modRevision, as: path.info))
                }
            }
            var meta: JSONValue = ["resourceVersion": .string(rv)]
            if let c = page.continueToken { meta["continue"] = .string(c) }
            out.append(contentsOf: Array(#"],"kind":""#.utf8) + Array(path.info.listKind.utf8) + Array(#"","metadata":"#.utf8))
            JSONWriter.write(meta, into: &out)
            out.append(UInt8(ascii: "}"))
            return .jsonBytes(out)
        }
    }
}
