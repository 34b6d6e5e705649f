import Foundation
import HTTPServing
import KubeAPI
import Logging
import MiniControlPlane
import NIOSSL

/// Extending the API, two figures of the same run:
/// - creates/s of a custom resource with a 20-field schema and two CEL rules
///   against ConfigMaps of the same size (rounds interleaved, so that the
///   store's growth weighs on both alike), target ratio ≥ 0.7;
/// - the latency a validating webhook (served by this process over loopback,
///   with a certificate from the cluster CA) adds to ConfigMap creates made
///   one at a time, with against without, target p99 ≤ 5 ms.
func extensionPhase(_ client: KubeClient, config: KubeConfig, dataDir: URL, count: Int, concurrency: Int) async {
    say("== extending the API: \(count) custom objects (20 fields, 2 CEL rules) against \(count) ConfigMaps; a validating webhook ==")
    @Sendable func post(_ path: String, _ body: JSONValue) async throws {
        _ = try await client.request(.POST, config.server + path, body: JSONWriter.bytes(body))
    }
    let fields = (1...20).map { String(format: "f%02d", $0) }
    var properties: [String: JSONValue] = [:]
    for (i, f) in fields.enumerated() { properties[f] = i % 2 == 0 ? ["type": "string", "maxLength": 64] : ["type": "integer"] }
    let definition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "benchthings.bench.example.com"],
        "spec": ["group": "bench.example.com", "scope": "Namespaced",
                 "names": ["plural": "benchthings", "singular": "benchthing", "kind": "BenchThing"],
                 "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": ["spec": ["type": "object", "properties": .object(properties),
                                            "x-kubernetes-validations": [
                                                ["rule": "self.f01.startsWith('value')", "message": "f01 must start with value"],
                                                ["rule": "self.f02 >= 0 && self.f04 >= 0", "message": "counts are not negative"]]]],
                 ]]]]],
    ]
    do {
        try await post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", definition)
        for _ in 0..<100 {
            if (try? await client.request(.GET, config.server + "/apis/bench.example.com/v1")) != nil { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
    } catch {
        say("extension phase: cannot define the custom resource: \(error)")
        return
    }
    // Same bytes of payload: 10 strings of 16 characters and 10 numbers.
    @Sendable func payload(_ i: Int) -> [String: JSONValue] {
        var p: [String: JSONValue] = [:]
        for (n, f) in fields.enumerated() { p[f] = n % 2 == 0 ? .string("value-\(String(format: "%010d", i))") : .int(Int64(i + n)) }
        return p
    }
    func round(_ kind: String, _ tag: Int, _ n: Int) async -> (Double, [Double], Int) {
        let t0 = now()
        let (lat, errs) = await runConcurrently(count: n, concurrency: concurrency) { i in
            let name = "\(kind)-\(tag)-\(i)"
            if kind == "cm" {
                try await post("/api/v1/namespaces/default/configmaps", [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)],
                    "data": .object(payload(i).mapValues { .string($0.stringValue ?? String($0.intValue ?? 0)) })])
            } else {
                try await post("/apis/bench.example.com/v1/namespaces/default/benchthings", [
                    "apiVersion": "bench.example.com/v1", "kind": "BenchThing", "metadata": ["name": .string(name)],
                    "spec": .object(payload(i))])
            }
        }
        return (now() - t0, lat, errs)
    }
    var seconds: [String: Double] = [:], latencies: [String: [Double]] = [:], errors: [String: Int] = [:]
    let perRound = max(1, count / 2)
    for (n, kind) in ["cm", "cr", "cr", "cm"].enumerated() {
        let (t, lat, errs) = await round(kind, n, perRound)
        seconds[kind, default: 0] += t
        latencies[kind, default: []] += lat
        errors[kind, default: 0] += errs
    }
    for (kind, label) in [("cm", "ConfigMaps"), ("cr", "custom objects")] {
        let t = seconds[kind] ?? 1, lat = latencies[kind] ?? []
        say(String(format: "creates of %@: %d in %.2f s = %.0f creates/s  p50 %@  p99 %@  errors %d", label, perRound * 2, t,
                   Double(perRound * 2) / t, ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), errors[kind] ?? 0))
    }
    say(String(format: "custom resource/ConfigMap create throughput ratio: %.2f (target >= 0.7)", (seconds["cm"] ?? 1) / (seconds["cr"] ?? 1)))
    await webhookLatency(client, config: config, dataDir: dataDir, count: min(count, 1000), post: post)
}

