import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane
import HTTPServing
import NIOHTTP1

/// The aggregator's pure parts: request attributes from any API path, an
/// APIResourceList as aggregated discovery, version order, Local
/// APIServices, and APIService validation.
@Suite struct APIAggregationUnitTests {
    func request(_ method: HTTPMethod, _ uri: String) -> HTTPRequest {
        HTTPRequest(method: method, uri: uri, headers: [:], body: [])
    }

    @Test func attributesAreReadFromThePathAsUpstreamsRequestInfo() {
        var a = APIHandler.aggregatedAttributes(request(.GET, "/x"), group: "wardle.example.com", ["namespaces", "ns", "flunders"])
        #expect(a.verb == "list" && a.resource == "flunders" && a.namespace == "ns" && a.name == nil)
        a = APIHandler.aggregatedAttributes(request(.GET, "/x?watch=true"), group: "g", ["flunders"])
        #expect(a.verb == "watch" && a.namespace == nil)
        a = APIHandler.aggregatedAttributes(request(.PATCH, "/x"), group: "g", ["namespaces", "ns", "flunders", "one", "status"])
        #expect(a.verb == "patch" && a.name == "one" && a.subresource == "status")
        a = APIHandler.aggregatedAttributes(request(.DELETE, "/x"), group: "g", ["namespaces", "ns", "flunders"])
        #expect(a.verb == "deletecollection")
        // `namespaces/NAME` alone is the namespace itself.
        a = APIHandler.aggregatedAttributes(request(.GET, "/x"), group: "g", ["namespaces", "ns"])
        #expect(a.resource == "namespaces" && a.name == "ns" && a.verb == "get")
    }

    @Test func aResourceListBecomesAggregatedDiscovery() throws {
        let list = try JSONParser.parse(Array("""
            {"kind":"APIResourceList","groupVersion":"wardle.example.com/v1alpha1","resources":[
             {"name":"flunders","singularName":"flunder","namespaced":true,"kind":"Flunder","verbs":["get","list"],"shortNames":["fl"]},
             {"name":"flunders/status","singularName":"","namespaced":true,"kind":"Flunder","verbs":["get","patch"]},
             {"name":"fischers","singularName":"fischer","namespaced":false,"kind":"Fischer","verbs":["get"]}]}
            """.utf8))
        let out = APIHandler.aggregatedResources(list, group: "wardle.example.com", version: "v1alpha1")
        #expect(out.count == 2)
        #expect(out[0]["resource"] == "flunders" && out[0]["scope"] == "Namespaced" && out[0]["shortNames"] == ["fl"])
        #expect(out[0][path: ["responseKind", "kind"]] == "Flunder" && out[0][path: ["responseKind", "group"]] == "wardle.example.com")
        #expect(out[0]["subresources"]?.arrayValue?.first?["subresource"] == "status")
        #expect(out[1]["scope"] == "Cluster" && out[1]["subresources"] == nil)
    }

    @Test func versionsArePreferredByPriorityThenKubeOrder() {
        func s(_ v: String, _ p: Int32) -> APIService {
            APIService(metadata: ObjectMeta(name: "\(v).g"), spec: APIServiceSpec(service: APIServiceReference(namespace: "n", name: "s"),
                                                                                  group: "g", version: v, groupPriorityMinimum: 1, versionPriority: p))
        }
        #expect(Aggregator.ordered([s("v1beta1", 15), s("v1", 15), s("v2alpha1", 15)]).compactMap(\.spec.version) == ["v1", "v1beta1", "v2alpha1"])
        #expect(Aggregator.ordered([s("v1", 10), s("v1beta1", 20)]).compactMap(\.spec.version) == ["v1beta1", "v1"])
    }

    @Test func localAPIServicesCarryUpstreamsPriorities() {
        let apps = APIServiceController.local(group: "apps", version: "v1", automanaged: "onstart")
        #expect(apps.metadata.name == "v1.apps" && apps.spec.groupPriorityMinimum == 17800 && apps.spec.versionPriority == 15)
        let core = APIServiceController.local(group: "", version: "v1", automanaged: "onstart")
        #expect(core.metadata.name == "v1." && core.spec.group == nil && core.spec.groupPriorityMinimum == 18000)
        let custom = APIServiceController.local(group: "stable.example.com", version: "v1", automanaged: "true")
        #expect(custom.spec.groupPriorityMinimum == 1000 && custom.spec.versionPriority == 100)
        #expect(custom.metadata.labels?[APIServiceController.automanagedLabel] == "true")
        #expect(APIServiceValidation.validate(core).isEmpty && APIServiceValidation.validate(custom).isEmpty)
    }

    @Test func remoteAPIServicesAreValidatedAsUpstream() {
        var s = APIService(metadata: ObjectMeta(name: "v1.example.com"),
                           spec: APIServiceSpec(service: APIServiceReference(namespace: "", name: "api", port: 70000),
                                                group: "example.com", version: "v1", groupPriorityMinimum: 100, versionPriority: 10))
        s.spec.insecureSkipTLSVerify = true
        s.spec.caBundle = Data("pem".utf8).base64EncodedString()
        let messages = APIServiceValidation.validate(s).map(\.description)
        #expect(messages.contains { $0.contains("spec.service.namespace: Required value") }, "\(messages)")
        #expect(messages.contains { $0.contains("spec.service.port: Invalid value: 70000: port is not valid") }, "\(messages)")
        #expect(messages.contains { $0.contains("spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present") }, "\(messages)")
        let empty = APIService(metadata: ObjectMeta(name: "v1beta1."), spec: APIServiceSpec(version: "v1beta1", groupPriorityMinimum: 1, versionPriority: 1))
        #expect(APIServiceValidation.validate(empty).map(\.description).contains {
            $0.contains("spec.group: Required value: only v1 may have an empty group and it better be legacy kube")
        })
    }
}
