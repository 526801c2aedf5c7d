"""Follow-ups on the controllers and the scheduler (the seed's steps 3, 4 and 6): Q12–Q18."""

from __future__ import annotations

from ..apiserver import APIError
from ._kit import block, fresh, note, pick, sh, since
from .record import Followup

DEPLOY3 = "create deployment nginx --image=nginx:1.25 --replicas=3"
OWNERS = ("deployment-controller", "replicaset-controller", "garbage-collector")


def _settled(replicas: int = 3):
    c = fresh()
    c.kubectl(DEPLOY3.replace("=3", f"={replicas}"))
    c.run()
    return c


def demo_adoption() -> str:
    """Q12: delete the Deployment leaving its ReplicaSet (--cascade=orphan); a new Deployment with the same selector
    and template adopts it by writing an ownerReference, with no new ReplicaSet and no new Pods."""
    c = _settled()
    mark = len(c.trace)
    out = [sh(c, "delete deployment nginx --cascade=orphan")]
    c.run()
    out.append(sh(c, "get rs"))
    out.append(sh(c, DEPLOY3))
    c.run()
    out += pick(since(c, mark), "propagationPolicy Orphan", "adopted orphan", limit=2)
    rs = c.list("replicasets")[0]
    ref = rs["metadata"]["ownerReferences"][0]
    out.append(f"{rs['metadata']['name']} ownerReferences: kind={ref['kind']} name={ref['name']} "
               f"controller={ref['controller']}; selector {rs['spec']['selector']['matchLabels']}")
    return block(out)


def demo_template_hash() -> str:
    """Q13: only spec.template is hashed: scaling keeps the ReplicaSet, a new image makes a new one."""
    c = _settled()
    first = sorted(r["metadata"]["name"] for r in c.list("replicasets"))
    out = [f"ReplicaSets: {', '.join(first)}", sh(c, "scale deployment nginx --replicas=4")]
    c.run()
    out.append(f"after scale: {', '.join(sorted(r['metadata']['name'] for r in c.list('replicasets')))}"
               " (the same: replicas is not in the template)")
    mark = len(c.trace)
    out.append(sh(c, "set image deployment/nginx nginx=nginx:1.26"))
    c.step()
    out += pick(since(c, mark), "pod-template-hash", limit=1, actor="deployment-controller")
    c.run()
    for rs in sorted(c.list("replicasets"), key=lambda r: r["metadata"]["name"]):
        labels = rs["spec"]["selector"]["matchLabels"]
        out.append(f"{rs['metadata']['name']}: selector {labels}, revision "
                   f"{rs['metadata']['annotations']['deployment.kubernetes.io/revision']}")
    return block(out)


def demo_self_healing_and_scale_down() -> str:
    """Q14: a force-deleted Pod is replaced by the ReplicaSet controller (not the kubelet); scaling down deletes
    the Pods ranked first (here the newest, the replacement)."""
    c = _settled()
    victim = sorted(p["metadata"]["name"] for p in c.list("pods"))[0]
    mark = len(c.trace)
    c.faults.kill_pod(victim)
    c.run()
    out = pick(since(c, mark), "force-deleted", "active pods, 3 wanted", limit=2)
    mark = len(c.trace)
    out.append(sh(c, "scale deployment nginx --replicas=1"))
    c.run()
    out += pick(since(c, mark), "ranked for deletion first", limit=1)
    return block(out)


def demo_garbage_collection() -> str:
    """Q15: a background delete removes the Deployment at once; the garbage collector finds the ReplicaSet and
    then the Pods without a live owner and deletes them."""
    c = _settled(2)
    mark = len(c.trace)
    out = [sh(c, "delete deployment nginx")]
    c.run()
    out += pick(since(c, mark), "has no live owner", limit=3)
    out.append(sh(c, "get rs,pods"))
    return block(out)


def demo_binding() -> str:
    """Q16: the scheduler's decision is a POST to pods/<name>/binding; the API server sets nodeName and refuses a
    second binding of an assigned Pod."""
    c = fresh()
    mark = len(c.trace)
    c.kubectl("run web --image=nginx:1.25")
    c.run()
    out = pick(since(c, mark), "nodes pass Filter", "/binding", "bound to node", limit=3)
    pod = c.client("admin").get("pods", "default", "web")
    try:
        c.client("admin").bind(pod, "node-1" if pod["spec"]["nodeName"] != "node-1" else "node-2")
        out.append("second binding stored (unexpected)")
    except APIError as err:
        out.append(note(f"a second Binding: {err.code} {err.reason}: {err.message}"))
    return block(out)


