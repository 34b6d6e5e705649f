import HTTPServing
import KubeAPI
import Testing
@testable import MiniControlPlane

/// List parameters and Status bodies as kube-apiserver answers them.
@Suite struct ListQueryTests {
    static let pods = ResourceCatalog.info(for: Pod.self)
    static let nodes = ResourceCatalog.info(for: Node.self)

    static func query(_ uri: String, _ info: ResourceInfo) -> Result<ListQuery, Status> {
        let req = HTTPRequest(method: .GET, uri: uri, headers: [:], body: [])
        do throws(Status) { return .success(try APIHandler.listQuery(req, info)) } catch { return .failure(error) }
    }

    static func failure(_ uri: String, _ info: ResourceInfo = pods) -> Status? {
        if case .failure(let s) = query(uri, info) { return s }
        return nil
    }

    @Test func limitMustBeAnInteger() throws {
        #expect(try Self.query("/api/v1/pods?limit=5", Self.pods).get().limit == 5)
        #expect(try Self.query("/api/v1/pods?limit=0", Self.pods).get().limit == 0)
        let s = try #require(Self.failure("/api/v1/pods?limit=abc"))
        #expect(s.code == 400 && s.reason == "BadRequest")
        #expect(s.message == #"strconv.ParseInt: parsing "abc": invalid syntax"#)
        #expect(Self.failure("/api/v1/pods?limit=99999999999999999999")?.message?.hasSuffix("value out of range") == true)
    }

    @Test func fieldSelectorsNameOnlyFieldsTheKindSupports() throws {
        #expect(try Self.query("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1,status.phase!%3DFailed", Self.pods).get().fields.terms.count == 2)
        #expect(try Self.query("/api/v1/pods?fieldSelector=spec.host%3Dn1", Self.pods).get().fields.requiredValue("spec.nodeName") == "n1")
        #expect(try Self.query("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse", Self.nodes).get().fields.terms.count == 1)
        let s = try #require(Self.failure("/api/v1/pods?fieldSelector=spec.foo%3Dbar"))
        #expect(s.code == 400 && s.message == "field label not supported: spec.foo")
        #expect(Self.failure("/api/v1/nodes?fieldSelector=metadata.namespace%3Dx", Self.nodes)?.message == "field label not supported: metadata.namespace")
    }

    @Test func statusIsWrittenInUpstreamOrder() {
        var s = Status(message: "pods \"web\" not found", reason: "NotFound", code: 404, details: StatusDetails(name: "web", kind: "pods"))
        s.details?.causes = [StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec.containers")]
        #expect(String(decoding: s.jsonBytes, as: UTF8.self) == """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"web\\" not found","reason":"NotFound",\
            "details":{"name":"web","kind":"pods","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},\
            "code":404}

            """)
        #expect(String(decoding: APIErrors.success(code: 201).jsonBytes, as: UTF8.self)
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}"# + "\n")
    }
}
