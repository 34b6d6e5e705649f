import Foundation
import KubeAPI
import Testing
import TestSupport

/// ValidatingAdmissionPolicy through the real kubectl: upstream's documented
/// example (replicas at most 5 in namespaces labelled `environment: test`),
/// variables, parameters from a ConfigMap with a message expression and the
/// `Warn` action, a binding whose parameters are missing under
/// `parameterNotFoundAction: Deny`, and bad policies and bindings refused
/// with upstream's field errors.
@Suite(.requires(.product("controlplane"), .kubectl))
struct AdmissionPolicyKubectlTests {
    static let policies = """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: demo-policy.example.com}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [apps]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [deployments]
          variables: [{name: replicas, expression: "object.spec.replicas"}]
          validations:
          - expression: "variables.replicas <= 5"
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: demo-binding-test.example.com}
        spec:
          policyName: demo-policy.example.com
          validationActions: [Deny]
          matchResources:
            namespaceSelector: {matchLabels: {environment: test}}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: replica-limit}
        spec:
          paramKind: {apiVersion: v1, kind: ConfigMap}
          matchConstraints:
            resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
          validations:
          - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
            messageExpression: "'replicas must be at most ' + params.data.maxReplicas"
            reason: Forbidden
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: replica-limit-warn}
        spec:
          policyName: replica-limit
          paramRef: {name: limits}
          validationActions: [Warn]
          matchResources:
            namespaceSelector: {matchLabels: {limits: "yes"}}
        """

    @Test func policiesDenyWarnAndTakeParameters() async throws {
        try await withCluster(.sqlite) { c in
            for (ns, labels) in [("test", "environment=test"), ("limited", "limits=yes"), ("unlimited", "limits=yes")] {
                #expect(try c.kubectl("create", "namespace", ns).status == 0)
                #expect(try c.kubectl("label", "namespace", ns, labels).status == 0)
            }
            #expect(try c.kubectl("create", "configmap", "limits", "-n", "limited", "--from-literal=maxReplicas=3").status == 0)
            var r = try c.kubectl(["apply", "-f", "-"], stdin: Self.policies)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "validatingadmissionpolicies")
            #expect(r.stdout.contains("VALIDATIONS") && r.stdout.contains("v1/ConfigMap"), "\(r.output)")
            r = try c.kubectl("get", "validatingadmissionpolicybindings")
            #expect(r.stdout.contains("*/limits"), "\(r.output)")

            // Upstream's example: denied in the labelled namespace, with upstream's message.
            r = try c.kubectl("create", "deployment", "big", "--image=busybox:1.35", "--replicas=10", "-n", "test")
            #expect(r.status != 0)
            #expect(r.stderr.contains("ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: variables.replicas <= 5"),
                    "\(r.output)")
            #expect(try c.kubectl("create", "deployment", "big", "--image=busybox:1.35", "--replicas=10").status == 0)
            #expect(try c.kubectl("create", "deployment", "small", "--image=busybox:1.35", "--replicas=2", "-n", "test").status == 0)

