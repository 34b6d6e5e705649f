import Foundation
import Testing
@testable import KubeAPI

/// Upstream's validation of Ingresses and IngressClasses (networking.k8s.io/v1).
@Suite struct NetworkingValidationTests {
    func errors(_ kind: String, _ obj: JSONValue, old: JSONValue? = nil) -> [String] {
        switch Validator.validate(kind: kind, obj, old: old) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static func ingress(_ spec: JSONValue, annotations: JSONValue? = nil) -> JSONValue {
        var meta: JSONValue = ["name": "web", "namespace": "default"]
        if let annotations { meta["annotations"] = annotations }
        return ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec]
    }

    static func rule(host: String? = nil, path: String = "/", pathType: String? = "Prefix",
                     backend: JSONValue = ["service": ["name": "web", "port": ["number": 80]]]) -> JSONValue {
        var p: JSONValue = ["path": .string(path), "backend": backend]
        if let pathType { p["pathType"] = .string(pathType) }
        var r: JSONValue = ["http": ["paths": [p]]]
        if let host { r["host"] = .string(host) }
        return r
    }

    @Test func validIngresses() {
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(host: "a.example.com"), Self.rule(host: "*.example.com", path: "/x", pathType: "Exact")]])) == [])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["name": "http"]]]])) == [])
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(path: "", pathType: "ImplementationSpecific")],
                                                "tls": [["hosts": ["a.example.com"], "secretName": "a-tls"]], "ingressClassName": "swiftkube"])) == [])
    }

    @Test func emptySpecNeedsRulesOrDefaultBackend() {
        #expect(errors("Ingress", Self.ingress(.emptyObject)) == ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"])
    }

    @Test func pathRules() {
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(path: "foo")]])) ==
            ["spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path"])
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(path: "/a//b", pathType: "Exact")]])) ==
            ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"])
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(path: "/a/..")]])) ==
            ["spec.rules[0].http.paths[0].path: Invalid value: \"/a/..\": cannot end with '/..'"])
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(pathType: nil)]])) ==
            ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"])
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(pathType: "Regex")]])) ==
            ["spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""])
    }

    @Test func hostRules() {
        #expect(errors("Ingress", Self.ingress(["rules": [Self.rule(host: "10.0.0.1")]])) ==
            ["spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"])
        let wildcard = errors("Ingress", Self.ingress(["rules": [Self.rule(host: "foo.*.example.com")]]))
        #expect(wildcard.count == 1 && wildcard[0].hasPrefix("spec.rules[0].host: Invalid value: \"foo.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.'"))
    }

    @Test func backendRules() {
        #expect(errors("Ingress", Self.ingress(["defaultBackend": .emptyObject])) ==
            ["spec.defaultBackend: Invalid value: \"\": resource or service backend is required"])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["number": 80]],
                                                                   "resource": ["kind": "Bucket", "name": "b"]]])) ==
            ["spec.defaultBackend: Invalid value: \"\": cannot set both resource and service backends"])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["number": 80, "name": "http"]]]])) ==
            ["spec.defaultBackend: Invalid value: \"\": cannot set both port name & port number"])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": .emptyObject]]])) ==
            ["spec.defaultBackend: Required value: port name or number is required"])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["number": 70000]]]])) ==
            ["spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive"])
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["name": "HTTP"]]]])) ==
            ["spec.defaultBackend.service.port.name: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
             "spec.defaultBackend.service.port.name: Invalid value: \"HTTP\": must contain at least one letter (a-z)"])
    }

    @Test func classAnnotationMustMatchClassName() {
        #expect(errors("Ingress", Self.ingress(["defaultBackend": ["service": ["name": "web", "port": ["number": 80]]], "ingressClassName": "a"],
                                               annotations: ["kubernetes.io/ingress.class": "b"])) ==
            ["annotations.kubernetes.io/ingress.class: Invalid value: \"b\": must match `ingressClassName` when both are specified"])
    }

    static func ingressClass(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": ["name": "swiftkube"], "spec": spec]
    }

    @Test func ingressClasses() {
        #expect(errors("IngressClass", Self.ingressClass(["controller": "swiftkube.io/ingress-controller"])) == [])
        #expect(errors("IngressClass", Self.ingressClass(.emptyObject)) == ["spec.controller: Required value"])
        #expect(errors("IngressClass", Self.ingressClass(["controller": "nginx"])) ==
            ["spec.controller: Invalid value: \"nginx\": must be a domain-prefixed path (such as \"acme.io/foo\")"])
        #expect(errors("IngressClass", Self.ingressClass(["controller": "a.io/b", "parameters": ["kind": "K", "name": "n", "scope": "Cluster", "namespace": "x"]])) ==
            ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"])
        #expect(errors("IngressClass", Self.ingressClass(["controller": "a.io/c"]), old: Self.ingressClass(["controller": "a.io/b"])) ==
            ["spec.controller: Invalid value: \"a.io/c\": field is immutable"])
    }
}
