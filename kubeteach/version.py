"""The Kubernetes release kubeteach mirrors: names, messages, defaults and arithmetic follow it."""

KUBERNETES_VERSION = "v1.35"

__all__ = ["KUBERNETES_VERSION"]
