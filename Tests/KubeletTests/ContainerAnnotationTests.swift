import Testing
@testable import Runtime
@testable import Kubelet

/// One parser for the kubelet's container annotations and exit records,
/// shared by the kubelet (``ContainerManager``) and nodectl (``NodeInventory``).
@Suite struct ContainerAnnotationTests {
    let annotations = [
        ContainerAnnotations.podName: "web", ContainerAnnotations.podNamespace: "default", ContainerAnnotations.podUID: "u",
        ContainerAnnotations.containerName: "app", ContainerAnnotations.attempt: "2", ContainerAnnotations.containerType: "regular",
        ContainerAnnotations.image: "busybox:1.35", ContainerAnnotations.imageID: "sha256:abc",
        ContainerAnnotations.logPath: "/var/log/pods/default_web_u/app/2.log",
    ]

    func state(_ status: OCIStatus, annotations: [String: String]?) -> OCIState {
        OCIState(id: "k8s-u-app-2", pid: 42, status: status, bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z",
                 annotations: annotations)
    }

    let files = ["/b/started": "2026-01-01T00:00:01Z", "/b/termination-log": "boom"]

    @Test func keysAreKubernetesOwn() {
        #expect(ContainerAnnotations.podUID == "io.kubernetes.pod.uid")
        #expect(ContainerAnnotations.containerName == "io.kubernetes.container.name")
        #expect(ContainerManager.logPathAnnotation == "io.kubernetes.container.logpath")
        #expect(ContainerAnnotations.imageID == ImagesInUse.imageIDAnnotation)
    }

    @Test func parsesRunningAndExited() {
        let running = ObservedContainer.parse(state(.running, annotations: annotations), exitStatus: { _ in nil }, readFile: { files[$0] })
        #expect(running == ObservedContainer(id: "k8s-u-app-2", podUID: "u", name: "app", attempt: 2, isInit: false, state: .running,
                                             createdAt: "2026-01-01T00:00:00Z", startedAt: "2026-01-01T00:00:01Z", imageID: "sha256:abc",
                                             image: "busybox:1.35", pid: 42, terminationMessage: nil, podName: "web", podNamespace: "default",
                                             logPath: "/var/log/pods/default_web_u/app/2.log"))
        let exit = ContainerExit(exitCode: 137, signal: 9, finishedAt: "2026-01-01T00:02:00Z", oomKilled: true)
        let exited = ObservedContainer.parse(state(.stopped, annotations: annotations), exitStatus: { _ in exit }, readFile: { files[$0] })
        #expect(exited?.state == .exited(code: 137, signal: 9, finishedAt: "2026-01-01T00:02:00Z", oomKilled: true))
        #expect(exited?.terminationMessage == "boom")
        let lost = ObservedContainer.parse(state(.stopped, annotations: annotations), exitStatus: { _ in nil }, readFile: { _ in nil })
        #expect(lost?.state == .unknown && lost?.startedAt == nil)
        var initAnnotations = annotations
        initAnnotations[ContainerAnnotations.containerType] = "init"
        #expect(ObservedContainer.parse(state(.created, annotations: initAnnotations), exitStatus: { _ in nil }, readFile: { _ in nil })?.isInit == true)
    }

    @Test func ignoresContainersNotMadeByTheKubelet() {
        #expect(ObservedContainer.parse(state(.running, annotations: nil), exitStatus: { _ in nil }, readFile: { _ in nil }) == nil)
        #expect(ObservedContainer.parse(state(.running, annotations: ["io.kubernetes.pod.uid": "u"]), exitStatus: { _ in nil },
                                        readFile: { _ in nil }) == nil)
    }
}
