import Foundation
import Testing
import TestSupport

/// An operator written with kopf (the Kubernetes Operator Pythonic Framework,
/// from PyPI) runs against the cluster: it watches its custom resource,
/// creates a Deployment owned by it and patches its status; the Deployment's
/// pods run, and deleting the custom object takes the Deployment with it
/// (garbage collection through the owner reference kopf set).
@Suite(.requires(.product("controlplane"), .kubectl, .kopf))
struct OperatorFrameworkTests {
    static let definition = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: webapps.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: webapps, singular: webapp, kind: WebApp}
          versions:
          - name: v1
            served: true
            storage: true
            subresources: {status: {}}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [image]
                    properties: {image: {type: string}, replicas: {type: integer, minimum: 1}}
                  status: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """

    static let operatorSource = """
        import kopf
        import kubernetes

        @kopf.on.startup()
        def configure(settings: kopf.OperatorSettings, **_):
            settings.watching.server_timeout = 30

        @kopf.on.create('example.com', 'v1', 'webapps')
        def create_fn(spec, name, namespace, patch, logger, **_):
            deployment = {
                'apiVersion': 'apps/v1', 'kind': 'Deployment',
                'metadata': {'name': name, 'labels': {'app': name}},
                'spec': {
                    'replicas': spec.get('replicas', 1),
                    'selector': {'matchLabels': {'app': name}},
                    'template': {'metadata': {'labels': {'app': name}},
                                 'spec': {'containers': [{'name': 'web', 'image': spec['image']}]}},
                },
            }
            kopf.adopt(deployment)
            kubernetes.config.load_kube_config()
            kubernetes.client.AppsV1Api().create_namespaced_deployment(namespace, deployment)
            logger.info(f'deployment {name} created')
            patch.status['phase'] = 'Deployed'
            return {'deployment': name}
        """

    @Test func aKopfOperatorReconcilesItsResourceIntoARunningDeployment() async throws {
        let python = try #require(TestPaths.kopf, "the suite's requirement installed kopf")
        try await withCluster(nodes: [.init("n1")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.definition)
            _ = await TestEnv.eventually { (try? await cp.must("get", "webapps")) != nil }
            let source = cp.dir.appendingPathComponent("operator.py")
            try Self.operatorSource.write(to: source, atomically: true, encoding: .utf8)
            let kopf = try ChildProcess(python, ["-m", "kopf", "run", "--standalone", "--namespace", "default", "--verbose", source.path],
                                        log: cp.dir.appendingPathComponent("kopf.log"),
                                        env: ["KUBECONFIG": cp.kubeconfig.path, "PATH": "/usr/bin:/bin", "HOME": cp.dir.path])
            defer { kopf.stop() }

            try await cp.must("apply", "-f", "-", stdin: "apiVersion: example.com/v1\nkind: WebApp\nmetadata: {name: shop}\nspec: {image: \"nginx:1.25\", replicas: 2}\n")
            let status = { (try? await cp.must("get", "webapp", "shop", "-o", "jsonpath={.status.phase} {.status.create_fn.deployment}")) ?? "" }
            _ = await TestEnv.eventually { await status() == "Deployed shop" }
            #expect(await status() == "Deployed shop", "kopf's log:\n\(kopf.log.suffix(4000))")
            let owner = try await cp.must("get", "deployment", "shop", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}")
            #expect(owner == "WebApp/shop")
            let ready = { (try? await cp.must("get", "deployment", "shop", "-o", "jsonpath={.status.readyReplicas}")) ?? "" }
            _ = await TestEnv.eventually { await ready() == "2" }
            #expect(await ready() == "2")

            // Deleted, the custom object takes its Deployment with it.
            try await cp.must("delete", "webapp", "shop", "--wait=false")
            let gone = { (try? await cp.kubectl("get", "deployment", "shop"))?.status ?? 0 }
            _ = await TestEnv.eventually { await gone() != 0 }
            #expect(await gone() != 0, "kopf's log:\n\(kopf.log.suffix(4000))")
        }
    }
}
