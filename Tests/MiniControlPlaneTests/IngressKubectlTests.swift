import Foundation
import KubeAPI
import Testing
import TestSupport

/// Ingresses and IngressClasses through the real kubectl: the
/// DefaultIngressClass admission plugin, upstream's validation messages and
/// the `kubectl get` columns.
@Suite(.requires(.product("controlplane"), .kubectl))
struct IngressKubectlTests {
    static let defaultClass = """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: swiftkube, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
        spec: {controller: swiftkube.io/ingress-controller}
        """

    static func ingress(_ name: String, path: String = "/", host: String = "a.example.com") -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: \(name)}
        spec:
          tls: [{hosts: [\(host)], secretName: a-tls}]
          rules:
          - host: \(host)
            http:
              paths: [{path: \(path), pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
        """
    }

    @Test func defaultClassValidationAndColumns() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.defaultClass)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.ingress("web"))
            #expect(r.status == 0 && r.stdout.contains("ingress.networking.k8s.io/web created"), "\(r.output)")
            // The default class was given at creation.
            r = try c.kubectl("get", "ingress", "web", "-o", "jsonpath={.spec.ingressClassName}/{.metadata.generation}")
            #expect(r.stdout == "swiftkube/1", "\(r.output)")
            r = try c.kubectl("get", "ingress", "web")
            let header = r.stdout.split(separator: "\n").first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } ?? []
            #expect(header == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], "\(r.output)")
            #expect(r.stdout.contains("a.example.com") && r.stdout.contains("80, 443"), "\(r.output)")
            r = try c.kubectl("get", "ingressclass")
            #expect(r.stdout.contains("CONTROLLER") && r.stdout.contains("PARAMETERS") && r.stdout.contains("swiftkube.io/ingress-controller"), "\(r.output)")
            r = try c.kubectl("get", "ing")
            #expect(r.status == 0 && r.stdout.contains("web"), "\(r.output)")

            // Invalid: 422 with upstream's message.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.ingress("bad", path: "relative"))
            #expect(r.status != 0 && r.stderr.contains("spec.rules[0].http.paths[0].path: Invalid value: \"relative\": must be an absolute path"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.ingress("ip", host: "10.0.0.1"))
            #expect(r.status != 0 && r.stderr.contains("must be a DNS name, not an IP address"), "\(r.output)")

            // Two default classes: a class-less ingress is refused, as upstream's plugin does.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.defaultClass.replacingOccurrences(of: "name: swiftkube", with: "name: other"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.ingress("second", host: "b.example.com"))
            #expect(r.status != 0 && r.stderr.contains("2 default IngressClasses were found, only 1 allowed"), "\(r.output)")

            // The controller of a class is immutable.
            r = try c.kubectl("patch", "ingressclass", "other", "--type=merge", "-p", #"{"spec":{"controller":"example.com/other"}}"#)
            #expect(r.status != 0 && r.stderr.contains("field is immutable"), "\(r.output)")
        }
    }
}
