import Testing
@testable import KubeAPI

@Suite struct DefaultingTests {
    @Test func podDefaults() throws {
        var pod = try JSONParser.parse(Fixtures.podJSON)
        pod.set(path: ["spec", "containers"], to: [
            ["name": "a", "image": "busybox", "ports": [["containerPort": 80]],
             "readinessProbe": ["httpGet": ["port": 80]]],
            ["name": "b", "image": "registry:5000/app:1.0"],
            ["name": "c", "image": "app:latest"],
            ["name": "d", "image": "app@sha256:abc"],
        ])
        Defaulter().apply(kind: "Pod", to: &pod)
        let spec = try #require(pod["spec"])
        #expect(spec["restartPolicy"] == "Always")
        #expect(spec["dnsPolicy"] == "ClusterFirst")
        #expect(spec["terminationGracePeriodSeconds"] == 30)
        #expect(spec["schedulerName"] == "default-scheduler")
        #expect(spec["serviceAccountName"] == nil, "named by the ServiceAccount admission plugin, not by defaulting")
        let cs = try #require(spec["containers"]?.arrayValue)
        #expect(cs.map { $0["imagePullPolicy"] } == ["Always", "IfNotPresent", "Always", "IfNotPresent"])
        #expect(cs[0][path: ["ports"]]?.arrayValue?.first?["protocol"] == "TCP")
        #expect(cs[0]["terminationMessagePath"] == "/dev/termination-log")
        #expect(cs[0][path: ["readinessProbe", "periodSeconds"]] == 10)
        #expect(cs[0][path: ["readinessProbe", "httpGet", "scheme"]] == "HTTP")
        #expect(spec["tolerations"] == nil, "added by the DefaultTolerationSeconds admission plugin, not by defaulting")
        #expect(pod[path: ["status", "phase"]] == "Pending")
        #expect(pod[path: ["status", "qosClass"]] == "BestEffort")
        #expect(pod["futureTopLevel"] == "kept")
    }

