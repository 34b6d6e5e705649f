import Runtime

// The container init is this executable re-run; it must take over before
// anything else runs (and before any thread exists).
ContainerInit.runIfRequested()
Swiftrun.main()
