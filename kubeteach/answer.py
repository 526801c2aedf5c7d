"""The interview answer, written from a cluster's own trace: the seed's eight steps with the real names and numbers.

`interview_answer(c, minutes=2)` is the spoken answer (1, 2 or 5 minutes; spoken.py), `evidence=True` adds the trace
lines under each sentence; `interview_answer(c)` is the long trace form with every number, `short=True` its
60-second digest. A step the trace has not shown yet (no update, no self-healing) says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .spoken import WORDS, spoken
from .trace import Record, phrase


@dataclass
class Facts:
    """What the trace shows, hop by hop; empty fields are hops that have not happened yet."""

    create: Record | None = None
    authn: Record | None = None
    authz: Record | None = None
    admitted: Record | None = None
    validated: Record | None = None
    stored: Record | None = None
    replica_sets: list[Record] = field(default_factory=list)
    pods_created: list[Record] = field(default_factory=list)
    scheduled: Record | None = None
    bound: Record | None = None
    sandbox: Record | None = None
    pull: Record | None = None
    started: Record | None = None
    csi: list[Record] = field(default_factory=list)
    faults: list[Record] = field(default_factory=list)
    replacement: Record | None = None
    scale_steps: list[Record] = field(default_factory=list)


def gather(records: list[Record]) -> Facts:
    """Pick the first occurrence of each hop out of the trace (and every ReplicaSet creation and rollout step)."""
    f = Facts()
    for rec in records:
        a = rec.action
        if f.create is None:
            what = rec.detail.get("what") or {}
            if rec.actor == "kubectl" and a == "request" and what.get("verb") == "create" and \
                    what.get("kind") == "Deployment" and not what.get("subresource"):
                f.create = rec
            continue
        if a == "authenticated" and f.authn is None:
            f.authn = rec
        elif a == "authorized" and f.authz is None:
            f.authz = rec
        elif a == "admitted" and f.admitted is None:
            f.admitted = rec
        elif a == "validated" and f.validated is None:
            f.validated = rec
        elif a == "stored" and f.stored is None and "/deployments/" in rec.object:
            f.stored = rec
        elif a == "create-rs":
            f.replica_sets.append(rec)
        elif a == "event" and rec.detail.get("reason") == "SuccessfulCreate":
            if not f.faults:
                f.pods_created.append(rec)
            elif f.replacement is None:
                f.replacement = rec
        elif a == "scheduled" and f.scheduled is None:
            f.scheduled = rec
        elif a == "bound" and f.bound is None:
            f.bound = rec
        elif a == "kubelet-sandbox" and f.sandbox is None:
            f.sandbox = rec
        elif a in ("kubelet-pull", "kubelet-image-present") and f.pull is None:
            f.pull = rec
        elif a == "kubelet-start" and f.started is None:
            f.started = rec
        elif a == "kubelet-csi":
            f.csi.append(rec)
        elif a.startswith("fault-"):
            f.faults.append(rec)
        elif a in ("scale-rs", "hold-old") and len(f.replica_sets) > 1:
            f.scale_steps.append(rec)
    return f


def _pod_name(rec: Record) -> str:
    return str(rec.detail.get("message", "")).removeprefix("Created pod: ")


def _steps(f: Facts) -> list[tuple[str, str]]:
    """The eight steps as (title, paragraph) pairs."""
    d = f.create.detail
    who = phrase("authn:" + f.authn.detail["by"], f.authn.detail) if f.authn else ""
    steps = [("kubectl",
              f"`kubectl create -f` reads the manifest, finds the API path from discovery and sends "
              f"{d.get('method', 'POST')} {f.create.object} as user \"{d.get('user', '')}\", with the credentials "
              f"of the current context in ~/.kube/config.")]

    s2 = [f"kube-apiserver authenticates it ({who})" if who else "kube-apiserver authenticates it"]
    if f.authz:
        s2.append(f"authorizes {f.authz.detail.get('verb')} on {f.authz.detail.get('resource')}: "
                  f"{phrase('authz:' + f.authz.detail['reason']['by'], f.authz.detail['reason'])}")
    if f.admitted:
        n = len(f.admitted.detail.get("defaulted", []))
        s2.append(f"fills in defaults while decoding it ({n} fields, e.g. strategy RollingUpdate 25%/25%, "
                  f"revisionHistoryLimit 10, progressDeadlineSeconds 600), then runs mutating admission")
    if f.validated:
        s2.append(f"validates it ({phrase('validated:facts', f.validated.detail)})")
    if f.stored:
        s2.append(f"and writes it to etcd at {f.stored.object} (revision {f.stored.detail.get('revision')}); "
                  f"201 Created goes back to kubectl and a watch event goes to "
                  f"{', '.join(f.stored.detail.get('watchers', [])) or 'the watchers'}")
    steps.append(("API server, authentication, authorization, defaulting, admission, etcd", "; ".join(s2) + "."))

    if f.replica_sets:
        rs = f.replica_sets[0].detail
        pods = ", ".join(_pod_name(r) for r in f.pods_created if str(r.object).endswith(rs["rs"]))
        steps.append(("controllers",
                      f"The deployment-controller in kube-controller-manager sees the new Deployment through its "
                      f"informer, hashes the pod template (pod-template-hash {rs['hash']}; kubeteach hashes the "
                      f"template's canonical JSON where Kubernetes hashes a spew dump of the Go struct with FNV-32a, "
                      f"so a real cluster gives the same template another suffix) and creates ReplicaSet "
                      f"{rs['rs']} with revision {rs.get('revision', '1')} ({phrase('deployment:math', rs)}). " +
                      (f"The replicaset-controller sees the ReplicaSet and creates {pods}, owned by it through "
                       f"ownerReferences; a new pod has no spec.nodeName yet." if pods else
                       "Not in your trace yet: the replicaset-controller has not created a pod for it.")))
    else:
        steps.append(("controllers", "Not in your trace yet: start the controllers and `run()`."))

    if f.scheduled:
        s = f.scheduled.detail
        totals = ", ".join(f"{n} {t}" for n, t in sorted(s.get("totals", {}).items()))
        best = max(s.get("totals", {}).values(), default=0)
        tie = " (a tie, broken at random)" if list(s.get("totals", {}).values()).count(best) > 1 else ""
        steps.append(("scheduler",
                      f"default-scheduler takes {f.scheduled.object} from its queue, filters the nodes "
                      f"({s.get('feasible')} of {s.get('all_nodes')} feasible), scores them ({totals}) and picks "
                      f"{s.get('winner')}{tie}; it only writes a Binding (POST .../pods/<name>/binding) that sets "
                      f"spec.nodeName."))
    else:
        steps.append(("scheduler", "Not in your trace yet: no pod has been bound to a node; `kubectl describe pod` "
                                   "says why."))

    if f.sandbox:
        node = f.sandbox.actor.removeprefix("kubelet/")
        if f.csi:
            calls = " → ".join(dict.fromkeys(str(r.detail.get("call")) for r in f.csi))
            k = [f"The kubelet on {node} sees the pod bound to its node and first waits for its volumes: CSI "
                 f"mounts {f.csi[0].detail.get('pv')} ({calls})"]
        else:
            k = [f"The kubelet on {node} sees the pod bound to its node; it has no volumes, so nothing to mount "
                 f"first (a PVC would go provision → attach → NodeStageVolume → NodePublishVolume before anything "
                 f"else)"]
        k.append(f"then it asks the CRI runtime for a pod sandbox (the pause container), and the runtime's CNI "
                 f"plugin gives it {f.sandbox.detail.get('ip')} from the node's podCIDR {f.sandbox.detail.get('cidr')}")
        if f.pull is not None and f.pull.action == "kubelet-pull":
            k.append(f"it pulls {f.pull.detail.get('image')} ({f.pull.detail.get('size')} bytes, "
                     f"{f.pull.detail.get('seconds')} s)")
        if f.started:
            k.append(f"starts container {f.started.detail.get('container')} and reports the pod Running with "
                     f"its IP through the status subresource")
        steps.append(("kubelet, CRI, CNI, CSI", "; ".join(k) + "."))
    else:
        steps.append(("kubelet, CRI, CNI, CSI", "Not in your trace yet: a kubelet has not started a pod."))

    kills = [r for r in f.faults if r.action in ("fault-kill-pod", "fault-crash", "fault-fail-node")]
    if kills:
        r = kills[0]
        steps.append(("self-healing",
                      f"When {r.object} was hit ({r.action.removeprefix('fault-').replace('-', ' ')}), the "
                      f"replicaset-controller saw fewer pods than spec.replicas and created "
                      f"{_pod_name(f.replacement) if f.replacement else 'a replacement'}. A container that merely crashes is "
                      f"restarted in place by the kubelet, with back-off (10 s doubling to 5 min); the pods of a "
                      f"node that stops reporting are evicted once their 300 s toleration of the "
                      f"node.kubernetes.io/unreachable taint runs out."))
    else:
        steps.append(("self-healing",
                      "Not in your trace yet: try `c.faults.kill_pod(name)` and `run()` — the "
                      "replicaset-controller creates a replacement to keep spec.replicas."))

    if len(f.replica_sets) > 1:
        old, new = f.replica_sets[0].detail, f.replica_sets[1].detail
        steps.append(("update trigger",
                      f"Changing the template (e.g. `kubectl set image`) changes its hash: {old['hash']} → "
                      f"{new['hash']}. The deployment-controller finds no ReplicaSet whose template equals the new one "
                      f"(it compares templates ignoring the pod-template-hash label) and creates {new['rs']}, named "
                      f"after the new hash (revision {new.get('revision')}); scaling alone would not."))
        last = f.scale_steps[-1].detail if f.scale_steps else {}
        steps.append(("rolling update",
                      f"It then scales {new['rs']} up and {old['rs']} down within maxSurge/maxUnavailable "
                      f"({phrase('deployment:math', new)}); each old scale-down waits for new pods to be available "
                      f"(last step: {phrase('deployment:math', last) or 'n/a'}), until the old ReplicaSet is at 0 and kept "
                      f"for `kubectl rollout undo`."))
    else:
        steps.append(("update trigger",
                      "Not in your trace yet: `kubectl set image deployment/<name> <container>=<image>` changes "
                      "the template, and so its pod-template-hash."))
        steps.append(("rolling update", "Not in your trace yet: the rollout follows the update trigger."))
    return steps


def run_details(f: Facts) -> tuple[dict[str, str], dict[str, list[Record]]]:
    """What the spoken answer may name from this run (one detail per step: names, the pod IP, the new hash) and the
    records behind each sentence, by key (spoken.STEPS names the keys)."""
    rs = f.replica_sets[0].detail["rs"] if f.replica_sets else ""
    new = f.replica_sets[1] if len(f.replica_sets) > 1 else None
    kills = [r for r in f.faults if r.action in ("fault-kill-pod", "fault-fail-node")]     # a pod lost, not a crash
    details = {"deployment": f.create.detail.get("what", {}).get("name", "") if f.create else "",
               "key": f.stored.object if f.stored else "", "rs": rs,
               "node": f.scheduled.detail.get("winner", "") if f.scheduled else "",
               "ip": f.sandbox.detail.get("ip", "") if f.sandbox else "",
               "replacement": _pod_name(f.replacement) if f.replacement else "",
               "hash": new.detail["hash"] if new else "", "new_rs": new.detail["rs"] if new else ""}
    one = {"request": f.create, "authn": f.authn, "authz": f.authz, "admitted": f.admitted,
           "validated": f.validated, "stored": f.stored, "scheduled": f.scheduled, "bound": f.bound,
           "sandbox": f.sandbox, "pull": f.pull, "started": f.started, "replacement": f.replacement, "new_rs": new,
           "rs": f.replica_sets[0] if f.replica_sets else None, "kill": kills[0] if kills else None,
           "pod": next((r for r in f.pods_created if str(r.object).endswith(rs)), None) if rs else None,
           "hold": next((r for r in f.scale_steps if r.action == "hold-old"), None),
           "scale_down": next((r for r in reversed(f.scale_steps) if r.action == "scale-rs"), None)}
    evidence = {k: [r] for k, r in one.items() if r is not None}
    evidence["csi"] = f.csi[:4]
    return details, evidence


def interview_answer(cluster_or_records: object, minutes: int | None = None, *, evidence: bool = False,
                     short: bool = False) -> str:
    """The spoken answer for `minutes` (1, 2 or 5; with `evidence`, each sentence's trace lines under it), or, with
    minutes=None, the long trace form (short=True: its 60-second digest), from a Cluster or a list of records."""
    if minutes is not None and (isinstance(minutes, bool) or minutes not in WORDS):
        raise ValueError(f"minutes must be one of {sorted(WORDS)} (or None for the trace form), not {minutes!r}")
    if minutes is None and evidence:
        raise ValueError("evidence goes with a spoken answer: pass minutes=1, 2 or 5")
    records = getattr(cluster_or_records, "trace", cluster_or_records)
    f = gather(list(records))
    if f.create is None:
        return "Your trace has no `kubectl create` of a Deployment yet: run `c.kubectl(\"create -f data/deployment.yaml\")`."
    if minutes is not None:
        return spoken(minutes, *run_details(f), show_evidence=evidence)
    steps = _steps(f)
    if not short:
        return "\n\n".join(f"{i}. **{title}** — {text}" for i, (title, text) in enumerate(steps, 1))
    rs = f.replica_sets[0].detail["rs"] if f.replica_sets else "a ReplicaSet"
    node = f.scheduled.detail.get("winner") if f.scheduled else "a node"
    ip = f.sandbox.detail.get("ip") if f.sandbox else "a pod IP"
    volumes = "mounts the pod's volumes through CSI, then " if f.csi else ""
    key = f.stored.object if f.stored else "etcd"
    new_rs = f.replica_sets[1].detail["rs"] if len(f.replica_sets) > 1 else "a new ReplicaSet"
    update = (f"After a template change no ReplicaSet matches the template, so {new_rs} (named after the new "
              f"template's pod-template-hash) is created and the rollout trades old pods for new within maxSurge "
              f"and maxUnavailable.")
    return (f"kubectl sends the Deployment to kube-apiserver, which authenticates and authorizes the request, fills "
            f"in defaults while decoding it, runs admission, validates it and stores it in etcd at {key}. Controllers watch: the deployment-controller creates "
            f"{rs}, the replicaset-controller creates the pods. The scheduler binds each pod to a node ({node}); "
            f"that node's kubelet {volumes}creates the sandbox through CRI (whose CNI plugin gives it {ip}), pulls the "
            f"image and starts the container, then reports status. If a pod is deleted or its node is lost, the "
            f"ReplicaSet makes a new one; a crashed container is restarted by the kubelet. {update}")
