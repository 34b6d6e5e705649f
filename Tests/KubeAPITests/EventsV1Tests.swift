import Testing
@testable import KubeAPI

/// `events.k8s.io/v1` events over core/v1 storage: the conversion, the
/// field labels of each version, and the validation each version gets.
@Suite struct EventsV1Tests {
    static let view: JSONValue = [
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": ["name": "web.1", "namespace": "default"],
        "eventTime": "2026-12-05T10:00:00.000000Z",
        "reportingController": "example.com/deployer", "reportingInstance": "deployer-1",
        "action": "Deploying", "reason": "Started", "type": "Normal", "note": "rollout started",
        "regarding": ["kind": "Deployment", "name": "web", "namespace": "default", "apiVersion": "apps/v1"],
    ]

    var info: ResourceInfo {
        get throws { try #require(ResourceCatalog.find(group: "events.k8s.io", plural: "events")) }
    }

    @Test func convertsFieldByFieldBothWays() throws {
        let info = try info
        let stored = info.toStorage(Self.view)
        #expect(stored["apiVersion"] == "v1")
        #expect(stored["message"] == "rollout started" && stored["note"] == nil)
        #expect(stored[path: ["involvedObject", "name"]] == "web" && stored["regarding"] == nil)
        #expect(stored["reportingComponent"] == "example.com/deployer")
        #expect(info.fromStorage(stored) == Self.view)
        // One storage: the same key prefix as core/v1 events.
        #expect(info.keyPrefix == "/registry/events/")
        #expect(info.key(namespace: "default", name: "web.1") == ResourceCatalog.info(for: Event.self).key(namespace: "default", name: "web.1"))
    }

    @Test func deprecatedFieldsCarryCoreOnlyOnesAndNamesOfTheOtherVersionDoNotAlias() throws {
        let info = try info
        let core: JSONValue = ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "p.1", "namespace": "default"],
                               "involvedObject": ["kind": "Pod", "name": "p"], "message": "pulled", "count": 3,
                               "source": ["component": "kubelet", "host": "node-1"], "firstTimestamp": "2026-12-05T10:00:00Z",
                               "note": "an unknown field of core/v1"]
        let view = info.fromStorage(core)
        #expect(view["note"] == "pulled")
        #expect(view["deprecatedCount"] == 3 && view[path: ["deprecatedSource", "host"]] == "node-1")
        #expect(view["deprecatedFirstTimestamp"] == "2026-12-05T10:00:00Z" && view["firstTimestamp"] == nil)
        // A view without `regarding` is stored with core's required involvedObject.
        var bare = Self.view
        bare["regarding"] = nil
        bare["message"] = "unknown in events.k8s.io/v1"
        let stored = info.toStorage(bare)
        #expect(stored["involvedObject"] == .emptyObject)
        #expect(stored["message"] == "rollout started")
    }

    @Test func fieldLabelsAreEachVersionsOwnAndMatchTheStoredForm() throws {
        let selector = try FieldSelector(parsing: "regarding.name=web,reportingController=example.com/deployer,source=x")
        let checked = try FieldLabels.check(selector, group: "events.k8s.io", kind: "Event")
        #expect(checked.terms.map(\.field) == ["involvedObject.name", "reportingComponent", "source.component"])
        #expect(throws: SelectorParseError.self) { try FieldLabels.check(try FieldSelector(parsing: "involvedObject.name=web"), group: "events.k8s.io", kind: "Event") }
        #expect(throws: SelectorParseError.self) { try FieldLabels.check(try FieldSelector(parsing: "regarding.name=web"), group: "", kind: "Event") }
        let core = try FieldLabels.check(try FieldSelector(parsing: "source=kubelet"), group: "", kind: "Event")
        #expect(core.matches(["source": ["component": "kubelet"]]))
    }

    func errors(_ apiVersion: String, _ obj: JSONValue, old: JSONValue? = nil) -> [String] {
        switch Validator.validate(apiVersion, kind: "Event", obj, old: old) {
        case .valid: return []
        case .invalid(let e): return e.map(\.description)
        case .undecodable(let m): return ["undecodable: " + m]
        }
    }

    @Test func eventsV1WritesAreValidatedStrictly() {
        #expect(errors("events.k8s.io/v1", Self.view) == [])
        var e = Self.view
        e["eventTime"] = nil
        e["type"] = "Odd"
        e["deprecatedCount"] = 1
        e["deprecatedSource"] = ["component": "kubelet"]
        e["series"] = ["count": 1]
        #expect(errors("events.k8s.io/v1", e) == [
            "series.count: Invalid value: \"\": should be at least 2",
            "series.lastObservedTime: Required value",
            "eventTime: Required value",
            "type: Invalid value: \"\": has invalid value: Odd",
            "count: Invalid value: \"\": needs to be unset",
            "source: Invalid value: \"\": needs to be unset",
        ])
        // The legacy checks hold for both versions: an event with an eventTime names its reporter.
        var anonymous = Self.view
        anonymous["reportingController"] = nil
        anonymous["action"] = nil
        #expect(errors("events.k8s.io/v1", anonymous).contains("reportingController: Required value"))
        #expect(errors("events.k8s.io/v1", anonymous).contains("action: Required value"))
        #expect(errors("v1", EventsV1Conversion.toStorage(anonymous)).contains("reportingController: Required value"))
        // A core/v1 event without an eventTime only has to be in its object's namespace.
        let old: JSONValue = ["metadata": ["name": "p.1", "namespace": "team-a"], "involvedObject": ["kind": "Pod", "name": "p", "namespace": "team-b"]]
        #expect(errors("v1", old) == ["involvedObject.namespace: Invalid value: \"team-b\": does not match event.namespace"])
    }

    @Test func eventsV1UpdatesKeepTheEventImmutable() {
        var changed = Self.view
        changed["note"] = "something else"
        changed["series"] = ["count": 2, "lastObservedTime": "2026-12-05T10:01:00.000000Z"]
        #expect(errors("events.k8s.io/v1", changed, old: Self.view) == [
            "message: Invalid value: \"something else\": field is immutable",
        ])
        // Through core/v1 anything goes (the legacy checks only), as upstream.
        #expect(errors("v1", EventsV1Conversion.toStorage(changed), old: EventsV1Conversion.toStorage(Self.view)) == [])
    }

    @Test func unknownFieldsAreThoseOfTheRequestVersion() throws {
        var e = Self.view
        e["message"] = "core's name"
        #expect(UnknownFieldCheck.unknownFields(try info, e) == ["message"])
        #expect(UnknownFieldCheck.unknownFields(try info, Self.view) == [])
    }
}
