import MiniControlPlane
print("controlplane: not yet")
