import Testing
import FoundationEssentials
@testable import Kubelet
@testable import Images

@Suite struct ImagePullPolicyTests {
    @Test(arguments: [
        ("busybox", ImagePullPolicy.always), ("busybox:latest", .always), ("busybox:1.36", .ifNotPresent),
        ("registry.example:5000/app", .always), ("registry.example:5000/app:v1", .ifNotPresent),
        ("app@sha256:" + String(repeating: "a", count: 64), .ifNotPresent),
    ])
    func defaultsFollowTheLatestRule(image: String, expected: ImagePullPolicy) {
        #expect(ImagePullPolicy.defaultPolicy(image: image) == expected)
        #expect(ImagePullPolicy.effective(nil, image: image) == expected)
    }

    @Test func actions() {
        #expect(ImagePullPolicy.effective("Never", image: "busybox").action(present: false) == .refuse)
        #expect(ImagePullPolicy.never.action(present: true) == .use)
        #expect(ImagePullPolicy.ifNotPresent.action(present: true) == .use)
        #expect(ImagePullPolicy.ifNotPresent.action(present: false) == .pull)
        #expect(ImagePullPolicy.always.action(present: true) == .pull)
    }
}

@Suite struct ImageGCPolicyTests {
    func image(_ name: String, hex: Character, size: Int64, stored: Double) -> ImageRecord {
        let id = Digest("sha256:" + String(repeating: hex, count: 64))!
        return ImageRecord(names: [name], id: id, manifestDigest: id, layers: [],
                           config: ImageConfigFile(rootfs: .init(type: "layers", diff_ids: [])), size: size,
                           stored: Date(timeIntervalSince1970: stored).formatted(Date.ISO8601FormatStyle()))
    }

    @Test func removesOldestUnusedImagesDownToTheLowThreshold() {
        let policy = ImageGCPolicy(highPercent: 85, lowPercent: 80, minimumAge: 120)
        let now = 1_000_000.0
        let old = image("old", hex: "1", size: 30, stored: now - 10_000)
        let used = image("used", hex: "2", size: 500, stored: now - 20_000)
        let middle = image("middle", hex: "3", size: 40, stored: now - 5_000)
        let fresh = image("fresh", hex: "4", size: 900, stored: now - 10)
        let all = [fresh, middle, used, old]
        // 90 of 100 % used: free 10 % = 100 bytes of 1000; old (30) + middle (40) is all there is.
        let victims = policy.victims(images: all, inUse: [used.id], used: 900, capacity: 1000, now: now)
        #expect(victims.map(\.names[0]) == ["old", "middle"])
        // 86 %: 60 bytes to free; old then middle.
        #expect(policy.victims(images: all, inUse: [used.id], used: 860, capacity: 1000, now: now).map(\.names[0]) == ["old", "middle"])
        // 85 % with nothing in use: 50 bytes; the oldest image alone frees them.
        #expect(policy.victims(images: all, inUse: [], used: 850, capacity: 1000, now: now).map(\.names[0]) == ["used"])
        // Below the high threshold nothing goes.
        #expect(policy.victims(images: all, inUse: [], used: 840, capacity: 1000, now: now).isEmpty)
    }
}
