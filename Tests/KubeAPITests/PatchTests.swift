import Testing
@testable import KubeAPI

@Suite struct PatchTests {
    let pod: JSONValue = try! JSONParser.parse(#"""
        {"metadata":{"name":"p","labels":{"a":"1","b":"2"},"finalizers":["x"]},
         "spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                                "ports":[{"containerPort":80},{"containerPort":443}]},
                               {"name":"side","image":"side:1"}],
                 "volumes":[{"name":"v1","emptyDir":{}}],
                 "tolerations":[{"key":"a","operator":"Exists"}]}}
        """#)

    @Test func jsonPatchOperations() throws {
        let patch = try JSONParser.parse(#"""
            [{"op":"replace","path":"/spec/containers/0/image","value":"app:2"},
             {"op":"add","path":"/metadata/labels/c","value":"3"},
             {"op":"remove","path":"/metadata/labels/a"},
             {"op":"add","path":"/spec/containers/-","value":{"name":"new","image":"n:1"}},
             {"op":"copy","from":"/metadata/labels/b","path":"/metadata/labels/d"},
             {"op":"move","from":"/metadata/labels/d","path":"/metadata/labels/e"},
             {"op":"test","path":"/metadata/name","value":"p"},
             {"op":"add","path":"/metadata/annotations","value":{"x~y/z":"1"}},
             {"op":"remove","path":"/metadata/annotations/x~0y~1z"}]
            """#)
        let out = try JSONPatch.apply(patch, to: pod)
        #expect(out.value(at: "metadata.labels") == ["b": "2", "c": "3", "e": "2"])
        #expect(out[path: ["spec", "containers"]]?.arrayValue?.map { $0["name"] } == ["app", "side", "new"])
        #expect(out[path: ["spec", "containers"]]?.arrayValue?[0]["image"] == "app:2")
        #expect(out.value(at: "metadata.annotations") == [:])
    }

    @Test func jsonPatchErrors() throws {
        #expect(throws: PatchError.self) { try JSONPatch.apply(["op": "add"], to: pod) }
        #expect(throws: PatchError.fails("testing value /metadata/name failed: test failed")) {
            try JSONPatch.apply(try JSONParser.parse(#"[{"op":"test","path":"/metadata/name","value":"q"}]"#), to: pod)
        }
        let e = #expect(throws: PatchError.self) {
            try JSONPatch.apply(try JSONParser.parse(#"[{"op":"remove","path":"/spec/nothing"}]"#), to: pod)
        }
        #expect(e?.malformed == false)
        let e2 = #expect(throws: PatchError.self) {
            try JSONPatch.apply(try JSONParser.parse(#"[{"op":"jump","path":"/a"}]"#), to: pod)
        }
        #expect(e2?.malformed == true)
    }

    @Test func mergePatch() throws {
        let out = MergePatch.apply(try JSONParser.parse(#"{"metadata":{"labels":{"a":null,"z":"9"}},"spec":{"containers":[{"name":"only"}]}}"#), to: pod)
        #expect(out.value(at: "metadata.labels") == ["b": "2", "z": "9"])
        #expect(out[path: ["spec", "containers"]]?.arrayValue?.count == 1)
        #expect(MergePatch.apply(["a": ["b": 1]], to: ["a": "x"]) == ["a": ["b": 1]])
        let d = MergePatch.diff(from: ["a": 1, "b": ["c": 1, "d": 2]], to: ["b": ["c": 1, "d": 3], "e": true])
        #expect(d == ["a": .null, "b": ["d": 3], "e": true])
    }

    @Test func strategicMergesContainersByName() throws {
        let patch = try JSONParser.parse(#"""
            {"spec":{"containers":[{"name":"app","image":"app:2","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
                                    "ports":[{"containerPort":8080}]},
                                   {"name":"extra","image":"e:1"}],
                     "volumes":[{"name":"v2","emptyDir":{}}],
                     "tolerations":[{"key":"b","operator":"Exists"}]},
             "metadata":{"finalizers":["y"],"labels":{"a":null}}}
            """#)
        let out = try StrategicMergePatch.apply(patch, to: pod, kind: "Pod")
        let cs = try #require(out[path: ["spec", "containers"]]?.arrayValue)
        #expect(cs.map { $0["name"] } == ["app", "side", "extra"])
        #expect(cs[0]["image"] == "app:2")
        #expect(cs[0]["env"]?.arrayValue?.map { $0["value"] } == ["1", "20", "3"])
        #expect(cs[0]["ports"]?.arrayValue?.map { $0["containerPort"] } == [80, 443, 8080])
        #expect(out[path: ["spec", "volumes"]]?.arrayValue?.map { $0["name"] } == ["v1", "v2"])
        #expect(out[path: ["spec", "tolerations"]] == [["key": "b", "operator": "Exists"]])
        #expect(out.value(at: "metadata.finalizers") == ["x", "y"])
        #expect(out.value(at: "metadata.labels") == ["b": "2"])
    }

    @Test func strategicDirectives() throws {
        let patch = try JSONParser.parse(#"""
            {"$setElementOrder/finalizers":["x"],
             "metadata":{"$deleteFromPrimitiveList/finalizers":["x"]},
             "spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"app"}],
                     "containers":[{"name":"app","env":[{"name":"A","$patch":"delete"}]},{"name":"side","image":"side:2"}],
                     "volumes":[{"$patch":"replace"},{"name":"only","emptyDir":{}}]}}
            """#)
        let out = try StrategicMergePatch.apply(patch, to: pod, kind: "Pod")
        let cs = try #require(out[path: ["spec", "containers"]]?.arrayValue)
        #expect(cs.map { $0["name"] } == ["side", "app"])
        #expect(cs[1]["env"]?.arrayValue?.map { $0["name"] } == ["B"])
        #expect(cs[0]["image"] == "side:2")
        #expect(out[path: ["spec", "volumes"]] == [["name": "only", "emptyDir": [:]]])
        #expect(out.value(at: "metadata.finalizers") == [])
        let replaced = try StrategicMergePatch.apply(["metadata": ["labels": ["$patch": "replace", "only": "1"]]], to: pod, kind: "Pod")
        #expect(replaced.value(at: "metadata.labels") == ["only": "1"])
    }

    @Test func strategicRejectsMissingMergeKey() throws {
        let patch: JSONValue = ["spec": ["containers": [["image": "noname"]]]]
        #expect(throws: PatchError.self) { try StrategicMergePatch.apply(patch, to: pod, kind: "Pod") }
        #expect(throws: PatchError.self) { try StrategicMergePatch.apply([1, 2], to: pod, kind: "Pod") }
    }

    @Test func strategicServicePortsAndNodeConditions() throws {
        let svc: JSONValue = ["spec": ["ports": [["name": "http", "port": 80], ["name": "https", "port": 443]]]]
        let patched = try StrategicMergePatch.apply(["spec": ["ports": [["port": 443, "nodePort": 30443]]]], to: svc, kind: "Service")
        #expect(patched.value(at: "spec.ports") == [["name": "http", "port": 80], ["name": "https", "port": 443, "nodePort": 30443]])
        let node: JSONValue = ["status": ["conditions": [["type": "Ready", "status": "False"], ["type": "MemoryPressure", "status": "False"]],
                                          "addresses": [["type": "InternalIP", "address": "10.0.0.1"]]]]
        let kubeletPatch: JSONValue = ["status": ["$setElementOrder/conditions": [["type": "MemoryPressure"], ["type": "Ready"]],
                                                  "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]]]]
        let n = try StrategicMergePatch.apply(kubeletPatch, to: node, kind: "Node")
        #expect(n.value(at: "status.conditions") == [["type": "MemoryPressure", "status": "False"],
                                                     ["type": "Ready", "status": "True", "reason": "KubeletReady"]])
        #expect(n.value(at: "status.addresses") == node.value(at: "status.addresses"))
        // Pod status conditions merge by type; containerStatuses (no merge key) replace.
        let pod: JSONValue = ["status": ["conditions": [["type": "PodScheduled", "status": "True"]],
                                         "containerStatuses": [["name": "a", "ready": false]]]]
        let p = try StrategicMergePatch.apply(["status": ["conditions": [["type": "Ready", "status": "True"]],
                                                          "containerStatuses": [["name": "a", "ready": true]]]], to: pod, kind: "Pod")
        #expect(p.value(at: "status.conditions")?.arrayValue?.count == 2)
        #expect(p.value(at: "status.containerStatuses") == [["name": "a", "ready": true]])
    }

    @Test func strategicDeploymentTemplate() throws {
        let d: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "a", "image": "a:1"], ["name": "b", "image": "b:1"]]]]]]
        let out = try StrategicMergePatch.apply(["spec": ["template": ["spec": ["containers": [["name": "b", "image": "b:2"]]]]]], to: d, kind: "Deployment")
        #expect(out.value(at: "spec.template.spec.containers")?.arrayValue?.map { $0["image"] } == ["a:1", "b:2"])
    }
}
