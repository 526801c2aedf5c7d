"""The mock interview: the key points of a good answer per seed step, from the learner's own trace, and a self-check.

`key_points(c)` lists, for each of the seed's eight steps, what a good answer says, with the real names of the run
(the Deployment, its ReplicaSets, the Pod, its node and IP, the image), the words that count as saying it, and the
lesson cell that teaches it. `score(text, c)` reports which points an answer's words cover and which they miss.
It is keyword matching, and honest about it: it cannot judge the order of the steps, whether a claim is true ("the
scheduler starts the container" still counts for the scheduler), or depth; it only sees which words are there.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from .trace import Record

#: the seed question, as lesson 09 asks it
QUESTION = ("A user runs `kubectl create -f deployment.yaml`. Describe in detail how the new Pod gets created, and "
            "how the Pod gets updated later.")
#: the seed's eight steps, as lesson 09 names them
STEPS = {1: "kubectl sends the request", 2: "authenticate, authorize, admit, store in etcd",
         3: "Deployment → ReplicaSet → Pod", 4: "the scheduler picks a node", 5: "the kubelet runs it",
         6: "the ReplicaSet replaces a dead pod", 7: "the template hash changes", 8: "new pods up, old pods down"}
#: what keyword matching cannot judge, said in every report
CANNOT_JUDGE = ("This check matches words, nothing more: it cannot judge the order of your steps, whether a claim "
                "is correct (a wrong sentence with the right words counts), or how deep you went. Read the model "
                "answer (lesson 09) against yours for that.")
#: the follow-ups drawn for a mock interview: the question texts of the first 30 entries of the project's
#: follow-up reference (shared/reference/followups.md, Q1-Q30), in its order
FOLLOWUPS = (
    "What happens inside the API server between the POST and the etcd write?",
    "Defaulting versus mutating admission: which runs first?",
    "ValidatingAdmissionPolicy versus admission webhooks: when would you use which?",
    "kubectl create versus kubectl apply versus server-side apply: what is the difference?",
    "Two writers update the same object at once: what stops a lost update?",
    "etcd: what are Raft and quorum, and why do clusters have an odd number of members?",
    "etcd is down (or has lost quorum): what breaks, and what keeps running?",
    "How do kube-controller-manager and kube-scheduler run more than one replica (leader election)?",
    "What are list-watch and the informer?",
    "A watch breaks with 410 Gone: what does the client do (relist, bookmarks)?",
    "What are the API server's watch cache and consistent reads?",
    "How does a Deployment find its ReplicaSets?",
    "pod-template-hash: what is hashed, why, and what about collisions?",
    "How does self-healing avoid creating too many pods, and which Pod goes on a scale-down?",
    "How do garbage collection and cascading deletion work?",
    "What exactly does the scheduler write back?",
    "The scheduler is down: what happens to new pods?",
    "How do preemption and PriorityClasses work?",
    "How does the kubelet learn about the Pod, and in what order does it set it up?",
    "Which CRI calls does the kubelet make, and what is the pause container for?",
    "CNI ADD and DEL: where does the Pod's IP come from?",
    "CSI: how does a PersistentVolumeClaim become a mounted volume?",
    "What is the PLEG?",
    "A kubelet is down (or its node is cut off): what happens, and when?",
    "Readiness versus liveness versus startup probes: what does each one do?",
    "What are init containers and native sidecars?",
    "Requests versus limits: QoS classes, OOM kills and eviction.",
    "How does in-place Pod resize work?",
    "What triggers a rollout, and what does not?",
    "maxSurge and maxUnavailable: the defaults and how they round.",
)


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer says at one step. `words`: groups of synonyms; the point is covered when every
    group has one of its words in the answer (a word matches at a word start, so `authenticat` covers
    "authentication"). `lesson` and `heading` name the cell that teaches it."""

    step: int
    text: str
    words: tuple[tuple[str, ...], ...]
    lesson: str
    heading: str
    seen: bool = True            # False: the learner's trace has not shown this step yet (no update, no fault)

    @property
    def link(self) -> str:
        """A link to the lesson cell, relative to notebooks/ (JupyterLab's heading anchor: spaces become '-')."""
        return f"{self.lesson}#{self.heading.replace(' ', '-')}"

    def covered_by(self, text: str) -> bool:
        """Whether every group of words has one in the (normalized) text."""
        return all(any(_has(text, word) for word in group) for group in self.words)


