"""GET pods/<name>/log: which container, and what the kubelet answers for it.

The API server picks the container (pkg/registry/core/pod/strategy.go LogLocation and validateContainer) and
proxies to the kubelet, which refuses a container that has not started (pkg/kubelet/kubelet_pods.go
validateContainerLogStatus). Simulated containers print nothing, so a started container's log is empty: honest,
if quiet, until containers get simulated output.
"""

from __future__ import annotations

from .errors import bad_request


def _names(pod: dict) -> list[str]:
    spec = pod.get("spec") or {}
    return [c.get("name", "") for key in ("initContainers", "containers", "ephemeralContainers")
            for c in spec.get(key) or []]


def choose_container(pod: dict, container: str) -> str:
    """validateContainer: the one container when none is named; otherwise the name must be the pod's."""
    name = pod["metadata"]["name"]
    containers = (pod.get("spec") or {}).get("containers") or []
    if not container:
        if len(containers) == 1:
            return containers[0].get("name", "")
        if not containers:
            raise bad_request(f"a container name must be specified for pod {name}")
        raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                          f"[{' '.join(_names(pod))}]")
    if container not in _names(pod):
        raise bad_request(f"container {container} is not valid for pod {name}")
    return container


def pod_log(pod: dict, container: str = "") -> str:
    """The log text of one container; 400 BadRequest with the kubelet's words when there is none to read."""
    chosen = choose_container(pod, container)
    if not (pod.get("spec") or {}).get("nodeName"):
        return ""                                   # LogLocation: no host yet, an empty answer
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == chosen), None)
    if cs is None:
        raise bad_request(f'container "{chosen}" in pod "{name}" is not available')
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    if "running" in state or "terminated" in state or "terminated" in last:
        return ""
    if "waiting" not in state:
        raise bad_request(f'container "{chosen}" in pod "{name}" is waiting to start - no logs yet')
    reason = (state.get("waiting") or {}).get("reason", "")
    why = {"ErrImagePull": "image can't be pulled",
           "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
    raise bad_request(f'container "{chosen}" in pod "{name}" is waiting to start: {why}')


__all__ = ["choose_container", "pod_log"]
