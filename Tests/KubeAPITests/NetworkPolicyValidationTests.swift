import Foundation
import Testing
@testable import KubeAPI

/// Upstream's defaulting and validation of NetworkPolicies (networking.k8s.io/v1).
@Suite struct NetworkPolicyValidationTests {
    func defaulted(_ spec: JSONValue) -> JSONValue {
        var o: JSONValue = ["apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "np", "namespace": "default"], "spec": spec]
        Defaulter().apply(kind: "NetworkPolicy", to: &o)
        return o
    }

    func errors(_ spec: JSONValue) -> [String] {
        switch Validator.validate(kind: "NetworkPolicy", defaulted(spec), old: nil) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    @Test func policyTypesAndProtocolsAreDefaulted() {
        let ingressOnly = defaulted(["podSelector": .emptyObject, "ingress": [["ports": [["port": 80]]]]])
        #expect(ingressOnly[path: ["spec", "policyTypes"]] == ["Ingress"])
        #expect(ingressOnly[path: ["spec", "ingress"]]?.arrayValue?.first?["ports"]?.arrayValue?.first?["protocol"] == "TCP")
        let both = defaulted(["podSelector": .emptyObject, "egress": [["ports": [["port": 53, "protocol": "UDP"]]]]])
        #expect(both[path: ["spec", "policyTypes"]] == ["Ingress", "Egress"])
        let stated = defaulted(["podSelector": .emptyObject, "policyTypes": ["Egress"]])
        #expect(stated[path: ["spec", "policyTypes"]] == ["Egress"])
        #expect(defaulted(.emptyObject)[path: ["spec", "podSelector"]] == .emptyObject)
    }

    @Test func validPolicies() {
        #expect(errors(["podSelector": .emptyObject]) == [])
        #expect(errors(["podSelector": ["matchLabels": ["app": "db"]],
                        "ingress": [["from": [["namespaceSelector": ["matchLabels": ["team": "a"]], "podSelector": ["matchLabels": ["role": "client"]]],
                                              ["ipBlock": ["cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]]]],
                                     "ports": [["port": "http"], ["port": 8000, "endPort": 8100, "protocol": "UDP"], ["protocol": "SCTP"]]]],
                        "egress": [["to": [["ipBlock": ["cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]]]]]]]) == [])
    }

    @Test func invalidCIDRsGetUpstreamsMessage() {
        #expect(errors(["podSelector": .emptyObject, "ingress": [["from": [["ipBlock": ["cidr": "10.0.0.0/33"]]]]]])
                == [#"spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#])
        #expect(errors(["podSelector": .emptyObject, "egress": [["to": [["ipBlock": ["cidr": "10.0.0.0/8", "except": ["11.0.0.0/16", "10.0.0.0/8", "x"]]]]]]])
                == [#"spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`"#,
                    #"spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`"#,
                    #"spec.egress[0].to[0].ipBlock.except[2]: Invalid value: "x": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#])
    }

    @Test func portsPeersAndTypes() {
        #expect(errors(["podSelector": .emptyObject, "ingress": [["ports": [["port": 80, "endPort": 70], ["port": "http", "endPort": 90],
                                                                             ["port": 0], ["protocol": "ICMP"], ["port": "Bad--Name"]]]]])
                == ["spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`",
                    "spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
                    "spec.ingress[0].ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                    #"spec.ingress[0].ports[3].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP""#,
                    #"spec.ingress[0].ports[4].port: Invalid value: "Bad--Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"#,
                    #"spec.ingress[0].ports[4].port: Invalid value: "Bad--Name": must not contain consecutive hyphens"#])
        #expect(errors(["podSelector": .emptyObject, "ingress": [["from": [.emptyObject, ["podSelector": .emptyObject, "ipBlock": ["cidr": "10.0.0.0/8"]]]]]])
                == ["spec.ingress[0].from[0]: Required value: must specify a peer",
                    "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer"])
        #expect(errors(["podSelector": .emptyObject, "policyTypes": ["Ingress", "Sideways"]])
                == [#"spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress""#])
    }
}
