"""kubeteach: what happens after `kubectl create -f deployment.yaml`, simulated faithfully and deterministically."""

KUBERNETES_VERSION = "v1.35"