def demo_scheduler_down() -> str:
    """Q17: with kube-scheduler stopped the controllers still create Pods; they stay Pending with no node and no
    PodScheduled condition; started again, the scheduler binds them."""
    c = fresh()
    c.stop("kube-scheduler")
    out = ["$ (kube-scheduler stops)", sh(c, "create deployment nginx --image=nginx:1.25 --replicas=2")]
    c.run(seconds=30)
    out.append(sh(c, "get pods -o wide"))
    conds = sorted({cd["type"] for p in c.list("pods") for cd in p["status"].get("conditions", [])})
    out.append(note(f"pod conditions after 30 s: {conds or 'none'}"))
    out.append("$ (kube-scheduler starts)")
    mark = len(c.trace)
    c.start("kube-scheduler")
    c.run()
    out += pick(since(c, mark), "Successfully assigned", limit=2)
    return block(out)


def _pod(name: str, cpu: str, pc: str, node: str = "") -> dict:
    spec = {"containers": [{"name": "app", "image": "nginx:1.25", "resources": {"requests": {"cpu": cpu}}}],
            "priorityClassName": pc}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def demo_preemption() -> str:
    """Q18: every node full of low-priority Pods; a high-priority Pod that fits nowhere nominates a node, its
    victims get DisruptionTarget and a graceful delete, and it is bound there once they are gone."""
    c = fresh(nodes=2)
    admin = c.client("admin")
    for name, value in (("low", 100), ("high", 1000000)):
        admin.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                         "metadata": {"name": name}, "value": value})
    for node in ("node-1", "node-2"):
        for i in range(2):
            admin.create("pods", _pod(f"{node}-low-{i}", "800m", "low", node), "default")
    c.run(20)
    mark = len(c.trace)
    admin.create("pods", _pod("vip", "1500m", "high"), "default")
    c.wait_until(lambda: bool(c.get("pods", "vip")["status"].get("nominatedNodeName")), 30)
    vip = c.get("pods", "vip")
    out = [f"vip: priority {vip['spec']['priority']}, nominatedNodeName {vip['status']['nominatedNodeName']}"]
    for p in sorted(c.list("pods"), key=lambda p: p["metadata"]["name"]):
        cond = next((x for x in p["status"].get("conditions", []) if x["type"] == "DisruptionTarget"), None)
        if cond:
            out.append(f"{p['metadata']['name']}: DisruptionTarget={cond['status']} {cond['reason']}: "
                       f"{cond['message']}; deletionGracePeriodSeconds {p['metadata']['deletionGracePeriodSeconds']}")
    c.run(60)
    out += pick(since(c, mark), "0/2 nodes are available", limit=1)
    out.append(f"vip: node {c.get('pods', 'vip')['spec']['nodeName']}, phase {c.get('pods', 'vip')['status']['phase']}")
    return block(out)


