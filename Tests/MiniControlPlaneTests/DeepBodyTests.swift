import Foundation
import KubeAPI
import NIOHTTP1
import Testing

/// Bodies nested 10,000 levels deep, upstream's limit, through every verb and
/// patch type with JSON and YAML bodies, against a real controlplane whose
/// cooperative threads have the smallest stack we promise (2 MiB, as under
/// `ulimit -s unlimited`): each gets the answer a shallow body would get, and
/// one level more is a 400 `exceeded max depth of 10000`.
@Suite(.requires(.product("controlplane")))
struct DeepBodyTests {
    static let depth = JSONParser.maxDepth

    /// `levels` nested arrays.
    static func nested(_ levels: Int) -> String { String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }

    /// A FlowSchema `depth` levels deep: its spec (kept as raw JSON) holds the deep value.
    static func flowSchema(_ name: String, depth: Int) -> String {
        #"{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":""# + name
            + #""},"spec":{"matchingPrecedence":500,"priorityLevelConfiguration":{"name":"global-default"},"deep":"#
            + nested(depth - 2) + "}}"
    }

    /// A ConfigMap `depth` levels deep through its unknown field `x`.
    static func configMap(_ name: String, depth: Int) -> String {
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":""# + name + #""},"x":"# + nested(depth - 1) + "}"
    }

    /// The answer to one request: 0 for success, else the code and message of its Status.
    static func send(_ client: KubeClient, _ method: HTTPMethod, _ url: String, _ body: String,
                     _ contentType: String) async -> (code: Int, message: String) {
        let start = ContinuousClock.now
        defer { print("\(method) \(url.split(separator: "/").suffix(2).joined(separator: "/")) \(contentType): \(ContinuousClock.now - start)") }
        do {
            _ = try await client.request(method, url, body: Array(body.utf8), contentType: contentType, timeout: .seconds(60))
            return (0, "")
        } catch {
            if case .status(let s) = error { return (s.code ?? -1, s.message ?? "") }
            return (-1, "\(error)")
        }
    }

    @Test func deepestBodiesGetTheNormalAnswerAndOneLevelMoreIsRefused() async throws {
        try await withCluster(.sqlite, smallStacks: true) { c in
            let client = try c.client()
            do {
                try await Self.exercise(c, client)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    static func exercise(_ c: ClusterFixture, _ client: KubeClient) async throws {
        let schemas = c.kubeconfigServer + "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas"
        let configMaps = c.kubeconfigServer + "/api/v1/namespaces/default/configmaps"
        let json = "application/json", yaml = "application/yaml"
        let ok = (code: 0, message: "")

        // Create: stored, as the deep value lands in a raw JSON field.
        #expect(await send(client, .POST, schemas, flowSchema("deep-json", depth: depth), json) == ok)
        #expect(await send(client, .POST, schemas, flowSchema("deep-yaml", depth: depth), yaml) == ok)
        // One level more: refused before anything else looks at it.
        for type in [json, yaml] {
            let answer = await send(client, .POST, schemas, flowSchema("too-deep", depth: depth + 1), type)
            #expect(answer.code == 400 && answer.message.contains("exceeded max depth of 10000"), "\(type): \(answer)")
        }
        // Read back, listed and watched-from-list as any object.
        _ = try await client.request(.GET, schemas + "/deep-json")
        _ = try await client.request(.GET, schemas)

        // Update.
        for type in [json, yaml] {
            #expect(await send(client, .PUT, schemas + "/deep-json", flowSchema("deep-json", depth: depth), type) == ok, "\(type)")
        }
        // Patches: each makes the object `depth` deep (the value sits lower in a JSON patch, so it is shorter there).
        let jsonPatch = #"[{"op":"replace","path":"/spec/deep","value":"# + nested(depth - 3) + #"},{"op":"test","path":"/spec/deep","value":"#
            + nested(depth - 3) + "}]"
        #expect(await send(client, .PATCH, schemas + "/deep-json", jsonPatch, "application/json-patch+json") == ok)
        let mergePatch = #"{"metadata":{"labels":{"a":"b"}},"spec":{"deep":"# + nested(depth - 2) + "}}"
        #expect(await send(client, .PATCH, schemas + "/deep-json", mergePatch, "application/merge-patch+json") == ok)
        #expect(await send(client, .PATCH, schemas + "/deep-yaml", mergePatch, "application/strategic-merge-patch+json") == ok)
        #expect(await send(client, .PATCH, schemas + "/deep-apply?fieldManager=deep", flowSchema("deep-apply", depth: depth),
                           "application/apply-patch+yaml") == ok)
        #expect(await send(client, .PATCH, schemas + "/deep-apply?fieldManager=other&force=true",
                           flowSchema("deep-apply", depth: depth), "application/apply-patch+yaml") == ok)
        let tooDeepPatch = #"{"spec":{"deep":"# + nested(depth - 1) + "}}"
        for type in ["application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"] {
            let answer = await send(client, .PATCH, schemas + "/deep-json?fieldManager=deep", tooDeepPatch, type)
            #expect(answer.code == 400 || answer.code == 422, "\(type): \(answer)")
        }
        // Deleted as any object.
        _ = try await client.request(.DELETE, schemas + "/deep-yaml")

        // Deep unknown fields: pruned by default, refused with Strict.
        for type in [json, yaml] {
            let name = type == json ? "deep-json" : "deep-yaml"
            #expect(await send(client, .POST, configMaps, configMap(name, depth: depth), type) == ok, "\(type)")
            let strict = await send(client, .POST, configMaps + "?fieldValidation=Strict", configMap(name + "-strict", depth: depth), type)
            #expect(strict.code == 400 && strict.message.contains(#"unknown field "x""#), "\(type): \(strict)")
            #expect(await send(client, .PUT, configMaps + "/" + name, configMap(name, depth: depth), type) == ok, "\(type)")
            let tooDeep = await send(client, .POST, configMaps, configMap(name + "-too", depth: depth + 1), type)
            #expect(tooDeep.code == 400 && tooDeep.message.contains("exceeded max depth of 10000"), "\(type): \(tooDeep)")
        }
        let unknownPatch = #"{"x":"# + nested(depth - 1) + "}"
        for type in ["application/merge-patch+json", "application/strategic-merge-patch+json"] {
            #expect(await send(client, .PATCH, configMaps + "/deep-json", unknownPatch, type) == ok, "\(type)")
            let strict = await send(client, .PATCH, configMaps + "/deep-json?fieldValidation=Strict", unknownPatch, type)
            #expect(strict.code == 400 || strict.code == 422, "\(type): \(strict)")
        }
        #expect(await send(client, .PATCH, configMaps + "/deep-apply?fieldManager=deep", configMap("deep-apply", depth: depth),
                           "application/apply-patch+yaml") == ok)
        let addUnknown = #"[{"op":"add","path":"/x","value":"# + nested(depth - 2) + "}]"
        #expect(await send(client, .PATCH, configMaps + "/deep-json", addUnknown, "application/json-patch+json") == ok)

        // The controlplane is still there and answers.
        _ = try await client.request(.GET, c.kubeconfigServer + "/api/v1/namespaces/default/configmaps")
        #expect(c.process?.isRunning == true, "controlplane log:\n\(c.log.suffix(4000))")
    }
}
