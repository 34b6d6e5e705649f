import Testing
import Foundation
import KubeAPI
@testable import Runtime
@testable import Images
@testable import Kubelet
import LinuxSystem

func container(_ name: String, cpu: (String?, String?) = (nil, nil), memory: (String?, String?) = (nil, nil)) -> Container {
    var c = Container()
    c.name = name
    c.image = "busybox:1.35"
    var r = ResourceRequirements()
    var requests: ResourceList = [:], limits: ResourceList = [:]
    if let q = cpu.0 { requests["cpu"] = Quantity(q) }
    if let q = cpu.1 { limits["cpu"] = Quantity(q) }
    if let q = memory.0 { requests["memory"] = Quantity(q) }
    if let q = memory.1 { limits["memory"] = Quantity(q) }
    if !requests.isEmpty { r.requests = requests }
    if !limits.isEmpty { r.limits = limits }
    if !requests.isEmpty || !limits.isEmpty { c.resources = r }
    return c
}

func json<T: Decodable>(_ text: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(text.utf8))
}

func pod(_ containers: [Container], name: String = "web", namespace: String = "default") -> Pod {
    var p = Pod(metadata: ObjectMeta(name: name, namespace: namespace, labels: ["app": "web", "tier": "front"]), spec: PodSpec(containers: containers))
    p.metadata.uid = "11111111-2222-3333-4444-555555555555"
    p.spec?.nodeName = "node-1"
    return p
}

@Suite struct QoSTests {
    @Test func classes() {
        #expect(QoSClass(pod([container("a")]).spec!) == .bestEffort)
        #expect(QoSClass(pod([container("a", cpu: ("100m", "100m"), memory: ("64Mi", "64Mi"))]).spec!) == .guaranteed)
        #expect(QoSClass(pod([container("a", cpu: (nil, "200m"), memory: (nil, "64Mi"))]).spec!) == .guaranteed)
        #expect(QoSClass(pod([container("a", cpu: ("100m", nil))]).spec!) == .burstable)
        #expect(QoSClass(pod([container("a", cpu: ("100m", "100m"), memory: ("64Mi", "64Mi")), container("b")]).spec!) == .burstable)
    }

    @Test func cgroupValues() {
        #expect(PodCgroups.podPath(uid: "u1", qos: .burstable) == "/kubepods/burstable/podu1")
        #expect(PodCgroups.podPath(uid: "u1", qos: .guaranteed) == "/kubepods/podu1")
        #expect(PodCgroups.podPath(uid: "u1", qos: .bestEffort, root: "/lab/node-1") == "/lab/node-1/kubepods/besteffort/podu1")
        #expect(PodCgroups.podPath(uid: "u1", qos: .guaranteed, root: "/lab/") == "/lab/kubepods/podu1")
        let r = PodCgroups.containerResources(container("a", cpu: ("250m", "500m"), memory: ("64Mi", "128Mi")), pidsLimit: 1024)
        #expect(r.cpu?.shares == 256 && r.cpu?.quota == 50_000 && r.cpu?.period == 100_000)
        #expect(r.memory?.limit == 128 << 20 && r.pids?.limit == 1024)
        #expect(PodCgroups.containerResources(container("b"), pidsLimit: nil).cpu?.shares == 2)
        let podLevel = PodCgroups.podResources(pod([container("a", cpu: ("100m", "200m"), memory: (nil, "64Mi")),
                                                    container("b", cpu: ("300m", "400m"), memory: (nil, "32Mi"))]).spec!, qos: .burstable)
        #expect(podLevel.cpu?.shares == 409 && podLevel.cpu?.quota == 60_000 && podLevel.memory?.limit == 96 << 20)
    }
}

