import Foundation
import KubeAPI
import MiniControlPlane

extension FuzzTarget {
    /// A custom resource definition's schema and an object checked against it:
    /// the input is split at the first NUL into a schema (JSON) and an object
    /// (JSON); the schema is parsed (structural rules, patterns compiled), and the
    /// object pruned, defaulted and validated by it.
    static let customResourceSchema = FuzzTarget("crd-schema", "custom resource schemas, and objects validated by them", seeds: [
        Array(#"{"type":"object","properties":{"spec":{"type":"object","required":["a"],"properties":{"a":{"type":"string","pattern":"^(a+)+$","maxLength":9},"n":{"type":"integer","minimum":1,"default":2},"l":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"}}}},"p":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}}}}}"#.utf8)
            + [0] + Array(#"{"spec":{"a":"aaab","l":[{"k":"x"},{"k":"x"}],"p":1.5,"z":1},"metadata":{"name":"w","q":1}}"#.utf8),
    ]) { bytes in
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard let schemaJSON = try? JSONParser.parse(Array(parts[0])) else { return }
        let (schema, _) = StructuralSchema.parse(schemaJSON, path: "s")
        guard let schema, parts.count > 1, var obj = try? JSONParser.parse(Array(parts[1])) else { return }
        _ = schema.prune(&obj, isResourceRoot: true)
        schema.applyDefaults(&obj)
        _ = schema.validate(obj, path: "")
    }

    /// Regular expressions (RE2 syntax) and JSONPaths: the input's first line is a
    /// pattern, the rest text to match; the same line is also parsed as a JSONPath and
    /// evaluated over a small object.
    static let patterns = FuzzTarget("patterns", "schema patterns (RE2 syntax) and printer-column JSONPaths", seeds: [
        Array("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z]{2,}){1,3}$\nmy-name.example.com".utf8),
        Array(".status.conditions[?(@.type==\"Ready\")].status\nx".utf8),
        Array("(?i)^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\n*/5 * * * *".utf8),
    ]) { bytes in
        let parts = bytes.split(separator: 10, maxSplits: 1, omittingEmptySubsequences: false)
        let pattern = String(decoding: parts[0], as: UTF8.self)
        let text = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
        if let r = try? LinearRegex(pattern) {
            let found = r.matches(text)
            let input = Array(text.unicodeScalars)
            // find() agrees with matches(), and every match lies inside the text, in order.
            precondition((r.firstMatch(in: input) != nil) == found, "firstMatch and matches disagree on \(pattern)")
            var end = 0
            for m in r.allMatches(in: input, limit: 64) {
                precondition(m.lowerBound >= end && m.upperBound <= input.count, "match \(m) out of order in \(input.count)")
                end = m.upperBound
            }
        }
        if let p = try? JSONPathExpression(pattern) {
            _ = p.evaluate(["status": ["conditions": [["type": "Ready", "status": "True"], ["type": "X", "n": 2]]], "spec": ["a": [1, 2, 3]]])
        }
    }

    /// CEL expressions (validation rules): parsed, checked, and evaluated over a
    /// small object under a low cost limit.
    static let celExpressions = FuzzTarget("cel", "CEL validation rules, parsed and evaluated", seeds: [
        Array("self.spec.replicas <= self.spec.max && self.spec.ports.all(p, p.port > 0 && p.name.matches('^[a-z]+$'))".utf8),
        Array("self.spec.tags.map(t, t.upperAscii()).join(',') + string(duration('1h30m')) == 'x' ? [1u, 2.5, b'x'] : {'k': -0x10}".utf8),
        Array("timestamp('2026-12-07T10:00:00Z') - duration('90s') < timestamp('2026-12-07T10:00:00Z') || 1 / 0 == 1".utf8),
        Array("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && ip.isCanonical('2001:db8::1') && url('https://[::1]:80/a b?x=1').getQuery().size() == 1".utf8),
        Array("self.spec.?ports[?0].?name.orValue('') == 'http' && timestamp('2026-12-07T10:00:00Z').getDayOfWeek('+05:30') == 1".utf8),
        Array("quantity('1.5Gi').add(20).compareTo(quantity('2G')) < 0 && sets.intersects([1], [1]) && '%s %d %.2f'.format(['a', 1, 2.5]) != ''".utf8),
    ]) { bytes in
        let source = String(decoding: bytes, as: UTF8.self)
        guard let e = try? CELParser.parse(source, variables: ["self", "oldSelf"]) else { return }
        let obj = CELValue(["spec": ["replicas": 3, "max": 5, "tags": ["a", "b"], "ports": [["name": "http", "port": 80]]]])
        var ev = CELEvaluator(bindings: ["self": obj, "oldSelf": obj], costLimit: 10_000)
        _ = try? ev.evaluate(e)
    }

    /// An admission webhook's answer: its AdmissionReview envelope checked and its
    /// JSON patch applied to a small object, as the API server does with what a
    /// webhook sends back.
    static let admissionReview = FuzzTarget("admission-review", "admission webhook answers: envelopes and JSON patches", seeds: [
        Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u","allowed":true,"patchType":"JSONPatch","patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xhYmVscyIsInZhbHVlIjp7ImEiOiJiIn19XQ=="}}"#.utf8),
        Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u","allowed":false,"status":{"code":403,"message":"no"},"warnings":["w"]}}"#.utf8),
    ]) { bytes in
        guard let response = try? WebhookResponse.decode(bytes, uid: "u") else { return }
        _ = try? WebhookResponse.applyPatch(response, to: ["metadata": ["name": "x", "labels": ["k": "v"]], "spec": ["containers": [["name": "c"]]]])
    }
}
