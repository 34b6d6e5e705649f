import Runtime

ContainerInit.runIfRequested()
NodectlCommand.main()
