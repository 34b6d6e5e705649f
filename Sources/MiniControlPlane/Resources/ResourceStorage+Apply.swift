import KubeAPI

extension ResourceStorage {
    /// Server-side apply (`PATCH` with `application/apply-patch+yaml`):
    /// merges the partial configuration `config` into the object (creating it
    /// when absent) and records `options.fieldManager` as the owner of the
    /// fields it sets. Other managers' fields it would change are a 409
    /// conflict unless `options.force`.
    func apply(_ info: ResourceInfo, _ ns: String?, _ name: String, _ config: JSONValue, subresource: String?,
               _ options: WriteOptions) async throws(Status) -> WriteResult {
        guard case .object = config else {
            throw APIErrors.badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): the apply configuration is not an object")
        }
        for k in ["apiVersion", "kind"] where (config[k]?.stringValue ?? "").isEmpty {
            throw APIErrors.badRequest("error decoding apply configuration: Object '\(k == "kind" ? "Kind" : "apiVersion")' is missing in the request body")
        }
        var config = try checkTypeMeta(info, config)
        if let bodyName = config[path: ["metadata", "name"]]?.stringValue, !bodyName.isEmpty, bodyName != name {
            throw APIErrors.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        try checkNamespace(info, ns, &config)
        config.set(path: ["metadata", "name"], to: .string(name))
        var options = options
        options.managedFieldsDecided = true
        let manager = Self.fieldManager(info)
        for attempt in 0..<8 {
            let current: StoredValue?
            do throws(Status) {
                current = try await getStored(info, ns, name)
            } catch let s where s.code == 404 {
                current = nil
            }
            var live: JSONValue?
            if let current { live = try await served(current, info) }
            let merged: JSONValue
            do {
                merged = try manager.apply(live: live, config: config, manager: options.fieldManager, force: options.force,
                                           subresource: subresource, now: Timestamp().description)
            } catch {
                switch error {
                case .conflicts(let c):
                    throw Status(message: c.message, reason: "Conflict", code: 409,
                                 details: StatusDetails(causes: c.causes))
                case .invalid(let m):
                    throw APIErrors.invalid(info, name, [.invalid("metadata.managedFields", "[...]", m)])
                }
            }
            do throws(Status) {
                guard let current else {
                    guard subresource == nil else { throw APIErrors.notFound(info, name) }
                    return try await create(info, ns, merged, options)
                }
                return try await write(info, ns, name, current: current, proposed: merged, subresource: subresource, options)
            } catch let s where s.code == 409 && (s.reason == "Conflict" || s.reason == "AlreadyExists") && attempt < 7 {
                continue
            }
        }
        throw APIErrors.conflict(info, name)
    }
}
