public import Runtime
public import Images

/// Which images the node's containers use, read from the runtime's state
/// (the imageID annotation every kubelet-made container carries), so that
/// image removal and garbage collection never take an image from under a
/// container, running or stopped.
public enum ImagesInUse {
    public static let imageIDAnnotation = "io.kubernetes.container.imageID"

    /// The image ids (config digests) of every container under `runtime`.
    public static func ids(_ runtime: ContainerRuntime) -> Set<Digest> {
        Set(runtime.list().compactMap { $0.annotations?[imageIDAnnotation].flatMap(Digest.init) })
    }
}
