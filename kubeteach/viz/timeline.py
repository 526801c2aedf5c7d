"""The rollout timeline: spec.replicas of each ReplicaSet of a Deployment over virtual time, and the rolling update's
two bounds with what each one limits: total pods (the sum of the ReplicaSets' spec.replicas) under replicas +
maxSurge, available pods (the sum of their status.availableReplicas) over replicas - maxUnavailable, both from the
rollout's start (the write that changed spec.template), as the deployment controller checks them
(NewRSNewReplicas in pkg/controller/deployment/util/deployment_util.go; reconcileOldReplicaSets and
scaleDownOldReplicaSetsForRollingUpdate in pkg/controller/deployment/rolling.go).

The data comes from the store's history (every write to the Deployment, its ReplicaSets and their pods, in
revision order); a revision's virtual time comes from the trace's `stored` records, which carry the revision.
"""

from __future__ import annotations

import bisect
import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..apiserver.resources import lookup
from ..deployments import max_surge, max_unavailable, revision
from ..objects import controller_ref, is_being_deleted
from ..pods import is_pod_ready


def _revision_times(cluster: Any) -> tuple[list[int], list[float]]:
    """(revisions, times) of every traced etcd write, sorted by revision, to look up when a revision happened."""
    pairs = sorted({(int(r.detail["revision"]), r.time) for r in cluster.trace
                    if r.action == "stored" and r.detail.get("revision") is not None})
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _time_of(rev: int, revs: list[int], times: list[float]) -> float:
    """The virtual time of a revision: its own write's record, else the last traced write before it."""
    i = bisect.bisect_right(revs, rev) - 1
    return times[i] if i >= 0 else 0.0


def _ready(pod: dict) -> bool:
    """An active pod (no deletionTimestamp) whose Ready condition is True, as the ReplicaSet controller counts."""
    return not is_being_deleted(pod) and is_pod_ready(pod)


def rollout_series(cluster: Any, name: str, namespace: str = "default") -> dict[str, Any]:
    """The timeline's data as plain lists, one entry per write (revision) that changed the rollout.

    Keys: `revision`, `time`, `desired`, `max_total` (replicas + maxSurge), `min_available` (replicas -
    maxUnavailable), `ready` (ready active pods), `total` (sum of the ReplicaSets' spec.replicas: the pods the
    maxSurge bound limits), `available` (sum of the ReplicaSets' status.availableReplicas: the pods the
    maxUnavailable floor keeps), `replicasets`: {name: spec.replicas per entry}; `rs_revision`: {name:
    deployment.kubernetes.io/revision}; `start`: the entry of the first spec.template change (where the rollouts
    start; 0, the creation, when the template never changed) and `start_time`, its virtual time.
    """
    dep_key = lookup("deployments").key(namespace, name)
    rs_prefix = f"{lookup('replicasets').prefix}{namespace}/"
    pod_prefix = f"{lookup('pods').prefix}{namespace}/"
    dep_events = cluster.etcd.events(0, dep_key)
    dep_events = [e for e in dep_events if e.kv.key == dep_key]
    if not dep_events:
        raise KeyError(f'deployments.apps "{name}" not found in namespace "{namespace}"')
    dep_uid = (dep_events[-1].prev if dep_events[-1].type == "DELETED" else dep_events[-1].kv).value[
        "metadata"]["uid"]
    events = sorted(dep_events + cluster.etcd.events(0, rs_prefix) + cluster.etcd.events(0, pod_prefix),
                    key=lambda e: e.revision)
    revs, times = _revision_times(cluster)

    deployment: dict | None = None
    rs_uids: dict[str, str] = {}                     # uid -> ReplicaSet name, for the deployment's ReplicaSets
    replicas: dict[str, int] = {}
    available: dict[str, int] = {}
    template: dict | None = None
    start: int | None = None
    rs_revision: dict[str, str] = {}
    ready: dict[str, bool] = {}
    out: dict[str, Any] = {k: [] for k in ("revision", "time", "desired", "max_total", "min_available", "ready",
                                           "total", "available")}
    columns: dict[str, list[int]] = {}
    for ev in events:
        obj = ev.kv.value if ev.type != "DELETED" else ev.prev.value
        key = ev.kv.key
        if key == dep_key:
            if obj["metadata"].get("uid") != dep_uid:
                continue
            deployment = None if ev.type == "DELETED" else obj
            if deployment is not None:
                if start is None and template is not None and deployment["spec"].get("template") != template:
                    start = len(out["revision"])             # this write starts a rollout: its entry comes next
                template = deployment["spec"].get("template")
        elif key.startswith(rs_prefix):
            ref = controller_ref(obj)
            if not ref or ref.get("uid") != dep_uid:
                continue
            rs_name = obj["metadata"]["name"]
            rs_uids[obj["metadata"]["uid"]] = rs_name
            replicas[rs_name] = 0 if ev.type == "DELETED" else int(obj["spec"].get("replicas", 1))
            available[rs_name] = 0 if ev.type == "DELETED" else int(obj.get("status", {}).get("availableReplicas", 0))
            rs_revision[rs_name] = str(revision(obj))
        else:
            ref = controller_ref(obj)
            if not ref or ref.get("uid") not in rs_uids:
                continue
            ready[obj["metadata"]["name"]] = ev.type != "DELETED" and _ready(obj)
        if deployment is None:
            continue
        desired = int(deployment["spec"].get("replicas", 1))
        out["revision"].append(ev.revision)
        out["time"].append(_time_of(ev.revision, revs, times))
        out["desired"].append(desired)
        out["max_total"].append(desired + max_surge(deployment))
        out["min_available"].append(desired - max_unavailable(deployment))
        out["ready"].append(sum(ready.values()))
        out["total"].append(sum(replicas.values()))
        out["available"].append(sum(available.values()))
        for rs_name in replicas:
            columns.setdefault(rs_name, [0] * (len(out["revision"]) - 1))
        for rs_name, col in columns.items():
            col.append(replicas.get(rs_name, 0))
    order = sorted(columns, key=lambda n: (int(rs_revision.get(n, "0") or 0), n))
    out["replicasets"] = {n: columns[n] for n in order}
    out["rs_revision"] = {n: rs_revision[n] for n in order}
    out["start"] = min(start or 0, max(len(out["revision"]) - 1, 0))
    out["start_time"] = out["time"][out["start"]] if out["time"] else 0.0
    return out


