"""Follow-ups on updates (the seed's steps 7 and 8) and on security: Q29–Q32, Q34, Q38, Q39."""

from __future__ import annotations

from ._kit import DATA, block, fresh, note, pick, sh, since
from .record import Followup

RBAC = "rbac.authorization.k8s.io"


def _deployment(replicas: int = 3):
    c = fresh()
    c.kubectl(f"create deployment nginx --image=nginx:1.25 --replicas={replicas}")
    c.run()
    return c


def _rs_names(c) -> str:
    return ", ".join(sorted(f"{r['metadata']['name']}={r['spec']['replicas']}" for r in c.list("replicasets")))


def demo_rollout_triggers() -> str:
    """Q29: scale changes no template (same ReplicaSet); `rollout restart` writes the restartedAt template
    annotation (new hash, new ReplicaSet); a paused Deployment takes template edits without rolling."""
    c = _deployment(2)
    out = [f"ReplicaSets: {_rs_names(c)}", sh(c, "scale deployment nginx --replicas=3")]
    c.run()
    out += [f"ReplicaSets: {_rs_names(c)}", sh(c, "rollout restart deployment/nginx")]
    c.run()
    ann = c.get("deployments", "nginx")["spec"]["template"]["metadata"].get("annotations", {})
    out += [f"template annotations: {sorted(ann)}", f"ReplicaSets: {_rs_names(c)}",
            sh(c, "rollout pause deployment/nginx"), sh(c, "set image deployment/nginx nginx=nginx:1.26")]
    c.run()
    d = c.get("deployments", "nginx")
    out.append(f"paused: ReplicaSets {_rs_names(c)}; generation {d['metadata']['generation']}, "
               f"observedGeneration {d['status']['observedGeneration']}")
    return block(out)


