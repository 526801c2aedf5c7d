"""The kubelet: pod sync through CRI (runtime), CNI (host-local IPAM), CSI (node plugin), images and heartbeats."""

from .kubelet import Kubelet

__all__ = ["Kubelet"]
