import Foundation
import X509
import KubeAPI
import HTTPServing
import NIOHTTP1
import Testing
@testable import MiniControlPlane

@Suite struct ServerUnitTests {
    let creds = Credentials(adminToken: "admintoken")

    @Test func authenticationAndImpersonation() {
        let a = Authenticator(credentials: creds)
        let authorizer = Authorizer(rbac: RBACAuthorizer())
        #expect(a.authenticate([:]) == .user(Authenticator.anonymous))
        #expect(Authenticator(credentials: creds, anonymousAuth: false).authenticate([:]) == .unauthorized)
        #expect(a.authenticate(["Authorization": "Bearer nope"]) == .unauthorized)
        guard case .user(let admin) = a.authenticate(["Authorization": "Bearer admintoken"]) else { Issue.record("admin"); return }
        #expect(admin.isAdmin)
        // Nobody without RBAC's impersonate verb impersonates.
        let users = StaticTokenFile(users: ["tok": UserInfo(name: "jane", groups: ["system:nodes", "system:authenticated"])])
        let withUsers = Authenticator(credentials: creds, staticTokens: users)
        guard case .user(let jane) = withUsers.authenticate(["Authorization": "Bearer tok"]),
              case .forbidden(let s) = Impersonation.apply(jane, headers: ["Impersonate-User": "admin"], authorizer: authorizer) else {
            Issue.record("impersonation"); return
        }
        #expect(s.code == 403)
        #expect(s.message == "users \"admin\" is forbidden: User \"jane\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope")
        guard case .user(let asNode) = Impersonation.apply(admin, headers: ["Impersonate-User": "system:node:n2", "Impersonate-Group": "system:nodes"],
                                                           authorizer: authorizer) else {
            Issue.record("admin as node"); return
        }
        #expect(asNode.nodeName == "n2" && asNode.isNode && asNode.groups.contains("system:authenticated"))
        guard case .user(let asSA) = Impersonation.apply(admin, headers: ["Impersonate-User": "system:serviceaccount:ns1:sa"], authorizer: authorizer) else {
            Issue.record("admin as service account"); return
        }
        #expect(asSA.groups == ["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"])
    }

    func attrs(_ verb: String, _ plural: String, ns: String? = "default", name: String? = nil, sub: String? = nil, group: String = "") -> RequestAttributes {
        RequestAttributes(verb: verb, info: ResourceCatalog.find(group: group, plural: plural)!, subresource: sub, namespace: ns, name: name,
                          fieldSelector: .everything)
    }

