import Testing
@testable import KubeAPI

/// The schemas traced from the Swift model, the patch metadata derived from
/// them, and the OpenAPI definitions written from both.
@Suite struct ModelSchemaTests {
    let set = ModelSchemas.served

    @Test func everyServedKindIsTraced() {
        #expect(set.failures.isEmpty, "\(set.failures)")
        for r in ResourceCatalog.all {
            #expect(r.model != nil, "\(r.kind) has no model type")
            #expect(set.shape(kind: r.kind) != nil, "\(r.kind) was not traced")
        }
    }

    @Test func shapesFollowTheSwiftTypes() throws {
        let spec = try #require(set.shapes["PodSpec"])
        #expect(spec.field("containers") == FieldShape(name: "containers", node: .array(.object("Container")), optional: false))
        #expect(spec.field("nodeSelector")?.node == .map(.scalar(type: "string", format: nil)))
        #expect(spec.field("overhead")?.node == .map(.custom("Quantity")))
        #expect(spec.field("terminationGracePeriodSeconds")?.node == .scalar(type: "integer", format: "int64"))
        #expect(spec.field("volumes")?.optional == true)
        let meta = try #require(set.shapes["ObjectMeta"])
        #expect(meta.field("preservedUnknownFields") == nil)
        #expect(meta.field("creationTimestamp")?.node == .custom("Timestamp"))
        #expect(set.shapes["Volume"]?.field("nfs")?.node == .object("NFSVolumeSource"))
    }

    /// Every list the hand-written patch tree used to merge still merges, by the same key.
    @Test func patchMetadataComesFromTheModel() {
        let pod = PatchSchema.forKind("Pod")
        func key(_ s: PatchSchema) -> String? {
            if case .keyedList(let k, _) = s { return k }
            return nil
        }
        func isSet(_ s: PatchSchema) -> Bool {
            if case .primitiveSet = s { return true }
            return false
        }
        #expect(isSet(pod.field("metadata").field("finalizers")))
        #expect(key(pod.field("metadata").field("ownerReferences")) == "uid")
        let spec = pod.field("spec")
        for (field, k) in [("volumes", "name"), ("initContainers", "name"), ("containers", "name"), ("ephemeralContainers", "name"),
                           ("imagePullSecrets", "name"), ("hostAliases", "ip"), ("topologySpreadConstraints", "topologyKey"),
                           ("resourceClaims", "name"), ("schedulingGates", "name")] {
            #expect(key(spec.field(field)) == k, "spec.\(field)")
        }
        let container = spec.field("containers").field("x")
        if case .keyedList(_, let element) = spec.field("containers") {
            for (field, k) in [("ports", "containerPort"), ("env", "name"), ("volumeMounts", "mountPath"), ("volumeDevices", "devicePath")] {
                #expect(key(element.field(field)) == k, "containers[].\(field)")
            }
        } else {
            Issue.record("containers is not a keyed list: \(container)")
        }
        #expect(key(pod.field("status").field("conditions")) == "type")
        #expect(key(pod.field("status").field("podIPs")) == "ip")
        #expect(isSet(PatchSchema.forKind("Node").field("spec").field("podCIDRs")))
        #expect(key(PatchSchema.forKind("Node").field("status").field("addresses")) == "type")
        #expect(key(PatchSchema.forKind("Service").field("spec").field("ports")) == "port")
        let template = PatchSchema.forKind("Deployment").field("spec").field("template").field("spec")
        #expect(key(template.field("containers")) == "name")
        #expect(key(PatchSchema.forKind("Deployment").field("status").field("conditions")) == "type")
        #expect(key(PatchSchema.forKind("ConfigMap").field("metadata").field("ownerReferences")) == "uid")
    }

