import Foundation
import Kubelet
import Runtime
#if DEBUG
@testable import Images
#else
import Images
#endif

extension FuzzTarget {
    /// Layer tarballs: entries, PAX and GNU long names, contents.
    static let tarStream = FuzzTarget("tar", "tar streams of image layers", seeds: [tar(name: "etc/hostname", content: "node\n")]) { bytes in
        #if DEBUG
        var reader = TarReader(MemoryReader(bytes: bytes), name: "fuzz")
        var entries = 0
        while let entry = try reader.next(), entries < 4096 {
            entries += 1
            if entry.kind == .file { try reader.readContent { _ in } }
        }
        #endif
    }

    /// gzip-compressed layers, inflated (at most 8 MiB of output).
    static let gzipStream = FuzzTarget("gzip", "gzip layer streams", seeds: [
        // gzip of "hi\n".
        [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0xc8, 0xe4, 0x02, 0x00, 0x7a, 0x7a, 0x6f, 0xed, 0x03, 0x00, 0x00, 0x00],
    ]) { bytes in
        #if DEBUG
        var reader = try GzipReader(MemoryReader(bytes: bytes))
        try drain(&reader)
        #endif
    }

    /// zstd-compressed layers, decompressed (at most 8 MiB of output), where libzstd is installed.
    static let zstdStream = FuzzTarget("zstd", "zstd layer streams", seeds: [
        // zstd of "hi\n" (a raw block, with the content checksum).
        [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x19, 0x00, 0x00, 0x68, 0x69, 0x0a, 0x34, 0x3d, 0x50, 0x92],
    ]) { bytes in
        #if DEBUG
        guard ZstdLibrary.shared != nil else { return }
        var reader = try ZstdReader(MemoryReader(bytes: bytes))
        try drain(&reader)
        #endif
    }

    /// Image indexes, manifests and configs from a registry.
    static let imageManifest = FuzzTarget("image-manifest", "OCI image indexes, manifests and configs", seeds: [
        Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#.utf8),
        Array(#"{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}"#.utf8),
    ]) { bytes in
        let data = Data(bytes)
        _ = try? JSONDecoder().decode(ImageIndex.self, from: data)
        _ = try? JSONDecoder().decode(ImageManifest.self, from: data)
        _ = try? JSONDecoder().decode(ImageConfigFile.self, from: data)
    }

    /// A bundle's config.json, as `swiftrun create` reads it.
    static let ociConfig = FuzzTarget("oci-config", "OCI runtime config.json", seeds: [
        Array(#"{"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0}},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]}}"#.utf8),
    ]) { bytes in
        _ = try BundleLoader.decode(Spec.self, from: bytes, what: "config.json")
    }

    /// CRI log files (`kubectl logs`): records, partial lines, options.
    static let criLog = FuzzTarget("cri-log", "CRI log lines", seeds: [
        Array("2026-01-01T00:00:00.000000001Z stdout P hel\n2026-01-01T00:00:00.000000002Z stdout F lo\n2026-01-01T00:00:01Z stderr F oops\n".utf8),
    ]) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let reader = CRILogReader()
        _ = reader.lines(from: text)
        _ = reader.render(text, CRILogReader.Options(tailLines: 2, since: "2026-01-01T00:00:00.5Z", timestamps: true, limitBytes: 64))
    }

    #if DEBUG
    /// Reads a decompressing stream to its end, or to 8 MiB of output (a
    /// small input may inflate to far more: that is the bomb, not a bug).
    static func drain(_ reader: inout some ByteReader) throws {
        var total = 0
        while total < 8 << 20 {
            let chunk = try reader.read(max: 64 << 10)
            if chunk.isEmpty { return }
            total += chunk.count
        }
    }
    #endif

    /// `value` in octal, zero-padded to `width` digits (tar's numeric fields).
    static func octal(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 8)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A one-file tar archive.
    static func tar(name: String, content: String) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(octal(content.utf8.count, width: 11), at: 124)
        put("00000000000", at: 136)
        header[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        for i in 148..<156 { header[i] = UInt8(ascii: " ") }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 6), at: 148)
        header[154] = 0
        var body = Array(content.utf8)
        body += [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
        return header + body + [UInt8](repeating: 0, count: 1024)
    }
}
