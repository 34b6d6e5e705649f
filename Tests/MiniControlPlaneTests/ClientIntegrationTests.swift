import Foundation
import KubeAPI
import NIOHTTP1
import Testing
import TestSupport
import Glibc
import Synchronization

@Suite(.requires(.product("controlplane")))
struct ClientIntegrationTests {
    /// A pod; `schedulerName` names a scheduler nobody runs, so that only the test changes it.
    static func pod(_ name: String, node: String? = nil, labels: [String: String] = [:], schedulerName: String? = nil) -> Pod {
        var spec = PodSpec(containers: [Container(name: "c", image: "busybox:1.36")])
        spec.nodeName = node
        spec.schedulerName = schedulerName
        return Pod(metadata: ObjectMeta(name: name, namespace: "default", labels: labels), spec: spec)
    }

    /// An HA control plane without a load balancer: a client given several
    /// servers goes to the next when one refuses connections, and stays there.
    @Test func clientFailsOverToTheNextServer() async throws {
        try await withCluster(.sqlite) { c in
            let real = try KubeConfig.load(path: c.kubeconfig.path)
            // A loopback port nobody listens on (bound, then closed).
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            close(fd)
            let dead = "https://127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
            var cfg = real
            cfg.server = dead
            cfg.fallbackServers = [real.server]
            #expect(cfg.servers == [dead, real.server])
            let client = try KubeClient(config: cfg)
            defer { Task { await client.shutdown() } }
            #expect(client.server == dead)
            _ = try await client.create(Self.pod("failover"))
            #expect(client.server == real.server)
            #expect(try await client.get(Pod.self, name: "failover").name == "failover")
            // A single unreachable server is an error naming it.
            cfg.fallbackServers = []
            let alone = try KubeClient(config: cfg)
            defer { Task { await alone.shutdown() } }
            await #expect(throws: KubeClientError.self) { _ = try await alone.get(Pod.self, name: "failover") }
        }
    }