def demo_surge_arithmetic() -> str:
    """Q30: the fenceposts the deployment controller computes: maxSurge rounds up, maxUnavailable down; with
    1 replica that is surge 1 and unavailable 0, so the rollout adds a Pod before removing one."""
    out = []
    for replicas in (1, 10):
        c = _deployment(replicas)
        mark = len(c.trace)
        c.kubectl("set image deployment/nginx nginx=nginx:1.26")
        c.step()
        out += pick(since(c, mark), "maxSurge = ceil", limit=1, actor="deployment-controller")
        mark = len(c.trace)
        c.run()
        out += pick(since(c, mark), "maxUnavailable = floor", limit=1, actor="deployment-controller")
        scaled = [e["message"] for e in c.events() if e["reason"] == "ScalingReplicaSet"]
        if replicas == 1:
            out += [f"  {m}" for m in scaled]
    bad = fresh()
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "zero"},
            "spec": {"selector": {"matchLabels": {"app": "z"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
                     "template": {"metadata": {"labels": {"app": "z"}},
                                  "spec": {"containers": [{"name": "z", "image": "nginx"}]}}}}
    from ..apiserver import APIError
    try:
        bad.client("admin").create("deployments", body, "default")
    except APIError as err:
        out.append(note(f"both 0: {err.code} {err.message}"))
    return block(out)


def demo_rollback() -> str:
    """Q31: `rollout undo` copies revision 1's template back; the controller reuses that ReplicaSet and gives it
    revision 3 (no new ReplicaSet). A broken image makes Progressing=False ProgressDeadlineExceeded, and nothing
    rolls back by itself."""
    c = _deployment(2)
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run()
    out = [sh(c, "rollout undo deployment/nginx")]
    c.run()
    for rs in sorted(c.list("replicasets"), key=lambda r: r["metadata"]["name"]):
        out.append(f"{rs['metadata']['name']}: image {rs['spec']['template']['spec']['containers'][0]['image']}, "
                   f"replicas {rs['spec']['replicas']}, revision "
                   f"{rs['metadata']['annotations']['deployment.kubernetes.io/revision']}")
    c.kubectl("""patch deployment nginx -p '{"spec":{"progressDeadlineSeconds":30}}'""")
    out.append(sh(c, "set image deployment/nginx nginx=nginx:9.9"))
    c.run(seconds=60)
    cond = next(x for x in c.get("deployments", "nginx")["status"]["conditions"] if x["type"] == "Progressing")
    out.append(f"Progressing={cond['status']} {cond['reason']}: {cond['message']}")
    out.append(f"ReplicaSets: {_rs_names(c)} (the old Pods keep serving; no automatic rollback)")
    return block(out)


def _web(manifest: str):
    c = fresh()
    for name in dict.fromkeys(("08-web.yaml", manifest)):
        c.kubectl(f"apply -f {DATA / name}")
        c.run()
        c.run(seconds=5)
    c.traffic.start("web", per_second=20)
    c.run(seconds=5)
    return c


def _failed_during_rollout(manifest: str, image: str) -> tuple[int, dict[str, int]]:
    c = _web(manifest)
    start = len(c.traffic.results("web"))
    c.kubectl(f"set image deployment/web app={image}")
    c.run(seconds=40)
    window = c.traffic.results("web")[start:]
    errors: dict[str, int] = {}
    for r in window:
        if not r.ok:
            errors[r.error] = errors.get(r.error, 0) + 1
    return len(window), errors


def demo_zero_downtime() -> str:
    """Q32: lesson 08's Service under 20 requests/s through a rolling update, three ways: no readiness probe
    (new Pods refuse before they listen), a readiness probe only (old Pods stop while kube-proxy still routes to
    them), a readiness probe and a 5 s preStop sleep (nothing fails)."""
    out = []
    for manifest, image, label in (("08-web.yaml", "kubeteach/demo-app:2.0", "no readiness probe"),
                                   ("08-web-ready.yaml", "kubeteach/demo-app:1.0", "readiness probe only"),
                                   ("08-web-graceful.yaml", "kubeteach/demo-app:1.0",
                                    "readiness probe + preStop sleep 5s")):
        total, errors = _failed_during_rollout(manifest, image)
        failed = ", ".join(f"{n} {e}" for e, n in sorted(errors.items())) or "none"
        out.append(f"{label:<36} {total} requests in 40 s, failed: {failed}")
    return block(out)


def demo_pdb_eviction() -> str:
    """Q34: a PDB with minAvailable 2 over 2 Pods: eviction is refused with 429 and drain retries every 5 s;
    a plain DELETE is not checked against the budget."""
    c = _deployment(2)
    c.kubectl("create pdb nginx-pdb --selector=app=nginx --min-available=2")
    c.run()
    pdb = c.get("poddisruptionbudgets", "nginx-pdb")
    pod = sorted(c.list("pods"), key=lambda p: p["metadata"]["name"])[0]
    out = [f"nginx-pdb: disruptionsAllowed {pdb['status']['disruptionsAllowed']}",
           sh(c, f"drain {pod['spec']['nodeName']} --ignore-daemonsets --timeout=7s")]
    out.append(sh(c, f"delete pod {pod['metadata']['name']} --wait=false"))
    return block(out)


def _grant_rbac_writer(c) -> None:
    admin = c.client("admin")
    admin.create("clusterroles", {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole",
                                  "metadata": {"name": "rbac-writer"},
                                  "rules": [{"apiGroups": [RBAC], "verbs": ["get", "list", "create"],
                                             "resources": ["roles", "rolebindings"]}]})
    admin.create("clusterrolebindings", {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding",
                                         "metadata": {"name": "dev-rbac-writer"},
                                         "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "rbac-writer"},
                                         "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "dev"}]})


def demo_rbac_escalation() -> str:
    """Q38: dev may create RoleBindings, but binding cluster-admin to itself is refused because dev does not hold
    those permissions; `bind` on that ClusterRole by name lets it through."""
    c = fresh()
    _grant_rbac_writer(c)
    out = [sh(c, "auth can-i create rolebindings", user="dev"),
           sh(c, "create rolebinding dev-admin --clusterrole=cluster-admin --user=dev", user="dev")]
    c.client("admin").create("clusterroles", {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {"name": "cluster-admin-binder"},
        "rules": [{"apiGroups": [RBAC], "resources": ["clusterroles"], "verbs": ["bind"],
                   "resourceNames": ["cluster-admin"]}]})
    c.client("admin").create("clusterrolebindings", {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "dev-binder"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin-binder"},
        "subjects": [{"apiGroup": RBAC, "kind": "User", "name": "dev"}]})
    out.append(note("admin grants dev the `bind` verb on clusterroles/cluster-admin"))
    out.append(sh(c, "create rolebinding dev-admin --clusterrole=cluster-admin --user=dev", user="dev"))
    return block(out)


def demo_service_account_token() -> str:
    """Q39: ServiceAccount admission adds the projected volume kube-api-access-<random>: a token of 3607 s, the
    cluster CA from kube-root-ca.crt and the namespace, mounted at /var/run/secrets/kubernetes.io/serviceaccount."""
    c = fresh(nodes=1)
    c.kubectl("run web --image=nginx:1.25")
    c.run()
    pod = c.get("pods", "web")
    vol = next(v for v in pod["spec"]["volumes"] if v["name"].startswith("kube-api-access-"))
    out = [f"spec.serviceAccountName: {pod['spec']['serviceAccountName']}", f"volume {vol['name']}:"]
    for src in vol["projected"]["sources"]:
        kind, body = next(iter(src.items()))
        out.append(f"  {kind}: {body}")
    mount = next(m for m in pod["spec"]["containers"][0]["volumeMounts"] if m["name"] == vol["name"])
    out.append(f"mounted at {mount['mountPath']} (readOnly {mount.get('readOnly', False)})")
    out.append(note("not simulated: the TokenRequest JWT claims (warnafter) and the kubelet's 80 % refresh timer"))
    return block(out)


BANK = [
    Followup(
        29, "What triggers a rollout, and what does not?",
        "哪些改动会触发滚动更新？改 replicas 会吗？改了 ConfigMap 会吗？怎么强制重启所有 Pod？",
        "Only a change to spec.template. The controller hashes the template, and a new hash means a new "
        "ReplicaSet and a rolling update. Changing replicas is a scaling event, applied proportionally to the "
        "existing ReplicaSets. Editing a ConfigMap or Secret the Pods use does not touch the template, so nothing "
        "rolls. kubectl rollout restart works by writing a restartedAt annotation into the template, which "
        "changes the hash. A paused Deployment records template changes but does not roll them out until resumed; "
        "observedGeneration shows the controller has seen them.",
        "Any edit to the Deployment starts a rollout.",
        demo_rollout_triggers,
        ("pkg/controller/deployment/deployment_controller.go", "pkg/controller/deployment/sync.go")),
    Followup(
        30, "maxSurge and maxUnavailable: defaults and rounding",
        "maxSurge 和 maxUnavailable 默认是多少？百分比怎么取整？两个都设 0 行不行？",
        "Both default to 25 percent. maxSurge rounds up and maxUnavailable rounds down, so with one replica you "
        "get surge 1 and unavailable 0: the rollout adds a new Pod before removing the old one, no downtime. "
        "With ten replicas it is 3 and 2. The bounds are: total Pods at most replicas plus maxSurge, available "
        "Pods at least replicas minus maxUnavailable. If both resolve to zero from percentages, unavailable "
        "becomes 1; setting both to zero explicitly fails validation. Recreate instead scales the old Pods to "
        "zero first.",
        "25 percent of 1 is 0, so a single replica has downtime; or both round up.",
        demo_surge_arithmetic,
        ("pkg/apis/apps/v1/defaults.go", "pkg/controller/deployment/util/deployment_util.go")),
    Followup(
        31, "Rollback and revision history",
        "怎么回滚？回滚是怎么实现的，会新建 RS 吗？revisionHistoryLimit 默认多少？",
        "Old ReplicaSets, scaled to zero, are the history; each carries the deployment.kubernetes.io/revision "
        "annotation, and beyond revisionHistoryLimit, ten by default, the oldest are deleted. kubectl rollout "
        "undo copies the target ReplicaSet's template back into the Deployment. The controller then finds that "
        "old ReplicaSet as the new one and raises its revision to the next number, so no ReplicaSet is created. "
        "Kubernetes never rolls back by itself: a stuck rollout only gets Progressing False with reason "
        "ProgressDeadlineExceeded after 600 seconds.",
        "Kubernetes rolls back failed rollouts automatically, or undo creates a new ReplicaSet.",
        demo_rollback,
        ("pkg/controller/deployment/rollback.go", "pkg/controller/deployment/progress.go")),
    Followup(
        32, "Zero-downtime rolling updates: why the preStop sleep?",
        "滚动更新时怎么保证流量无损？为什么还要加 preStop sleep？",
        "Two races. New Pods must join Service endpoints only when they can serve, so they need a readiness "
        "probe. Old Pods are removed from endpoints when they get a deletionTimestamp, but kube-proxy on every "
        "node learns that through its own watch and reprograms rules, while the kubelet is already stopping the "
        "container in parallel. So the old Pod must keep serving for a few seconds: a preStop sleep, native "
        "since 1.34, then graceful shutdown on the signal, inside terminationGracePeriodSeconds. maxUnavailable "
        "zero with surge keeps capacity.",
        "The readiness probe failing is what removes a terminating Pod from the Service.",
        demo_zero_downtime,
        ("pkg/proxy/apis/config/v1alpha1/defaults.go", "FG/PodLifecycleSleepAction", "FG/EndpointSliceTerminatingCondition")),
    Followup(
        34, "PodDisruptionBudgets and the eviction API",
        "PDB 是干什么的？drain 节点为什么会卡住？滚动更新受 PDB 限制吗？",
        "A PodDisruptionBudget limits voluntary disruptions through the eviction API. Eviction is a POST to the "
        "Pod's eviction subresource; the API server checks the budget, which the disruption controller keeps in "
        "status.disruptionsAllowed, and refuses with 429, cannot evict pod as it would violate the pod's "
        "disruption budget. kubectl drain is cordon plus evictions, retrying every five seconds, which is why a "
        "drain hangs. Budgets do not limit Deployment rollouts, plain deletes or node-pressure eviction, and do "
        "not protect against node crashes.",
        "A PDB protects against node crashes, or a PDB slows down rolling updates.",
        demo_pdb_eviction,
        ("pkg/registry/core/pod/storage/eviction.go", "pkg/controller/disruption/disruption.go")),
    Followup(
        38, "RBAC escalation prevention: bind and escalate",
        "一个能创建 RoleBinding 的人，能不能把 cluster-admin 绑给自己？bind 和 escalate 动词是干什么的？",
        "No. Creating a RoleBinding requires that you already hold every permission of the role it references, "
        "or the bind verb on that role by name. Likewise, creating or changing a Role requires holding what it "
        "grants, or the escalate verb. Otherwise the API server refuses: user is attempting to grant RBAC "
        "permissions not currently held, followed by the missing rules. Only members of system:masters skip "
        "this check. And RBAC has no deny rules, so permissions only ever add up.",
        "Permission to create RoleBindings is enough, or RBAC can deny.",
        demo_rbac_escalation,
        ("pkg/registry/rbac/escalation_check.go", "plugin/pkg/auth/authorizer/rbac/rbac.go")),
    Followup(
        39, "ServiceAccount tokens inside the Pod",
        "Pod 里访问 apiserver 的 token 是哪来的？多久过期？和以前 Secret 里的 token 有什么不同？",
        "The ServiceAccount admission plugin adds a projected volume named kube-api-access with a random "
        "suffix: a service account token with expirationSeconds 3607, the cluster CA from the kube-root-ca.crt "
        "ConfigMap, and the namespace, mounted at /var/run/secrets/kubernetes.io/serviceaccount. The token comes "
        "from the TokenRequest API and is bound to the Pod, so it stops working when the Pod is deleted. The "
        "kubelet refreshes it when it is older than 80 percent of its lifetime. Legacy Secret tokens are no "
        "longer created automatically.",
        "The token is a Secret that never expires, or it expires after exactly one hour.",
        demo_service_account_token,
        ("plugin/pkg/admission/serviceaccount/admission.go", "pkg/kubelet/token/token_manager.go")),
]
