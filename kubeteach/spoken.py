"""The interview answer as a person says it: 1, 2 or 5 minutes at about 150 words a minute, mechanism first.

Each of the seed's eight steps carries at most one concrete detail from the learner's own run (a name, the pod IP, a
hash); the rest is how Kubernetes works, so there are no revision numbers, byte counts or scores to recite. With
evidence, each sentence is followed by the trace lines it rests on.
"""

from __future__ import annotations

from .trace import Record

#: spoken-length answers, by minutes; the word range each one keeps to (about 150 words a minute)
WORDS = {1: (120, 180), 2: (250, 350), 5: (650, 850)}

#: the seed's eight steps: (title, detail key, how the detail is said); `{}` is the detail's value
DETAILS = [
    ("kubectl", "deployment", " (mine is called {})"),
    ("API server and etcd", "key", ", under the key {} in my run"),
    ("controllers", "rs", " ({} in my run)"),
    ("scheduler", "node", " ({} for me)"),
    ("kubelet, CRI, CNI, CSI", "ip", " ({} in my run)"),
    ("self-healing", "replacement", " ({} in my run)"),
    ("update trigger", "hash", " ({} in my run)"),
    ("rolling update", "new_rs", " ({} for me)"),
]

#: a sentence: its words (`{d}` marks where the step's detail goes, once per step) and the evidence keys it rests on
Line = tuple[str, tuple[str, ...]]

OPENING: dict[int, list[Line]] = {
    1: [("The idea: components never call each other; each watches the API server and reconciles its part.", ())],
    2: [("The mechanism first: nothing calls anything directly. Every component works through the API server, only "
         "the API server talks to etcd, and each controller watches its objects and moves the actual state toward "
         "the desired one.", ())],
    5: [("The mechanism first, because the rest follows from it. I store a desired state and controllers make it "
         "true. No component calls another: all of them read and write through the API server, and only the API "
         "server talks to etcd. Each lists its objects once, keeps a watch open and a local cache, and compares "
         "what is wanted with what exists, so a missed event is repaired at the next sync.", ())],
}

