"""The sentences of the kubelet's pod sync records (kubelet-admit, kubelet-sandbox, kubelet-pull, …).

Registered on import (kubelet.py imports this module); the Lease, node status and volume sentences live
beside their managers.
"""

from __future__ import annotations

from ..objects import format_bytes, go_duration
from ..trace import narrative


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _admit(f: dict) -> str:
    volumes = [*f.get("other_volumes", []), *f["claims"]]
    claims = f"; wait for volumes {', '.join(volumes)}" if volumes else "; no volumes to wait for"
    return (f"syncPod {f['object']}: admitted: cpu {f['cpu']}m requested, {f['cpu_cap'] - f['cpu_used']}m of "
            f"{f['cpu_cap']}m allocatable free; memory {format_bytes(f['memory'])} requested, "
            f"{format_bytes(f['memory_cap'] - f['memory_used'])} of {format_bytes(f['memory_cap'])} free; "
            f"pod {f['pods']} of {f['pods_cap']}{claims}")


def _status(f: dict) -> str:
    conds = ", ".join(f"{t}={s}" for t, s in f["conditions"])
    ctrs = "; ".join(f"{n} {reason or state}{' ready' if ready else ''}"
                     f"{f' (restarts {r})' if r else ''}" for n, state, reason, ready, r in f["containers"])
    ip = f", podIP {f['podIP']}" if f.get("podIP") else ""
    return f"status {f['object']}: phase {f['phase']}{ip}, {conds}" + (f"; {ctrs}" if ctrs else "")


def _pull(f: dict) -> str:
    why = "policy Always pulls every time" if f["policy"] == "Always" else f"not present ({f['policy']})"
    queued = f", after waiting {go_duration(round(f['queued'], 3))} for the pull ahead (serialized pulls)" \
        if f["queued"] > 0 else ""
    size = f"{_mb(f['size'])}, " if f["size"] else ""
    return f'image "{f["image"]}" {why}: pulling {size}{go_duration(round(f["seconds"], 3))}{queued}'


def _start(f: dict) -> str:
    restart = f" (restart #{f['restarts']})" if f["restarts"] else ""
    ready = f"; Ready waits for the {f['probe']} probe" if f["probe"] else "; no readiness probe, so it is ready"
    return f"CRI StartContainer {f['container']} ({f['id'][:12]}): running{restart}{ready}"


narrative({
    "kubelet-admit": _admit,
    "kubelet-reject": "syncPod {object}: rejected by admission, {reason}: {message}; phase Failed",
    "kubelet-status": _status,
    "kubelet-sandbox": ("CRI RunPodSandbox ({pause}) -> CNI ADD (host-local on {cidr}) gave eth0 {ip}; "
                        "PodReadyToStartContainers=True"),
    "kubelet-sandbox-failed": lambda f: (f"CRI RunPodSandbox failed, CNI ADD (host-local on {f['cidr']}): "
                                         f"{f['error']}; the pod worker retries in {go_duration(f['retry'])}"),
    "kubelet-image-present": 'image "{image}" already present ({policy}): no pull',
    "kubelet-pull": _pull,
    "kubelet-pulled": lambda f: (f'Successfully pulled image "{f["image"]}" in {go_duration(round(f["seconds"], 3))}'
                                 f" ({go_duration(round(f['waited'], 3))} including waiting), {f['size']} bytes"),
    "kubelet-pull-failed": lambda f: (f'pull of "{f["image"]}" failed: {f["error"]}; ErrImagePull, no new attempt '
                                      f"for {go_duration(f['delay'])} (image back-off doubles 10s -> 300s)"),
    "kubelet-pull-backoff": lambda f: (f'image "{f["image"]}" is in pull back-off ({go_duration(f["delay"])}, next '
                                       f"attempt at {f['due']:.3f}s): ImagePullBackOff"),
    "kubelet-pull-orphan": 'pull of "{image}" finished but {object} is gone or terminating',
    "kubelet-never-pull": 'image "{image}" of {container} is not on the node and its policy is Never: '
                          "ErrImageNeverPull",
    "kubelet-create": lambda f: (f"CRI CreateContainer {f['container']} ({f['image']}) in the pod's sandbox -> "
                                 f"container {f['id'][:12]}"),
    "kubelet-start": _start,
    "kubelet-exited": "container {container} of {object} exited with code {code} ({reason})",
    "kubelet-crashloop": lambda f: (f"container {f['container']} of {f['object']} crashed again: CrashLoopBackOff, "
                                    f"restart in {go_duration(f['delay'])} at {f['due']:.3f}s (10s doubling to 300s)"),
    "kubelet-kill": lambda f: (f"{f['object']} is being deleted{' again, sooner' if f.get('again') else ''}: killContainer "
                               f"{', '.join(f['containers']) or '(none running)'} with grace period {f['grace']}s "
                               "(Killing, preStop, stop signal, SIGKILL at the deadline)"),
    "kubelet-stop-sandbox": lambda f: (f"CRI StopPodSandbox for {f['object']} -> CNI DEL released "
                                       f"{', '.join(f['released']) or 'no address'} back to {f['cidr']}"),
    "kubelet-delete": ("{object}: containers stopped, sandbox gone, volumes unmounted: DELETE with "
                       "gracePeriodSeconds=0 (uid {uid}) removes it from etcd"),
    "kubelet-removed": lambda f: (f"{f['object']} was removed from the API: stopped "
                                  f"{', '.join(f['containers']) or 'nothing'}, CNI DEL released "
                                  f"{', '.join(f['released']) or 'no address'}"),
})
