"""Follow-ups on the request path, storage and watches (the seed's step 2): Q1, Q2, Q4, Q5, Q7, Q9."""

from __future__ import annotations

from ..apiserver import APIError
from ._kit import block, fresh, note, pick, sh, since
from .record import Followup

DEPLOY = "create deployment nginx --image=nginx:1.25 --replicas=2"
STORE_CALLS = ("get", "range", "put", "delete", "count", "keys")


def demo_request_pipeline() -> str:
    """Q1: one POST through authentication, authorization, defaulting and admission, validation, the etcd write;
    then a 403 from RBAC and a strict-decoding 400, neither of which writes."""
    c = fresh()
    mark = len(c.trace)
    created = sh(c, DEPLOY)
    hops = [str(r) for r in since(c, mark)[:7]]
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "typo"},
           "spec": {"replicas": 1, "replica": 2, "selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "x"}},
                                 "spec": {"containers": [{"name": "x", "image": "nginx"}]}}}}
    try:
        c.client("admin").request("create", "deployments", "default", "", "", bad, fieldValidation="Strict")
        strict = "stored (unexpected)"
    except APIError as err:
        strict = f"{err.code} {err.reason}: {err.message}"
    return block(created, hops, sh(c, "create deployment other --image=nginx", user="dev"),
                 note("a strict field-validation create with the unknown field spec.replica:"), strict)


def demo_defaulting_first() -> str:
    """Q2: the defaulter fills maxSurge/maxUnavailable while decoding, before mutating admission; a Pod the
    ReplicaSet controller creates gets the Pod defaults the same way."""
    c = fresh()
    mark = len(c.trace)
    c.kubectl(DEPLOY)
    c.run()
    lines = pick(since(c, mark), "defaulting (while decoding)", limit=1)
    pod = c.list("pods")[0]["spec"]
    return block(lines, note("a pod created later by replicaset-controller, as stored:"),
                 f"restartPolicy={pod['restartPolicy']} terminationGracePeriodSeconds="
                 f"{pod['terminationGracePeriodSeconds']} dnsPolicy={pod['dnsPolicy']} "
                 f"schedulerName={pod['schedulerName']}")


def demo_create_apply_ssa() -> str:
    """Q4: create twice (AlreadyExists), client-side apply's last-applied annotation, then server-side apply's
    field ownership and its conflict with the manager that scaled the Deployment."""
    c = fresh()
    out = [sh(c, DEPLOY), sh(c, DEPLOY)]
    applied = fresh()
    out.append(note("a second cluster: `kubectl apply` writes the last-applied annotation"))
    apply_out = sh(applied, f"apply -f {_seed_manifest()}", shown="apply -f data/deployment.yaml")
    d = applied.get("deployments", "nginx")
    last = d["metadata"].get("annotations", {}).get("kubectl.kubernetes.io/last-applied-configuration", "")
    out += [apply_out, f"last-applied-configuration: {len(last)} bytes, starts {last[:48]}",
            sh(applied, "scale deployment nginx --replicas=3")]
    ssa = sh(applied, f"apply --server-side -f {_seed_manifest()}",
             shown="apply --server-side -f data/deployment.yaml")
    out.append("\n".join(ssa.splitlines()[:2]))
    managers = sorted({f["manager"] + (f"/{f['subresource']}" if f.get("subresource") else "")
                       for f in applied.get("deployments", "nginx")["metadata"]["managedFields"]})
    out.append(f"managedFields managers: {', '.join(managers)}")
    return block(out)


def _seed_manifest() -> str:
    from ._kit import DATA
    return str(DATA / "deployment.yaml")


def demo_optimistic_concurrency() -> str:
    """Q5: two writers read the same resourceVersion; the second PUT fails the compare-and-swap with 409."""
    c = fresh()
    c.kubectl(DEPLOY)
    c.run()
    a, b = c.client("admin", actor="writer-a"), c.client("admin", actor="writer-b")
    da, db = a.get("deployments", "default", "nginx"), b.get("deployments", "default", "nginx")
    out = [note(f"writer-a and writer-b both read nginx at resourceVersion {da['metadata']['resourceVersion']}")]
    da["metadata"].setdefault("labels", {})["owner"] = "a"
    db["metadata"].setdefault("labels", {})["owner"] = "b"
    mark = len(c.trace)
    a.update("deployments", da)
    refused = "writer-b's update was stored (unexpected)"
    try:
        b.update("deployments", db)
    except APIError as err:
        refused = f"writer-b's update: HTTP {err.code} {err.reason}; nothing was written"
    out += pick(since(c, mark), "PUT ", "put /registry", "409", limit=6)
    out.append(note(refused))
    fresh_copy = b.get("deployments", "default", "nginx")
    fresh_copy["metadata"]["labels"]["owner"] = "b"
    b.update("deployments", fresh_copy)
    out.append(note("writer-b re-reads (retry.RetryOnConflict's pattern) and its update succeeds: owner="
                    + c.get("deployments", "nginx")["metadata"]["labels"]["owner"]))
    return block(out)


