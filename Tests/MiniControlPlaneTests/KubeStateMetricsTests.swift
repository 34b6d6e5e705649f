import KubeAPI
import HTTPServing
import Testing
@testable import MiniControlPlane

/// Object-state metrics under kube-state-metrics' names, labels and values.
@Suite struct KubeStateMetricsTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func podsNodesAndWorkloads() throws {
        var s = KubeStateMetrics.Snapshot()
        s.pods = [try Self.json("""
            {"metadata":{"name":"web-1","namespace":"shop","uid":"u1","creationTimestamp":"2026-12-07T10:00:00Z",
              "ownerReferences":[{"kind":"ReplicaSet","name":"web-5d","controller":true}]},
             "spec":{"nodeName":"node-1","containers":[{"name":"app","image":"busybox:1.35",
               "resources":{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}]},
             "status":{"phase":"Running","podIP":"10.244.1.5","hostIP":"10.99.0.11",
               "conditions":[{"type":"Ready","status":"False"},{"type":"PodScheduled","status":"True"}],
               "containerStatuses":[{"name":"app","image":"busybox:1.35","imageID":"sha256:abc","containerID":"swiftrun://k8s-u1-app-3",
                 "ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
                 "lastState":{"terminated":{"reason":"Error","exitCode":2}}}]}}
            """)]
        s.nodes = [try Self.json("""
            {"metadata":{"name":"node-1"},"spec":{"podCIDR":"10.244.1.0/24","unschedulable":true,
              "taints":[{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"}]},
             "status":{"capacity":{"cpu":"2","memory":"4Gi","pods":"110"},"allocatable":{"cpu":"1500m"},
               "conditions":[{"type":"Ready","status":"Unknown"}],"addresses":[{"type":"InternalIP","address":"10.99.0.11"}],
               "nodeInfo":{"kubeletVersion":"v1.32.0","kernelVersion":"6.1"}}}
            """)]
        s.deployments = [try Self.json("""
            {"metadata":{"name":"web","namespace":"shop","generation":4},"spec":{"replicas":3},
             "status":{"replicas":3,"availableReplicas":2,"unavailableReplicas":1,"observedGeneration":4,
               "conditions":[{"type":"Available","status":"False"}]}}
            """)]
        s.jobs = [try Self.json("""
            {"metadata":{"name":"backup","namespace":"ops"},"spec":{"completions":1},"status":{"failed":2,"conditions":[{"type":"Failed","status":"True"}]}}
            """)]
        s.persistentVolumeClaims = [try Self.json("""
            {"metadata":{"name":"data","namespace":"shop"},"spec":{"storageClassName":"local-path","resources":{"requests":{"storage":"1Gi"}}},
             "status":{"phase":"Bound"}}
            """)]
        let text = KubeStateMetrics.render(s)
        let pod = "namespace=\"shop\",pod=\"web-1\",uid=\"u1\""
        for line in [
            "kube_pod_status_phase{\(pod),phase=\"Running\"} 1",
            "kube_pod_status_phase{\(pod),phase=\"Pending\"} 0",
            "kube_pod_status_ready{\(pod),condition=\"false\"} 1",
            "kube_pod_info{\(pod),host_ip=\"10.99.0.11\",pod_ip=\"10.244.1.5\",node=\"node-1\",created_by_kind=\"ReplicaSet\",created_by_name=\"web-5d\",priority_class=\"\",host_network=\"false\"} 1",
            "kube_pod_container_status_restarts_total{\(pod),container=\"app\"} 3",
            "kube_pod_container_status_waiting_reason{\(pod),container=\"app\",reason=\"CrashLoopBackOff\"} 1",
            "kube_pod_container_status_last_terminated_reason{\(pod),container=\"app\",reason=\"Error\"} 1",
            "kube_pod_container_status_last_terminated_exitcode{\(pod),container=\"app\"} 2",
            "kube_pod_container_resource_requests{\(pod),container=\"app\",node=\"node-1\",resource=\"cpu\",unit=\"core\"} 0.25",
            "kube_pod_container_resource_limits{\(pod),container=\"app\",node=\"node-1\",resource=\"memory\",unit=\"byte\"} 134217728",
            "kube_pod_created{\(pod)} 1796637600",
            "kube_node_status_condition{node=\"node-1\",condition=\"Ready\",status=\"unknown\"} 1",
            "kube_node_status_condition{node=\"node-1\",condition=\"Ready\",status=\"true\"} 0",
            "kube_node_status_capacity{node=\"node-1\",resource=\"memory\",unit=\"byte\"} 4294967296",
            "kube_node_status_allocatable{node=\"node-1\",resource=\"cpu\",unit=\"core\"} 1.5",
            "kube_node_spec_unschedulable{node=\"node-1\"} 1",
            "kube_node_spec_taint{node=\"node-1\",key=\"node.kubernetes.io/unschedulable\",value=\"\",effect=\"NoSchedule\"} 1",
            "kube_deployment_status_replicas_available{namespace=\"shop\",deployment=\"web\"} 2",
            "kube_deployment_spec_replicas{namespace=\"shop\",deployment=\"web\"} 3",
            "kube_deployment_status_condition{namespace=\"shop\",deployment=\"web\",condition=\"Available\",status=\"false\"} 1",
            "kube_job_failed{namespace=\"ops\",job_name=\"backup\",condition=\"true\"} 1",
            "kube_job_status_succeeded{namespace=\"ops\",job_name=\"backup\"} 0",
            "kube_persistentvolumeclaim_status_phase{namespace=\"shop\",persistentvolumeclaim=\"data\",phase=\"Bound\"} 1",
            "kube_persistentvolumeclaim_resource_requests_storage_bytes{namespace=\"shop\",persistentvolumeclaim=\"data\"} 1073741824",
            "# TYPE kube_pod_container_status_restarts_total counter",
            "# TYPE kube_statefulset_replicas gauge",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }
}

/// The exposition format's escaping, which one bad label value must not break.
@Suite struct PrometheusExpositionTests {
    @Test func labelValuesAreEscapedByScalar() {
        var out = PrometheusExposition()
        out.family("x", .gauge, "help", [.init([("os_image", "Debian\r\n\"12\" \\ ok")], 1)])
        #expect(out.text == "# HELP x help\n# TYPE x gauge\nx{os_image=\"Debian\r\\n\\\"12\\\" \\\\ ok\"} 1\n")
        #expect(PrometheusExposition.format(.nan) == "NaN" && PrometheusExposition.format(-.infinity) == "-Inf")
    }
}
