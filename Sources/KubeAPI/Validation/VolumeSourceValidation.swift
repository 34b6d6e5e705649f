/// Upstream's checks of the volume sources the model stores but this node
/// stack does not mount (`ValidateVolumes` in kubernetes/pkg/apis/core/validation):
/// the fields each source requires, and the few value rules that are cheap.
enum VolumeSourceValidation {
    /// The errors of the source fields of `v` at `path` (`spec.volumes[0]`).
    static func validate(_ v: Volume, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        func need(_ value: String?, _ field: String) {
            if (value ?? "").isEmpty { errs.append(.required("\(p).\(field)")) }
        }
        func needList(_ value: [String]?, _ field: String) {
            if (value ?? []).isEmpty { errs.append(.required("\(p).\(field)")) }
        }
        if let s = v.nfs {
            need(s.server, "nfs.server")
            need(s.path, "nfs.path")
            if let path = s.path, !path.isEmpty, !path.hasPrefix("/") {
                errs.append(.invalid("\(p).nfs.path", path, "must be an absolute path"))
            }
        }
        if let s = v.persistentVolumeClaim { need(s.claimName, "persistentVolumeClaim.claimName") }
        if let s = v.csi { need(s.driver, "csi.driver") }
        if let s = v.ephemeral, s.volumeClaimTemplate == nil { errs.append(.required("\(p).ephemeral.volumeClaimTemplate")) }
        if let s = v.image, (s.reference ?? "").isEmpty { errs.append(.required("\(p).image.reference")) }
        if let s = v.gcePersistentDisk { need(s.pdName, "gcePersistentDisk.pdName") }
        if let s = v.awsElasticBlockStore { need(s.volumeID, "awsElasticBlockStore.volumeID") }
        if let s = v.gitRepo {
            need(s.repository, "gitRepo.repository")
            if let d = s.directory, d.split(separator: "/").contains("..") {
                errs.append(.invalid("\(p).gitRepo.directory", d, "must not contain '..'"))
            }
        }
        if let s = v.iscsi {
            need(s.targetPortal, "iscsi.targetPortal")
            need(s.iqn, "iscsi.iqn")
            if let lun = s.lun, !(0...255).contains(lun) {
                errs.append(.invalid("\(p).iscsi.lun", int: Int64(lun), "must be between 0 and 255 inclusive"))
            }
        }
        if let s = v.glusterfs {
            need(s.endpoints, "glusterfs.endpoints")
            need(s.path, "glusterfs.path")
        }
        if let s = v.rbd {
            needList(s.monitors, "rbd.monitors")
            need(s.image, "rbd.image")
        }
        if let s = v.flexVolume { need(s.driver, "flexVolume.driver") }
        if let s = v.cinder { need(s.volumeID, "cinder.volumeID") }
        if let s = v.cephfs { needList(s.monitors, "cephfs.monitors") }
        if let s = v.flocker {
            let name = !(s.datasetName ?? "").isEmpty, uuid = !(s.datasetUUID ?? "").isEmpty
            if name == uuid {
                errs.append(.required("\(p).flocker", "one of datasetName and datasetUUID is required"))
            }
        }
        if let s = v.fc {
            let targets = !(s.targetWWNs ?? []).isEmpty, wwids = !(s.wwids ?? []).isEmpty
            if !targets, !wwids {
                errs.append(.required("\(p).fc.targetWWNs", "must specify either targetWWNs or wwids, but not both"))
            }
            if targets, s.lun == nil { errs.append(.required("\(p).fc.lun", "lun is required if targetWWNs is specified")) }
        }
        if let s = v.azureFile {
            need(s.secretName, "azureFile.secretName")
            need(s.shareName, "azureFile.shareName")
        }
        if let s = v.azureDisk {
            need(s.diskName, "azureDisk.diskName")
            need(s.diskURI, "azureDisk.diskURI")
        }
        if let s = v.vsphereVolume { need(s.volumePath, "vsphereVolume.volumePath") }
        if let s = v.quobyte {
            need(s.registry, "quobyte.registry")
            need(s.volume, "quobyte.volume")
        }
        if let s = v.photonPersistentDisk { need(s.pdID, "photonPersistentDisk.pdID") }
        if let s = v.portworxVolume { need(s.volumeID, "portworxVolume.volumeID") }
        if let s = v.scaleIO {
            need(s.gateway, "scaleIO.gateway")
            need(s.system, "scaleIO.system")
            need(s.volumeName, "scaleIO.volumeName")
            if s.secretRef == nil { errs.append(.required("\(p).scaleIO.secretRef")) }
        }
        if let s = v.storageos { need(s.volumeName, "storageos.volumeName") }
        return errs
    }
}
