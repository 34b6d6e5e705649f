import KubeAPI
import Kubelet
import Testing

/// A volume type this kubelet cannot mount is reported on the pod as upstream
/// reports a missing driver: a FailedMount warning naming the type, and the
/// containers wait in ContainerCreating.
@Suite struct VolumeSupportTests {
    func podWith(_ volume: Volume) -> Pod {
        var p = plannerPod([container("app")])
        p.spec?.volumes = [volume]
        return p
    }

    @Test func unsupportedTypesAreNamed() throws {
        var iscsi = Volume(name: "data")
        iscsi.iscsi = ISCSIVolumeSource()
        let error = try #require(VolumeManager.unsupported(iscsi))
        #expect(error.description.contains("volume type \"iscsi\""))
        var nfs = Volume(name: "share")
        nfs.nfs = NFSVolumeSource()
        #expect(VolumeManager.unsupported(nfs) == nil, "nfs is mounted by the kubelet")

        var csi = Volume(name: "secrets")
        var source = CSIVolumeSource()
        source.driver = "secrets-store.csi.k8s.io"
        csi.csi = source
        // Inline CSI volumes are the CSI plugin's: whether the driver is
        // registered is known only at set-up (CSIVolumeTests).
        #expect(VolumeManager.unsupported(csi) == nil)

        var empty = Volume(name: "scratch")
        empty.emptyDir = EmptyDirVolumeSource()
        #expect(VolumeManager.unsupported(empty) == nil)
    }

    @Test func podWithAnUnmountableVolumeStaysContainerCreating() async {
        var volume = Volume(name: "disk")
        volume.awsElasticBlockStore = AWSElasticBlockStoreVolumeSource()
        var h = PlannerHarness(pod: podWith(volume))
        let actions = await h.sync()
        #expect(!actions.contains { if case .startContainer = $0 { return true } else { return false } })
        let mount = h.events.filter { $0.reason == "FailedMount" }
        #expect(mount.count == 1)
        #expect(mount.first?.type == "Warning")
        #expect(mount.first?.message.contains("volume type \"awsElasticBlockStore\"") == true)
        #expect(h.planner.waiting["app"]?.reason == "ContainerCreating")
        // Tried again later, still not started.
        h.now += 10
        let again = await h.sync()
        #expect(!again.contains { if case .startContainer = $0 { return true } else { return false } })
    }
}
