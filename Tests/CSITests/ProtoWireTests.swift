@testable import CSI
import Testing

/// The hand-written CSI messages against bytes a protobuf implementation
/// writes, round trips, unknown fields, and the decoding budget.
@Suite struct ProtoWireTests {
    @Test func aStageRequestEncodesAsProtobufDoes() throws {
        var request = CSIv1.NodeUnstageVolumeRequest(volumeID: "v", stagingTargetPath: "/s")
        // field 1 (string "v"), field 2 (string "/s")
        #expect(request.serializedBytes() == [0x0A, 0x01, 0x76, 0x12, 0x02, 0x2F, 0x73])
        request.volumeID = ""
        #expect(request.serializedBytes() == [0x12, 0x02, 0x2F, 0x73])
        // int64 field 1 = 300 (varint ac 02), bool field 2 = true
        let expand = CSIv1.ControllerExpandVolumeResponse(capacityBytes: 300, nodeExpansionRequired: true)
        #expect(expand.serializedBytes() == [0x08, 0xAC, 0x02, 0x10, 0x01])
        #expect(try CSIv1.ControllerExpandVolumeResponse(serializedBytes: [0x08, 0xAC, 0x02, 0x10, 0x01]) == expand)
    }

    @Test func nestedMessagesMapsAndOneofsRoundTrip() throws {
        var publish = CSIv1.NodePublishVolumeRequest()
        publish.volumeID = "vol-1"
        publish.publishContext = ["device": "/dev/sdb"]
        publish.stagingTargetPath = "/staging"
        publish.targetPath = "/target"
        publish.volumeCapability = CSIv1.VolumeCapability(.mount(.init(fsType: "ext4", mountFlags: ["noatime", "ro"])),
                                                          accessMode: .singleNodeWriter)
        publish.readonly = true
        publish.secrets = ["password": "s3cret", "user": "me"]
        publish.volumeContext = ["csi.storage.k8s.io/pod.name": "web-0"]
        #expect(try CSIv1.NodePublishVolumeRequest(serializedBytes: publish.serializedBytes()) == publish)

        var block = CSIv1.NodeStageVolumeRequest()
        block.volumeCapability = CSIv1.VolumeCapability(.block, accessMode: .multiNodeMultiWriter)
        #expect(try CSIv1.NodeStageVolumeRequest(serializedBytes: block.serializedBytes()) == block)

        let info = CSIv1.NodeGetInfoResponse(nodeID: "n", maxVolumesPerNode: 8, accessibleTopology: .init(segments: ["zone": "a"]))
        #expect(try CSIv1.NodeGetInfoResponse(serializedBytes: info.serializedBytes()) == info)

        let capabilities = CSIv1.GetPluginCapabilitiesResponse(capabilities: [.controllerService, .onlineExpansion])
        #expect(try CSIv1.GetPluginCapabilitiesResponse(serializedBytes: capabilities.serializedBytes()) == capabilities)
        let node = CSIv1.NodeGetCapabilitiesResponse(capabilities: [.stageUnstageVolume, .expandVolume])
        #expect(try CSIv1.NodeGetCapabilitiesResponse(serializedBytes: node.serializedBytes()) == node)

        var create = CSIv1.CreateVolumeRequest()
        create.name = "pvc-1"
        create.capacityRange = .init(requiredBytes: 1 << 30)
        create.volumeCapabilities = [CSIv1.VolumeCapability(.mount(.init()), accessMode: .singleNodeWriter)]
        create.parameters = ["type": "fast"]
        create.accessibilityRequirements = .init(requisite: [.init(segments: ["n": "1"])], preferred: [.init(segments: ["n": "1"])])
        #expect(try CSIv1.CreateVolumeRequest(serializedBytes: create.serializedBytes()) == create)
    }

    @Test func probeReadinessIsAnOptionalBool() throws {
        #expect(try CSIv1.ProbeResponse(serializedBytes: []).isReady)
        #expect(try CSIv1.ProbeResponse(serializedBytes: CSIv1.ProbeResponse(ready: false).serializedBytes()).isReady == false)
        #expect(CSIv1.ProbeResponse(ready: false).serializedBytes() == [0x0A, 0x00])
    }

    @Test func unknownFieldsOfANewerSpecAreSkipped() throws {
        // NodeGetInfoResponse with node_id, then an unknown field 9 (string), fixed64 10 and fixed32 11.
        var bytes: [UInt8] = [0x0A, 0x01, 0x6E]
        bytes += [0x4A, 0x03, 0x61, 0x62, 0x63]
        bytes += [0x51] + [UInt8](repeating: 1, count: 8)
        bytes += [0x5D] + [UInt8](repeating: 2, count: 4)
        #expect(try CSIv1.NodeGetInfoResponse(serializedBytes: bytes).nodeID == "n")
    }

    @Test func malformedAndOverBudgetInputIsRefused() {
        #expect(throws: ProtoDecodingError.self) { try CSIv1.NodeGetInfoResponse(serializedBytes: [0x0A, 0x05, 0x6E]) }
        #expect(throws: ProtoDecodingError.self) { try CSIv1.NodeGetInfoResponse(serializedBytes: [0x08]) }
        #expect(throws: ProtoDecodingError.self) { try CSIv1.NodeGetInfoResponse(serializedBytes: [0x00, 0x00]) }
        // node_id sent as a varint: the wrong wire type for a string.
        #expect(throws: ProtoDecodingError.self) { try CSIv1.NodeGetInfoResponse(serializedBytes: [0x08, 0x01, 0x0A, 0x01]) }
        #expect(throws: ProtoDecodingError.self) { try CSIv1.NodeGetInfoResponse(serializedBytes: [0x0F]) }
        #expect(throws: ProtoDecodingError.self) {
            try CSIv1.NodeGetInfoResponse(serializedBytes: [UInt8](repeating: 0, count: ProtoReader.maximumMessageSize + 1))
        }
        // Topology nested in itself deeper than the budget, through an unknown-to-us but
        // well-formed chain: VolumeCapability.mount (field 2) holds a Mount, whose
        // fields we know; build nesting with TopologyRequirement → Topology → map entry instead.
        var nested: [UInt8] = []
        for _ in 0..<40 { nested = [0x0A, UInt8(nested.count)] + nested }
        #expect(throws: ProtoDecodingError.self) { try Deep(serializedBytes: nested) }
    }

    /// A message that is its own field 1, to exceed the nesting budget.
    struct Deep: ProtoMessage {
        var child: [Deep] = []
        mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            child = [try reader.message(Deep.self, wire: wire)]
            return true
        }
        func encode(to writer: inout ProtoWriter) {}
    }
}