@dataclass
class Names:
    """The learner's real names, from the trace (empty when the trace has not shown them)."""

    deployment: str = "nginx"
    replica_sets: list[str] = field(default_factory=list)
    pods: list[str] = field(default_factory=list)
    node: str = ""
    ip: str = ""
    images: list[str] = field(default_factory=list)
    replaced: bool = False


def names_of(records: list[Record]) -> Names:
    """The names the key points quote: the created Deployment, its ReplicaSets, the first Pod with its node, IP and
    image, every image pulled, and whether a pod was replaced after a fault or a delete."""
    n = Names()
    deleted = False
    for r in records:
        what = r.detail.get("what") or {}
        if r.actor == "kubectl" and r.action == "request" and what.get("kind") == "Deployment" and \
                what.get("verb") == "create" and what.get("name"):
            n.deployment = what["name"]
        elif r.actor == "kubectl" and r.action == "request" and what.get("kind") == "Pod" and \
                what.get("verb") == "delete" or r.action.startswith("fault-"):
            deleted = True
        elif r.action == "create-rs" and r.detail.get("rs") and r.detail["rs"] not in n.replica_sets:
            n.replica_sets.append(str(r.detail["rs"]))
        elif r.action == "event" and r.detail.get("reason") == "SuccessfulCreate":
            n.pods.append(str(r.detail.get("message", "")).removeprefix("Created pod: "))
            n.replaced = n.replaced or deleted
        elif r.action == "bound" and not n.node:
            n.node = str(r.detail.get("node", ""))
        elif r.action == "kubelet-sandbox" and not n.ip:
            n.ip = str(r.detail.get("ip", ""))
        elif r.action in ("kubelet-pull", "kubelet-image-present") and r.detail.get("image"):
            if str(r.detail["image"]) not in n.images:
                n.images.append(str(r.detail["image"]))
    return n


L01, L02, L03, L04 = ("01-kubectl-and-authentication.ipynb", "02-admission-and-etcd.ipynb", "03-controllers.ipynb",
                      "04-scheduling.ipynb")
L05, L06, L07 = "05-kubelet-cri-cni-csi.ipynb", "06-self-healing.ipynb", "07-rolling-update.ipynb"