    @Test func openAPIDefinitionsCarryTheMetadata() throws {
        let defs = OpenAPISchemaBuilder(set, dialect: .v3).definitions(roots: ["v1/Pod"])
        let pod = try #require(defs["io.k8s.api.core.v1.Pod"])
        #expect(pod["x-kubernetes-group-version-kind"] == [["group": "", "version": "v1", "kind": "Pod"]])
        let spec = try #require(defs["io.k8s.api.core.v1.PodSpec"])
        let containers = try #require(spec["properties"]?["containers"])
        #expect(containers["x-kubernetes-patch-merge-key"] == "name")
        #expect(containers["x-kubernetes-patch-strategy"] == "merge")
        #expect(containers["x-kubernetes-list-type"] == "map")
        #expect(containers["items"] == ["$ref": "#/components/schemas/io.k8s.api.core.v1.Container"])
        #expect(spec["required"] == ["containers"])
        let probe = try #require(defs["io.k8s.api.core.v1.Probe"])
        #expect(probe["description"]?.stringValue?.hasPrefix("Probe describes a health check") == true)
        #expect(probe["properties"]?["periodSeconds"]?["description"]?.stringValue?.contains("How often") == true)
        // Swift's Int says nothing about width: upstream's format is published.
        #expect(probe["properties"]?["periodSeconds"]?["format"] == "int32")
        #expect(spec["properties"]?["activeDeadlineSeconds"]?["format"] == "int64")
        #expect(defs["io.k8s.api.core.v1.Container"]?["properties"]?["livenessProbe"]?["allOf"]
            == [["$ref": "#/components/schemas/io.k8s.api.core.v1.Probe"]])
        #expect(defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]?["oneOf"] == [["type": "string"], ["type": "number"]])
        #expect(defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]?["description"]?.stringValue?.hasPrefix("Quantity is a fixed-point") == true)
        #expect(defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]?["format"] == "int-or-string")
        #expect(defs["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]?["format"] == "date-time")
        #expect(defs["io.k8s.api.core.v1.NFSVolumeSource"]?["required"] == ["server", "path"])
        let v2 = OpenAPISchemaBuilder(set, dialect: .v2).definitions(roots: ["v1/Pod"])
        #expect(v2["io.k8s.api.core.v1.Container"]?["properties"]?["livenessProbe"]?["$ref"]
            == "#/definitions/io.k8s.api.core.v1.Probe")
    }

    /// The generated table covers the model: every struct has upstream's (or
    /// its own) metadata and every field a description for `kubectl explain`.
    @Test func everyFieldIsDocumented() {
        var undocumented: [String] = []
        for (name, shape) in set.shapes {
            #expect(set.hasMetadata(name), "\(name) has no metadata: run scripts/openapi/generate-metadata.py")
            let meta = set.metadata(name)
            if meta.description.isEmpty { undocumented.append(name) }
            for f in shape.fields where (meta.fields[f.name]?.description ?? "").isEmpty { undocumented.append("\(name).\(f.name)") }
        }
        #expect(undocumented.isEmpty, "\(undocumented.sorted())")
        #expect(set.metadata("Lifecycle").fields["preStop"]?.description.isEmpty == false)
        #expect(set.metadata("Lifecycle").definitionName == "io.k8s.api.core.v1.Lifecycle")
    }

    @Test func unknownFieldsAreFoundInEveryVolumeSource() throws {
        let pod: JSONValue = try JSONParser.parse(#"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
             "spec":{"containers":[{"name":"c","image":"i"}],
                     "volumes":[{"name":"a","nfs":{"server":"s","path":"/x","bogus":1}},
                                {"name":"b","awsElasticBlockStore":{"volumeID":"v","fsType":"ext4"}},
                                {"name":"c","csi":{"driver":"d","volumeAttributes":{"k":"v"}}}]}}
            """#)
        #expect(UnknownFieldCheck.unknownFields(kind: "Pod", pod) == ["spec.volumes[0].nfs.bogus"])
    }

    @Test func volumeSourcesAreValidatedAsUpstream() throws {
        var nfs = Volume(name: "a")
        nfs.nfs = NFSVolumeSource()
        nfs.nfs?.path = "relative"
        var gce = Volume(name: "b")
        gce.gcePersistentDisk = GCEPersistentDiskVolumeSource()
        gce.hostPath = HostPathVolumeSource(path: "/x")
        var spec = PodSpec(containers: [Container(name: "c", image: "i")])
        spec.volumes = [nfs, gce]
        let errors = PodValidation.validatePodSpec(spec, path: "spec").map(\.description)
        #expect(errors.contains { $0.hasPrefix("spec.volumes[0].nfs.server: Required value") })
        #expect(errors.contains { $0.hasPrefix("spec.volumes[0].nfs.path: Invalid value") })
        #expect(errors.contains { $0.hasPrefix("spec.volumes[1].gcePersistentDisk: Forbidden: may not specify more than 1 volume type") })
        #expect(errors.contains { $0.hasPrefix("spec.volumes[1].gcePersistentDisk.pdName: Required value") })
    }
}
