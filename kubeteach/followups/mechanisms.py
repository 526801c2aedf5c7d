"""The three demonstrations that need simulator mechanisms of their own: a watch that expires and the informer that
relists (client.py), kube-controller-manager's Lease and a second replica (leaderelection.py), and a mutating
admission webhook changing a Pod (apiserver/webhooks.py). Each builds a fresh seeded cluster and returns its text.
"""

from __future__ import annotations

import base64
import json

from ..cluster import Cluster
from ..trace import Record

SEED = 0


def _fresh() -> Cluster:
    c = Cluster(seed=SEED)
    assert c.kubectl("create deployment web --image=nginx --replicas=2").returncode == 0
    c.run()
    return c


def _lines(records: list[Record], *actions: str, limit: int = 12) -> list[str]:
    return [str(r) for r in records if r.action in actions][:limit]


def demo_watch_relist() -> str:
    """kube-controller-manager's watches are cut while it is stopped; the Deployment is scaled and etcd compacted;
    on reconnecting, its Deployment watch from the old resourceVersion gets 410 Gone, the informer relists and
    watches again, and the controllers catch up."""
    c = _fresh()
    factory = c.started["deployment-controller"].factory
    deployments = factory.informer("deployments")
    out = [f"kube-controller-manager watches Deployments from resourceVersion {deployments.last_sync_rv}."]
    c.stop("kube-controller-manager")
    factory.disconnect()
    c.kubectl("scale deployment web --replicas=3")
    c.run()
    c.etcd.compact(c.etcd.revision)
    out.append(f"While it was stopped: deployment web scaled to 3, then etcd compacted at revision "
               f"{c.etcd.compacted} (kube-apiserver compacts every 5 minutes).")
    mark = len(c.trace)
    factory.reconnect()
    c.start("kube-controller-manager")
    c.run()
    records = c.trace[mark:]
    out += [line for line in _lines(records, "watch-closed", "relist", limit=40)
            if "Deployment" in line or "ReplicaSet" in line or "*v1.Pod " in line]
    scaled = [str(r) for r in records if r.actor in ("deployment-controller", "replicaset-controller")][:1]
    out += scaled
    out.append(f"pods now: {len(c.list('pods'))} (the relist delivered the change the expired watch could not)")
    return "\n".join(out)


def demo_leader_election() -> str:
    """Two kube-controller-manager replicas: the first creates and renews Lease kube-system/kube-controller-manager,
    the second sees it held and waits; the first stops, and 15 s after the last renewal it saw, the second takes
    over and only then do the controllers run again."""
    from ..leaderelection import run_replicas

    c = _fresh()
    mark = len(c.trace)
    first, second = run_replicas(c, "kube-controller-manager", 2)
    c.run(seconds=5)
    lease = c.get("leases", "kube-controller-manager", "kube-system")["spec"]
    out = _lines(c.trace[mark:], "lease-attempt", "lease-acquired", "lease-held")
    out.append(f"after 5 s: holder {lease['holderIdentity']}, renewTime {lease['renewTime']} (renewed every 2 s, "
               f"no record each)")
    c.stop("kube-controller-manager")
    out.append(f"[{c.now:8.3f}s] replica 1 stops (its process is gone: no more renewals, no controllers)")
    c.kubectl("scale deployment web --replicas=3")
    mark = len(c.trace)
    c.run(seconds=30)
    records = c.trace[mark:]
    out += _lines(records, "lease-acquired")
    first_sync = [str(r) for r in records if r.actor in ("deployment-controller", "replicaset-controller")][:1]
    out += first_sync
    lease = c.get("leases", "kube-controller-manager", "kube-system")["spec"]
    out.append(f"Lease now: holder {lease['holderIdentity']}, leaseTransitions {lease['leaseTransitions']}; "
               f"pods {len(c.list('pods'))}")
    return "\n".join(out)


#: the demonstration's webhook configuration: Pods created in namespaces, sent to service default/sidecar-injector
SIDECAR_WEBHOOK = {
    "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
    "metadata": {"name": "sidecar-injector"},
    "webhooks": [{
        "name": "sidecar.example.com",
        "clientConfig": {"service": {"namespace": "default", "name": "sidecar-injector", "path": "/mutate"}},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"],
        "reinvocationPolicy": "Never",
    }],
}


def inject_sidecar(review: dict) -> dict:
    """A webhook server's handler: answer an AdmissionReview v1 with a JSONPatch adding a `log-agent` container and
    a label (what a sidecar injector such as Istio's does, in miniature)."""
    request = review["request"]
    patch = [{"op": "add", "path": "/spec/containers/-",
              "value": {"name": "log-agent", "image": "busybox", "command": ["sh", "-c", "tail -f /dev/null"]}},
             {"op": "add", "path": "/metadata/labels/sidecar-injected", "value": "true"}]
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "response": {"uid": request["uid"], "allowed": True, "patchType": "JSONPatch",
                         "patch": base64.b64encode(json.dumps(patch).encode()).decode()}}


def _configure(c: Cluster, cfg: dict) -> dict:
    """Create or replace a MutatingWebhookConfiguration as the admin (what `kubectl apply -f` would send)."""
    admin = c.client()
    current = c.get("mutatingwebhookconfigurations", cfg["metadata"]["name"], None)
    if current is None:
        return admin.create("mutatingwebhookconfigurations", cfg)
    return admin.update("mutatingwebhookconfigurations", {**cfg, "metadata": current["metadata"]})


def demo_mutating_webhook() -> str:
    """A MutatingWebhookConfiguration sends Pod creations to an in-simulation webhook server that adds a sidecar;
    then the same webhook failing, with failurePolicy Fail (the create is refused) and Ignore (it goes through)."""
    c = _fresh()
    c.api.webhooks.register("default", "sidecar-injector", inject_sidecar)
    stored = _configure(c, SIDECAR_WEBHOOK)["webhooks"][0]
    out = [f"MutatingWebhookConfiguration sidecar-injector stored: failurePolicy {stored['failurePolicy']}, "
           f"reinvocationPolicy {stored['reinvocationPolicy']}, timeoutSeconds {stored['timeoutSeconds']} "
           f"(defaulted), service default/sidecar-injector port {stored['clientConfig']['service']['port']}"]
    mark = len(c.trace)
    c.kubectl("run demo --image=nginx")
    out.append("$ kubectl run demo --image=nginx")
    out += _lines(c.trace[mark:], "webhook-called", "webhook-patched", "admitted", "stored")
    pod = c.get("pods", "demo")
    out.append(f"containers: {', '.join(x['name'] for x in pod['spec']['containers'])}; labels: "
               f"{pod['metadata'].get('labels')}")
    c.api.webhooks.register("default", "sidecar-injector", webhook_down)
    result = c.kubectl("run broken --image=nginx")
    out += ["$ kubectl run broken --image=nginx   # the webhook server is down, failurePolicy Fail",
            str(result).strip()]
    ignore = json.loads(json.dumps(SIDECAR_WEBHOOK))
    ignore["webhooks"][0]["failurePolicy"] = "Ignore"
    _configure(c, ignore)
    result = c.kubectl("run tolerated --image=nginx")
    out += ["$ kubectl run tolerated --image=nginx   # failurePolicy Ignore", str(result).strip()]
    out += _lines(c.trace, "webhook-failed")[-1:]
    return "\n".join(out)


def webhook_down(review: dict) -> dict:
    """A webhook server that cannot be reached (what kube-apiserver's HTTP client reports)."""
    raise ConnectionError('Post "https://sidecar-injector.default.svc:443/mutate?timeout=10s": '
                          "dial tcp 10.96.0.20:443: connect: connection refused")
