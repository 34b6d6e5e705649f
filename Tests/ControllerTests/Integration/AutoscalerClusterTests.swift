import Foundation
import KubeAPI
import Testing
import TestSupport

/// HorizontalPodAutoscalers through the real kubectl: `kubectl autoscale`
/// (an autoscaling/v1 object, sent as protobuf) read back as v2, the
/// columns of `kubectl get hpa`, the controller bringing the target into
/// its bounds, its conditions and events when no usage can be read (the
/// fake nodes have no kubelet to ask), and the refusal of a target without
/// `scale`. Scaling on real CPU usage runs in the lab (LabWorkloadTests).
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct AutoscalerClusterTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: "nginx:1.25", resources: {requests: {cpu: 100m}}}]}
        """

    @Test func kubectlAutoscaleBringsTheTargetIntoItsBoundsAndSaysWhyItCannotMeasure() async throws {
        try await withCluster(args: ["--horizontal-pod-autoscaler-sync-period=1s"], nodes: [.init("n1")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.deployment)
            try await cp.must("autoscale", "deployment", "web", "--cpu-percent=50", "--min=2", "--max=4")
            // Stored once, served in both versions.
            #expect(try await cp.must("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "jsonpath={.spec.targetCPUUtilizationPercentage}") == "50")
            #expect(try await cp.must("get", "horizontalpodautoscalers.v2.autoscaling", "web", "-o", "jsonpath={.spec.metrics[0].resource.target.averageUtilization}") == "50")
            // Below minReplicas: scaled up at once.
            let replicas = { try await cp.must("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") }
            _ = try await TestEnv.eventually { try await replicas() == "2" }
            #expect(try await replicas() == "2")
            let events = { try await cp.must("get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler", "-o",
                                              "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}") }
            _ = try await TestEnv.eventually { try await events().contains("FailedGetResourceMetric") }
            let seen = try await events()
            #expect(seen.contains("SuccessfulRescale: New size: 2; reason: Current number of replicas below Spec.MinReplicas"), "\(seen)")
            #expect(seen.contains("FailedGetResourceMetric: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"), "\(seen)")
            let active = try await cp.must("get", "hpa", "web", "-o", "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].reason}")
            #expect(active == "FailedGetResourceMetric")
            let table = try await cp.must("get", "hpa", "web")
            #expect(table.hasPrefix("NAME   REFERENCE        TARGETS              MINPODS   MAXPODS   REPLICAS   AGE"), "\(table)")
            #expect(table.contains("Deployment/web   cpu: <unknown>/50%   2         4         2"), "\(table)")
            // Above maxReplicas after a manual scale: brought back down.
            try await cp.must("scale", "deployment", "web", "--replicas=7")
            _ = try await TestEnv.eventually { try await replicas() == "4" }
            #expect(try await replicas() == "4")
            #expect(try await cp.must("get", "hpa", "web", "-o", "jsonpath={.status.desiredReplicas}") == "4")
        }
    }

    /// A custom resource with a `scale` subresource is a target like a Deployment.
    @Test func aCustomResourceWithScaleIsBroughtIntoItsBounds() async throws {
        try await withCluster(args: ["--horizontal-pod-autoscaler-sync-period=1s"]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: widgets, singular: widget, kind: Widget}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    subresources:
                      status: {}
                      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec: {type: object, properties: {replicas: {type: integer}}}
                          status: {type: object, properties: {replicas: {type: integer}, selector: {type: string}}}
                """)
            _ = await TestEnv.eventually { (try? await cp.must("get", "widgets")) != nil }
            try await cp.must("apply", "-f", "-", stdin: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {replicas: 1}\n")
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: w}
                spec:
                  scaleTargetRef: {apiVersion: example.com/v1, kind: Widget, name: w}
                  minReplicas: 3
                  maxReplicas: 5
                  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
                """)
            let replicas = { try await cp.must("get", "widget", "w", "-o", "jsonpath={.spec.replicas}") }
            _ = try await TestEnv.eventually { try await replicas() == "3" }
            #expect(try await replicas() == "3")
            #expect(try await cp.must("get", "hpa", "w", "-o", "jsonpath={.status.desiredReplicas}") == "3")
        }
    }

    @Test func aTargetWithoutScaleAndBadBoundsAreRefusedWithTheField() async throws {
        try await withCluster { cp, _ in
            let configMap = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata: {name: cm}
                spec:
                  scaleTargetRef: {apiVersion: v1, kind: ConfigMap, name: settings}
                  maxReplicas: 3
                """)
            #expect(configMap.status != 0)
            #expect(configMap.output.contains("spec.scaleTargetRef.kind: Invalid value: \"ConfigMap\": ConfigMap has no scale subresource"), "\(configMap.output)")
            let bounds = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: autoscaling/v1
                kind: HorizontalPodAutoscaler
                metadata: {name: bounds}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
                  minReplicas: 5
                  maxReplicas: 3
                """)
            #expect(bounds.output.contains("spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"), "\(bounds.output)")
        }
    }
}