STEPS: dict[int, list[list[Line]]] = {
    1: [
        [("kubectl sends the Deployment{d} to the API server.", ("request",))],
        [("The API server authenticates and authorizes the request, fills in defaults, runs admission and validation, "
          "and stores the object in etcd.", ("authn", "authz", "admitted", "validated", "stored"))],
        [("The Deployment controller sees it and creates a ReplicaSet{d}, whose controller creates the pods, still "
          "without a node.", ("rs", "pod"))],
        [("The scheduler filters and scores the nodes and binds the pod to one{d}.", ("scheduled", "bound"))],
        [("That node's kubelet asks the runtime through CRI for a sandbox, CNI gives it an IP{d}, and the container "
          "starts.", ("sandbox", "started"))],
        [("If the pod is lost, the ReplicaSet controller creates a new one{d}.", ("kill", "replacement"))],
        [("Changing the pod template gives it a new hash{d}.", ("new_rs",))],
        [("A new ReplicaSet named after it{d} is scaled up while the old one is scaled down, within maxSurge and "
          "maxUnavailable.", ("new_rs", "scale_down"))],
    ],
    2: [
        [("kubectl reads the manifest, a Deployment{d}, and POSTs it to the API server with the credentials from "
          "~/.kube/config.", ("request",))],
        [("The API server authenticates and authorizes the request.", ("authn", "authz")),
         ("It fills in defaults while decoding, then runs mutating admission, validation and validating admission, "
          "and only then writes the object to etcd{d}.", ("admitted", "validated", "stored"))],
        [("The Deployment controller in kube-controller-manager watches Deployments; it hashes the pod template and "
          "creates a ReplicaSet named after the hash{d}.", ("rs",)),
         ("The ReplicaSet controller sees too few pods and creates the missing ones, with no node yet.", ("pod",))],
        [("The scheduler watches for pods without a node, filters out the nodes that cannot run it, scores the rest, "
          "picks the best{d} and writes back only a Binding.", ("scheduled", "bound"))],
        [("That node's kubelet mounts any volumes through CSI, then asks the runtime over CRI for a pod sandbox; the "
          "runtime's CNI plugin gives the pod its IP{d}.", ("sandbox",)),
         ("Then it pulls the image, starts the container and reports the status.", ("pull", "started"))],
        [("Self-healing is the same loop: when a pod is lost, the ReplicaSet controller counts too few and creates a "
          "replacement{d}. A crashed container is restarted in place by the kubelet.", ("kill", "replacement"))],
        [("An update starts with a template change, say kubectl set image. The Deployment controller finds no "
          "ReplicaSet with that template, and the new template has a new hash{d}. Scaling alone would not do this.",
          ("new_rs",))],
        [("So it creates a new ReplicaSet{d} and scales it up, at most maxSurge pods above the desired count, "
          "while it scales the old one down as new pods become available, never more than maxUnavailable short, "
          "until the old one is at zero, kept for rollout undo.", ("new_rs", "hold", "scale_down"))],
    ],
    5: [
        [("Step one. kubectl reads the manifest, a Deployment{d}.", ("request",)),
         ("The kubeconfig, from KUBECONFIG or ~/.kube/config, gives the server and the current context's "
          "credentials; discovery tells kubectl that Deployments live in apps/v1, and it POSTs to the namespace's "
          "deployments collection, asking for strict field validation, so a misspelled field is refused.", ())],
        [("Step two, the API server, in a fixed order. Authentication: a client certificate, whose common name is "
          "the user and organizations the groups, or a bearer token; failure is 401.", ("authn",)),
         ("Authorization, usually RBAC, which can only allow; if nothing allows, 403 Forbidden.", ("authz",)),
         ("Decoding fills in defaults: one replica, RollingUpdate with 25% maxSurge and maxUnavailable, ten old "
          "ReplicaSets of history. Only then does mutating admission run, webhooks included.", ("admitted",)),
         ("Then validation, such as the selector matching the template's labels, and validating admission.",
          ("validated",)),
         ("The object is written to etcd{d}, kubectl gets 201 Created, and watchers get an ADDED event.",
          ("stored",))],
        [("Step three, kube-controller-manager. Each controller uses an informer: list, watch, cache, work queue.",
          ()),
         ("The Deployment controller finds no ReplicaSet with this pod template, hashes the template into the "
          "pod-template-hash label and creates a ReplicaSet named after it{d}. The label joins the selector, so "
          "pods of different templates never mix, and an owner reference points at the Deployment.", ("rs",)),
         ("The ReplicaSet controller counts its pods, sees too few and creates them in batches of one, two, four, "
          "recording how many creates it expects so it never doubles them. Each pod is the ReplicaSet's name, a dash "
          "and five random characters, with no nodeName.", ("pod",))],
        [("Step four, the scheduler, which queues pods with no nodeName by priority.", ()),
         ("Filter plugins drop nodes that cannot run the pod: too little CPU or memory, an untolerated taint, "
          "affinity, a taken port. Score plugins rank the rest; ties are broken at random.", ("scheduled",)),
         ("It assumes the pod onto the winner in its cache, then a binding cycle POSTs a Binding, which sets "
          "nodeName{d}. If nothing fits, the pod stays Pending with a FailedScheduling event.", ("bound",))],
        [("Step five, the kubelet on that node, which watches pods bound to it. It admits the pod, then waits for "
          "volumes: for CSI, a VolumeAttachment if the driver attaches, then stage, if the driver stages, and "
          "publish on the node.",
          ("csi",)),
         ("Then it asks the runtime over CRI for a pod sandbox, the pause container; containerd or CRI-O runs the "
          "CNI plugin, which assigns an address from the node's pod CIDR{d}. Not docker run, not Docker networking.",
          ("sandbox",)),
         ("Then it pulls the image if the pull policy says so, creates and starts the container, runs probes and "
          "reports status.", ("pull", "started"))],
        [("Step six, self-healing, the same reconciliation. When a pod is deleted, the ReplicaSet controller's "
          "watch sees it; it counts too few and creates a replacement{d}.", ("kill", "replacement")),
         ("A crashed container is restarted in place by the kubelet, with back-off from ten seconds doubling to "
          "five minutes. A node that stops reporting turns Ready Unknown after fifty seconds and is tainted "
          "unreachable; its pods are evicted after their 300-second toleration and replaced elsewhere.", ())],
        [("Step seven, the trigger: a pod template change, through set image, edit or apply. The Deployment "
          "controller finds no ReplicaSet whose template equals the new one, ignoring the hash label, and the new "
          "template hashes to a new value{d}.", ("new_rs",)),
         ("Changing only replicas resizes the same ReplicaSet; a hash collision bumps a collision count that "
          "changes the next hash.", ())],
        [("Step eight, the rolling update. It creates the new ReplicaSet{d}. maxSurge, rounded up, bounds pods "
          "above the desired count; maxUnavailable, rounded down, bounds pods missing. With 25% and four "
          "replicas: at most five pods, at least three available.", ("new_rs",)),
         ("It scales the new one up, waits for its pods to become available, scales the old one down, and "
          "repeats. Removed pods get thirty seconds of graceful shutdown by default.", ("hold", "scale_down")),
         ("The old ReplicaSet stays at zero for rollout undo, and a rollout stuck for 600 seconds turns the "
          "Progressing condition false.", ())],
    ],
}


def spoken(minutes: int, details: dict[str, str], evidence: dict[str, list[Record]],
           show_evidence: bool = False) -> str:
    """The answer for `minutes` (1, 2 or 5): an opening paragraph, then one paragraph per step, each step's detail
    filled in from `details` (dropped when the run has not shown it); with `show_evidence`, one sentence a line,
    each followed by its trace lines (indented)."""
    if minutes not in STEPS:
        raise ValueError(f"minutes must be one of {sorted(STEPS)}, not {minutes!r}")
    blocks = [[(text, keys) for text, keys in OPENING[minutes]]]
    for (_, key, said), lines in zip(DETAILS, STEPS[minutes], strict=True):
        value = details.get(key)
        fill = said.format(value) if value else ""
        blocks.append([(text.replace("{d}", fill), keys) for text, keys in lines])
    if not show_evidence:
        return "\n\n".join(" ".join(text for text, _ in block) for block in blocks)
    out = []
    for block in blocks:
        para = []
        for text, keys in block:
            para.append(text)
            seen: list[Record] = []
            for k in keys:
                seen += [r for r in evidence.get(k, []) if r not in seen]
            para += [f"    {r}" for r in seen] if seen else (["    (not in this trace yet)"] if keys else [])
        out.append("\n".join(para))
    return "\n\n".join(out)