def demo_etcd_down() -> str:
    """Q7: the store stops answering. Requests that reach storage time out, controllers and kubelets fail and
    back off, running containers keep running; when it returns, nothing was lost or restarted."""
    c = fresh()
    c.kubectl(DEPLOY)
    c.run()
    before = {p["metadata"]["name"]: p["status"]["containerStatuses"][0]["restartCount"] for p in c.list("pods")}
    out = [note("the demonstration's switch: every call to the embedded etcd raises ConnectionError, as "
                "etcd_remote.EtcdUnavailable does when a real etcd is unreachable"), "$ (etcd stops)"]
    store = c.etcd

    def unreachable(*_args, **_kwargs):
        raise ConnectionError("etcd unreachable")

    for name in STORE_CALLS:
        setattr(store, name, unreachable)
    mark = len(c.trace)
    out += [sh(c, "get pods"), sh(c, "scale deployment nginx --replicas=3")]
    c.run(seconds=20)
    out += pick(since(c, mark), "renew lease failed", limit=1)
    for name in STORE_CALLS:
        delattr(store, name)
    out.append("$ (etcd is back, 20 s later)")
    c.run(seconds=10)
    after = {p["metadata"]["name"]: p["status"]["containerStatuses"][0]["restartCount"] for p in c.list("pods")}
    out.append(note(f"the same pods, never restarted: {after == before} ({', '.join(sorted(after))})"))
    out.append(note("not simulated: etcd quorum and Raft, and the controllers' own leader-election Lease exit"))
    return block(out)


def demo_list_watch() -> str:
    """Q9: one watch per resource fans each write out to the components' informers; a controller reads its local
    cache and works from a deduplicating queue, never polling etcd."""
    c = fresh()
    mark = len(c.trace)
    c.kubectl(DEPLOY)
    c.run()
    out = pick(since(c, mark), "watch event ADDED deployments", "watch event ADDED replicasets", limit=2)
    view = c.inspect("deployment-controller")
    rs = c.inspect("replicaset-controller")
    out += [f"deployment-controller informer cache: deployments {sorted(view.cache('deployments'))}; "
            f"queue {list(view.queue) or '(empty)'}",
            f"replicaset-controller informer cache: pods {sorted(rs.cache('pods'))}"]
    return block(out)


