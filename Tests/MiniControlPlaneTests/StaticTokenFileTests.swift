import Foundation
import Testing
import TestSupport
@testable import MiniControlPlane

/// `--token-auth-file`: upstream's static token CSV (and TokenReview of its tokens).
@Suite struct StaticTokenFileTests {
    @Test func recordsAreParsedAsUpstreamsCSV() throws {
        let file = try StaticTokenFile.parse("""
            t1,alice,1001,"system:masters,team-a"
            t2,bob,1002

            t3,"carol ""c"" x",1003,dev
            """, name: "tokens.csv")
        #expect(file.user("t1") == UserInfo(name: "alice", groups: ["system:masters", "team-a", "system:authenticated"]))
        #expect(file.user("t2") == UserInfo(name: "bob", groups: ["system:authenticated"]))
        #expect(file.user("t3")?.name == "carol \"c\" x")
        #expect(file.user("t4") == nil)
        #expect(throws: StaticTokenFileError.self) { try StaticTokenFile.parse("t1,alice", name: "f") }
        do {
            _ = try StaticTokenFile.parse("t1,alice,1,\"unterminated", name: "tokens.csv")
            Issue.record("an unterminated quote was accepted")
        } catch {
            #expect(error.description.contains("token file 'tokens.csv', record 1"))
        }
        #expect(throws: StaticTokenFileError.self, "a short record anywhere refuses the file") {
            try StaticTokenFile.parse("ok,a,1\nt1,alice", name: "tokens.csv")
        }
    }
}

@Suite(.requires(.product("controlplane"), .kubectl))
struct StaticTokenAuthenticationTests {
    @Test func tokenFileUsersAuthenticateWithTheirGroups() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString).csv")
        try "alice-token,alice,1001,\"system:masters,team-a\"\nbob-token,bob,1002\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withCluster(.sqlite, extraArgs: ["--token-auth-file", file.path]) { c in
            var r = try c.kubectl("--token=alice-token", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
            #expect(r.stdout.hasPrefix("alice ") && r.stdout.contains("team-a") && r.stdout.contains("system:authenticated"), "\(r.output)")
            r = try c.kubectl("--token=alice-token", "get", "namespaces", "-o", "name")
            #expect(r.status == 0 && r.stdout.contains("namespace/default"), "\(r.output)")
            r = try c.kubectl("--token=bob-token", "get", "pods")
            #expect(r.status != 0 && r.stderr.contains("User \"bob\" cannot list resource \"pods\""), "\(r.output)")
            r = try c.kubectl("--token=nobody", "get", "pods")
            #expect(r.status != 0 && r.stderr.contains("Unauthorized"), "\(r.output)")

            // TokenReview: who a token is, for delegated authentication.
            func review(_ token: String, as caller: String? = nil, audiences: String = "") throws -> CommandResult {
                try c.kubectl((caller.map { ["--token=\($0)"] } ?? []) + ["create", "-o", "jsonpath={.status.authenticated} {.status.user.username} {.status.error}", "-f", "-"],
                              stdin: "apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {token: \(token)\(audiences)}\n")
            }
            r = try review("bob-token")
            #expect(r.stdout.trimmingCharacters(in: .whitespaces) == "true bob", "\(r.output)")
            let saToken = try c.kubectl("create", "token", "default").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            r = try review(saToken)
            #expect(r.stdout.hasPrefix("true system:serviceaccount:default:default"), "\(r.output)")
            r = try review(saToken, audiences: ", audiences: [vault]")
            #expect(r.stdout.hasPrefix("false") && r.stdout.contains("invalid for the target audiences"), "\(r.output)")
            r = try review("forged-token")
            #expect(r.stdout.hasPrefix("false") && r.stdout.contains("invalid bearer token"), "\(r.output)")
            r = try review("alice-token", as: "bob-token")
            #expect(r.status != 0 && r.stderr.contains("cannot create resource \"tokenreviews\""), "\(r.output)")
        }
    }
}
