import Kubelet
import Runtime

@main
enum KubeletMain {
    static func main() async {
        // The runtime's helpers (container init, monitor, namespace pinning) are
        // this same executable re-run; they take over before anything else.
        ContainerInit.runIfRequested()
        HeapTrimmer.configure()
        await KubeletCommand.main()
    }
}