BANK = [
    Followup(
        1, "What happens inside the API server between the POST and the etcd write?",
        "kubectl create 发出请求以后，apiserver 在写入 etcd 之前都做了什么？认证、鉴权、准入的顺序是什么？",
        "kubectl reads the kubeconfig and sends a POST to /apis/apps/v1/namespaces/default/deployments. The API "
        "server authenticates the caller, from the client certificate or a token, and a failure is a 401. It then "
        "authorizes, usually with RBAC, which only allows: with no allowing rule the answer is a 403 naming the "
        "user, verb and resource. The body is decoded and defaulted, mutating admission runs, then validation and "
        "validating admission. Only then is the object written to etcd under "
        "/registry/deployments/default/nginx, with generation 1 and an empty status.",
        "kubectl writes to etcd, or the object is stored first and validated later.",
        demo_request_pipeline,
        ("pkg/kubeapiserver/options/plugins.go", "plugin/pkg/auth/authorizer/rbac/rbac.go",
         "pkg/registry/apps/deployment/strategy.go")),
    Followup(
        2, "Defaulting versus mutating admission: which runs first?",
        "字段默认值是什么时候补上的？在 mutating webhook 之前还是之后？webhook 改完的对象还会再补默认值吗？",
        "Defaulting runs first, while the request body is decoded: that is where a Deployment gets replicas 1, "
        "the RollingUpdate strategy with 25 percent surge and unavailable, revisionHistoryLimit 10 and "
        "progressDeadlineSeconds 600. Mutating admission sees the defaulted object. After each mutating "
        "webhook's patch the API server decodes the result and runs the defaulter again. Validation comes after "
        "all mutation, so nothing invalid is stored. The Pods the ReplicaSet controller creates later go through "
        "the same path and get restartPolicy Always and a 30 second grace period.",
        "Defaults are filled in last, after validation; or webhooks see the raw YAML.",
        demo_defaulting_first,
        ("pkg/apis/apps/v1/defaults.go", "pkg/apis/core/v1/defaults.go",
         "staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/dispatcher.go")),
    Followup(
        4, "kubectl create vs kubectl apply vs server-side apply",
        "kubectl apply 和 kubectl create 有什么区别？apply 怎么知道要删哪些字段？server-side apply 是什么？",
        "create is a single POST, and running it again fails with AlreadyExists. Client-side apply stores the "
        "manifest it applied in the last-applied-configuration annotation and sends a strategic merge patch "
        "computed from three inputs: that annotation, the live object and the new file. So it deletes only "
        "fields it set before, and fields others set survive. Server-side apply moves this into the API server: "
        "managedFields records which manager owns each field, and applying a field another manager owns fails "
        "with a conflict unless you pass force-conflicts.",
        "apply does a PUT of the whole file, or create and apply are the same on first use.",
        demo_create_apply_ssa,
        ("staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go",
         "https://kubernetes.io/docs/reference/using-api/server-side-apply/")),
    Followup(
        5, "Two writers update the same object: what stops lost updates?",
        "两个控制器同时改同一个对象会怎样？k8s 用的是乐观锁还是悲观锁？409 Conflict 怎么处理？",
        "Optimistic concurrency. Every object carries a resourceVersion, the etcd revision at which its key last "
        "changed. An update sends back the version it read, and the API server writes with a compare-and-swap "
        "transaction on that revision. If someone wrote in between, the swap fails and the client gets 409 "
        "Conflict: the object has been modified, please apply your changes to the latest version. The client "
        "must read again and retry; client-go's RetryOnConflict does that, and controllers usually just requeue "
        "the key with rate-limited back-off.",
        "etcd locks the key, or the API server serialises writers with a mutex.",
        demo_optimistic_concurrency,
        ("staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go", "staging/src/k8s.io/client-go/util/retry/util.go",
         "staging/src/k8s.io/client-go/util/workqueue/default_rate_limiters.go")),
    Followup(
        7, "etcd is down (or lost quorum): what breaks and what keeps running?",
        "etcd 挂了或者失去多数派，集群会怎样？正在运行的 Pod 会停吗？",
        "The control plane stops, the data plane keeps going. Without etcd no write can commit, and requests "
        "that reach storage fail or time out, including a default kubectl get, which is a consistent read. So "
        "nothing new happens: no scheduling, no self-healing, no rollouts, no status or Lease updates, and the "
        "controller manager and scheduler lose leadership and restart. But containers keep running, because "
        "the kubelet and the runtime act on local state, and kube-proxy's rules stay programmed. When etcd "
        "returns, the components relist and carry on.",
        "All Pods die, or the cluster keeps working from the API server cache.",
        demo_etcd_down,
        ("staging/src/k8s.io/apiserver/pkg/endpoints/handlers/finisher/finisher.go",
         "cmd/kube-controller-manager/app/controllermanager.go")),
    Followup(
        9, "List-watch and the informer: how do components learn about new objects?",
        "各组件怎么知道有新对象要处理？List-Watch 是怎么实现的？informer 由哪些部分组成？为什么不用轮询？",
        "Through list-watch. A reflector lists the resource once, then opens a watch from the list's "
        "resourceVersion, a long-running GET that streams ADDED, MODIFIED, DELETED and BOOKMARK events. Events go "
        "into a DeltaFIFO, then into an indexer, the local cache that listers read, and to event handlers that "
        "put keys on a rate-limited work queue, which deduplicates them. Workers pop a key and sync it from the "
        "cache. Informers are shared, one watch per type per process. Resync replays the local cache; it is not "
        "a relist.",
        "Controllers poll etcd, or resync re-lists from the server.",
        demo_list_watch,
        ("staging/src/k8s.io/client-go/tools/cache/reflector.go",
         "staging/src/k8s.io/client-go/tools/cache/shared_informer.go")),
]
