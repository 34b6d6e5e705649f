import ArgumentParser
import Images
import Kubelet
import Runtime
import Foundation
import LinuxSystem

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import images from an OCI image layout or a docker-archive (`docker save`), a directory or a tar of one, into the node's store.",
        discussion: "LAYOUT[:TAG] picks the manifest tagged TAG (org.opencontainers.image.ref.name, or a RepoTag of a docker archive); --name sets the image name.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "OCI layout or docker-archive, directory or tarball, optionally :TAG.") var layout: String
    @Option(help: "Image reference to store it as (e.g. busybox:1.35, or busybox to take each tag from the layout).") var name: String?

    func run() throws {
        var path = layout
        var tag: String?
        if !FileIO.exists(path), let colon = path.lastIndex(of: ":") {
            tag = String(path[path.index(after: colon)...])
            path = String(path[..<colon])
        }
        do {
            for image in try node.images.importLayout(at: path, tag: tag, name: name) {
                print("imported \(image.names.map { (try? ImageReference(parsing: $0).familiar) ?? $0 }.joined(separator: ", ")) \(image.id.short)")
            }
        } catch let error as ImageError {
            throw NodectlError(error.description)
        }
    }
}

struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List the node's images.")
    @OptionGroup var node: NodeOptions
    @Flag(name: [.short, .long], help: "Only image ids.") var quiet = false
    @Flag(help: "Show digests.") var digests = false
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output = "table"

    func run() throws {
        let images = try node.images.list()
        if quiet {
            for i in images { print(i.id.description) }
            return
        }
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(images), as: UTF8.self))
            return
        }
        var rows = [["IMAGE", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "SIZE"]]
        for image in images {
            for name in image.names {
                guard let ref = try? ImageReference(parsing: name) else { continue }
                var repo = ref.registry == "docker.io" ? ref.repository : "\(ref.registry)/\(ref.repository)"
                if ref.registry == "docker.io", repo.hasPrefix("library/") { repo.removeFirst(8) }
                rows.append([repo, ref.tag ?? "<none>"] + (digests ? [image.manifestDigest.description] : [])
                            + [image.id.short, Self.size(image.size)])
            }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { i, c in i == row.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 3) }.joined())
        }
    }

    static func size(_ bytes: Int64) -> String {
        let b = Double(bytes)
        if bytes >= 1 << 30 { return String(format: "%.1fGB", b / 1_073_741_824) }
        if bytes >= 1 << 20 { return String(format: "%.1fMB", b / 1_048_576) }
        return String(format: "%.1fkB", b / 1024)
    }
}

struct RmiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmi", abstract: "Remove images.",
        discussion: "Images used by a container on this node (running or not) are kept. --prune removes every other image.")
    @OptionGroup var node: NodeOptions
    @Flag(help: "Remove every image no container uses.") var prune = false
    @Argument(help: "Image references or ids.") var images: [String] = []

    func validate() throws {
        if prune != images.isEmpty { throw ValidationError(prune ? "--prune takes no image names" : "name the images to remove (or --prune)") }
    }

    func run() throws {
        let inUse = ImagesInUse.ids(node.inventory.runtime)
        if prune {
            for image in try node.images.list() where !inUse.contains(image.id) {
                let name = image.names.first.flatMap { try? ImageReference(parsing: $0).familiar } ?? image.id.description
                try reporting { try node.images.remove(image.id.description, inUse: inUse) }
                print("Deleted: \(name)")
            }
            return
        }
        for ref in images {
            do {
                try node.images.remove(ref, inUse: inUse)
                print("Deleted: \(ref)")
            } catch let error as ImageError {
                throw NodectlError(error.description)
            }
        }
    }
}