@Suite struct EnvResolverTests {
    @Test func resolvesEveryKindOfSource() throws {
        var c: Container = try json("""
            {"name": "app", "image": "busybox:1.35",
             "resources": {"requests": {"cpu": "250m"}, "limits": {"cpu": "1", "memory": "128Mi"}},
             "env": [
               {"name": "PLAIN", "value": "x"},
               {"name": "EXPANDED", "value": "$(PLAIN)-$(MISSING)-$$(PLAIN)"},
               {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
               {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
               {"name": "TIER", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['tier']"}}},
               {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}},
               {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
               {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
               {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}}],
             "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "cfg"}}]}
            """)
        c.image = "busybox:1.35"
        let cm = ConfigMap(metadata: ObjectMeta(name: "cfg", namespace: "default"), data: ["color": "blue", "size": "L"])
        let secret = Secret(metadata: ObjectMeta(name: "creds"), data: ["password": Data("s3cret".utf8).base64EncodedString()])
        let services: [Service] = [
            try json(#"{"metadata": {"name": "kubernetes"}, "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443}]}}"#),
            try json(#"{"metadata": {"name": "my-db"}, "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 5432}]}}"#),
        ]
        let resolver = EnvResolver(
            fields: PodFields(pod: pod([c]), podIP: "10.244.1.5", hostIP: "192.168.1.10", nodeName: "node-1"),
            configMaps: ["cfg": cm], secrets: ["creds": secret], serviceVariables: EnvResolver.serviceVariables(services))
        let env = try resolver.environment(for: c)
        for expected in ["PLAIN=x", "EXPANDED=x-$(MISSING)-$(PLAIN)", "POD=web", "IP=10.244.1.5", "TIER=front", "CPU=1000", "MEM=128",
                         "COLOR=blue", "PASSWORD=s3cret", "CFG_color=blue", "CFG_size=L", "KUBERNETES_SERVICE_HOST=10.96.0.1",
                         "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_SERVICE_PORT_HTTPS=443", "MY_DB_SERVICE_HOST=10.96.0.20",
                         "MY_DB_PORT_5432_TCP_ADDR=10.96.0.20"] {
            #expect(env.contains(expected), "missing \(expected) in \(env)")
        }
    }

    @Test func missingReferencesAreConfigErrors() throws {
        var c: Container = try json(#"{"name": "app", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]}"#)
        let r = EnvResolver(fields: PodFields(pod: pod([c]), podIP: nil, hostIP: nil, nodeName: "n"))
        #expect(throws: EnvError("configmap \"nope\" not found")) { try r.environment(for: c) }
        c = try json(#"{"name": "app", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k", "optional": true}}}]}"#)
        #expect(try r.environment(for: c) == [])
    }

}

@Suite struct ContainerSpecBuilderTests {
    /// Without CAP_SYS_RESOURCE a container cannot go below the kubelet's own score.
    @Test func oomScoreFloorFollowsCapSysResource() {
        let sysResource: UInt64 = 1 << 24
        #expect(ContainerSpecBuilder.lowestOOMScore(capabilities: 0x1ff_ffff_ffff, ownScore: 0) == -1000)
        #expect(ContainerSpecBuilder.lowestOOMScore(capabilities: 0x1ff_ffff_ffff & ~sysResource, ownScore: -500) == -500)
        #expect(ContainerSpecBuilder.lowestOOMScore(capabilities: 0, ownScore: nil) == 0)
        #expect(ContainerSpecBuilder.lowestOOMScore(capabilities: nil, ownScore: 200) == 200)
    }

    @Test func effectiveCapabilitiesAreReadFromProcStatus() {
        let status = "Name:\tkubelet\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n"
        #expect(ProcFS.effectiveCapabilities(status: status) == 0x1fffeffffff)
        #expect(ProcFS.effectiveCapabilities(status: "Name:\tx\n") == nil)
        #expect(ProcFS.effectiveCapabilities(status: "CapEff:\tzz\n") == nil)
    }

    func input(_ c: Container, pod p: Pod? = nil, user: String? = nil) -> ContainerSpecBuilder.Input {
        let digest = Digest("sha256:" + String(repeating: "a", count: 64))!
        var config = ImageConfigFile(rootfs: .init(type: "layers", diff_ids: []))
        config.config = .init(User: user, Env: ["PATH=/bin", "LANG=C"], Entrypoint: ["/entry"], Cmd: ["--default"], WorkingDir: "/srv")
        let image = ImageRecord(names: ["docker.io/library/busybox:1.35"], id: digest, manifestDigest: digest, layers: [], config: config, size: 0, stored: "")
        let sandbox = Sandbox(podUID: "uid1", name: "web", namespace: "default", directory: "/var/lib/kubelet/pods/uid1",
                              pinned: [.network: "/p/net", .ipc: "/p/ipc", .uts: "/p/uts"], hostNetwork: false, hostIPC: false, hostPID: false,
                              ip: "10.244.1.5", cgroupParent: "/kubepods/besteffort/poduid1", hostname: "web", created: "")
        return ContainerSpecBuilder.Input(pod: p ?? pod([c]), container: c, containerID: "cid1", attempt: 0, isInit: false, image: image,
                                          rootfs: "/r", environment: ["PATH=/usr/bin", "GREETING=hi"],
                                          mounts: [ResolvedMount(hostPath: "/v/data", containerPath: "/data", readOnly: true)],
                                          sandbox: sandbox, terminationLog: "/c/termination-log",
                                          passwd: "root:x:0:0::/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n", group: "www:x:33:\n")
    }

    @Test func commandEnvNamespacesAndMounts() throws {
        var c = container("app")
        c.args = ["--port", "$(GREETING)"]
        let spec = try ContainerSpecBuilder().build(input(c))
        #expect(spec.process?.args == ["/entry", "--port", "hi"])
        #expect(spec.process?.cwd == "/srv")
        #expect(spec.process?.env?.contains("PATH=/usr/bin") == true && spec.process?.env?.contains("LANG=C") == true)
        #expect(spec.process?.env?.contains("PATH=/bin") == false)
        #expect(spec.linux?.namespaces?.contains(Spec.Namespace(type: "network", path: "/p/net")) == true)
        #expect(spec.linux?.namespaces?.contains(Spec.Namespace(type: "pid")) == true)
        #expect(spec.linux?.cgroupsPath == "/kubepods/besteffort/poduid1/cid1")
        #expect(spec.mounts?.contains { $0.destination == "/data" && $0.options?.contains("ro") == true } == true)
        #expect(spec.mounts?.contains { $0.destination == "/etc/resolv.conf" && $0.source == "/var/lib/kubelet/pods/uid1/resolv.conf" } == true)
        #expect(spec.mounts?.contains { $0.destination == "/dev/termination-log" } == true)
        #expect(spec.process?.oomScoreAdj == 1000)
        // Guaranteed: -997, unless this host withholds CAP_SYS_RESOURCE (then the kubelet's own value).
        let guaranteed = container("app", cpu: ("100m", "100m"), memory: ("32Mi", "32Mi"))
        let floor = ContainerSpecBuilder.oomScoreFloor
        let privileged = CapabilitySets.names(ProcFS.effectiveCapabilities() ?? 0).contains("CAP_SYS_RESOURCE")
        #expect(floor == (privileged ? -1000 : ProcFS.oomScoreAdj() ?? 0))
        #expect(try ContainerSpecBuilder().build(input(guaranteed)).process?.oomScoreAdj == max(-997, floor))
        #expect(spec.linux?.seccomp == nil)
        #expect(spec.annotations?["io.kubernetes.container.name"] == "app")
        c.command = ["sh"]
        c.args = nil
        #expect(try ContainerSpecBuilder().build(input(c)).process?.args == ["sh"])
    }

    @Test func securityContext() throws {
        var c = container("app")
        var sc = SecurityContext()
        sc.capabilities = Capabilities(add: ["NET_ADMIN"], drop: ["MKNOD", "net_raw"])
        sc.readOnlyRootFilesystem = true
        sc.allowPrivilegeEscalation = false
        sc.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        c.securityContext = sc
        let spec = try ContainerSpecBuilder().build(input(c, user: "www"))
        #expect(spec.process?.user.uid == 33 && spec.process?.user.gid == 33)
        #expect(spec.process?.capabilities?.bounding?.contains("CAP_NET_ADMIN") == true)
        #expect(spec.process?.capabilities?.bounding?.contains("CAP_MKNOD") == false)
        #expect(spec.process?.capabilities?.bounding?.contains("CAP_NET_RAW") == false)
        #expect(spec.root?.readonly == true && spec.process?.noNewPrivileges == true)
        #expect(spec.linux?.seccomp?.defaultAction == "SCMP_ACT_ERRNO")
        _ = try SeccompCompiler.compile(spec.linux!.seccomp!)

        var nonRoot = SecurityContext()
        nonRoot.runAsNonRoot = true
        c.securityContext = nonRoot
        #expect(throws: ContainerSpecBuilder.ConfigError("container has runAsNonRoot and image will run as root")) {
            try ContainerSpecBuilder().build(self.input(c))
        }
        #expect(throws: ContainerSpecBuilder.ConfigError.self) { try ContainerSpecBuilder().build(self.input(c, user: "nobody-here")) }
        nonRoot.runAsUser = 1000
        c.securityContext = nonRoot
        #expect(try ContainerSpecBuilder().build(input(c)).process?.user.uid == 1000)

        var privileged = SecurityContext()
        privileged.privileged = true
        c.securityContext = privileged
        let p = try ContainerSpecBuilder().build(input(c))
        #expect(p.linux?.maskedPaths == [] && p.linux?.resources?.devices == [Spec.DeviceRule(allow: true, access: "rwm")])
        #expect(p.process?.capabilities?.bounding?.contains("CAP_SYS_ADMIN") == true)
    }
}