BANK = [
    Followup(
        12, "How does a Deployment find its ReplicaSets?",
        "Deployment 怎么知道哪些 ReplicaSet 属于自己？手动建一个标签匹配的 RS 会被接管吗？",
        "By selector and ownerReference, not by name. The controller lists ReplicaSets in the namespace whose "
        "labels match its selector, and keeps those with a controller ownerReference carrying its own UID. An "
        "orphan that matches is adopted by patching that ownerReference in; an owned one that stops matching is "
        "released; one controlled by another owner is ignored. Among them, the new ReplicaSet is the one whose "
        "template equals the Deployment's, ignoring pod-template-hash. That hash is added to each ReplicaSet's "
        "selector, so siblings never claim each other's Pods.",
        "By name prefix, or by labels alone.",
        demo_adoption,
        ("pkg/controller/controller_ref_manager.go", "pkg/controller/deployment/util/deployment_util.go")),
    Followup(
        13, "pod-template-hash: what is hashed, why, and what about collisions?",
        "pod-template-hash 是怎么计算的？有什么作用？哈希冲突了怎么办？",
        "Only spec.template is hashed, with 32-bit FNV-1a over a dump of the template, plus the collision count "
        "when it is set, written with a small safe alphabet. The hash becomes the ReplicaSet's name suffix, a "
        "label and selector term, and a Pod label, so the name is deterministic and creating it twice is "
        "harmless. Changing replicas, strategy or annotations does not create a ReplicaSet. On a collision the "
        "create returns AlreadyExists for a different template, so the controller bumps status.collisionCount "
        "and the next hash differs.",
        "An MD5 of the whole Deployment YAML, or the kubelet compares the hash.",
        demo_template_hash,
        ("pkg/controller/controller_utils.go", "pkg/controller/deployment/sync.go")),
    Followup(
        14, "A Pod is deleted: who replaces it, and which Pod goes on scale-down?",
        "Pod 被删后 RS 怎么补？informer 有延迟会不会多建 Pod？缩容时删哪个 Pod？",
        "The ReplicaSet controller, never the kubelet. It compares active Pods, which excludes finished and "
        "terminating ones, with spec.replicas and creates the difference in slow-start batches. Expectations "
        "stop it acting again until its informer has seen its own creates and deletes, so cache lag does not "
        "cause double creates. On scale-down it ranks Pods: unscheduled before scheduled, pending before "
        "running, not ready before ready, lower pod-deletion-cost, more Pods on the same node, shorter ready "
        "time, more restarts, then newer first.",
        "The kubelet recreates a deleted Pod, or the newest Pod is always deleted first.",
        demo_self_healing_and_scale_down,
        ("pkg/controller/replicaset/replica_set.go", "pkg/controller/controller_utils.go")),
    Followup(
        15, "Garbage collection and cascading deletion",
        "删除 Deployment 时 RS 和 Pod 是怎么被删掉的？前台、后台、孤儿删除有什么区别？finalizer 起什么作用？",
        "Dependents point to owners through ownerReferences, and the garbage collector builds a graph from them. "
        "With the default background policy the Deployment is deleted at once and the collector then deletes "
        "the ReplicaSet, and after it the Pods, because their owner is gone. Foreground adds the "
        "foregroundDeletion finalizer and keeps the owner until blocking dependents are gone. Orphan adds the "
        "orphan finalizer and strips the ownerReferences, leaving the ReplicaSet and Pods running. Any "
        "finalizer turns delete into setting a deletionTimestamp.",
        "The Deployment controller deletes its own Pods, or foreground means kubectl waits.",
        demo_garbage_collection,
        ("pkg/controller/garbagecollector/garbagecollector.go",
         "staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go")),
    Followup(
        16, "What exactly does the scheduler write back?",
        "调度器选完节点后具体干了什么？是直接更新 Pod 的 nodeName 吗？",
        "A Binding. After filtering and scoring, the scheduler assumes the Pod on the chosen node in its own "
        "cache, and in a separate binding cycle posts a Binding to the pods/binding subresource. The API server "
        "then sets spec.nodeName and the PodScheduled condition in one guarded update, and refuses a Pod that "
        "is already assigned or being deleted. The scheduler never talks to the kubelet; the kubelet sees the "
        "Pod through its own watch. If no node fits, it records PodScheduled False, Unschedulable, and requeues.",
        "The scheduler tells the kubelet, or the scheduler starts the container.",
        demo_binding,
        ("pkg/registry/core/pod/storage/storage.go", "pkg/scheduler/schedule_one.go")),
    Followup(
        17, "The scheduler is down: what happens?",
        "kube-scheduler 挂了会怎样？新 Pod 是什么状态？已经在跑的 Pod 受影响吗？",
        "New Pods are still created, because the controllers keep working, but they stay Pending with an empty "
        "nodeName. There is no PodScheduled condition and no FailedScheduling event, because only the scheduler "
        "writes those. Running Pods and kubelets are not affected at all. A Pod created with nodeName already "
        "set bypasses the scheduler. With several scheduler replicas another one takes the Lease within about "
        "15 seconds. A schedulerName that no running scheduler serves looks exactly the same.",
        "Pods go to a random node, or the controller manager schedules them instead.",
        demo_scheduler_down,
        ("pkg/registry/core/pod/strategy.go", "pkg/scheduler/schedule_one.go")),
    Followup(
        18, "Preemption and PriorityClasses",
        "资源不够时高优先级 Pod 怎么抢占？PriorityClass 取值范围？抢占会遵守 PDB 吗？",
        "The Priority admission plugin turns priorityClassName into spec.priority; user classes go up to one "
        "billion, system-cluster-critical is two billion. The queue pops higher priority first. When a Pod fits "
        "nowhere, DefaultPreemption looks for a node where removing lower-priority Pods makes room, sets "
        "nominatedNodeName on the preemptor, marks the victims DisruptionTarget PreemptionByScheduler and "
        "deletes them gracefully, with their normal grace period. PodDisruptionBudgets are honoured only "
        "best-effort. preemptionPolicy Never keeps the priority but never preempts.",
        "Victims are killed with SIGKILL, or a PDB always blocks preemption.",
        demo_preemption,
        ("pkg/apis/scheduling/types.go", "pkg/scheduler/framework/preemption/preemption.go")),
]
