// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swiftkube",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftrun", targets: ["swiftrun"]),
        .library(name: "Runtime", targets: ["Runtime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Thin C shims over what Swift cannot call directly (variadic syscalls,
        // macros, SCM_RIGHTS) plus the libseccomp, libcap and libmnl headers.
        .target(
            name: "CRuntimeShims",
            linkerSettings: [
                .linkedLibrary("seccomp"),
                .linkedLibrary("cap"),
                .linkedLibrary("mnl"),
            ]
        ),
        // Netlink messages built in Swift, sent through libmnl; shared by
        // rtnetlink (Runtime) and nf_tables (Proxy).
        .target(
            name: "Netlink",
            dependencies: ["CRuntimeShims"],
            swiftSettings: swiftSettings
        ),
        // The OCI runtime: spec model, namespaces, rootfs, cgroups, seccomp,
        // capabilities, container lifecycle and state, the container monitor.
        .target(
            name: "Runtime",
            dependencies: [
                "CRuntimeShims",
                "Netlink",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib (Debian zlib1g-dev), for gzip layers.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // OCI images: references, the content-addressed store, layer
        // unpacking (whiteouts, ownership, no path escapes), overlayfs roots.
        .target(
            name: "Images",
            dependencies: [
                "Runtime", "CRuntimeShims", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // kube-proxy's library: the nf_tables netlink encoder and the service ruleset.
        .target(
            name: "Proxy",
            dependencies: ["Netlink"],
            swiftSettings: swiftSettings
        ),
        // The node agent: pod workers, networking, probes, status, logs.
        .target(
            name: "Kubelet",
            dependencies: ["Runtime", "Netlink", "Images", "Proxy", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // runc-compatible command line over the Runtime library.
        .executableTarget(
            name: "swiftrun",
            dependencies: [
                "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubeletTests",
            dependencies: ["Kubelet", "Runtime", "Netlink", "Images", "Proxy"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyTests",
            dependencies: ["Proxy", "Netlink"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "CRuntimeShims", "Netlink", "Images"],
            swiftSettings: swiftSettings
        ),
    ]
)
