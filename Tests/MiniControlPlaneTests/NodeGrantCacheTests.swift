import Testing
@testable import MiniControlPlane

/// The node authorizer's short memory of grants.
@Suite struct NodeGrantCacheTests {
    @Test func grantsExpireAndStayPerKey() {
        let cache = NodeGrantCache(ttl: .seconds(5))
        let t0 = ContinuousClock.now
        let root = NodeGrantCache.Key(node: "n1", resource: "configmaps", namespace: "default", name: "kube-root-ca.crt")
        #expect(!cache.allows(root, now: t0))
        cache.grant(root, now: t0)
        #expect(cache.allows(root, now: t0 + .seconds(4)))
        #expect(!cache.allows(root, now: t0 + .seconds(5)))
        // Another node, resource or name is decided afresh.
        #expect(!cache.allows(NodeGrantCache.Key(node: "n2", resource: "configmaps", namespace: "default", name: "kube-root-ca.crt"), now: t0))
        #expect(!cache.allows(NodeGrantCache.Key(node: "n1", resource: "secrets", namespace: "default", name: "kube-root-ca.crt"), now: t0))
    }
}
