import Foundation
import Testing
@testable import KubeAPI

@Suite struct JSONTests {
    @Test func parsesAndWritesRoundTrip() throws {
        let text = #"{"a":[1,2.5,"x\n\"y\"",true,null,{"b":{}}],"c":-7,"d":"\u00e9\ud83d\ude00"}"#
        let v = try JSONParser.parse(text)
        #expect(v["c"] == .int(-7))
        #expect(v["d"] == .string("é😀"))
        let again = try JSONParser.parse(JSONWriter.bytes(v))
        #expect(again == v)
    }

    @Test func keepsIntegersApartFromDoubles() throws {
        let v = try JSONParser.parse(#"{"replicas":3,"ratio":0.5,"big":9007199254740993}"#)
        #expect(v["replicas"] == .int(3))
        #expect(v["ratio"] == .double(0.5))
        #expect(v["big"] == .int(9007199254740993))
        #expect(JSONWriter.string(v) == #"{"big":9007199254740993,"ratio":0.5,"replicas":3}"#)
    }

    @Test func reportsDuplicateKeys() throws {
        let r = try JSONParser.parseReportingDuplicates(Array(#"{"spec":{"a":1,"a":2}}"#.utf8))
        #expect(r.duplicates == ["spec.a"])
    }

    @Test(arguments: ["", "{", "[1,", "{\"a\"}", "tru", "01", "1.", "\"\\x\"", "[1]x", "{\"a\":1,}", "\"\\ud800\""])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsDeepNesting() {
        // One level beyond upstream's 10,000 (DeepDocumentTests takes the deepest accepted on every path).
        let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    /// Random and truncated bodies never crash the parser or the object decoders.
    @Test func fuzzDecodersWithRandomAndTruncatedBodies() throws {
        var rng = SystemRandomNumberGenerator()
        let sample = Array(Fixtures.podJSON.utf8)
        for i in 0..<2000 {
            var bytes: [UInt8]
            switch i % 3 {
            case 0: bytes = Array(sample.prefix(Int.random(in: 0...sample.count, using: &rng)))
            case 1:
                bytes = sample
                for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            default: bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            if let v = try? JSONParser.parse(bytes) {
                _ = Validator.validate(kind: "Pod", v)
                _ = try? KubeCodec.decodeObject(Pod.self, from: v)
                var d = v
                Defaulter().apply(kind: "Pod", to: &d)
                _ = try? StrategicMergePatch.apply(v, to: d, kind: "Pod")
                _ = try? JSONPatch.apply(v, to: d)
            }
        }
    }
}

enum Fixtures {
    static let podJSON = #"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
     "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}],
       "env":[{"name":"A","value":"1"}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"}},
       "futureField":{"x":1}}],
      "volumes":[{"name":"data","emptyDir":{}}],"futureSpecField":true},
     "futureTopLevel":"kept"}
    """#
}
