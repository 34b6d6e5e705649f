import Testing
@testable import KubeAPI

@Suite struct EphemeralContainerModelTests {
    @Test func targetContainerNameSitsBesideTheContainerFields() throws {
        let json = try JSONParser.parse(#"{"name":"debugger","image":"busybox:1.35","stdin":true,"tty":true,"targetContainerName":"app"}"#)
        let ec = try KubeCodec.decode(EphemeralContainer.self, from: json)
        #expect(ec.name == "debugger" && ec.image == "busybox:1.35" && ec.targetContainerName == "app")
        #expect(ec.container.stdin == true && ec.container.tty == true)
        #expect(KubeCodec.encode(ec) == json)
        let untargeted = EphemeralContainer(Container(name: "d", image: "x:1"))
        #expect(KubeCodec.encode(untargeted) == ["name": "d", "image": "x:1"])
    }

    @Test func podSpecListsEveryContainer() {
        var spec = PodSpec(containers: [Container(name: "app")])
        spec.initContainers = [Container(name: "setup")]
        spec.ephemeralContainers = [EphemeralContainer(Container(name: "debugger"))]
        #expect(spec.allContainers.map(\.name) == ["setup", "app", "debugger"])
        #expect(spec.listName(ofContainer: "debugger") == "spec.ephemeralContainers")
        #expect(spec.listName(ofContainer: "setup") == "spec.initContainers")
        #expect(spec.listName(ofContainer: "app") == "spec.containers")
        #expect(spec.listName(ofContainer: "nope") == nil)
    }
}

@Suite struct EphemeralContainerValidationTests {
    static let pod = #"""
        {"metadata":{"name":"p","namespace":"default","uid":"u1"},"spec":{
          "volumes":[{"name":"data","emptyDir":{}}],
          "initContainers":[{"name":"setup","image":"busybox:1.35"}],
          "containers":[{"name":"app","image":"busybox:1.35"}]}}
        """#

    /// The pod with `ephemeral` (a JSON array) as its ephemeral containers, defaulted.
    func pod(_ ephemeral: String? = nil, annotations: String? = nil) throws -> JSONValue {
        var v = try JSONParser.parse(Self.pod)
        if let ephemeral { v.set(path: ["spec", "ephemeralContainers"], to: try JSONParser.parse(ephemeral)) }
        if let annotations { v.set(path: ["metadata", "annotations"], to: try JSONParser.parse(annotations)) }
        Defaulter().apply(kind: "Pod", to: &v)
        return v
    }

    func errors(_ outcome: ValidationOutcome) -> [String] {
        switch outcome {
        case .valid: return []
        case .invalid(let e): return e.map(\.description)
        case .undecodable(let m): return ["undecodable: " + m]
        }
    }

    /// Errors of an update through `pods/p/ephemeralcontainers` from `old` to `new`.
    func update(_ new: JSONValue, from old: JSONValue) -> [String] {
        errors(Validator.validate(kind: "Pod", new, old: old, subresource: "ephemeralcontainers"))
    }

    @Test func addingOneIsValid() throws {
        let added = try pod(#"[{"name":"debugger","image":"busybox:1.35","stdin":true,"tty":true,"targetContainerName":"app","resources":{}}]"#)
        #expect(update(added, from: try pod()) == [])
        // Defaulted like other containers.
        let ec = added[path: ["spec", "ephemeralContainers"]]?.arrayValue?.first
        #expect(ec?["terminationMessagePolicy"] == "File" && ec?["imagePullPolicy"] == "IfNotPresent")
        // The target may also be an init container.
        #expect(update(try pod(#"[{"name":"d","image":"x:1","targetContainerName":"setup"}]"#), from: try pod()) == [])
    }

    @Test func forbiddenFieldsNamesAndTargets() throws {
        let bad = try pod(#"""
            [{"name":"app","image":"busybox:1.35"},
             {"name":"d1","image":"x:1","targetContainerName":"nope","ports":[{"containerPort":80}],
              "resources":{"limits":{"cpu":"1"}},"readinessProbe":{"exec":{"command":["true"]}},
              "lifecycle":{"preStop":{"exec":{"command":["true"]}}},"restartPolicy":"Always"},
             {"name":"d2","image":" x:1","volumeMounts":[{"name":"data","mountPath":"/d","subPath":"s"}]},
             {"name":"d3"}]
            """#)
        let e = update(bad, from: try pod())
        #expect(e.contains("spec.ephemeralContainers[0].name: Duplicate value: \"app\""))
        #expect(e.contains("spec.ephemeralContainers[1].targetContainerName: Not found: \"nope\""))
        for field in ["ports", "resources", "restartPolicy", "readinessProbe", "lifecycle"] {
            #expect(e.contains("spec.ephemeralContainers[1].\(field): Forbidden: cannot be set for an Ephemeral Container"), "\(field)")
        }
        #expect(e.contains("spec.ephemeralContainers[2].image: Invalid value: \" x:1\": must not have leading or trailing whitespace"))
        #expect(e.contains("spec.ephemeralContainers[2].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container"))
        #expect(e.contains("spec.ephemeralContainers[3].image: Required value"))
    }

    @Test func existingOnesMayNotBeRemovedOrChanged() throws {
        let one = try pod(#"[{"name":"debugger","image":"busybox:1.35"}]"#)
        #expect(update(try pod(), from: one) == ["spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger\" may not be removed\n"])
        let changed = update(try pod(#"[{"name":"debugger","image":"busybox:1.36"}]"#), from: one)
        #expect(changed.count == 1)
        #expect(changed.first?.hasPrefix("spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debugger\" may not be changed\n") == true)
        #expect(changed.first?.contains("busybox:1.36") == true)
        // Reordered is not changed: patches do not keep the order.
        let two = try pod(#"[{"name":"a","image":"x:1"},{"name":"b","image":"x:1"}]"#)
        #expect(update(try pod(#"[{"name":"b","image":"x:1"},{"name":"a","image":"x:1"}]"#), from: two) == [])
    }

    @Test func staticPodsRefuseThem() throws {
        let mirror = #"{"kubernetes.io/config.mirror":"abc"}"#
        let e = update(try pod(#"[{"name":"d","image":"x:1"}]"#, annotations: mirror), from: try pod(annotations: mirror))
        #expect(e == [": Forbidden: static pods do not support ephemeral containers"])
    }

    @Test func notOnCreateNorThroughThePodNorInTemplates() throws {
        let with = try pod(#"[{"name":"d","image":"x:1"}]"#)
        #expect(errors(Validator.validate(kind: "Pod", with)) == ["spec.ephemeralContainers: Forbidden: cannot be set on create"])
        let update = errors(Validator.validate(kind: "Pod", with, old: try pod()))
        #expect(update.count == 1 && update.first?.hasPrefix("spec: Forbidden: pod updates may not change fields other than") == true)
        var d = try JSONParser.parse(#"""
            {"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
             "spec":{"containers":[{"name":"c","image":"x:1"}],"ephemeralContainers":[{"name":"e","image":"x:1"}]}}}}
            """#)
        Defaulter().apply(kind: "Deployment", to: &d)
        #expect(errors(Validator.validate(kind: "Deployment", d))
            .contains("spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"))
    }
}
