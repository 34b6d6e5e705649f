import KubeAPI
import MiniControlPlane

extension FuzzTarget {
    /// A request body's path through the API server: decoded, its object
    /// typed (unknown fields kept), written back; on the large stacks the
    /// API server runs it on, as bodies may nest 10,000 levels deep.
    static func decodeBody(_ bytes: [UInt8], _ contentType: String) throws {
        try LargeStackExecutor.shared.runAndWait { () throws(Status) in
            let (value, _) = try RequestDecoding.body(bytes, contentType: contentType)
            if let pod = try? KubeCodec.decodeObject(Pod.self, from: value) { _ = KubeCodec.encodeObject(pod) }
            _ = JSONWriter.bytes(value)
        }
    }

    static let podJSON = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"}]}]}}"#

    /// JSON request bodies (the API server's strict parser, 10,000 levels deep at most).
    static let jsonBody = FuzzTarget("json-body", "API server JSON request bodies", seeds: [
        Array(podJSON.utf8),
        Array(#"{"a":[1,2.5,"x\n\"y\"",true,null,{"b":{}}],"c":-7,"d":"\u00e9\ud83d\ude00","e":1e300}"#.utf8),
    ]) { bytes in try decodeBody(bytes, "application/json") }

    /// YAML request bodies (aliases, merges, YAML 1.1 scalars, go-yaml's aliasing rule).
    static let yamlBody = FuzzTarget("yaml-body", "API server YAML request bodies", seeds: [
        Array("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    args: [\"--port\", '80', yes, 0x1F, ~]\n".utf8),
        Array("base: &b {a: 1}\nx:\n  <<: *b\n  list: &l [1, 2]\n  again: *l\n  text: |\n    two\n    lines\n".utf8),
    ]) { bytes in try decodeBody(bytes, "application/yaml") }

    /// Protobuf request bodies (the `k8s\0` envelope and the served kinds' schemas).
    static let protobufBody = FuzzTarget("protobuf-body", "API server protobuf request bodies", seeds: [
        // kubectl 1.32's `create deployment d1 --image=nginx:1.25 --replicas=3 --port=8080`
        // and `create secret generic s1 --from-literal=a=b`.
        hex("6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ba010a1d0a02643112001a0022002a003200380042005a090a0361707012026431128a010803120b0a090a03617070120264311a710a1b0a0012001a0022002a003200380042005a090a0361707012026431125212340a056e67696e78120a6e67696e783a312e32352a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200"),
        hex("6b3873000a0c0a027631120653656372657412240a120a02733112001a0022002a0032003800420012060a01611201621a064f70617175651a002200"),
    ]) { bytes in try decodeBody(bytes, "application/vnd.kubernetes.protobuf") }

    /// Bytes from hex digits.
    static func hex(_ s: String) -> [UInt8] {
        let h = Array(s.utf8)
        return stride(from: 0, to: h.count - 1, by: 2).map { UInt8(String(decoding: h[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0 }
    }

    /// Patches of each type applied to a pod: the first byte picks JSON
    /// patch, merge patch or strategic merge patch, the rest is the patch
    /// (on large stacks, as in the API server).
    static let patches = FuzzTarget("patch", "JSON, merge and strategic merge patches", seeds: [
        [0] + Array(#"[{"op":"add","path":"/metadata/labels/x","value":"y"},{"op":"replace","path":"/spec/containers/0/image","value":"n:2"},{"op":"test","path":"/kind","value":"Pod"},{"op":"remove","path":"/metadata/labels/app"},{"op":"copy","from":"/metadata/name","path":"/metadata/generateName"},{"op":"move","from":"/metadata/generateName","path":"/metadata/annotations"}]"#.utf8),
        [1] + Array(#"{"metadata":{"labels":{"app":null,"x":"y"}},"spec":{"containers":[{"name":"c","image":"n:2"}]}}"#.utf8),
        [2] + Array(#"{"metadata":{"labels":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"n:2"},{"name":"d","$patch":"delete"}],"$setElementOrder/containers":[{"name":"c"}]}}"#.utf8),
    ]) { bytes in
        guard let kind = bytes.first else { return }
        try LargeStackExecutor.shared.runAndWait { () throws(any Error) in
            let patch = try JSONParser.parse(bytes.dropFirst())
            let pod = try JSONParser.parse(podJSON)
            let patched: JSONValue
            switch kind % 3 {
            case 0: patched = try JSONPatch.apply(patch, to: pod)
            case 1: patched = MergePatch.apply(patch, to: pod)
            default: patched = try StrategicMergePatch.apply(patch, to: pod, kind: "Pod")
            }
            _ = JSONWriter.bytes(patched)
        }
    }

    /// The query parameters of lists and watches, one per line: label
    /// selector, field selector (checked against a pod's field labels),
    /// continue token, resourceVersion, limit.
    static let listParameters = FuzzTarget("list-params", "label and field selectors, continue tokens, resourceVersion, limit", seeds: [
        Array("app=web,tier in (front, back),!canary,env notin (dev),x!=y\nspec.nodeName=n1,status.phase!=Failed\n\(ContinueToken(revision: 12, start: "/registry/pods/default/web").encoded)\n42\n500".utf8),
        Array("a\nmetadata.name==x\\,y\nzzz\n-1\nabc".utf8),
    ]) { bytes in
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func line(_ i: Int) -> String { i < lines.count ? lines[i] : "" }
        if let labels = try? LabelRequirements(parsing: line(0)) { _ = labels.matches(["app": "web"]) }
        if let fields = try? FieldSelector(parsing: line(1)) {
            _ = try? FieldLabels.check(fields, group: "", kind: "Pod")
            _ = fields.matches(try JSONParser.parse(podJSON))
        }
        _ = try? ContinueToken(decoding: line(2), prefix: "/registry/pods/")
        _ = try? ListParameters.resourceVersion(line(3))
        _ = try? ListParameters.limit(line(4))
    }
}
