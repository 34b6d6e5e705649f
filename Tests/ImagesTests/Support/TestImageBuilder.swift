import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
@testable import Images
import LinuxSystem

/// Builds tar layers and OCI image layouts for tests, including ones no sane
/// tool would write (path escapes, bad digests).
enum TarBuilder {
    enum Entry {
        case file(String, String, mode: UInt32 = 0o644, uid: UInt32 = 0)
        case directory(String, mode: UInt32 = 0o755)
        case symlink(String, target: String)
        case hardLink(String, target: String)
    }

    static func tar(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            switch entry {
            case .file(let path, let content, let mode, let uid):
                let data = Array(content.utf8)
                out += header(path, type: "0", size: data.count, mode: mode, uid: uid)
                out += data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
            case .directory(let path, let mode):
                out += header(path, type: "5", size: 0, mode: mode)
            case .symlink(let path, let target):
                out += header(path, type: "2", size: 0, mode: 0o777, link: target)
            case .hardLink(let path, let target):
                out += header(path, type: "1", size: 0, mode: 0o644, link: target)
            }
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func header(_ path: String, type: Character, size: Int, mode: UInt32, uid: UInt32 = 0, link: String = "") -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ offset: Int, _ length: Int) {
            for (i, b) in Array(s.utf8).prefix(length).enumerated() { h[offset + i] = b }
        }
        func octal(_ v: Int, _ offset: Int, _ length: Int) {
            let s = String(v, radix: 8)
            put(String(repeating: "0", count: length - 1 - s.count) + s, offset, length - 1)
        }
        put(path, 0, 100)
        octal(Int(mode), 100, 8)
        octal(Int(uid), 108, 8)
        octal(0, 116, 8)
        octal(size, 124, 12)
        octal(1_700_000_000, 136, 12)
        h[156] = UInt8(ascii: type.unicodeScalars.first!)
        put(link, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        for i in 148..<156 { h[i] = 32 }
        octal(h.reduce(0) { $0 + Int($1) }, 148, 7)
        return h
    }
}

/// Writes an OCI image layout whose layers are the given uncompressed tars.
struct TestLayout {
    let path: String

    init(at path: String, layers: [[UInt8]], tag: String = "1.0", corruptLayer: Bool = false) throws {
        self.path = path
        try FileIO.makeDirectories(path + "/blobs/sha256")
        func put(_ bytes: [UInt8]) throws -> Descriptor {
            let digest = Digest.of(bytes)
            try FileIO.writeAtomically(path + "/blobs/sha256/" + digest.hex, bytes, mode: 0o644)
            return Descriptor(mediaType: "", digest: digest, size: Int64(bytes.count))
        }
        var layerDescriptors: [Descriptor] = []
        for (i, tar) in layers.enumerated() {
            var d = try put(tar)
            d.mediaType = MediaType.ociLayerTar
            if corruptLayer && i == layers.count - 1 {
                // Same size, different content: the digest will not match.
                var bad = tar
                bad[0] ^= 0xff
                try FileIO.writeAtomically(path + "/blobs/sha256/" + d.digest.hex, bad, mode: 0o644)
            }
            layerDescriptors.append(d)
        }
        let config = """
            {"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/sh"],"Cmd":["-c","echo hi"],"Env":["PATH=/bin"],"WorkingDir":"/"},\
            "rootfs":{"type":"layers","diff_ids":[\(layers.map { "\"\(Digest.of($0))\"" }.joined(separator: ","))]}}
            """
        var configDescriptor = try put(Array(config.utf8))
        configDescriptor.mediaType = MediaType.ociConfig
        let manifest = try JSONEncoder().encode(ImageManifest(schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers: layerDescriptors))
        var manifestDescriptor = try put(Array(manifest))
        manifestDescriptor.mediaType = MediaType.ociManifest
        manifestDescriptor.annotations = ["org.opencontainers.image.ref.name": tag]
        let index = try JSONEncoder().encode(ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [manifestDescriptor]))
        try FileIO.writeAtomically(path + "/index.json", Array(index), mode: 0o644)
    }
}