def key_points(cluster: Any) -> list[KeyPoint]:
    """The key points of a good answer, step by step, quoting the names of `cluster`'s own trace."""
    n = names_of(list(cluster.trace))
    dep = n.deployment
    rs = n.replica_sets[0] if n.replica_sets else f"{dep}-<hash>"
    new_rs = n.replica_sets[1] if len(n.replica_sets) > 1 else ""
    pod = n.pods[0] if n.pods else f"{rs}-<suffix>"
    node, ip = n.node or "a node", n.ip or "an IP from the node's pod CIDR"
    image = n.images[0] if n.images else "the image"
    new_image = n.images[1] if len(n.images) > 1 else "the new image"
    rs_words, pod_words = ("replicaset", "replica set", *n.replica_sets[:1]), ("pod", *n.pods[:1])
    kp = KeyPoint
    return [
        kp(1, f"kubectl sends the Deployment {dep} to kube-apiserver as an HTTP POST to "
              "/apis/apps/v1/namespaces/default/deployments",
           (("post", "http", "rest", "request"), ("api server", "apiserver", "kube-apiserver")), L01,
           "The kubeconfig"),
        kp(1, "it finds the server and the credentials in the kubeconfig: a client certificate or a token",
           (("kubeconfig", "kube config", ".kube/config", "certificate", "x509", "token", "credential"),), L01,
           "The kubeconfig"),
        kp(2, "kube-apiserver authenticates the user (x509 client certificate or bearer token)",
           (("authenticat", "authn", "who you are", "x509", "client certificate"),), L01,
           "Authentication: who are you?"),
        kp(2, "then authorizes the request (RBAC: may this user create deployments?)",
           (("authoriz", "authoris", "rbac", "authz", "permission"),), L01, "Authorization: may you?"),
        kp(2, "then defaulting, mutating admission, validation, validating admission",
           (("admission", "admit", "mutating", "defaulting", "defaults"),), L02, "The order inside the API server"),
        kp(2, "validation checks the object (the selector must match the template's labels)",
           (("validat",),), L02, "Validation: a mistake first"),
        kp(2, f"and stores it in etcd under /registry/deployments/default/{dep}; stored is not running",
           (("etcd",), ("stor", "writ", "persist", "save", "put", "key")), L02, "The key in etcd"),
        kp(3, "controllers learn of it through a watch (list-watch, informers, a work queue)",
           (("watch", "informer", "notif", "event"),), L03, "The Deployment is stored, and a watcher hears about it"),
        kp(3, f"the deployment-controller creates ReplicaSet {rs}",
           (("deployment controller", "deployment-controller", "controller"), rs_words), L03, "Step through it"),
        kp(3, f"the replicaset-controller creates Pod {pod} (with an ownerReference to {rs})",
           (("replicaset controller", "replicaset-controller", "replica set controller", "controller"), pod_words),
           L03, "Owners and names"),
        kp(4, "the scheduler filters the nodes that fit, then scores them",
           (("scheduler",), ("filter", "predicate", "feasib", "fit", "scor", "rank", "priorit")), L04,
           "The picture: Filter and Score"),
        kp(4, f"it writes a Binding: spec.nodeName of {pod} becomes {node}",
           (("binding", "bind", "nodename", "node name", "assign"),), L04, "One Pod to place"),
        kp(4, f"a concrete detail: the node, {node}", ((n.node,),) if n.node else (("node",),), L04,
           "One Pod to place"),
        kp(5, f"the kubelet on {node} sees the pod bound to its node through its own watch",
           (("kubelet",),), L05, "Up to the binding"),
        kp(5, "it calls the container runtime over CRI: RunPodSandbox (the pause container)",
           (("cri", "container runtime", "containerd", "cri-o", "sandbox", "pause", "runtime"),), L05,
           "SyncPod, one click at a time"),
        kp(5, f"the runtime's CNI plugin gives the pod its IP ({ip})",
           (("cni", "network plugin", "ip", *((n.ip,) if n.ip else ())),), L05, "SyncPod, one click at a time"),
        kp(5, f"it pulls the image {image}, creates and starts the container, and reports the status (Running)",
           (("pull", *n.images[:1]), ("start", "run", "creat")), L05, "SyncPod, one click at a time"),
        kp(6, "when a pod is gone, the replicaset-controller sees fewer pods than desired and creates a new one",
           (("replace", "recreat", "new pod", "self-heal", "self heal", "another pod", "creates a new"),
            ("replicaset", "replica set", "controller")), L06, "1. A deleted pod comes back with a new name",
           seen=n.replaced),
        kp(6, "controllers are level-triggered: they compare desired and actual state on every sync",
           (("desired", "reconcil", "level-trigger", "level trigger", "actual state", "control loop"),), L06,
           "1. A deleted pod comes back with a new name", seen=n.replaced),
        kp(7, f"changing the pod template (set image {new_image}) changes the pod-template-hash",
           (("template",), ("hash", "pod-template-hash")), L07,
           '1. The template decides which ReplicaSet is "new"', seen=bool(new_rs)),
        kp(7, f"no ReplicaSet has that template, so the deployment-controller creates a new one"
              f"{' (' + new_rs + ')' if new_rs else ''} with a new revision; scale alone does not",
           (("new replicaset", "new replica set", "new rs", "another replicaset", "second replicaset",
             *((new_rs,) if new_rs else ())),), L07, '1. The template decides which ReplicaSet is "new"',
           seen=bool(new_rs)),
        kp(8, "a rolling update: at most replicas + maxSurge pods, at least replicas - maxUnavailable available",
           (("maxsurge", "max surge", "surge"), ("maxunavailable", "max unavailable", "unavailable")), L07,
           "2. The arithmetic: maxSurge and maxUnavailable", seen=bool(new_rs)),
        kp(8, "old pods go only as new pods become ready and available (readiness paces the rollout)",
           (("ready", "readiness", "available"), ("old",)), L07,
           "2. The arithmetic: maxSurge and maxUnavailable", seen=bool(new_rs)),
        kp(8, f"the old ReplicaSet {rs} stays at 0 replicas, for rollout undo",
           (("undo", "rollback", "roll back", "revision history", "history"),), L07,
           "4. History, undo, pause and resume", seen=bool(new_rs)),
    ]


