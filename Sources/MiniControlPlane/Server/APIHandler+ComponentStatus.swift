import KubeAPI
import HTTPServing

/// `componentstatuses` (`kubectl get cs`): computed on each read like
/// kube-apiserver's, with its deprecation warning. The scheduler and the
/// controller manager run inside this process, so they are as healthy as
/// it is; the storage entry probes the datastore.
extension APIHandler {
    static let componentStatusWarning = "v1 ComponentStatus is deprecated in v1.19+"

    func componentStatuses() async -> [JSONValue] {
        let storageHealthy = await readiness()
        let storageName = registry.store is EtcdStore ? "etcd-0" : "sqlite-0"
        func status(_ name: String, _ healthy: Bool, _ message: String, error: String? = nil) -> JSONValue {
            var condition: [String: JSONValue] = ["type": "Healthy", "status": healthy ? "True" : "False", "message": .string(message)]
            if let error { condition["error"] = .string(error) }
            return ["kind": "ComponentStatus", "apiVersion": "v1", "metadata": ["name": .string(name)],
                    "conditions": [.object(condition)]]
        }
        return [
            status("scheduler", true, "ok"),
            status("controller-manager", true, "ok"),
            storageHealthy ? status(storageName, true, storageName.hasPrefix("etcd") ? #"{"health":"true","reason":""}"# : "ok")
                : status(storageName, false, "", error: "the datastore does not answer"),
        ]
    }

    func componentStatus(_ req: HTTPRequest, _ path: APIPath, verb: String) async throws(Status) -> HTTPResponse {
        let form = Self.outputForm(req)
        let all = await componentStatuses()
        switch verb {
        case "get":
            guard let one = all.first(where: { $0[path: ["metadata", "name"]]?.stringValue == path.name }) else {
                throw APIErrors.notFound(path.info, path.name ?? "")
            }
            return Self.render(one, path, form, warnings: [Self.componentStatusWarning])
        case "list":
            var response: HTTPResponse
            if case .table(let include) = form {
                let t = TablePrinter.table(kind: "ComponentStatus", objects: all, resourceVersion: nil, continueToken: nil, includeObject: include)
                response = .jsonBytes(JSONWriter.bytes(t))
            } else {
                response = .jsonBytes(JSONWriter.bytes(["kind": "ComponentStatusList", "apiVersion": "v1", "metadata": .emptyObject,
                                                        "items": .array(all)]))
            }
            response.headers.add(name: "Warning", value: "299 - \"\(Self.componentStatusWarning)\"")
            return response
        default:
            throw APIErrors.methodNotAllowed()
        }
    }
}