    @Test func nodeAuthorization() {
        let Authorizer = MiniControlPlane.Authorizer(rbac: RBACAuthorizer())
        let n1 = UserInfo(name: "system:node:n1", groups: ["system:nodes"])
        #expect(Authorizer.authorize(n1, attrs("list", "pods")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("watch", "endpointslices", group: "discovery.k8s.io")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("create", "pods")) == .podBoundTo("n1"))
        #expect(Authorizer.authorize(n1, attrs("patch", "pods", name: "p", sub: "status")) == .podBoundTo("n1"))
        #expect(Authorizer.authorize(n1, attrs("update", "pods", name: "p")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("patch", "nodes", ns: nil, name: "n1", sub: "status")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("patch", "nodes", ns: nil, name: "n2")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("create", "nodes", ns: nil)) == .bodyNamed("n1"))
        #expect(Authorizer.authorize(n1, attrs("update", "leases", ns: "kube-node-lease", name: "n1", group: "coordination.k8s.io")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("update", "leases", ns: "kube-system", name: "n1", group: "coordination.k8s.io")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("get", "secrets", name: "s")) == .referencedBy("n1"))
        #expect(Authorizer.authorize(n1, attrs("list", "secrets")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("create", "events")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("delete", "deployments", name: "d", group: "apps")) == .deny)
        // Upstream's node identity needs both the name and the group.
        let nameless = UserInfo(name: "jane", groups: ["system:nodes"])
        #expect(Authorizer.authorize(nameless, attrs("watch", "services")) == .deny)
        let s = MiniControlPlane.Authorizer.forbidden(n1, attrs("delete", "deployments", name: "d", group: "apps"))
        #expect(s.message == "deployments.apps \"d\" is forbidden: User \"system:node:n1\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"default\"")
        let refs = NodeAuthorizer.references(of: try! JSONParser.parse(#"""
            {"spec":{"volumes":[{"name":"a","secret":{"secretName":"s1"}},{"name":"b","configMap":{"name":"c1"}}],
             "containers":[{"env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"s2","key":"k"}}}],"envFrom":[{"configMapRef":{"name":"c2"}}]}]}}
            """#))
        #expect(refs.secrets == ["s1", "s2"] && refs.configMaps == ["c1", "c2"])
    }

    /// Claims and volumes: as upstream's graph, a node gets the claims its
    /// pods reference and the volumes bound to them; our extension lets it
    /// list and watch volumes and patch one (NodeRestriction narrows that).
    @Test func nodeAuthorizationOfStorage() throws {
        let Authorizer = MiniControlPlane.Authorizer(rbac: RBACAuthorizer())
        let n1 = UserInfo(name: "system:node:n1", groups: ["system:nodes"])
        #expect(Authorizer.authorize(n1, attrs("get", "persistentvolumeclaims", name: "data")) == .referencedBy("n1"))
        #expect(Authorizer.authorize(n1, attrs("list", "persistentvolumeclaims")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("update", "persistentvolumeclaims", name: "data")) == .deny)
        // Finishing a file-system resize: the status of its pods' claims (NodeRestriction narrows the change).
        #expect(Authorizer.authorize(n1, attrs("patch", "persistentvolumeclaims", name: "data", sub: "status")) == .referencedBy("n1"))
        #expect(Authorizer.authorize(n1, attrs("delete", "persistentvolumeclaims", name: "data")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("get", "persistentvolumes", ns: nil, name: "pv")) == .referencedBy("n1"))
        #expect(Authorizer.authorize(n1, attrs("list", "persistentvolumes", ns: nil)) == .allow)
        #expect(Authorizer.authorize(n1, attrs("watch", "persistentvolumes", ns: nil)) == .allow)
        #expect(Authorizer.authorize(n1, attrs("patch", "persistentvolumes", ns: nil, name: "pv")) == .allow)
        #expect(Authorizer.authorize(n1, attrs("update", "persistentvolumes", ns: nil, name: "pv", sub: "status")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("delete", "persistentvolumes", ns: nil, name: "pv")) == .deny)
        #expect(Authorizer.authorize(n1, attrs("create", "persistentvolumes", ns: nil)) == .deny)
        #expect(Authorizer.authorize(n1, attrs("list", "storageclasses", ns: nil, group: "storage.k8s.io")) == .deny)
        let refs = NodeAuthorizer.references(of: try JSONParser.parse(#"""
            {"metadata":{"name":"web-0"},"spec":{"volumes":[{"name":"a","persistentVolumeClaim":{"claimName":"data"}},
             {"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}],"containers":[]}}
            """#))
        #expect(refs.claims == ["data", "web-0-scratch"])
    }

    @Test func storedObjectSplicesResourceVersion() throws {
        let obj: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "resourceVersion": "5"], "spec": ["a": 1]]
        let bytes = StoredObject.encode(obj)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"metadata":{"name":"p"},"apiVersion":"v1","kind":"Pod","spec":{"a":1}}"#)
        let injected = try JSONParser.parse(StoredObject.inject(bytes, revision: 42))
        #expect(injected[path: ["metadata", "resourceVersion"]] == "42")
        #expect(injected["spec"] == ["a": 1])
        let empty = StoredObject.encode(["kind": "X"])
        #expect(try JSONParser.parse(StoredObject.inject(empty, revision: 7))[path: ["metadata", "resourceVersion"]] == "7")
    }

    @Test func pathsAndDiscovery() {
        guard case .resource(let p) = APIPath.parse(group: "", ["namespaces", "default", "pods", "web", "status"]) else { Issue.record("parse"); return }
        #expect(p.info.plural == "pods" && p.namespace == "default" && p.name == "web" && p.subresource == "status")
        guard case .resource(let ns) = APIPath.parse(group: "", ["namespaces", "default"]) else { Issue.record("ns"); return }
        #expect(ns.info.plural == "namespaces" && ns.name == "default")
        #expect(APIPath.parse(group: "", ["namespaces", "default", "widgets"]) == .notFound)
        #expect(APIPath.parse(group: "", ["pods", "x", "nonsense"]) == .notFound)
        guard case .resource(let d) = APIPath.parse(group: "apps", ["namespaces", "n", "deployments", "d", "scale"]) else { Issue.record("scale"); return }
        #expect(d.subresource == "scale")
        let list = Discovery.resourceList(group: "apps")
        let names = list["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("deployments/scale") && names.contains("daemonsets/status"))
        let agg = Discovery.aggregated(core: true)
        let pods = agg["items"]?.arrayValue?.first?[path: ["versions"]]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "pods" }
        #expect(pods?["shortNames"] == ["po"])
        #expect(pods?["categories"] == ["all"])
        #expect(Discovery.wantsAggregated("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"))
        #expect(!Discovery.wantsAggregated("application/json"))
    }

    @Test func tablesAndAges() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        func ago(_ s: Double) -> String { Timestamp(now.addingTimeInterval(-s)).description }
        #expect(TablePrinter.age(ago(5), now: now) == "5s")
        #expect(TablePrinter.age(ago(150), now: now) == "2m30s")
        #expect(TablePrinter.age(ago(3600 * 5 + 60), now: now) == "5h1m")
        #expect(TablePrinter.age(ago(86400 * 3), now: now) == "3d")
        let pod: JSONValue = ["metadata": ["name": "p", "creationTimestamp": .string(ago(30))],
                              "spec": ["containers": [["name": "a"], ["name": "b"]], "nodeName": "n1"],
                              "status": ["phase": "Running", "podIP": "10.0.0.1",
                                         "containerStatuses": [["name": "a", "ready": true, "restartCount": 2, "state": ["running": [:]]],
                                                               ["name": "b", "ready": false, "restartCount": 1,
                                                                "state": ["waiting": ["reason": "CrashLoopBackOff"]]]]]]
        let t = TablePrinter.table(kind: "Pod", objects: [pod], resourceVersion: "9", continueToken: nil, includeObject: "None", now: now)
        #expect(t["rows"]?.arrayValue?.first?["cells"] == ["p", "1/2", "CrashLoopBackOff", "3", "30s", "10.0.0.1", "n1", "<none>", "<none>"])
        #expect(t["columnDefinitions"]?.arrayValue?.count == 9)
    }

    @Test func watchEventsFollowSelectors() throws {
        var q = ListQuery()
        q.labels = try! LabelRequirements(parsing: "app=web")
        let web = Array(#"{"metadata":{"labels":{"app":"web"}}}"#.utf8)
        let db = Array(#"{"metadata":{"labels":{"app":"db"}}}"#.utf8)
        func e(_ kind: StoreEvent.Kind, _ v: [UInt8], prev: [UInt8]?, created: Bool = false) -> String? {
            ResourceStorage.classify(StoreEvent(kind: kind, key: "/k", value: v, previousValue: prev, revision: 1, created: created), q)?.type
        }
        #expect(e(.put, web, prev: nil, created: true) == "ADDED")
        #expect(e(.put, db, prev: nil, created: true) == nil)
        #expect(e(.put, web, prev: db) == "ADDED")
        #expect(e(.put, db, prev: web) == "DELETED")
        #expect(e(.put, web, prev: web) == "MODIFIED")
        #expect(e(.delete, web, prev: web) == "DELETED")
        #expect(e(.delete, db, prev: db) == nil)
        let token = ResourceStorage.encodeContinue(revision: 12, start: "/registry/pods/a/b")
        #expect(try ContinueToken(decoding: token, prefix: "/registry/pods/") == ContinueToken(revision: 12, start: "/registry/pods/a/b"))
        #expect(throws: SelectorParseError.self) { try ContinueToken(decoding: "zzz", prefix: "/registry/pods/") }
        #expect(throws: SelectorParseError.self) { try ContinueToken(decoding: token, prefix: "/registry/secrets/") }
    }

    @Test func metricsRender() {
        let m = APIMetrics()
        m.record(verb: "get", resource: "pods", code: 200, seconds: 0.003)
        m.record(verb: "get", resource: "pods", code: 404, seconds: 0.2)
        let text = m.render()
        #expect(text.contains(#"apiserver_request_total{verb="GET",resource="pods",code="200"} 1"#))
        #expect(text.contains(#"apiserver_request_duration_seconds_bucket{verb="GET",resource="pods",le="0.005"} 1"#))
        #expect(text.contains(#"apiserver_request_duration_seconds_count{verb="GET",resource="pods"} 2"#))
    }

    @Test func certificatesAndKubeconfig() throws {
        let dir = try Harness.tempDir("certs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try CertificateAuthority.prepare(dir: dir, sans: ["127.0.0.1", "localhost", "example.test"])
        let b = try CertificateAuthority.prepare(dir: dir, sans: ["127.0.0.1"])
        #expect(a.caCertificatePEM == b.caCertificatePEM)
        #expect(a.servingCertificatePEM != b.servingCertificatePEM)
        let c1 = try Credentials.loadOrCreate(dir: dir)
        let c2 = try Credentials.loadOrCreate(dir: dir)
        #expect(c1 == c2 && !c1.adminToken.isEmpty)
        try c1.writeAdminKubeconfig(dir: dir, server: "https://127.0.0.1:6443", ca: a)
        let cfg = try KubeConfig.load(path: dir.appendingPathComponent("admin.kubeconfig").path)
        #expect(cfg.server == "https://127.0.0.1:6443" && cfg.token == nil && cfg.caPEM == a.caCertificatePEM)
        // The admin is a client certificate: kubernetes-admin in system:masters.
        let cert = try Certificate(pemEncoded: try #require(cfg.clientCertificatePEM))
        guard case .success(let user) = ClientCertificateAuthenticator(ca: a.caCertificate).authenticate(try cert.serializeAsPEM().derBytes) else {
            Issue.record("admin certificate does not authenticate"); return
        }
        #expect(user == CertificateUser(name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"]))
        #expect(cfg.clientKeyPEM?.contains("PRIVATE KEY") == true)
        #expect(ControlPlaneConfiguration.parseDuration("40s") == .seconds(40))
        #expect(ControlPlaneConfiguration.parseDuration("2m") == .seconds(120))
        #expect(ControlPlaneConfiguration.parseDuration("x") == nil)
    }
}
