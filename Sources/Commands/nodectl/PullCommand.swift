#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Images
import Runtime
import LinuxSystem

/// `nodectl pull IMAGE`: fetches an image from its registry into the node's store.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry into the node's image store.",
        discussion: "HTTPS with the system's CA bundle unless the registry is listed with --insecure-registry (plain HTTP).")
    @OptionGroup var node: NodeOptions
    @Argument(help: "Image reference (busybox:1.36, registry.example:5000/team/app@sha256:…).") var image: String
    @Option(name: .customLong("insecure-registry"), help: "HOST:PORT reached over plain HTTP (repeatable).") var insecureRegistries: [String] = []
    @Option(help: "USER:PASSWORD for the registry.") var creds: String?
    @Option(name: .customLong("auth-file"), help: "A docker config.json or dockerconfigjson secret payload with registry credentials.") var authFile: String?
    @Flag(name: [.short, .long], help: "Print only the image id.") var quiet = false

    func run() async throws {
        let reference: ImageReference
        do { reference = try ImageReference(parsing: image) } catch { throw ValidationError("\(error)") }
        var credentials = DockerConfig()
        if let authFile {
            do { credentials = try DockerConfig(json: FileIO.readBytes(authFile)) } catch {
                throw ValidationError("--auth-file \(authFile): \(error)")
            }
        }
        if let creds {
            guard let colon = creds.firstIndex(of: ":") else { throw ValidationError("--creds takes USER:PASSWORD") }
            credentials.auths[reference.registry] = RegistryCredentials(username: String(creds[..<colon]), password: String(creds[creds.index(after: colon)...]))
        }
        let client = RegistryClient(configuration: RegistryConfiguration(insecureRegistries: insecureRegistries))
        let bar = ProgressBar()
        let start = ContinuousClock.now
        do {
            var report: (@Sendable (PullProgress) -> Void)?
            if !quiet {
                report = { @Sendable progress in bar.show(progress) }
            }
            let record = try await node.images.pull(image, using: client, credentials: credentials, progress: report)
            bar.finish()
            await client.shutdown()
            let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
            if quiet {
                print(record.id.description)
            } else {
                print("Image is up to date for \(record.id.description) (\(reference.familiar), \(ImagesCommand.size(record.size)) in \(String(format: "%.1f", seconds))s)")
            }
        } catch {
            bar.finish()
            await client.shutdown()
            throw NodectlError("\(error)")
        }
    }
}
