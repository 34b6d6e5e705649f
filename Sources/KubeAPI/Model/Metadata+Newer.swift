// Docs of the fields the model has ahead of Kubernetes 1.32 (they are in
// 1.33's API), laid over upstream's 1.32 metadata.

extension Lifecycle: ModelMetadataProviding {
    public static var modelMetadata: TypeMetadata {
        TypeMetadata(definitionName: "", fields: [
            "stopSignal": FieldMetadata(description: "StopSignal defines which signal will be sent to a container when it is being stopped. If not specified, the default is defined by the container runtime in use. StopSignal can only be set for Pods with a non-empty .spec.os.name"),
        ])
    }
}

extension DeploymentStatus: ModelMetadataProviding {
    public static var modelMetadata: TypeMetadata {
        TypeMetadata(definitionName: "", fields: [
            "terminatingReplicas": FieldMetadata(description: "Total number of terminating pods targeted by this deployment. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase.", format: "int32"),
        ])
    }
}

extension ReplicaSetStatus: ModelMetadataProviding {
    public static var modelMetadata: TypeMetadata {
        TypeMetadata(definitionName: "", fields: [
            "terminatingReplicas": FieldMetadata(description: "The number of terminating pods for this replica set. Terminating pods have a non-null .metadata.deletionTimestamp and have not yet reached the Failed or Succeeded .status.phase.", format: "int32"),
        ])
    }
}