    @Test(arguments: Backend.available)
    func typedClientVerbs(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            // create / get / list with selectors and paging.
            for i in 0..<7 { _ = try await client.create(Self.pod("p\(i)", labels: ["i": "\(i % 2)"])) }
            let got = try await client.get(Pod.self, name: "p3")
            #expect(got.spec?.restartPolicy == "Always")
            #expect(got.status?.phase == "Pending")
            let odd = try await client.list(Pod.self, options: ListOptions(labelSelector: "i=1"))
            #expect(odd.items.map(\.name).sorted() == ["p1", "p3", "p5"])
            let page = try await client.list(Pod.self, options: ListOptions(limit: 3))
            #expect(page.items.count == 3 && page.metadata?.continue != nil)
            let all = try await client.listAll(Pod.self, pageSize: 2)
            #expect(all.items.count == 7)
            // update with a stale resourceVersion conflicts.
            var a = try await client.get(Pod.self, name: "p0")
            var b = a
            a.metadata.labels?["x"] = "a"
            _ = try await client.update(a)
            b.metadata.labels?["x"] = "b"
            await #expect(throws: KubeClientError.self) { _ = try await client.update(b) }
            // status subresource only changes status; main resource ignores status.
            var s = try await client.get(Pod.self, name: "p1")
            s.status?.phase = "Running"
            s.spec?.activeDeadlineSeconds = 99
            let afterStatus = try await client.updateStatus(s)
            #expect(afterStatus.status?.phase == "Running")
            #expect(afterStatus.spec?.activeDeadlineSeconds == nil)
            var m = afterStatus
            m.status?.phase = "Failed"
            m.metadata.labels?["main"] = "1"
            let afterMain = try await client.update(m)
            #expect(afterMain.status?.phase == "Running")
            #expect(afterMain.metadata.labels?["main"] == "1")
            // patches.
            let p = try await client.patch(Pod.self, name: "p2", type: .strategic,
                                           ["spec": ["containers": [["name": "c", "image": "busybox:1.37"]]]])
            #expect(p.spec?.containers.first?.image == "busybox:1.37")
            let sp = try await client.patch(Pod.self, name: "p2", type: .merge, ["status": ["podIP": "10.244.0.5"]], subresource: "status")
            #expect(sp.status?.podIP == "10.244.0.5")
            // binding, then graceful deletion of a bound pod, confirmed with grace 0.
            try await client.bind(pod: "p4", namespace: "default", node: "node-a")
            let bound = try await client.get(Pod.self, name: "p4")
            #expect(bound.spec?.nodeName == "node-a")
            #expect(bound.status?.conditions?.contains { $0.type == "PodScheduled" && $0.status == "True" } == true)
            await #expect(throws: KubeClientError.self) { try await client.bind(pod: "p4", namespace: "default", node: "node-b") }
            let pending = try await client.delete(Pod.self, name: "p4")
            #expect(pending?.metadata.deletionTimestamp != nil)
            #expect(pending?.metadata.deletionGracePeriodSeconds == 30)
            #expect(try await client.get(Pod.self, name: "p4").metadata.deletionTimestamp != nil)
            try await client.delete(Pod.self, name: "p4", options: DeleteOptions(gracePeriodSeconds: 0))
            await #expect(throws: KubeClientError.self) { _ = try await client.get(Pod.self, name: "p4") }
            // unscheduled pods go at once; finalizers hold objects until removed.
            var cm = ConfigMap(metadata: ObjectMeta(name: "held", namespace: "default"), data: ["k": "v"])
            cm.metadata.finalizers = ["example.com/hold"]
            _ = try await client.create(cm)
            let held = try await client.delete(ConfigMap.self, name: "held")
            #expect(held?.metadata.deletionTimestamp != nil)
            _ = try await client.patch(ConfigMap.self, name: "held", type: .merge, ["metadata": ["finalizers": .null]])
            await #expect(throws: KubeClientError.self) { _ = try await client.get(ConfigMap.self, name: "held") }
            // unknown fields survive a typed read-modify-write.
            _ = try await client.request(.PATCH, client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "p5"),
                                         body: Array(#"{"metadata":{"annotations":{"a":"b"}}}"#.utf8),
                                         contentType: PatchType.merge.rawValue)
            let raw = try await client.request(.GET, client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "p5"))
            var withExtra = try JSONParser.parse(raw)
            withExtra.set(path: ["spec", "futureField"], to: "kept")
            var typed = try KubeCodec.decodeObject(Pod.self, from: withExtra)
            #expect(typed.metadata.preservedUnknownFields != nil)
            typed.metadata.labels = ["typed": "yes"]
            let encoded = KubeCodec.encodeObject(typed)
            #expect(encoded[path: ["spec", "futureField"]] == "kept")
            // Scale subresource, eviction.
            var d = Deployment(metadata: ObjectMeta(name: "d", namespace: "default"))
            var ds = DeploymentSpec()
            ds.selector = LabelSelector(matchLabels: ["app": "d"])
            ds.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "d"]), spec: PodSpec(containers: [Container(name: "c", image: "x:1")]))
            d.spec = ds
            let created = try await client.create(d)
            #expect(created.spec?.replicas == 1)
            #expect(created.metadata.generation == 1)
            let scaled = try await client.patch(Deployment.self, name: "d", type: .merge, ["spec": ["replicas": 3]])
            #expect(scaled.metadata.generation == 2)
            try await client.evict(pod: "p6", namespace: "default")
            await #expect(throws: KubeClientError.self) { _ = try await client.get(Pod.self, name: "p6") }
        }
    }

    @Test(arguments: Backend.available)
    func watchDeliversTypedEventsAndGoneWhenCompacted(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            let start = try await client.list(Pod.self)
            let rv = start.metadata?.resourceVersion ?? "0"
            _ = try await client.create(Self.pod("w1", node: "n1"))
            _ = try await client.create(Self.pod("w2", node: "n2"))
            _ = try await client.patch(Pod.self, name: "w1", type: .merge, ["metadata": ["labels": ["x": "1"]]])
            try await client.delete(Pod.self, name: "w2", options: DeleteOptions(gracePeriodSeconds: 0))
            var seen: [String] = []
            for try await e in client.watch(Pod.self, options: ListOptions(fieldSelector: "spec.nodeName=n1", resourceVersion: rv)) {
                switch e {
                case .added(let p): seen.append("ADDED \(p.name)")
                case .modified(let p): seen.append("MODIFIED \(p.name)")
                case .deleted(let p): seen.append("DELETED \(p.name)")
                case .bookmark: break
                }
                if seen.count == 2 { break }
            }
            #expect(seen == ["ADDED w1", "MODIFIED w1"])
            var all: [String] = []
            for try await e in client.watchResuming(Pod.self, from: rv) {
                all.append("\(e)".prefix(3) + " " + (e.object?.name ?? ""))
                if all.count == 4 { break }
            }
            #expect(all == ["add w1", "add w2", "mod w1", "del w2"])
            // "Too old": a resourceVersion below the compaction point.
            if backend == .sqlite {
                let store = try MiniControlPlaneTestAccess.openSQLite(c)
                try await store.compact(revision: try await store.currentRevision())
                await store.close()
                var failed: KubeClientError?
                do {
                    for try await _ in client.watch(Pod.self, options: ListOptions(resourceVersion: rv)) {}
                } catch let e as KubeClientError {
                    failed = e
                }
                #expect(failed?.isGone == true, "\(String(describing: failed))")
            }
        }
    }

    /// Many open watches must not starve other requests (each etcd watch holds a connection).
    @Test(arguments: Backend.available)
    func manyConcurrentWatches(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            let rv = try await client.list(ConfigMap.self).metadata?.resourceVersion ?? "0"
            let count = 40
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        // By name: the root-CA publisher writes kube-root-ca.crt into the
                        // namespaces too, and a watcher must not take that for the test's own.
                        let options = ListOptions(fieldSelector: "metadata.name=hello", resourceVersion: rv)
                        for try await e in client.watch(ConfigMap.self, namespace: "default", options: options) {
                            if case .added(let cm) = e { return cm.name }
                        }
                        return ""
                    }
                }
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "hello", namespace: "default"), data: ["a": "b"]))
                var names: [String] = []
                for try await n in group { names.append(n) }
                #expect(names == Array(repeating: "hello", count: count))
            }
            #expect(try await client.get(ConfigMap.self, name: "hello").data == ["a": "b"])
        }
    }

    @Test func bookmarksMetricsAndCleanShutdown() async throws {
        try await withCluster(.sqlite) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            let rv = try await client.list(Lease.self, namespace: "kube-node-lease").metadata?.resourceVersion ?? "0"
            var o = ListOptions(resourceVersion: rv)
            o.allowWatchBookmarks = true
            var bookmark: String?
            for try await e in client.watch(Lease.self, namespace: "kube-node-lease", options: o) {
                if case .bookmark(let r) = e {
                    bookmark = r
                    break
                }
            }
            #expect(bookmark.flatMap { Int64($0) } ?? 0 >= Int64(rv) ?? 1)
            let metrics = String(decoding: try await client.request(.GET, c.kubeconfigServer + "/metrics"), as: UTF8.self)
            #expect(metrics.contains("apiserver_request_total{verb=\"LIST\",resource=\"leases\",code=\"200\"}"))
            #expect(metrics.contains("apiserver_request_duration_seconds_bucket"))
            // SIGTERM ends the process even with a watch open.
            let watching = Task {
                for try await _ in client.watch(Pod.self, options: ListOptions(resourceVersion: rv)) {}
            }
            let opened = await Harness.waitUntil {
                let m = (try? await client.request(.GET, c.kubeconfigServer + "/metrics")).map { String(decoding: $0, as: UTF8.self) } ?? ""
                return m.contains("apiserver_longrunning_requests{verb=\"WATCH\"} 1")
            }
            #expect(opened)
            #expect(await c.terminate(), "controlplane did not exit after SIGTERM")
            watching.cancel()
        }
    }

    @Test(arguments: Backend.available)
    func generateNameDryRunCollectionsAndNamespaces(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            // Public endpoints.
            let version = try JSONParser.parse(try await client.request(.GET, c.kubeconfigServer + "/version"))
            #expect(version["gitVersion"]?.stringValue?.hasPrefix("v1.32.0") == true && version["minor"] == "32")
            #expect(String(decoding: try await client.request(.GET, c.kubeconfigServer + "/healthz"), as: UTF8.self) == "ok")
            #expect(String(decoding: try await client.request(.GET, c.kubeconfigServer + "/readyz"), as: UTF8.self) == "ok")
            // YAML bodies.
            _ = try await client.request(.POST, client.url(apiVersion: "v1", resource: "configmaps", namespace: "default"),
                                         body: Array("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n".utf8),
                                         contentType: "application/yaml")
            #expect(try await client.get(ConfigMap.self, name: "from-yaml").data == ["k": "v"])
            try await client.delete(ConfigMap.self, name: "from-yaml")
            // generateName.
            var p = Self.pod("")
            p.metadata.name = nil
            p.metadata.generateName = "gen-"
            let made = try await client.create(p)
            #expect(made.name.hasPrefix("gen-") && made.name.count == 9)
            // dryRun=All creates nothing.
            let url = client.url(apiVersion: "v1", resource: "configmaps", namespace: "default", query: [("dryRun", "All")])
            let dry = try JSONParser.parse(try await client.request(.POST, url, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}"#.utf8)))
            #expect(dry.value(at: "metadata.uid") != nil)
            await #expect(throws: KubeClientError.self) { _ = try await client.get(ConfigMap.self, name: "dry") }
            // deletecollection with a label selector.
            for i in 0..<4 { _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "c\(i)", namespace: "default", labels: ["even": "\(i % 2 == 0)"]))) }
            _ = try await client.request(.DELETE, client.url(apiVersion: "v1", resource: "configmaps", namespace: "default", query: [("labelSelector", "even=true")]))
            #expect(try await client.list(ConfigMap.self).items.map(\.name).filter { $0 != "kube-root-ca.crt" }.sorted() == ["c1", "c3"])
            // Foreground deletion leaves the object for the garbage collector with its finalizer.
            let fg = try await client.delete(ConfigMap.self, name: "c1", options: DeleteOptions(propagationPolicy: "Foreground"))
            #expect(fg?.metadata.finalizers == ["foregroundDeletion"] && fg?.metadata.deletionTimestamp != nil)
            // Deleting a namespace deletes what is in it; default cannot be deleted.
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: "tmp")))
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "inside", namespace: "tmp")))
            try await client.delete(Namespace.self, name: "tmp")
            // The namespace controller empties it (Terminating meanwhile), then it goes.
            var gone = false
            for _ in 0..<300 where !gone {
                gone = (try? await client.get(Namespace.self, name: "tmp")) == nil
                if !gone { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(gone)
            #expect(try await client.list(ConfigMap.self, namespace: "tmp").items.isEmpty)
            await #expect(throws: KubeClientError.self) { try await client.delete(Namespace.self, name: "default") }
        }
    }

    @Test(arguments: Backend.available)
    func informerFollowsTheCluster(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            _ = try await client.create(Self.pod("before", schedulerName: "none"))
            let informer = Informer(Pod.self, client: client, options: ListOptions(labelSelector: "!skip"))
            let events = informer.events()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await informer.run() }
                var seen: [String] = []
                for await e in events {
                    switch e {
                    case .added(let p): seen.append("added \(p.name)")
                    case .updated(_, let p): seen.append("updated \(p.name)")
                    case .deleted(let p): seen.append("deleted \(p.name)")
                    case .synced:
                        seen.append("synced")
                        _ = try await client.create(Self.pod("after", schedulerName: "none"))
                        _ = try await client.create(Self.pod("skipped", labels: ["skip": "yes"], schedulerName: "none"))
                        _ = try await client.patch(Pod.self, name: "before", type: .merge, ["metadata": ["labels": ["x": "1"]]])
                        try await client.delete(Pod.self, name: "after")
                    }
                    if seen.count == 5 { break }
                }
                group.cancelAll()
                #expect(seen == ["added before", "synced", "added after", "updated before", "deleted after"])
            }
            #expect(informer.list().map(\.name) == ["before"])
        }
    }

    /// kill -9 while writes are in flight: every write the server acknowledged survives.
    @Test(arguments: Backend.available)
    func acknowledgedWritesSurviveKillNine(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            let client = try c.client()
            let acked = Locked<[String]>([])
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for w in 0..<8 {
                        group.addTask {
                            for i in 0..<10_000 {
                                if Task.isCancelled { return }
                                let name = "w\(w)-\(i)"
                                do {
                                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: "default"), data: ["i": "\(i)"]))
                                    acked.withLock { $0.append(name) }
                                } catch {
                                    return
                                }
                            }
                        }
                    }
                }
            }
            _ = await Harness.waitUntil(attempts: 600) { acked.withLock { $0.count } >= 300 }
            c.process?.stop(signal: SIGKILL)
            await writers.value
            await client.shutdown()
            let survivors = acked.withLock { $0 }
            #expect(survivors.count >= 300)
            try await c.start()
            let after = try c.client()
            defer { Task { await after.shutdown() } }
            let names = Set(try await after.listAll(ConfigMap.self).items.map(\.name))
            let lost = survivors.filter { !names.contains($0) }
            #expect(lost.isEmpty, "lost acknowledged writes: \(lost.prefix(10))")
        }
    }

    @Test func secondProcessOnOneSQLiteDirectoryIsRefused() async throws {
        try await withCluster(.sqlite) { c in
            guard let bin = ClusterFixture.binary else { return }
            let second = try ChildProcess(bin, ["--data-dir", c.dataDir.path, "--secure-port", String(Harness.freePort())],
                                          log: c.dir.appendingPathComponent("second.log"))
            let exited = await Harness.waitUntil { !second.isRunning }
            second.stop()
            #expect(exited)
            #expect(second.log.contains("another controlplane is using"), "\(second.log)")
        }
    }

    @Test(.requires(.etcd))
    func waitsForEtcdToComeUp() async throws {
        guard let bin = ClusterFixture.binary else { return }
        let dir = try Harness.tempDir("late-etcd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let clientPort = Harness.freePort()
        let port = Harness.freePort()
        let cp = try ChildProcess(bin, ["--data-dir", dir.appendingPathComponent("data").path, "--secure-port", String(port),
                                        "--datastore", "etcd://127.0.0.1:\(clientPort)"], log: dir.appendingPathComponent("cp.log"))
        defer { cp.stop() }
        // Nothing listens until etcd starts.
        _ = await Harness.waitUntil(attempts: 10) { cp.log.contains("waiting for storage") }
        #expect(cp.isRunning)
        guard let etcdPath = Harness.etcdPath else { return }
        let peer = Harness.freePort()
        let etcd = try ChildProcess(etcdPath, [
            "--name", "late", "--data-dir", dir.appendingPathComponent("etcd").path,
            "--listen-client-urls", "http://127.0.0.1:\(clientPort)", "--advertise-client-urls", "http://127.0.0.1:\(clientPort)",
            "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
            "--initial-cluster", "late=http://127.0.0.1:\(peer)", "--log-level", "error",
        ], log: dir.appendingPathComponent("etcd.log"))
        defer { etcd.stop() }
        let ready = await Harness.waitUntil(attempts: 600) {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("data/admin.kubeconfig").path) && Harness.canConnect(port: port)
        }
        #expect(ready, "\(cp.log)")
        let client = try KubeClient(config: KubeConfig.load(path: dir.appendingPathComponent("data/admin.kubeconfig").path))
        defer { Task { await client.shutdown() } }
        #expect(try await client.get(Namespace.self, name: "kube-system").name == "kube-system")
    }

    @Test func nodeIdentityIsLimited() async throws {
        try await withCluster(.sqlite) { c in
            let admin = try c.client()
            defer { Task { await admin.shutdown() } }
            // n2 exists, or the pod garbage collector would delete the pod bound to it.
            _ = try await admin.create(Node(metadata: ObjectMeta(name: "n2")))
            _ = try await admin.create(Self.pod("mine", node: "n1"))
            _ = try await admin.create(Self.pod("theirs", node: "n2"))
            _ = try await admin.create(Secret(metadata: ObjectMeta(name: "s", namespace: "default"), data: ["k": "dg=="]))
            let node = try c.client(node: "n1")
            defer { Task { await node.shutdown() } }
            _ = try await node.create(Node(metadata: ObjectMeta(name: "n1")))
            await #expect(throws: KubeClientError.self) { _ = try await node.create(Node(metadata: ObjectMeta(name: "n9"))) }
            _ = try await node.patch(Pod.self, name: "mine", type: .merge, ["status": ["phase": "Running"]], subresource: "status")
            do {
                _ = try await node.patch(Pod.self, name: "theirs", type: .merge, ["status": ["phase": "Running"]], subresource: "status")
                Issue.record("node wrote another node's pod status")
            } catch let e as KubeClientError {
                #expect(e.code == 403)
                #expect(e.description.contains("User \"system:node:n1\" cannot patch resource \"pods/status\""))
            }
            await #expect(throws: KubeClientError.self) { _ = try await node.get(Secret.self, name: "s") }
            _ = try await node.list(Pod.self, options: ListOptions(fieldSelector: "spec.nodeName=n1"))
            _ = try await node.create(Lease(metadata: ObjectMeta(name: "n1", namespace: "kube-node-lease"), spec: LeaseSpec(holderIdentity: "n1")))
            await #expect(throws: KubeClientError.self) {
                _ = try await node.create(Lease(metadata: ObjectMeta(name: "n2", namespace: "kube-node-lease")))
            }
            // A node may not impersonate anyone else; no token means 401.
            let sneaky = try c.client(node: "n1", impersonate: "admin")
            defer { Task { await sneaky.shutdown() } }
            await #expect(throws: KubeClientError.self) { _ = try await sneaky.list(Pod.self) }
            let anonymous = try c.client(token: "wrong")
            defer { Task { await anonymous.shutdown() } }
            do {
                _ = try await anonymous.list(Pod.self)
                Issue.record("anonymous request accepted")
            } catch let e as KubeClientError {
                #expect(e.code == 401)
            }
        }
    }

    @Test func malformedRequestsAreStatusErrors() async throws {
        try await withCluster(.sqlite) { c in
            let client = try c.client()
            defer { Task { await client.shutdown() } }
            let pods = client.url(apiVersion: "v1", resource: "pods", namespace: "default")
            let cases: [(HTTPMethod, String, String, String, Int)] = [
                (.POST, pods, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{", "application/json", 400),
                (.POST, pods, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Pod\"}", "application/json", 400),
                (.POST, pods, "{\"apiVersion\":\"v1\",\"kind\":\"Service\"}", "application/json", 400),
                (.POST, pods, "[1,2]", "application/json", 400),
                (.POST, pods, "kind: [", "application/yaml", 400),
                (.POST, pods, "{}", "text/plain", 415),
                (.POST, pods, "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":\"no\"}}", "application/json", 400),
                (.POST, client.url(apiVersion: "v1", resource: "widgets", namespace: "default"), "{}", "application/json", 404),
                (.PATCH, client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "none"), "{}", PatchType.merge.rawValue, 404),
                (.GET, client.url(apiVersion: "v1", resource: "pods", namespace: "default", query: [("labelSelector", "a in (")]), "", "", 400),
                (.GET, client.url(apiVersion: "v1", resource: "pods", namespace: "default", query: [("continue", "garbage")]), "", "", 400),
            ]
            for (method, url, body, type, code) in cases {
                do {
                    _ = try await client.request(method, url, body: body.isEmpty ? nil : Array(body.utf8), contentType: type)
                    Issue.record("\(method) \(url) \(body) succeeded")
                } catch let e as KubeClientError {
                    #expect(e.code == code, "\(method) \(body): \(e)")
                }
            }
            _ = try await client.create(Self.pod("target"))
            let target = client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "target")
            for (body, type) in [("[{\"op\":\"nope\"}]", PatchType.json.rawValue), ("not json", PatchType.merge.rawValue),
                                 ("{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", PatchType.strategic.rawValue),
                                 ("[{\"op\":\"remove\",\"path\":\"/spec/missing\"}]", PatchType.json.rawValue),
                                 ("{\"spec\":{\"containers\":null}}", PatchType.merge.rawValue)] {
                do {
                    _ = try await client.request(.PATCH, target, body: Array(body.utf8), contentType: type)
                    Issue.record("patch \(body) succeeded")
                } catch let e as KubeClientError {
                    #expect([400, 422].contains(e.code ?? 0), "\(body): \(e)")
                }
            }
            // The object is untouched by the failed writes.
            let after = try await client.get(Pod.self, name: "target")
            #expect(after.spec?.containers.map(\.image) == ["busybox:1.36"])
            // Oversized bodies are refused before they are read.
            let big = Array(("{\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"" + String(repeating: "x", count: 3 * 1024 * 1024 + 10) + "\"}}").utf8)
            do {
                _ = try await client.request(.POST, client.url(apiVersion: "v1", resource: "configmaps", namespace: "default"), body: big)
                Issue.record("oversized body accepted")
            } catch let e as KubeClientError {
                if let code = e.code { #expect(code == 413) }
            }
            // Garbage on the TLS port (plain bytes, half handshakes) is dropped per connection.
            for n in [0, 5, 200, 5000] {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = UInt16(c.port).bigEndian
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &addr) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
                }
                if connected {
                    var junk = n == 5 ? [0x16, 0x03, 0x01, 0x02, 0x00] : (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                    _ = write(fd, &junk, junk.count)
                }
                close(fd)
            }
            // Random bodies never crash the server.
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<50 {
                let junk = (0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                _ = try? await client.request(.POST, pods, body: junk)
            }
            #expect(try await client.get(Pod.self, name: "target").name == "target")
        }
    }
}

import MiniControlPlane

enum MiniControlPlaneTestAccess {
    /// Opens the SQLite database of a running cluster (WAL allows a second connection).
    static func openSQLite(_ c: ClusterFixture) throws -> SQLiteStore {
        try SQLiteStore(path: c.dataDir.appendingPathComponent("state.db").path)
    }
}

/// A value behind a lock, shareable between tasks.
final class Locked<T: Sendable>: Sendable {
    private let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    func withLock<R: Sendable>(_ body: (inout T) -> R) -> R { m.withLock { body(&$0) } }
}
