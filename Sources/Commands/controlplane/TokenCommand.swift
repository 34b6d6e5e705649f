import ArgumentParser
import Foundation
import KubeAPI

/// `controlplane token create|list|delete`: bootstrap tokens with which
/// nodes join, managed through the API as `kubeadm token` does.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage bootstrap tokens (kube-system Secrets of type bootstrap.kubernetes.io/token) for joining nodes.",
        subcommands: [Create.self, List.self, Delete.self])

    /// Where the API is and who we are.
    struct Connection: ParsableArguments {
        @Option(help: "The control plane's state directory; its admin.kubeconfig is used.")
        var dataDir: String?

        @Option(help: "A kubeconfig to use instead of DATA_DIR/admin.kubeconfig.")
        var kubeconfig: String?

        /// Runs `body` with a client, shut down afterwards.
        func withClient<R>(_ body: (KubeClient) async throws -> R) async throws -> R {
            let client = try client()
            do {
                let r = try await body(client)
                await client.shutdown()
                return r
            } catch {
                await client.shutdown()
                throw error
            }
        }

        func client() throws -> KubeClient {
            guard let path = kubeconfig ?? dataDir.map({ URL(fileURLWithPath: $0).appendingPathComponent("admin.kubeconfig").path }) else {
                throw ValidationError("pass --data-dir DIR (the control plane's) or --kubeconfig FILE")
            }
            do {
                return try KubeClient(config: KubeConfig.load(path: path))
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bootstrap token and print it.")
        @OptionGroup var connection: Connection

        @Option(help: "How long the token is valid (e.g. 24h, 30m; 0 for ever).")
        var ttl = "24h"

        @Option(help: "A description of what the token is for.")
        var description: String?

        func run() async throws {
            guard let seconds = TokenCommand.seconds(ttl) else { throw ValidationError("invalid --ttl \(ttl): use e.g. 24h, 30m, 90s or 0") }
            let token = try await connection.withClient { try await $0.createBootstrapToken(ttl: seconds, description: description) }
            print(token.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the bootstrap tokens.")
        @OptionGroup var connection: Connection

        func run() async throws {
            let tokens = try await connection.withClient { try await $0.bootstrapTokens() }
            print(BootstrapToken.table(tokens), terminator: "")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete bootstrap tokens by id (abcdef) or whole token.")
        @OptionGroup var connection: Connection

        @Argument(help: "Token ids or tokens.")
        var tokens: [String]

        func run() async throws {
            try await connection.withClient { client in
                for t in tokens {
                    try await client.deleteBootstrapToken(t)
                    print("bootstrap token \"\(BootstrapToken.parse(t)?.id ?? t)\" deleted")
                }
            }
        }
    }

    /// Seconds of `24h`, `30m`, `90s`, `1h30m` or `0`.
    static func seconds(_ s: String) -> TimeInterval? {
        if s == "0" { return 0 }
        var total = 0.0, number = ""
        for c in s {
            if c.isNumber || c == "." { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            switch c {
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && total > 0 ? total : nil
    }
}
