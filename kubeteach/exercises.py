"""The lessons' break-it faults, set up by name: `kt.exercises.start("03-no-pods")` returns a cluster with the
fault in place, so the learner diagnoses it from what the cluster shows, not from the code that broke it.

For authors: each exercise is one function below whose docstring says what it breaks; `start` looks it up in
EXERCISES. A fault acts through the cluster's public face (kubectl, `stop`, `faults`), so it leaves the same trace
records, events and status an operator would find on a real cluster.
"""

from __future__ import annotations

from collections.abc import Callable

from .cluster import Cluster


def stuck(c: Cluster) -> None:
    """02-stuck: every component is switched off (every controller, kube-scheduler, every kubelet); the API server
    and etcd still answer, so a create is stored and nothing reacts to it."""
    for name in c.component_names():
        c.stop(name)


def no_pods(c: Cluster) -> None:
    """03-no-pods: the replicaset-controller is off; the deployment-controller still makes ReplicaSets, but no
    ReplicaSet gets Pods."""
    c.stop("replicaset-controller")


def pending(c: Cluster) -> None:
    """04-pending: every Node is cordoned (`kubectl cordon`, spec.unschedulable: true), so the scheduler's
    NodeUnschedulable filter rejects them all and new Pods stay Pending with a FailedScheduling event."""
    for node in sorted(n["metadata"]["name"] for n in c.list("nodes")):
        c.kubectl(f"cordon {node}")


def stuck_mount(c: Cluster) -> None:
    """05-stuck-mount: the CSI node plugin fails its next six NodeStage/NodePublish calls on every Node, so a Pod
    with a volume waits in ContainerCreating while the kubelet retries the mount with a back-off."""
    c.faults.fail_csi(times=6)


def no_replacement(c: Cluster) -> None:
    """06-no-replacement: the replicaset-controller is off, so a Pod that is deleted is never replaced (and the
    ReplicaSet's status goes stale)."""
    c.stop("replicaset-controller")


def stalled_rollout(c: Cluster) -> None:
    """07-stalled-rollout: someone rolls Deployment web out to nginx:1.99, a tag the registry does not have, and a
    minute passes; the new Pods wait in ImagePullBackOff and the rollout stops at maxUnavailable."""
    result = c.kubectl("set image deployment/web nginx=nginx:1.99")
    if result.returncode:
        raise ValueError(f"07-stalled-rollout needs Deployment web (data/07-web.yaml): {result.stderr.strip()}")
    c.run(seconds=60)


#: exercise name -> the function that sets its fault up on a cluster
EXERCISES: dict[str, Callable[[Cluster], None]] = {
    "02-stuck": stuck,
    "03-no-pods": no_pods,
    "04-pending": pending,
    "05-stuck-mount": stuck_mount,
    "06-no-replacement": no_replacement,
    "07-stalled-rollout": stalled_rollout,
}


def names() -> list[str]:
    """The exercises, by name, in lesson order."""
    return list(EXERCISES)


def start(name: str, cluster: Cluster | None = None) -> Cluster:
    """Set up exercise `name` on `cluster` (default: a fresh `Cluster()`) and return the cluster."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise {name!r}; exercises: {', '.join(EXERCISES)}")
    c = cluster if cluster is not None else Cluster()
    EXERCISES[name](c)
    return c


__all__ = ["EXERCISES", "names", "start"]
