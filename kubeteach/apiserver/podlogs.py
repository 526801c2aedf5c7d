"""GET pods/<name>/log: which container, and what the kubelet answers for it.

The API server picks the container (pkg/registry/core/pod/strategy.go LogLocation and validateContainer) and
proxies to the kubelet, which refuses a container that has not started (pkg/kubelet/kubelet_pods.go
validateContainerLogStatus) and reads the chosen container instance's output (/containerLogs). The API server
holds a proxy callable per node, registered by the assembly; it never sees the kubelet itself. A `follow=true`
request's stream reads on through a `LogFollower` as the served clock runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .errors import bad_request

NodeProxy = Callable[[str, "int | None", bool], str]   # the kubelet's /containerLogs: (container ID, tail, timestamps)


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


def pod_log(pod: dict, container: str = "", proxies: Mapping[str, NodeProxy] | None = None,
            tail: int | None = None, timestamps: bool = False, previous: bool = False) -> str:
    """The log text of one container, read from its node's kubelet; 400 BadRequest with the kubelet's words when
    there is none to read."""
    chosen = choose_container(pod, container)
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        return ""                                   # LogLocation: no host yet, an empty answer
    container_id = log_container_id(pod, chosen, previous)
    proxy = (proxies or {}).get(node)
    if proxy is None:
        return ""                                   # no kubelet serves this node: nothing to read
    try:
        return proxy(container_id, tail, timestamps)
    except LookupError as err:
        raise bad_request(str(err).strip("'\"")) from None


def log_container_id(pod: dict, chosen: str, previous: bool = False) -> str:
    """validateContainerLogStatus (pkg/kubelet/kubelet_pods.go): which container instance's log to read."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == chosen), None)
    if cs is None:
        raise bad_request(f'container "{chosen}" in pod "{name}" is not available')
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    last_id = (last.get("terminated") or {}).get("containerID", "")
    terminated_msg = f'container "{chosen}" in pod "{name}" is terminated'
    if previous:
        if not last_id:
            raise bad_request(f'previous terminated container "{chosen}" in pod "{name}" not found')
        return last_id
    if "running" in state:
        return cs.get("containerID", "")
    if "terminated" in state:
        own = (state.get("terminated") or {}).get("containerID", "")
        if own or last_id:
            return own or last_id
        raise bad_request(terminated_msg)
    if "terminated" in last:
        if not last_id:
            raise bad_request(terminated_msg)
        return last_id
    if "waiting" not in state:
        raise bad_request(f'container "{chosen}" in pod "{name}" is waiting to start - no logs yet')
    reason = (state.get("waiting") or {}).get("reason", "")
    why = {"ErrImagePull": "image can't be pulled",
           "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
    raise bad_request(f'container "{chosen}" in pod "{name}" is waiting to start: {why}')



def instance_running(pod: dict | None, container: str, container_id: str) -> bool:
    """Whether the container instance a follow=true stream reads still runs: the kubelet's ReadLogs follows one
    instance's log file and stops once the runtime reports that container exited (kuberuntime/logs/logs.go)."""
    statuses = ((pod or {}).get("status") or {}).get("containerStatuses") or []
    cs = next((s for s in statuses if s.get("name") == container), None)
    return cs is not None and "running" in (cs.get("state") or {}) and cs.get("containerID") == container_id


class LogFollower:
    """What a `follow=true` stream has yet to send, read under the cluster's lock as the served clock runs: the new
    output of the one container instance the request resolved to, until that instance ends or its pod goes."""

    def __init__(self, read_pod: Callable[[], dict | None], proxies: Mapping[str, NodeProxy], container: str,
                 timestamps: bool = False, previous: bool = False):
        pod = read_pod()
        if pod is None:
            raise LookupError("the pod is gone")
        self.read_pod, self.timestamps, self.previous = read_pod, timestamps, previous
        self.container = choose_container(pod, container)
        self.container_id = log_container_id(pod, self.container, previous)
        self.proxy = proxies.get((pod.get("spec") or {}).get("nodeName") or "")
        self.offset = len(self._read())

    def _read(self) -> str:
        if self.proxy is None:
            return ""
        try:
            return self.proxy(self.container_id, None, self.timestamps)
        except LookupError:
            return ""

    def poll(self) -> tuple[str, bool]:
        """The text written since the last poll, and whether the stream is over."""
        ended = self.previous or not instance_running(self.read_pod(), self.container, self.container_id)
        text = self._read()
        new, self.offset = text[self.offset:], max(self.offset, len(text))
        return new, ended


__all__ = ["LogFollower", "choose_container", "instance_running", "log_container_id", "pod_log"]
