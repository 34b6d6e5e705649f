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
        .executable(name: "kubelet", targets: ["kubelet"]),
        .executable(name: "nodectl", targets: ["nodectl"]),
        .executable(name: "kube-proxy", targets: ["kube-proxy"]),
        .executable(name: "cluster-dns", targets: ["cluster-dns"]),
        .executable(name: "ingress-controller", targets: ["ingress-controller"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .executable(name: "controlplane", targets: ["controlplane"]),
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .library(name: "MiniControlPlane", targets: ["MiniControlPlane"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // CSI drivers and plugin registrars speak gRPC over Unix sockets.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    ],
    targets: [
        // Thin C shims over what Swift cannot call directly (variadic syscalls,
        // macros, SCM_RIGHTS) plus the libseccomp and libcap headers.
        .target(
            name: "CRuntimeShims",
            linkerSettings: [
                .linkedLibrary("seccomp"),
                .linkedLibrary("cap"),
            ]
        ),
        // libmnl's header and setns(2), for Netlink alone: kube-proxy links
        // libmnl but not libseccomp or libcap.
        .target(
            name: "CNetlinkShims",
            linkerSettings: [.linkedLibrary("mnl")]
        ),
        // Netlink messages built in Swift, sent through libmnl, and rtnetlink
        // (links, addresses, routes: what `ip` does); nf_tables builds on it.
        .target(
            name: "Netlink",
            dependencies: ["CNetlinkShims"],
            swiftSettings: swiftSettings
        ),
        // The generic nf_tables encoder: batches, expressions, constants,
        // tables/chains/sets/maps/rules, and reading them back. Shared by
        // kube-proxy (Services), the kubelet (masquerade) and NetworkPolicy.
        .target(
            name: "Netfilter",
            dependencies: ["Netlink"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetlinkTests",
            dependencies: ["Netlink"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetfilterTests",
            dependencies: ["Netfilter", "Netlink", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // The Linux toolkit: typed Swift over the shims and libc (files,
        // mounts, spawning, descriptors, errno-carrying errors) for every
        // part of the node; only it and Runtime import CRuntimeShims.
        .target(
            name: "LinuxSystem",
            dependencies: ["CRuntimeShims"],
            swiftSettings: swiftSettings
        ),
        // The OCI runtime: spec model, namespaces, rootfs, cgroups, seccomp,
        // capabilities, container lifecycle and state, the container monitor.
        .target(
            name: "Runtime",
            dependencies: [
                "CRuntimeShims", "LinuxSystem",
                "Netlink",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // zlib (Debian zlib1g-dev), for gzip layers.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // OCI images: references, the content-addressed store, pulls from
        // registries (OCI distribution API), layer unpacking (whiteouts,
        // ownership, no path escapes), overlayfs roots.
        .target(
            name: "Images",
            dependencies: [
                "LinuxSystem", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // kube-proxy's library: the service model and ruleset (its chain
        // names and map keys), the sync loop, conntrack cleanup, health/metrics.
        .target(
            name: "Proxy",
            dependencies: [
                "HTTPServing",
                "Netfilter", "Netlink", "KubeAPI", "ControllerRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the long-running executables share: the API server connection
        // flags, logging set-up, and running under ServiceLifecycle until SIGTERM.
        .target(
            name: "CommandSupport",
            dependencies: [
                "KubeAPI", "ClusterLogs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommandSupportTests",
            dependencies: [
                "CommandSupport", "KubeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The kube-proxy executable: flags → ProxyConfiguration → KubeProxy.run().
        .executableTarget(
            name: "kube-proxy",
            dependencies: [
                "Proxy", "NetworkPolicy", "Netfilter", "KubeAPI", "Netlink", "CommandSupport", "ClusterLogs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/kube-proxy",
            swiftSettings: swiftSettings
        ),
        // exec, attach and port-forward on the wire: websocket and SPDY/3.1
        // framing, the k8s channel protocols, and their server sessions.
        .target(
            name: "Streaming",
            dependencies: [
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StreamingTests",
            dependencies: ["Streaming", "CZlib"],
            swiftSettings: swiftSettings
        ),
        // Cluster DNS: the DNS message codec, the record table built from
        // Services and EndpointSlices, the resolver, the UDP/TCP server.
        .target(
            name: "ClusterDNS",
            dependencies: [
                "HTTPServing",
                "KubeAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The cluster-dns executable: flags → ClusterDNSConfiguration → ClusterDNSServer.run().
        .executableTarget(
            name: "cluster-dns",
            dependencies: [
                "ClusterDNS", "KubeAPI", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/cluster-dns",
            swiftSettings: swiftSettings
        ),
        // The ingress controller: the routing table built from Ingresses,
        // Services, EndpointSlices and Secrets, the HTTP/1.1 and HTTP/2
        // reverse proxy (TLS with SNI, upgrades), status and events.
        .target(
            name: "Ingress",
            dependencies: [
                "HTTPServing",
                "KubeAPI", "ControllerRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ingress-controller executable: flags → IngressControllerConfiguration → IngressController.run().
        .executableTarget(
            name: "ingress-controller",
            dependencies: [
                "Ingress", "KubeAPI", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/ingress-controller",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IngressTests",
            dependencies: [
                "Ingress", "KubeAPI", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Container Storage Interface: its messages in the protobuf wire
        // format (written from the spec), the client of a driver's Identity,
        // Node and Controller services, and the kubelet's plugin
        // registration, over grpc-swift-2 on Unix sockets.
        .target(
            name: "CSI",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CSITests",
            dependencies: ["CSI", "TestSupport", .product(name: "GRPCCore", package: "grpc-swift-2")],
            swiftSettings: swiftSettings
        ),
        // The node agent: pod workers, networking, probes, status, logs.
        .target(
            name: "Kubelet",
            dependencies: [
                "Runtime", "LinuxSystem", "Netlink", "Netfilter", "Images", "KubeAPI", "HTTPServing", "Streaming", "CSI", "ClusterLogs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The kubelet executable: flags → KubeletConfiguration → Kubelet.run().
        .executableTarget(
            name: "kubelet",
            dependencies: [
                "Kubelet", "KubeAPI", "Runtime", "LinuxSystem", "Netlink", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/kubelet",
            swiftSettings: swiftSettings
        ),
        // crictl-style node debugging.
        .executableTarget(
            name: "nodectl",
            dependencies: [
                "Images", "Runtime", "LinuxSystem", "Kubelet", "KubeAPI", "Netlink", "Netfilter", "NetworkPolicy", "Proxy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Commands/nodectl",
            swiftSettings: swiftSettings
        ),
        // runc-compatible command line over the Runtime library.
        .executableTarget(
            name: "swiftrun",
            dependencies: [
                "Runtime", "LinuxSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Commands/swiftrun",
            swiftSettings: swiftSettings
        ),
        // Helpers the test targets share: running commands, finding built products.
        .target(
            name: "TestSupport",
            dependencies: ["Runtime", "LinuxSystem", "CSI", .product(name: "GRPCCore", package: "grpc-swift-2")],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubeletTests",
            dependencies: ["Kubelet", "Runtime", "LinuxSystem", "Netlink", "Images", "KubeAPI", "TestSupport", "Streaming", "CSI", "ClusterLogs",
                           .product(name: "GRPCCore", package: "grpc-swift-2"),
                           .product(name: "X509", package: "swift-certificates"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // NetworkPolicy: the planner (policies, pods, namespaces → sets of pod
        // IPs per policy, kept incrementally), the chains, the nf_tables table
        // of its own, the tracer, and the enforcer kube-proxy runs.
        .target(
            name: "NetworkPolicy",
            dependencies: [
                "Netfilter", "Netlink", "KubeAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NetworkPolicyTests",
            dependencies: ["NetworkPolicy", "Netfilter", "Netlink", "KubeAPI", "LinuxSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyTests",
            dependencies: ["Proxy", "Netfilter", "Netlink", "KubeAPI", "LinuxSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClusterDNSTests",
            dependencies: [
                "ClusterDNS", "KubeAPI", "LinuxSystem", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["Runtime", "LinuxSystem", "CRuntimeShims", "Netlink", "Images", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LinuxSystemTests",
            dependencies: ["LinuxSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImagesTests",
            dependencies: ["Images", "LinuxSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        // Kubernetes object model, quantities, selectors, defaulting,
        // validation, patches and the API client.
        .target(
            name: "KubeAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTPS server the API server and the kubelet share.
        .target(
            name: "ClusterLogs",
            dependencies: ["KubeAPI", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPServing",
            dependencies: [
                "KubeAPI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the scheduler and the controllers share: the client protocol,
        // shared informers, work queues, the event recorder, leader election.
        .target(
            name: "ControllerRuntime",
            dependencies: [
                "KubeAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // kube-scheduler: pure filter and score plugins, the cache with
        // assumed pods, the scheduling queue and the scheduling loop.
        .target(
            name: "Scheduler",
            dependencies: [
                "KubeAPI", "ControllerRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // kube-controller-manager: ReplicaSet, Deployment, DaemonSet,
        // EndpointSlice/Endpoints, node lifecycle, garbage collector,
        // namespace, service account, node IPAM, pod GC.
        .target(
            name: "Controllers",
            dependencies: [
                "KubeAPI", "ControllerRuntime", "CSI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The API server, storage backends (SQLite, etcd), auth, certificates, metrics.
        .target(
            name: "MiniControlPlane",
            dependencies: [
                "KubeAPI", "HTTPServing", "ControllerRuntime", "Scheduler", "Controllers", "CSI", "ClusterLogs", "Streaming",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The dashboard's page, script and style, compiled into the binary.
            resources: [
                .embedInCode("Dashboard/Assets/index.html"),
                .embedInCode("Dashboard/Assets/app.js"),
                .embedInCode("Dashboard/Assets/app.css"),
            ],
            swiftSettings: swiftSettings
        ),
        // Thin main: flags → ControlPlaneConfiguration → ControlPlane.run().
        .executableTarget(
            name: "controlplane",
            dependencies: [
                "MiniControlPlane", "Controllers", "CommandSupport", "KubeAPI", "CSI", "ClusterLogs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/controlplane",
            swiftSettings: swiftSettings
        ),
        // The parsers of bytes from outside the node as fuzz targets, and their
        // libFuzzer driver (scripts/fuzz builds it instrumented; FuzzTests
        // replays the seeds and every crash found).
        .target(
            name: "FuzzTargets",
            dependencies: ["ClusterDNS", "Streaming", "Images", "Runtime", "Kubelet", "Netlink", "Netfilter", "Proxy", "KubeAPI", "MiniControlPlane", "CSI", "Ingress", "ClusterLogs",
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "swiftkube-fuzz",
            dependencies: ["FuzzTargets", "LinuxSystem"],
            path: "Sources/Commands/swiftkube-fuzz",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FuzzTests",
            dependencies: ["FuzzTargets", "TestSupport"],
            // Crash inputs replayed from the source tree, not bundled.
            exclude: ["Regressions"],
            swiftSettings: swiftSettings
        ),
        // Load generator for scripts/bench-apiserver (not run in CI).
        .executableTarget(
            name: "apiserver-bench",
            dependencies: [
                "KubeAPI",
                "MiniControlPlane",
                "HTTPServing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Commands/apiserver-bench",
            swiftSettings: swiftSettings
        ),
        // Driver for scripts/bench-scheduler (not run in CI).
        .executableTarget(
            name: "scheduler-bench",
            dependencies: ["KubeAPI", "BenchSupport"],
            path: "Sources/Commands/scheduler-bench",
            swiftSettings: swiftSettings
        ),
        // Driver for scripts/bench-logging (not run in CI).
        .executableTarget(
            name: "logging-bench",
            dependencies: ["KubeAPI", "BenchSupport", "ClusterLogs", "Kubelet", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Commands/logging-bench",
            swiftSettings: swiftSettings
        ),
        // Driver for scripts/bench-controllers (not run in CI).
        .executableTarget(
            name: "controllers-bench",
            dependencies: ["KubeAPI", "BenchSupport"],
            path: "Sources/Commands/controllers-bench",
            swiftSettings: swiftSettings
        ),
        // What the benchmark drivers share.
        .target(
            name: "BenchSupport",
            dependencies: ["KubeAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: ["Scheduler", "ControllerRuntime", "KubeAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controllers", "ControllerRuntime", "KubeAPI", "TestSupport", "CSI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubeAPITests",
            dependencies: ["KubeAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MiniControlPlaneTests",
            dependencies: [
                "HTTPServing", "TestSupport", "ClusterLogs",
                "MiniControlPlane",
                "KubeAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
