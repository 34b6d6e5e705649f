import Foundation
import Testing
@testable import KubeAPI

@Suite struct ObjectModelTests {
    @Test func unknownFieldsSurviveTypedRoundTrip() throws {
        let raw = try JSONParser.parse(Fixtures.podJSON)
        var pod = try KubeCodec.decodeObject(Pod.self, from: raw)
        #expect(pod.spec?.containers.first?.image == "nginx:1.25")
        #expect(pod.spec?.containers.first?.resources?.limits?["cpu"]?.milliValue == 500)
        pod.spec?.containers[0].image = "nginx:1.26"
        let out = KubeCodec.encodeObject(pod)
        #expect(out["futureTopLevel"] == "kept")
        #expect(out[path: ["spec", "futureSpecField"]] == true)
        #expect(out[path: ["spec", "containers"]]?.arrayValue?.first?["futureField"] == ["x": 1])
        #expect(out[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1.26")
        var expected = raw
        expected.set(path: ["spec", "containers"], to: .array([{
            var c = raw[path: ["spec", "containers"]]!.arrayValue![0]
            c["image"] = "nginx:1.26"
            return c
        }()]))
        #expect(out == expected)
    }

    @Test func unknownFieldPathsAreReported() throws {
        let raw = try JSONParser.parse(Fixtures.podJSON)
        let pod = try KubeCodec.decodeObject(Pod.self, from: raw)
        #expect(pod.metadata.preservedUnknownFields?.paths == ["futureTopLevel", "spec.containers[0].futureField", "spec.futureSpecField"])
    }

    /// A watch whose objects are never written back whole can skip the
    /// unknown-field pass; the known fields come out the same.
    @Test func watchEventsKeepUnknownFieldsOnlyWhenAsked() throws {
        let line = Array(#"{"type":"MODIFIED","object":"#.utf8) + Array(Fixtures.podJSON.utf8) + Array("}".utf8)
        guard case .modified(let kept)? = try KubeClient.decodeWatchLine(Pod.self, line),
              case .modified(let plain)? = try KubeClient.decodeWatchLine(Pod.self, line, keepUnknownFields: false) else {
            Issue.record("expected MODIFIED events")
            return
        }
        #expect(kept.metadata.preservedUnknownFields?.paths.isEmpty == false)
        #expect(plain.metadata.preservedUnknownFields == nil)
        var stripped = kept
        stripped.metadata.preservedUnknownFields = nil
        #expect(plain == stripped)
    }

    @Test func directCodecMatchesFoundation() throws {
        let raw = try JSONParser.parse(Fixtures.podJSON)
        let viaTree = try JSONValueDecoder.decode(Pod.self, from: raw)
        let viaFoundation = try JSONDecoder().decode(Pod.self, from: Data(JSONWriter.bytes(raw)))
        #expect(viaTree == viaFoundation)
        let encoded = try JSONValueEncoder.encode(viaTree)
        let foundation = try JSONParser.parse(JSONEncoder().encode(viaTree))
        #expect(encoded == foundation)
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(Pod.self, from: ["metadata": ["name": 5]]) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(PodSpec.self, from: [:]) }
        #expect(try JSONValueDecoder.decode([String: Int].self, from: ["a": 1, "b": 2.0]) == ["a": 1, "b": 2])
    }

    @Test func timestampsParseAndFormat() throws {
        let t = try #require(Timestamp(rfc3339: "2024-02-29T23:59:58Z"))
        #expect(t.description == "2024-02-29T23:59:58Z")
        let m = try #require(Timestamp(rfc3339: "2024-02-29T23:59:58.123456Z"))
        #expect(m.description == "2024-02-29T23:59:58.123456Z")
        let o = try #require(Timestamp(rfc3339: "2024-03-01T01:59:58+02:00"))
        #expect(o.date == t.date)
        #expect(Timestamp(rfc3339: "2024-13-01T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "yesterday") == nil)
    }

    @Test func intOrStringScales() {
        #expect(IntOrString.string("25%").scaled(total: 10, roundUp: true) == 3)
        #expect(IntOrString.string("25%").scaled(total: 10, roundUp: false) == 2)
        #expect(IntOrString.int(2).scaled(total: 10, roundUp: true) == 2)
    }

    @Test func nodeAndServiceDecode() throws {
        let node = try KubeCodec.decodeObject(Node.self, from: JSONParser.parse(#"""
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]},
             "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},
             "addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}}
            """#))
        #expect(node.status?.capacity?["memory"]?.value == Int64(8 * 1024 * 1024 * 1024))
        #expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port == 10250)
        let svc = try KubeCodec.decodeObject(Service.self, from: JSONParser.parse(#"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":"http","nodePort":30080}],
             "sessionAffinity":"ClientIP","externalTrafficPolicy":"Local","type":"NodePort"}}
            """#))
        #expect(svc.spec?.ports?.first?.targetPort == .string("http"))
        #expect(Toleration(key: "k", operator: "Exists").tolerates(Taint(key: "k", effect: "NoSchedule")))
        #expect(!Toleration(key: "k", operator: "Equal", value: "a").tolerates(Taint(key: "k", value: "b", effect: "NoSchedule")))
    }
}

@Suite struct QuantityTests {
    @Test(arguments: [
        ("250m", Int64(250), Int64(1)), ("1", 1000, 1), ("1.5", 1500, 2), ("1Ki", 1_024_000, 1024),
        ("1.5Gi", 1_610_612_736_000, 1_610_612_736), ("128974848", 128_974_848_000, 128_974_848),
        ("129e6", 129_000_000_000, 129_000_000), ("123M", 123_000_000_000, 123_000_000), ("1u", 1, 1), ("0", 0, 0),
    ])
    func parses(_ text: String, _ milli: Int64, _ value: Int64) {
        let q = Quantity(text)
        #expect(q.isValid)
        #expect(q.milliValue == milli)
        #expect(q.value == value)
    }

    @Test(arguments: ["", "abc", "1.2.3", "1Zi", "--1", "1e", "m"])
    func rejects(_ text: String) { #expect(!Quantity(text).isValid) }

    @Test func comparesByValueAndFormats() {
        #expect(Quantity("1000m") == Quantity("1"))
        #expect(Quantity("1Gi") == Quantity("1024Mi"))
        #expect(Quantity(milli: 500).text == "500m")
        #expect(Quantity(milli: 2000).text == "2")
        #expect(Quantity(bytes: 128 * 1024 * 1024).text == "128Mi")
        #expect(Quantity(bytes: 1000).text == "1000")
    }

    @Test func decodesNumbersAndStrings() throws {
        let r = try KubeCodec.decode(ResourceList.self, from: JSONParser.parse(#"{"cpu":2,"memory":"64Mi"}"#))
        #expect(r["cpu"]?.milliValue == 2000)
        #expect(r["memory"]?.value == Int64(64 * 1024 * 1024))
    }
}