    @Test func requestsDefaultFromLimitsAndQoS() {
        var pod: JSONValue = ["spec": ["containers": [["name": "a", "image": "x:1",
                                                       "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]]]]]
        Defaulter().apply(kind: "Pod", to: &pod)
        #expect(pod[path: ["spec", "containers"]]?.arrayValue?[0][path: ["resources", "requests", "cpu"]] == "1")
        #expect(pod[path: ["status", "qosClass"]] == "Guaranteed")
    }

    @Test func deploymentDefaults() {
        var d: JSONValue = ["spec": ["selector": ["matchLabels": ["a": "b"]],
                                     "template": ["metadata": ["labels": ["a": "b"]], "spec": ["containers": [["name": "c", "image": "x:1"]]]]]]
        Defaulter().apply(kind: "Deployment", to: &d)
        #expect(d.value(at: "spec.replicas") == 1)
        #expect(d.value(at: "spec.strategy.type") == "RollingUpdate")
        #expect(d.value(at: "spec.strategy.rollingUpdate.maxSurge") == "25%")
        #expect(d.value(at: "spec.strategy.rollingUpdate.maxUnavailable") == "25%")
        #expect(d.value(at: "spec.revisionHistoryLimit") == 10)
        #expect(d.value(at: "spec.progressDeadlineSeconds") == 600)
        #expect(d.value(at: "spec.template.spec.restartPolicy") == "Always")
        #expect(d.value(at: "spec.template.spec.serviceAccountName") == nil)
    }

    @Test func serviceDefaults() {
        var s: JSONValue = ["spec": ["ports": [["port": 80]], "type": "NodePort"]]
        Defaulter().apply(kind: "Service", to: &s)
        let p = s.value(at: "spec.ports")?.arrayValue?.first
        #expect(p?["targetPort"] == 80)
        #expect(p?["protocol"] == "TCP")
        #expect(s.value(at: "spec.sessionAffinity") == "None")
        #expect(s.value(at: "spec.externalTrafficPolicy") == "Cluster")
        #expect(s.value(at: "spec.internalTrafficPolicy") == "Cluster")
    }
}

@Suite struct ValidationTests {
    func errors(_ kind: String, _ json: String, old: String? = nil) throws -> [String] {
        var v = try JSONParser.parse(json)
        Defaulter().apply(kind: kind, to: &v)
        var o = try old.map { try JSONParser.parse($0) }
        if o != nil { Defaulter().apply(kind: kind, to: &o!) }
        switch Validator.validate(kind: kind, v, old: o) {
        case .valid: return []
        case .invalid(let e): return e.map(\.description)
        case .undecodable(let m): return ["undecodable: " + m]
        }
    }

    @Test func validPodPasses() throws {
        #expect(try errors("Pod", Fixtures.podJSON) == [])
    }

    @Test func podFieldErrors() throws {
        let e = try errors("Pod", #"""
            {"metadata":{"name":"Bad_Name","labels":{"a b":"c"}},"spec":{"restartPolicy":"Sometimes","containers":[
             {"name":"c","ports":[{"containerPort":70000}],"volumeMounts":[{"name":"nope","mountPath":"/x"}],
              "resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}},{"name":"c","image":"x:1"}]}}
            """#)
        #expect(e.contains { $0.hasPrefix("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain") })
        #expect(e.contains { $0.hasPrefix("metadata.labels: Invalid value: \"a b\"") })
        #expect(e.contains("spec.containers[0].image: Required value"))
        #expect(e.contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"))
        #expect(e.contains("spec.containers[0].volumeMounts[0].name: Not found: \"nope\""))
        #expect(e.contains("spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"))
        #expect(e.contains("spec.containers[1].name: Duplicate value: \"c\""))
        #expect(e.contains("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\""))
    }

    @Test func missingContainersIsRequired() throws {
        #expect(try errors("Pod", #"{"metadata":{"name":"p"},"spec":{}}"#) == ["spec.containers: Required value"])
        #expect(try errors("Pod", #"{"metadata":{"name":"p"},"spec":{"containers":[]}}"#) == ["spec.containers: Required value"])
    }

    @Test func wrongTypesAreUndecodable() throws {
        let e = try errors("Deployment", #"{"metadata":{"name":"d"},"spec":{"replicas":"three"}}"#)
        #expect(e.first?.hasPrefix("undecodable:") == true)
    }

    @Test func podSpecIsImmutableExceptImage() throws {
        let old = #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x:1"}]}}"#
        #expect(try errors("Pod", #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x:2"}]}}"#, old: old) == [])
        let e = try errors("Pod", #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x:1","command":["sh"]}]}}"#, old: old)
        #expect(e.count == 1 && e[0].hasPrefix("spec: Forbidden: pod updates may not change fields other than"))
    }

    @Test func deploymentSelectorRules() throws {
        let base = #"{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"SEL"}},"spec":{"containers":[{"name":"c","image":"x:1"}]}}}}"#
        #expect(try errors("Deployment", base.replacingOccurrences(of: "SEL", with: "a")) == [])
        let mismatch = try errors("Deployment", base.replacingOccurrences(of: "SEL", with: "b"))
        #expect(mismatch == ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`"])
        let changed = base.replacingOccurrences(of: "SEL", with: "a")
        let newSel = changed.replacingOccurrences(of: "{\"app\":\"a\"}}", with: "{\"app\":\"a\",\"x\":\"y\"}}")
            .replacingOccurrences(of: "\"labels\":{\"app\":\"a\"}", with: "\"labels\":{\"app\":\"a\",\"x\":\"y\"}")
        let immut = try errors("Deployment", newSel, old: changed)
        #expect(immut.contains { $0.hasPrefix("spec.selector: Invalid value:") && $0.hasSuffix("field is immutable") })
        let neg = try errors("Deployment", changed.replacingOccurrences(of: "\"spec\":{\"selector\"", with: "\"spec\":{\"replicas\":-1,\"selector\""))
        #expect(neg == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"])
    }

    @Test func serviceRules() throws {
        let e = try errors("Service", #"{"metadata":{"name":"1svc"},"spec":{"type":"Weird","ports":[{"port":0},{"port":80,"name":"a"}]}}"#)
        #expect(e.contains { $0.hasPrefix("metadata.name: Invalid value: \"1svc\": a DNS-1035 label") })
        #expect(e.contains { $0.hasPrefix("spec.type: Unsupported value: \"Weird\"") })
        #expect(e.contains("spec.ports[0].name: Required value"))
        #expect(e.contains("spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"))
        #expect(try errors("Service", #"{"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}"#) == [])
    }

    @Test func nodeTaintEffects() throws {
        let e = try errors("Node", #"{"metadata":{"name":"n"},"spec":{"taints":[{"key":"k","effect":"Sometimes"}]}}"#)
        #expect(e == ["spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""])
    }

    @Test func statusObjectForInvalid() {
        let s = invalidStatus(kind: "Pod", group: "", name: "p", errors: [.required("spec.containers[0].image")])
        #expect(s.code == 422)
        #expect(s.reason == "Invalid")
        #expect(s.message == "Pod \"p\" is invalid: spec.containers[0].image: Required value")
        #expect(s.details?.causes?.first?.reason == "FieldValueRequired")
        #expect(s.details?.causes?.first?.field == "spec.containers[0].image")
    }
}
