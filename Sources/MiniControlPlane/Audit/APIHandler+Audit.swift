import Foundation
import HTTPServing
import KubeAPI

extension APIHandler {
    /// The audit log's entry of a request and its response.
    func auditEntry(_ req: HTTPRequest, _ record: RequestRecord, user: UserInfo, _ response: HTTPResponse,
                    received: Date) -> AuditLog.Entry {
        let resource = record.path.map { p in
            (group: p.info.group, resource: p.info.plural, subresource: p.subresource, namespace: p.namespace, name: p.name)
        }
        let attributes = AuditAttributes(user: user.name, groups: user.groups, verb: record.verb, resource: resource, path: req.path)
        var responseBody: [UInt8]?
        var streamed = false
        switch response.body {
        case .bytes(let b): responseBody = b
        default: streamed = true
        }
        return AuditLog.Entry(id: UUID().uuidString.lowercased(), received: received, attributes: attributes, uri: req.uri,
                              sourceIP: req.headers.first(name: "x-forwarded-for"), userAgent: req.headers.first(name: "user-agent"),
                              apiVersion: record.path?.info.version ?? "v1", code: Int(response.status.code), requestBody: req.body,
                              requestContentType: req.headers.first(name: "content-type"), responseBody: responseBody, streamed: streamed,
                              annotations: record.auditAnnotations)
    }
}