class TimelineFigure(Figure):
    """A matplotlib Figure that shows itself as PNG in Jupyter without pyplot (no global state), with a one-line
    `summary()` text checkpoint (notebooks and nbval compare text, not pixels)."""

    series: dict[str, Any] = {}
    _summary_text = ""

    def summary(self) -> str:
        """What the picture says in one line."""
        return self._summary_text

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        FigureCanvasAgg(self).print_png(buf)
        return buf.getvalue()


def describe_rollout(name: str, namespace: str, s: dict[str, Any]) -> str:
    """The rollout in one line: from its start, total pods against the maxSurge bound and available pods against
    the maxUnavailable floor, and each ReplicaSet's replicas from the start to the end."""
    if not s["revision"]:
        return f"rollout of {namespace}/{name}: no write yet"
    i = s["start"]
    total, avail = s["total"][i:], s["available"][i:]
    text = (f"rollout of {namespace}/{name} from t={s['start_time']:.2f}s: "
            f"total pods max {max(total)} (bound replicas + maxSurge = {max(s['max_total'][i:])}), "
            f"available pods min {min(avail)} (floor replicas - maxUnavailable = {min(s['min_available'][i:])})")
    sizes = [f"{rs} {col[i]} → {col[-1]}" for rs, col in s["replicasets"].items() if any(col[i:])]
    return text + ("; " + ", ".join(sizes) if sizes else "")


def rollout_timeline(cluster: Any, name: str, namespace: str = "default", figsize: tuple[float, float] = (8, 4)
                     ) -> TimelineFigure:
    """A Figure of a Deployment's rollout: replicas per ReplicaSet, total pods under the maxSurge bound and
    available pods over the maxUnavailable floor, the bounds drawn from the rollout's start."""
    s = rollout_series(cluster, name, namespace)
    fig = TimelineFigure(figsize=figsize)
    FigureCanvasAgg(fig)
    fig.series = s
    ax = fig.subplots()
    t, i = s["time"], s["start"]
    for rs_name, values in s["replicasets"].items():
        ax.step(t, values, where="post", linewidth=2, alpha=0.6,
                label=f"{rs_name} (revision {s['rs_revision'][rs_name]})")
    ax.step(t, s["total"], where="post", color="#d62728", linewidth=1.5, label="total pods (sum of replicas)")
    ax.step(t[i:], s["max_total"][i:], where="post", color="#d62728", linewidth=6, alpha=0.2, zorder=1,
            label="replicas + maxSurge (most total pods)")
    ax.step(t, s["available"], where="post", color="#9467bd", linewidth=1.5, linestyle="--",
            label="available pods")
    ax.step(t[i:], s["min_available"][i:], where="post", color="#9467bd", linewidth=6, alpha=0.2, zorder=1,
            label="replicas - maxUnavailable (fewest available)")
    if i:
        ax.axvline(s["start_time"], color="#7f7f7f", linewidth=0.8)
        ax.annotate("template changed", (s["start_time"], 0), xytext=(3, 3), textcoords="offset points",
                    fontsize=7, color="#7f7f7f")
    ax.set_xlabel("virtual time (s)")
    ax.set_ylabel("pods")
    ax.set_title(f"Rollout of deployment/{name}")
    top = max(s["max_total"] + s["total"] + s["available"] + [1])
    ax.set_ylim(-0.2, top + 0.8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(1.01, 1.0))
    fig._summary_text = describe_rollout(name, namespace, s)
    fig.tight_layout()
    return fig
