import Foundation
import KubeAPI
import NIOHTTP1
import HTTPServing

/// `pods/NAME/exec`, `pods/NAME/attach` and `pods/NAME/portforward`
/// (GET or POST, as kubectl sends them): after the same checks as
/// kube-apiserver (the pod exists and is bound, the container is valid, the
/// pod has not completed), the upgrade request goes to the pod's kubelet
/// (`/exec/NS/POD/CONTAINER`, `/attach/…`, `/portForward/NS/POD`) and, once
/// the kubelet switches protocols, the connection is spliced through.
extension KubeletProxy {
    /// Request headers the upgrade needs on the kubelet's side.
    static let upgradeRequestHeaders: Set<String> = [
        "connection", "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
        "sec-websocket-extensions", "x-stream-protocol-version",
    ]
    /// Response headers of the kubelet's 101 passed back to the client.
    static let upgradeResponseHeaders: Set<String> = [
        "connection", "upgrade", "sec-websocket-accept", "sec-websocket-protocol", "x-stream-protocol-version",
    ]

    func stream(_ registry: ResourceStorage, namespace: String?, name: String, subresource: String,
                request: HTTPRequest) async throws(Status) -> HTTPResponse {
        let pod = try await registry.get(ResourceCatalog.info(for: Pod.self), namespace, name)
        let ns = pod[path: ["metadata", "namespace"]]?.stringValue ?? namespace ?? "default"
        guard let nodeName = pod[path: ["spec", "nodeName"]]?.stringValue, !nodeName.isEmpty else {
            throw APIErrors.badRequest("pod \(name) does not have a host assigned")
        }
        let target: String
        switch subresource {
        case "portforward":
            target = "/portForward/\(ns.addingPercentEncodingForQuery)/\(name.addingPercentEncodingForQuery)"
        default:
            let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
            if phase == "Succeeded" || phase == "Failed" {
                throw APIErrors.badRequest("cannot \(subresource) into a container in a completed pod; current phase is \(phase)")
            }
            let container = try Self.container(of: pod, requested: request.param("container"))
            target = "/\(subresource)/\(ns.addingPercentEncodingForQuery)/\(name.addingPercentEncodingForQuery)/\(container.addingPercentEncodingForQuery)"
        }
        let node = try await registry.get(ResourceCatalog.info(for: Node.self), nil, nodeName)
        guard let (host, port) = Self.kubeletEndpoint(node: node) else {
            throw APIErrors.internalError("node \(nodeName) has no address to reach its kubelet")
        }
        let query = Self.kubeletQuery(request.query)
        let head = Self.requestHead(method: request.method, target: target + (query.isEmpty ? "" : "?" + query),
                                    host: host, port: port, headers: request.headers)
        let answer: KubeletStreamDialer.Answer
        let exchange: KubeletStreamExchange
        do {
            (answer, exchange) = try await streams.open(host: host, port: port, request: head)
        } catch {
            throw APIErrors.internalError("error dialing the kubelet of node \(nodeName) at \(host):\(port): \(error)")
        }
        guard answer.status == 101 else {
            await exchange.abandon()
            throw Self.refusal(answer)
        }
        var headers = HTTPHeaders()
        for (k, v) in answer.headers where Self.upgradeResponseHeaders.contains(k.lowercased()) { headers.add(name: k, value: v) }
        return .upgrade(headers: headers) { connection in
            await exchange.splice(connection)
        }
    }

    /// The kubelet's host and port from the Node's status.
    static func kubeletEndpoint(node: JSONValue) -> (String, Int)? {
        let addresses = node[path: ["status", "addresses"]]?.arrayValue ?? []
        let address = ["InternalIP", "ExternalIP", "Hostname"].lazy.compactMap { t in
            addresses.first { $0["type"]?.stringValue == t }?["address"]?.stringValue
        }.first
        guard let address else { return nil }
        return (address, node[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue.map { Int($0) } ?? 10250)
    }

    /// The client's query in the kubelet's terms (`input`, `output`, `error`
    /// for `stdin`, `stdout`, `stderr`), without `container` (it is in the path).
    static func kubeletQuery(_ query: [String: [String]]) -> String {
        let renamed = ["stdin": "input", "stdout": "output", "stderr": "error"]
        var pairs: [String] = []
        for key in query.keys.sorted() where key != "container" {
            for value in query[key] ?? [] {
                let name = renamed[key] ?? key
                let v = renamed[key] != nil ? (value == "true" || value == "1" ? "1" : "0") : value
                pairs.append("\(name.addingPercentEncodingForQuery)=\(v.addingPercentEncodingForQuery)")
            }
        }
        return pairs.joined(separator: "&")
    }

    static func requestHead(method: HTTPMethod, target: String, host: String, port: Int, headers: HTTPHeaders,
                            forwarding forwards: (String) -> Bool = { upgradeRequestHeaders.contains($0) }) -> [UInt8] {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var text = "\(method.rawValue) \(target) HTTP/1.1\r\nHost: \(authority)\r\n"
        for (k, v) in headers where forwards(k.lowercased()) { text += "\(k): \(v)\r\n" }
        text += "Content-Length: 0\r\n\r\n"
        return Array(text.utf8)
    }

    /// The kubelet's refusal as a Status (its own, when it sent one).
    static func refusal(_ answer: KubeletStreamDialer.Answer) -> Status {
        let code = answer.status >= 400 ? answer.status : 500
        if let json = try? JSONParser.parse(answer.body), let message = json["message"]?.stringValue {
            return Status(message: message, reason: json["reason"]?.stringValue ?? "InternalError", code: json["code"]?.intValue.map { Int($0) } ?? code)
        }
        let text = String(decoding: answer.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Status(message: text.isEmpty ? "the kubelet answered \(answer.status)" : text,
                      reason: code == 404 ? "NotFound" : code == 400 ? "BadRequest" : code == 403 ? "Forbidden" : "InternalError", code: code)
    }
}
