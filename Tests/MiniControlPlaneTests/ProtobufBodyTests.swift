import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// Bodies captured from kubectl 1.32 (`kubectl create deployment d1 --image=nginx:1.25 --replicas=3 --port=8080`,
/// `create secret generic s1 --from-literal=a=b`, `create service nodeport s2 --tcp=80:8080 --node-port=30080`).
enum CapturedProtobuf {
    static func hex(_ s: String) -> [UInt8] {
        let h = Array(s.filter { !$0.isWhitespace }.utf8)
        return stride(from: 0, to: h.count, by: 2).map { UInt8(String(decoding: h[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0 }
    }

    static let deployment = hex("""
        6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ba010a1d0a02643112001a0022002a00320038004200
        5a090a0361707012026431128a010803120b0a090a03617070120264311a710a1b0a0012001a0022002a003200380042005a
        090a0361707012026431125212340a056e67696e78120a6e67696e783a312e32352a00320b0a00100018903f22002a004200
        6a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a002800
        38001a0c0800100018002000280038001a002200
        """)

    static let secret = hex("""
        6b3873000a0c0a027631120653656372657412240a120a02733112001a0022002a0032003800420012060a01611201621a06
        4f70617175651a002200
        """)

    static let service = hex("""
        6b3873000a0d0a02763112075365727669636512670a1d0a02733212001a0022002a003200380042005a090a036170701202
        733212420a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112090a03617070120273321a002208
        4e6f6465506f72743a00420052005a00600068001a020a001a002200
        """)
}

@Suite struct ProtobufBodyTests {
    @Test func decodesKubectlDeployment() throws {
        let d = try ProtobufBody.decode(CapturedProtobuf.deployment)
        #expect(d["kind"] == "Deployment" && d["apiVersion"] == "apps/v1")
        #expect(d.value(at: "metadata.name") == "d1")
        #expect(d.value(at: "metadata.labels") == ["app": "d1"])
        #expect(d.value(at: "metadata.generation") == nil)
        #expect(d.value(at: "spec.replicas") == 3)
        #expect(d.value(at: "spec.selector.matchLabels") == ["app": "d1"])
        let c = d.value(at: "spec.template.spec.containers")?.arrayValue?.first
        #expect(c?["image"] == "nginx:1.25" && c?["name"] == "nginx")
        #expect(c?["ports"] == [["containerPort": 8080]])
        #expect(c?["stdin"] == nil)
        #expect(d.value(at: "spec.template.spec.restartPolicy") == nil)
        #expect(Validator.validate(kind: "Deployment", d) == .valid)
    }

    @Test func decodesSecretAndService() throws {
        let s = try ProtobufBody.decode(CapturedProtobuf.secret)
        #expect(s.value(at: "data") == ["a": .string(Data("b".utf8).base64EncodedString())])
        #expect(s["type"] == "Opaque")
        let svc = try ProtobufBody.decode(CapturedProtobuf.service)
        #expect(svc.value(at: "spec.type") == "NodePort")
        #expect(svc.value(at: "spec.ports") == [["name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": 30080]])
    }

    @Test func truncatedAndRandomBodiesAreBadRequests() {
        let body = CapturedProtobuf.deployment
        for n in stride(from: 0, to: body.count, by: 7) {
            _ = try? ProtobufBody.decode(Array(body.prefix(n)))
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var b = body
            for _ in 0..<3 { b[Int.random(in: 4..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? ProtobufBody.decode(b)
            let junk = ProtobufBody.magic + (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? ProtobufBody.decode(junk)
        }
        #expect(throws: Status.self) { try ProtobufBody.decode([1, 2, 3]) }
    }
}