/// ConfigMap creates one at a time in a namespace a validating webhook watches and in one it does not, interleaved.
func webhookLatency(_ client: KubeClient, config: KubeConfig, dataDir: URL, count: Int,
                    post: @escaping @Sendable (String, JSONValue) async throws -> Void) async {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-webhook-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let server: HTTPServer
    let caBundle: String
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["ca.crt", "ca.key"] { try FileManager.default.copyItem(at: dataDir.appendingPathComponent(f), to: dir.appendingPathComponent(f)) }
        let ca = try CertificateAuthority.prepare(dir: dir, sans: ["127.0.0.1"])
        caBundle = Data(ca.caCertificatePEM.utf8).base64EncodedString()
        let tls = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.servingCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.servingKeyPEM.utf8), format: .pem))))
        server = HTTPServer(host: "127.0.0.1", port: 0, tls: tls, logger: Logger(label: "bench-webhook")) { req in
            let uid = (try? JSONParser.parse(req.body))?[path: ["request", "uid"]]?.stringValue ?? ""
            var answer = AdmissionReview(response: AdmissionResponse(uid: uid, allowed: true))
            answer.request = nil
            return .jsonBytes(JSONWriter.bytes(KubeCodec.encode(answer)))
        }
    } catch {
        say("webhook phase: cannot make the webhook's certificate: \(error)")
        return
    }
    let listener: HTTPServer.Listener
    do { listener = try await server.bind() } catch {
        say("webhook phase: cannot listen on 127.0.0.1: \(error)")
        return
    }
    let port = listener.port
    let serving = Task { try await server.serve(listener) }
    defer { serving.cancel() }
    do {
        for ns in ["bench-hooked", "bench-plain"] {
            try await post("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace",
                                                  "metadata": ["name": .string(ns), "labels": ["bench-hook": .string(ns == "bench-hooked" ? "yes" : "no")]]])
        }
        try await post("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", [
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": "bench"],
            "webhooks": [["name": "bench.example.com", "clientConfig": ["url": .string("https://127.0.0.1:\(port)/validate"), "caBundle": .string(caBundle)],
                          "rules": [["operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]]],
                          "namespaceSelector": ["matchLabels": ["bench-hook": "yes"]],
                          "sideEffects": "None", "admissionReviewVersions": ["v1"]]],
        ])
    } catch {
        say("webhook phase: cannot register the webhook: \(error)")
        return
    }
    // The configuration is read through a one-second cache.
    try? await Task.sleep(for: .seconds(2))
    var with: [Double] = [], without: [Double] = []
    var errors = 0
    for i in 0..<(count * 2) {
        let hooked = i % 2 == 0
        let ns = hooked ? "bench-hooked" : "bench-plain"
        let t0 = now()
        do {
            try await post("/api/v1/namespaces/\(ns)/configmaps", ["apiVersion": "v1", "kind": "ConfigMap",
                                                                   "metadata": ["name": .string("hook-\(i)")], "data": ["k": "v"]])
        } catch {
            errors += 1
        }
        if hooked { with.append(now() - t0) } else { without.append(now() - t0) }
    }
    say("creates one at a time: with the webhook p50 \(ms(percentile(with, 0.5))) p99 \(ms(percentile(with, 0.99))); "
        + "without p50 \(ms(percentile(without, 0.5))) p99 \(ms(percentile(without, 0.99))); errors \(errors)")
    say(String(format: "validating webhook adds: p50 %@  p99 %@ (target p99 <= 5 ms)",
               ms(percentile(with, 0.5) - percentile(without, 0.5)), ms(percentile(with, 0.99) - percentile(without, 0.99))))
}
