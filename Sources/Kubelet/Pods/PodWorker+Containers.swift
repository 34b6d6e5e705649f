import Foundation
import KubeAPI
import Runtime
import Images
import LinuxSystem

extension PodWorker {
    /// Creates and starts one attempt of a container, recording why it cannot.
    func startContainer(_ start: ContainerStart) async {
        let c = start.container, attempt = start.attempt
        let name = c.name ?? ""
        guard let sandbox else { return }
        guard await ensureImage(c, attempt: attempt) else { return }
        let environment: [String]
        do {
            environment = try await resolveEnvironment(c, sandbox: sandbox)
        } catch {
            setWaiting(name, "CreateContainerConfigError", "\(error)", event: "Failed", message: "Error: \(error)")
            return
        }
        let mounts: [ResolvedMount]
        do {
            mounts = try resolveMounts(c)
        } catch {
            setWaiting(name, "CreateContainerConfigError", "\(error)", event: "Failed", message: "Error: \(error)")
            return
        }
        var request = ContainerManager.Request(pod: pod, container: c, attempt: attempt, isInit: start.isInit, sandbox: sandbox,
                                               environment: environment, mounts: mounts, sharedPIDNamespace: start.sharedPIDNamespace,
                                               memoryCapacity: context.memoryCapacity, pidsLimit: context.pidsLimit)
        do {
            request.devices = try resolveDevices(c)
        } catch {
            setWaiting(name, "CreateContainerConfigError", "\(error)", event: "Failed", message: "Error: \(error)")
            return
        }
        let id: String
        do {
            id = try await StartupQueue.shared.run(order: startOrder) { [runtime, request] in try runtime.createContainer(request) }
        } catch let error as ContainerSpecBuilder.ConfigError {
            setWaiting(name, "CreateContainerConfigError", error.description, event: "Failed", message: "Error: \(error.description)")
            return
        } catch {
            setWaiting(name, "CreateContainerError", "\(error)", event: "Failed", message: "Error: \(error)")
            return
        }
        context.events.record(pod, container: name, reason: "Created", "Created container \(name)")
        do {
            try await StartupQueue.shared.run(order: startOrder) { [runtime] in try runtime.startContainer(id) }
        } catch {
            setWaiting(name, "RunContainerError", "\(error)", event: "Failed", message: "Error: \(error)")
            try? await Blocking.run { [runtime] in try runtime.removeContainer(id) }
            return
        }
        context.events.record(pod, container: name, reason: "Started", "Started container \(name)")
        planner.containerStarted(c, at: Self.now())
        if let hook = c.lifecycle?.postStart {
            let result = await runHandler(hook, container: c, containerID: id)
            if case .failure(let message) = result {
                context.events.record(pod, container: name, type: "Warning", reason: "FailedPostStartHook", "PostStartHook failed: \(message)")
                await runtime.stopContainer(id, grace: Double(PodPlanner.terminationGrace(of: pod)))
            }
        }
    }

    /// Makes the container's image present as its pull policy says: pulls
    /// (with the pod's imagePullSecrets) when needed, ErrImagePull then
    /// ImagePullBackOff with back-off when that fails. True when it is there.
    func ensureImage(_ c: Container, attempt: Int) async -> Bool {
        let name = c.name ?? "", image = c.image ?? ""
        let present = (try? context.images.resolve(image)) != nil
        let policy = ImagePullPolicy.effective(c.imagePullPolicy, image: image)
        switch policy.action(present: present) {
        case .refuse:
            setWaiting(name, "ErrImageNeverPull", "Container image \"\(image)\" is not present with pull policy of Never", event: "ErrImageNeverPull")
            return false
        case .use:
            if attempt == 0 || planner.waiting[name]?.reason == "ErrImagePull" || planner.waiting[name]?.reason == "ImagePullBackOff" {
                context.events.record(pod, container: name, reason: "Pulled", "Container image \"\(image)\" already present on machine")
            }
            return true
        case .pull:
            break
        }
        guard let puller = context.puller else {
            if present { return true }
            setWaiting(name, "ErrImagePull", "image \"\(image)\" is not in this node's image store and registry pulls are not configured; import it with `nodectl import`", event: "Failed")
            return false
        }
        let now = Self.now()
        if imagePullBackOff.isBackingOff(image, at: now) {
            setWaiting(name, "ImagePullBackOff", "Back-off pulling image \"\(image)\": \(lastPullError[image] ?? "")", event: "BackOff",
                       message: "Back-off pulling image \"\(image)\"")
            return false
        }
        context.events.record(pod, container: name, reason: "Pulling", "Pulling image \"\(image)\"")
        let namespace = pod.metadata.namespace ?? "default"
        let credentials = await ImagePuller.credentials(for: pod, fetch: { [context] secret in
            try await APIVolumeSources(client: context.client).secret(namespace: namespace, name: secret)
        }, logger: logger)
        do {
            let pulled = try await puller.pull(image, credentials: credentials)
            imagePullBackOff.forget(image)
            lastPullError[image] = nil
            context.events.record(pod, container: name, reason: "Pulled",
                                  "Successfully pulled image \"\(image)\" in \(String(format: "%.3f", pulled.seconds))s. Image size: \(pulled.image.size) bytes.")
            return true
        } catch {
            _ = imagePullBackOff.failed(image, at: Self.now())
            lastPullError[image] = "\(error)"
            setWaiting(name, "ErrImagePull", "\(error)", event: "Failed", message: "Failed to pull image \"\(image)\": \(error)")
            return false
        }
    }

