import CSI

extension FuzzTarget {
    /// CSI and plugin-registration messages as a driver or registrar sends them.
    static let csiMessages = FuzzTarget("csi-message", "CSI and plugin registration protobuf messages from a driver", seeds: [
        CSIv1.NodeGetInfoResponse(nodeID: "node-1", maxVolumesPerNode: 16, accessibleTopology: .init(segments: ["zone": "a"])).serializedBytes(),
        CSIv1.CreateVolumeResponse(volume: .init(capacityBytes: 1 << 30, volumeID: "vol-1", volumeContext: ["k": "v"],
                                                 accessibleTopology: [.init(segments: ["n": "1"])])).serializedBytes(),
        CSIv1.GetPluginCapabilitiesResponse(capabilities: [.controllerService, .onlineExpansion]).serializedBytes(),
        PluginRegistration.PluginInfo(type: "CSIPlugin", name: "hostpath.csi.k8s.io", endpoint: "/csi/csi.sock", supportedVersions: ["1.0.0"])
            .serializedBytes(),
    ]) { bytes in
        _ = try? CSIv1.NodeGetInfoResponse(serializedBytes: bytes)
        _ = try? CSIv1.CreateVolumeResponse(serializedBytes: bytes)
        _ = try? CSIv1.GetPluginCapabilitiesResponse(serializedBytes: bytes)
        _ = try? CSIv1.NodeGetCapabilitiesResponse(serializedBytes: bytes)
        _ = try? CSIv1.ControllerPublishVolumeResponse(serializedBytes: bytes)
        _ = try? CSIv1.NodeGetVolumeStatsResponse(serializedBytes: bytes)
        _ = try? CSIv1.NodePublishVolumeRequest(serializedBytes: bytes)
        _ = try? PluginRegistration.PluginInfo(serializedBytes: bytes)
    }
}
