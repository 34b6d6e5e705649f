#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

extension ImageStore {
    /// Mounts a container's root: an overlay of the image's layers with the
    /// container's own upper and work directories in `directory`, so the image
    /// is never modified. Returns the merged path (`directory/rootfs`).
    public func mountRootfs(for image: ImageRecord, in directory: String) throws -> String {
        let upper = directory + "/upper", work = directory + "/work", merged = directory + "/rootfs"
        for dir in [upper, work, merged] { try FileIO.makeDirectories(dir, mode: 0o755) }
        if MountPoint.isMountPoint(merged) { return merged }
        let lowers = image.diffIDs.reversed().map { layerPath($0) }
        for lower in lowers where !FileIO.isDirectory(lower) {
            throw ImageError.io("layer \(lower) of \(image.names.first ?? image.id.description) is missing from the store; import the image again")
        }
        let options = "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        guard options.utf8.count < 4000 else {
            throw ImageError.io("image \(image.names.first ?? image.id.description) has too many layers (\(lowers.count)) for one overlay mount")
        }
        try Mounts.mount(source: "overlay", target: merged, type: "overlay", flags: [], data: options)
        return merged
    }
}

/// Removal of container roots made by ``ImageStore/mountRootfs(for:in:)``.
public enum ContainerRootfs {
    /// Unmounts the overlay and removes the container's upper/work/rootfs
    /// directories. Safe to call twice.
    public static func remove(in directory: String) throws {
        let merged = directory + "/rootfs"
        if MountPoint.isMountPoint(merged) {
            try Mounts.unmount(merged, detach: true)
        }
        for name in ["rootfs", "upper", "work"] {
            try FileIO.removeTree(directory + "/" + name)
        }
    }
}