    /// Container `name` waits for `reason`; the event goes out when that is news.
    func setWaiting(_ name: String, _ reason: String, _ detail: String, event: String, message: String? = nil) {
        if planner.setWaiting(name, .init(reason, detail)) {
            context.events.record(pod, container: name, type: "Warning", reason: event, message ?? detail)
        }
    }

    /// Environment with configMaps, secrets and service variables fetched from the API.
    func resolveEnvironment(_ c: Container, sandbox: Sandbox) async throws -> [String] {
        let ns = pod.metadata.namespace ?? "default"
        var configMapNames: Set<String> = []
        var secretNames: Set<String> = []
        for e in c.env ?? [] {
            if let n = e.valueFrom?.configMapKeyRef?.name { configMapNames.insert(n) }
            if let n = e.valueFrom?.secretKeyRef?.name { secretNames.insert(n) }
        }
        for e in c.envFrom ?? [] {
            if let n = e.configMapRef?.name { configMapNames.insert(n) }
            if let n = e.secretRef?.name { secretNames.insert(n) }
        }
        let sources = context.volumes.sources
        var configMaps: [String: ConfigMap] = [:]
        var secrets: [String: Secret] = [:]
        for n in configMapNames { configMaps[n] = try await sources.configMap(namespace: ns, name: n) }
        for n in secretNames { secrets[n] = try await sources.secret(namespace: ns, name: n) }
        let services = await context.services.services(for: ns)
        let fields = PodFields(pod: pod, podIP: sandbox.ip, hostIP: context.nodeIP, nodeName: context.nodeName)
        return try EnvResolver(fields: fields, configMaps: configMaps, secrets: secrets,
                               serviceVariables: EnvResolver.serviceVariables(services)).environment(for: c)
    }

    /// volumeMounts → host paths (subPath included).
    func resolveMounts(_ c: Container) throws -> [ResolvedMount] {
        try (c.volumeMounts ?? []).map { m in
            guard let volume = m.name, let base = podVolumes?.paths[volume] else {
                throw EnvError("unable to find volume \"\(m.name ?? "")\" for volumeMount \(m.mountPath ?? "")")
            }
            if podVolumes?.devices.contains(volume) == true {
                throw EnvError("volume \"\(volume)\" is a block volume (volumeMode Block): use it in volumeDevices, not volumeMounts")
            }
            var host = base
            if let sub = m.subPath, !sub.isEmpty {
                guard !sub.hasPrefix("/"), !sub.split(separator: "/").contains("..") else {
                    throw EnvError("subPath \"\(sub)\" must be a relative path without '..'")
                }
                host = base + "/" + sub
                if !FileIO.exists(host) { try FileIO.makeDirectories(host, mode: 0o755) }
            }
            // A read-only claim or volume is read-only in every container.
            let readOnly = m.readOnly == true || podVolumes?.readOnly.contains(volume) == true
            return ResolvedMount(hostPath: host, containerPath: m.mountPath ?? "/", readOnly: readOnly, propagation: m.mountPropagation)
        }
    }

    /// volumeDevices → device nodes: each names a block volume of the pod,
    /// at a path under /dev (where the runtime makes device nodes).
    func resolveDevices(_ c: Container) throws -> [ResolvedDevice] {
        try (c.volumeDevices ?? []).map { d in
            let volume = d.name ?? "", path = d.devicePath ?? ""
            guard let host = podVolumes?.paths[volume] else {
                throw EnvError("unable to find volume \"\(volume)\" for volumeDevice \(path)")
            }
            guard podVolumes?.devices.contains(volume) == true else {
                throw EnvError("volume \"\(volume)\" is not a block volume: use it in volumeMounts, not volumeDevices")
            }
            guard path.hasPrefix("/dev/"), !path.split(separator: "/").contains("..") else {
                throw EnvError("volumeDevice \(path): this kubelet makes device nodes under /dev only")
            }
            var st = stat()
            guard stat(host, &st) == 0, st.st_mode & S_IFMT == S_IFBLK else {
                throw EnvError("volume \"\(volume)\": \(host) is no longer a block device")
            }
            return ResolvedDevice(containerPath: path, rdev: UInt64(st.st_rdev))
        }
    }

    /// Runs a lifecycle handler (postStart/preStop).
    func runHandler(_ handler: LifecycleHandler, container c: Container, containerID: String) async -> ProbeState.Result {
        if let sleep = handler.sleep {
            try? await Task.sleep(for: .seconds(sleep.seconds))
            return .success
        }
        var probe = Probe()
        probe.exec = handler.exec
        probe.httpGet = handler.httpGet
        probe.tcpSocket = handler.tcpSocket
        probe.timeoutSeconds = Int(PodPlanner.terminationGrace(of: pod))
        return await context.prober.run(probe, container: c, containerID: containerID, podIP: sandbox?.ip)
    }
}