@dataclass
class StepReport:
    """One step's key points, split into covered and missed."""

    step: int
    title: str
    covered: list[KeyPoint]
    missed: list[KeyPoint]


@dataclass
class Report:
    """Which key points an answer covers, per step; `str()` is its text, with what keyword matching cannot judge."""

    steps: list[StepReport]
    words: int
    caveat: str = CANNOT_JUDGE

    @property
    def covered(self) -> int:
        return sum(len(s.covered) for s in self.steps)

    @property
    def total(self) -> int:
        return sum(len(s.covered) + len(s.missed) for s in self.steps)

    def missed(self) -> list[KeyPoint]:
        return [k for s in self.steps for k in s.missed]

    def __str__(self) -> str:
        out = [f"Your answer: {self.words} words; it mentions {self.covered} of {self.total} key points."]
        for s in self.steps:
            out.append(f"step {s.step} ({s.title}): {len(s.covered)} of {len(s.covered) + len(s.missed)}")
            out += [f"  + {k.text}" for k in s.covered]
            out += [f"  - {k.text}{'' if k.seen else ' (not in your trace yet)'}  → {k.link}" for k in s.missed]
        out.append(self.caveat)
        return "\n".join(out)


def normalize(text: str) -> str:
    """Lower case, one space between words (so "API  Server" and "api server" match alike)."""
    return re.sub(r"\s+", " ", text.lower()).strip()


def _has(text: str, word: str) -> bool:
    """Whether `word` (lower-cased) starts at a word start in `text`."""
    return re.search(r"(?<![a-z0-9])" + re.escape(word.lower()), text) is not None


def score(answer_text: str, cluster: Any) -> Report:
    """Check an answer's words against the key points of `cluster`'s trace, step by step (keyword matching only:
    see `CANNOT_JUDGE`, which the report repeats)."""
    text = normalize(answer_text)
    points = key_points(cluster)
    steps = []
    for number, title in STEPS.items():
        mine = [k for k in points if k.step == number]
        steps.append(StepReport(number, title, [k for k in mine if k.covered_by(text)],
                                [k for k in mine if not k.covered_by(text)]))
    return Report(steps, len(answer_text.split()))


def draw_followups(seed: int, n: int = 3) -> list[str]:
    """`n` follow-up questions drawn by `seed` from `FOLLOWUPS` (the same seed draws the same ones)."""
    return random.Random(seed).sample(FOLLOWUPS, n)


__all__ = ["CANNOT_JUDGE", "FOLLOWUPS", "KeyPoint", "QUESTION", "Report", "STEPS", "draw_followups", "key_points",
           "names_of", "score"]
