"""pods/exec, pods/attach, pods/portforward: connect subresources the simulation answers honestly.

kube-apiserver authorizes a WebSocket upgrade (GET) as `get`, then, since v1.35
(AuthorizePodWebsocketUpgradeCreatePermission, beta, on), as `create` too; SPDY (POST) is `create`
(pkg/registry/core/pod/rest/subresources.go). It finds the pod's node and container
(pkg/registry/core/pod/strategy.go streamLocation / PortForwardLocation) and proxies with an UpgradeAwareHandler
that answers a plain request 400 "Upgrade request required"
(staging/src/k8s.io/apimachinery/pkg/util/proxy/upgradeaware.go ServeHTTP). The simulated runtime implements no
streaming: the kubelet writes a CRI error that is neither NotFound nor ResourceExhausted as 500
(pkg/kubelet/cri/streaming/errors.go WriteError, default branch), with a message that says why.
"""

from __future__ import annotations

from .errors import APIError, bad_request
from .podlogs import choose_container

CONNECT_SUBRESOURCES = ("exec", "attach", "portforward")
NO_PROCESSES = "kubeteach simulates containers and runs no processes"


def refusal(subresource: str, pod_name: str, container: str) -> str:
    """The sentence a learner reads for a stream the simulation cannot open."""
    if subresource == "portforward":
        return f'{NO_PROCESSES}: nothing listens in pod "{pod_name}", so there is no port to forward to'
    action = "exec into" if subresource == "exec" else "attach to"
    return f'{NO_PROCESSES}: container "{container}" of pod "{pod_name}" has no process to {action}'


def connect(pod: dict, subresource: str, container: str, upgrade: bool) -> None:
    """streamLocation's checks, then the upgrade-aware proxy's answer: always an APIError."""
    name = pod["metadata"]["name"]
    chosen = "" if subresource == "portforward" else choose_container(pod, container)
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {name} does not have a host assigned")
    if not upgrade:
        raise bad_request("Upgrade request required")
    raise APIError(500, "InternalError", refusal(subresource, name, chosen))


__all__ = ["CONNECT_SUBRESOURCES", "NO_PROCESSES", "connect", "refusal"]