            // Parameters and Warn: allowed, with the message expression's warning.
            r = try c.kubectl("create", "deployment", "four", "--image=busybox:1.35", "--replicas=4", "-n", "limited")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stderr.contains("Warning: Validation failed for ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-warn': replicas must be at most 3"),
                    "\(r.output)")
            // No parameters where the binding needs them: a misconfiguration, refused under failurePolicy Fail.
            r = try c.kubectl("create", "deployment", "four", "--image=busybox:1.35", "--replicas=4", "-n", "unlimited")
            #expect(r.status != 0)
            #expect(r.stderr.contains("failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"), "\(r.output)")

            // Bad policies and bindings.
            let bad = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: bad}
                spec:
                  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]}
                  validations: [{expression: "object.spec.replicas <=", reason: Teapot}]
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: bad}
                spec: {policyName: bad, validationActions: [Deny, Warn]}
                """
            r = try c.kubectl(["apply", "-f", "-"], stdin: bad)
            #expect(r.status != 0)
            for message in [#"spec.validations[0].expression: Invalid value: "object.spec.replicas <=": compilation failed"#,
                            #"spec.validations[0].reason: Unsupported value: "Teapot""#,
                            "spec.validationActions: Invalid value: []string{\"Deny\", \"Warn\"}: must not contain both Deny and Warn"] {
                #expect(r.stderr.contains(message), "\(message)\n\(r.output)")
            }

            // The authorizer library: a protected ConfigMap only from someone who may also delete ConfigMaps there.
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: protected-configmaps}
                spec:
                  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]}
                  validations:
                  - expression: "!('protected' in object.data) || authorizer.requestResource.check('delete').allowed()"
                    messageExpression: "'%s may not create protected ConfigMaps in %s'.format([request.userInfo.username, request.namespace])"
                  - expression: "authorizer.serviceAccount('kube-system', 'nobody').group('').resource('secrets').check('list').allowed() == false"
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: protected-configmaps}
                spec:
                  policyName: protected-configmaps
                  validationActions: [Deny]
                  matchResources: {namespaceSelector: {matchLabels: {environment: test}}}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: writer, namespace: test}
                rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, create]}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: owner, namespace: test}
                rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, create, delete]}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: jane-writer, namespace: test}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: writer}
                subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: joe-owner, namespace: test}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: owner}
                subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: joe}]
                """)
            #expect(r.status == 0, "\(r.output)")
            let protected = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p, namespace: test}\ndata: {protected: \"yes\"}\n"
            r = try c.kubectl(["create", "-f", "-", "--as=jane"], stdin: protected)
            #expect(r.status != 0 && r.stderr.contains("ValidatingAdmissionPolicy 'protected-configmaps' with binding 'protected-configmaps' denied request: jane may not create protected ConfigMaps in test"),
                    "\(r.output)")
            r = try c.kubectl(["create", "-f", "-", "--as=jane"], stdin: protected.replacingOccurrences(of: "protected: \"yes\"", with: "plain: \"yes\"").replacingOccurrences(of: "name: p,", with: "name: plain,"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["create", "-f", "-", "--as=joe"], stdin: protected)
            #expect(r.status == 0, "\(r.output)")
        }
    }

    /// The `Audit` action and `auditAnnotations`: the write is allowed and
    /// its audit event carries the failures under
    /// `validation.policy.admission.k8s.io/validation_failure` and the
    /// policy's annotations under `POLICY/KEY`.
    @Test func auditActionAndAnnotationsReachTheAuditLog() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let auditPolicy = dir.appendingPathComponent("policy.yaml")
        try "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules: [{level: Metadata}]\n"
            .write(to: auditPolicy, atomically: true, encoding: .utf8)
        let logPath = dir.appendingPathComponent("audit.log")
        try await withCluster(.sqlite, extraArgs: ["--audit-log-path", logPath.path, "--audit-policy-file", auditPolicy.path]) { c in
            let audited = """
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicy
                metadata: {name: replicas-audit}
                spec:
                  matchConstraints:
                    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
                  validations:
                  - expression: "object.spec.replicas <= 2"
                    message: "too many replicas"
                  auditAnnotations:
                  - key: replicas
                    valueExpression: "string(object.spec.replicas)"
                ---
                apiVersion: admissionregistration.k8s.io/v1
                kind: ValidatingAdmissionPolicyBinding
                metadata: {name: replicas-audit}
                spec: {policyName: replicas-audit, validationActions: [Audit]}
                """
            var r = try c.kubectl(["apply", "-f", "-"], stdin: audited)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("create", "deployment", "many", "--image=busybox:1.35", "--replicas=4")
            #expect(r.status == 0 && !r.stderr.contains("Warning"), "\(r.output)")
            let events = try String(contentsOf: logPath, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
            let create = try #require(events.first {
                $0["verb"] == "create" && $0[path: ["objectRef", "resource"]] == "deployments" && $0[path: ["objectRef", "name"]] == "many"
            })
            #expect(create[path: ["annotations", "replicas-audit/replicas"]] == "4", "\(JSONWriter.string(create))")
            let failure = try #require(create[path: ["annotations", "validation.policy.admission.k8s.io/validation_failure"]]?.stringValue)
            let failures = try JSONParser.parse(Array(failure.utf8))
            #expect(failures.arrayValue?.first?["message"] == "too many replicas" && failures.arrayValue?.first?["policy"] == "replicas-audit"
                    && failures.arrayValue?.first?["binding"] == "replicas-audit" && failures.arrayValue?.first?["validationActions"] == ["Audit"],
                    "\(failure)")
        }
    }
}
