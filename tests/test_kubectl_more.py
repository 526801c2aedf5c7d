"""The rest of the embedded kubectl: describe, get events sorting, scale, set image, patch, rollout, cordon/drain.

Rollout states are written straight into the store through the admin client (a bare cluster runs no controllers),
so every expected line is the one kubectl prints for that exact Deployment status.
"""

from __future__ import annotations

from functools import partial

from conftest import deployment, pod

from kubeteach.kubectl.describe_writer import tabwriter
from kubeteach.objects import timestamp

HASH_OLD, HASH_NEW = "6c45fbff4c", "5db6749b5d"


def _admin(c):
    return c.client("admin")


def _owner(d: dict, kind: str = "Deployment", api_version: str = "apps/v1") -> dict:
    return {"apiVersion": api_version, "kind": kind, "name": d["metadata"]["name"], "uid": d["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}


def _replicaset(c, d: dict, hash_: str, image: str, revision: int, replicas: int, cause: str = "") -> dict:
    template = deployment(image=image)["spec"]["template"]
    template["metadata"]["labels"]["pod-template-hash"] = hash_
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    if cause:
        annotations["kubernetes.io/change-cause"] = cause
    rs = _admin(c).create("replicasets", {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"nginx-{hash_}", "labels": {"app": "nginx", "pod-template-hash": hash_},
                     "annotations": annotations, "ownerReferences": [_owner(d)]},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": hash_}},
                 "template": template}}, "default")
    rs["status"] = {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
                    "fullyLabeledReplicas": replicas, "observedGeneration": 1}
    return _admin(c).update_status("replicasets", rs)


def _set_status(c, name: str = "nginx", **status) -> dict:
    d = _admin(c).get("deployments", "default", name)
    # ready replicas default to the available ones: the API server refuses available > ready (ValidateDeploymentStatus)
    d["status"] = {"observedGeneration": d["metadata"]["generation"],
                   "readyReplicas": status.get("availableReplicas", 0), **status}
    return _admin(c).update_status("deployments", d)


def _annotate(c, **annotations) -> dict:
    return _admin(c).patch("deployments", "default", "nginx", {"metadata": {"annotations": annotations}})


COMPLETE = {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}


def _rolled_out(c) -> dict:
    """nginx at revision 2 (nginx:1.26, 3 replicas), revision 1 (nginx:1.25) scaled to 0: a finished update."""
    d = _admin(c).create("deployments", deployment(image="nginx:1.26", replicas=3), "default")
    c.run(seconds=10)
    _replicaset(c, d, HASH_OLD, "nginx:1.25", 1, 0)
    _replicaset(c, d, HASH_NEW, "nginx:1.26", 2, 3)
    _annotate(c, **{"deployment.kubernetes.io/revision": "2"})
    return _set_status(c, **COMPLETE)


def _event(c, obj: dict, reason: str, message: str, first: float, last: float | None = None, count: int = 1,
           component: str = "deployment-controller", etype: str = "Normal", field_path: str = "") -> dict:
    m = obj["metadata"]
    involved = {"kind": obj["kind"], "name": m["name"], "uid": m["uid"], "apiVersion": obj["apiVersion"]}
    if m.get("namespace"):
        involved["namespace"] = m["namespace"]
    if field_path:
        involved["fieldPath"] = field_path
    return _admin(c).create("events", {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{m['name']}.{int(first * 1000):x}{reason.lower()}", "namespace": "default"},
        "involvedObject": involved, "reason": reason, "message": message, "type": etype,
        "source": {"component": component}, "count": count,
        "firstTimestamp": timestamp(first), "lastTimestamp": timestamp(last if last is not None else first)},
        "default")


# --- the tabwriter ------------------------------------------------------------------------------------------------


def test_tabwriter_aligns_each_block_of_lines_sharing_a_column():
    text = ("Conditions:\n  Type\tStatus\tReason\n  ----\t------\t------\n"
            "  Progressing \tTrue\tNewReplicaSetAvailable\nOldReplicaSets:\t<none>\nNewReplicaSet:\tnginx-1 (3/3)\n")
    assert tabwriter(text) == (
        "Conditions:\n"
        "  Type           Status  Reason\n"        # 15 ("OldReplicaSets:") + padding 2 = 17 columns
        "  ----           ------  ------\n"
        "  Progressing    True    NewReplicaSetAvailable\n"
        "OldReplicaSets:  <none>\n"
        "NewReplicaSet:   nginx-1 (3/3)\n")
    # the last cell of a line is never padded; a line without a tab ends every block
    assert tabwriter("a\tb\n\tcc\tdd\nxxx\nlonger\tx\n") == "a  b\n   cc  dd\nxxx\nlonger  x\n"


# --- describe ---------------------------------------------------------------------------------------------------


def test_describe_deployment(bare):
    d = _rolled_out(bare)
    _event(bare, d, "ScalingReplicaSet", f"Scaled up replica set nginx-{HASH_OLD} from 0 to 3", 0)
    _event(bare, d, "ScalingReplicaSet", f"Scaled up replica set nginx-{HASH_NEW} from 0 to 1", 60)
    _event(bare, d, "ScalingReplicaSet", f"Scaled down replica set nginx-{HASH_OLD} from 3 to 0", 70, 80, count=3)
    bare.run(seconds=290)                                                  # now = 300s
    r = bare.kubectl("describe deployment nginx")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == f"""\
Name:                   nginx
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 app=nginx
Annotations:            deployment.kubernetes.io/revision: 2
Selector:               app=nginx
Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=nginx
  Containers:
   nginx:
    Image:         nginx:1.26
    Port:          80/TCP
    Host Port:     0/TCP
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  nginx-{HASH_OLD} (0/0 replicas created)
NewReplicaSet:   nginx-{HASH_NEW} (3/3 replicas created)
Events:
  Type    Reason             Age                    From                   Message
  ----    ------             ----                   ----                   -------
  Normal  ScalingReplicaSet  5m                     deployment-controller  Scaled up replica set nginx-{HASH_OLD} from 0 to 3
  Normal  ScalingReplicaSet  4m                     deployment-controller  Scaled up replica set nginx-{HASH_NEW} from 0 to 1
  Normal  ScalingReplicaSet  3m40s (x3 over 3m50s)  deployment-controller  Scaled down replica set nginx-{HASH_OLD} from 3 to 0
"""


def test_describe_replicaset_counts_the_pods_it_controls(bare):
    d = _rolled_out(bare)
    rs = _admin(bare).get("replicasets", "default", f"nginx-{HASH_NEW}")
    for i, phase in enumerate(["Running", "Running", "Pending"]):
        p = pod(f"nginx-{HASH_NEW}-{i}")
        p["metadata"]["labels"] = {"app": "nginx", "pod-template-hash": HASH_NEW}
        p["metadata"]["ownerReferences"] = [_owner(rs, "ReplicaSet")]
        created = _admin(bare).create("pods", p, "default")
        created["status"]["phase"] = phase
        _admin(bare).update_status("pods", created)
    out = bare.kubectl(f"describe rs nginx-{HASH_NEW}").stdout
    assert out.startswith(f"""\
Name:           nginx-{HASH_NEW}
Namespace:      default
Selector:       app=nginx,pod-template-hash={HASH_NEW}
Labels:         app=nginx
                pod-template-hash={HASH_NEW}
Annotations:    deployment.kubernetes.io/revision: 2
Controlled By:  Deployment/nginx
Replicas:       3 current / 3 desired
Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=nginx
           pod-template-hash={HASH_NEW}
""")
    assert out.endswith("  Tolerations:     <none>\nEvents:            <none>\n")
    assert d["metadata"]["name"] == "nginx"


def _running_pod(c) -> dict:
    d = _admin(c).create("deployments", deployment(), "default")
    rs = _replicaset(c, d, HASH_OLD, "nginx:1.25", 1, 1)
    p = pod(f"nginx-{HASH_OLD}-x8k2q")
    p["metadata"]["labels"] = {"app": "nginx", "pod-template-hash": HASH_OLD}
    p["metadata"]["ownerReferences"] = [_owner(rs, "ReplicaSet")]
    p["spec"]["containers"][0]["image"] = "nginx:1.25"
    p["spec"]["containers"][0]["name"] = "nginx"
    p["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    p["spec"]["nodeName"] = "node-1"
    created = _admin(c).create("pods", p, "default")
    c.run(seconds=5)
    created["status"].update({
        "phase": "Running", "hostIP": "172.18.0.2", "hostIPs": [{"ip": "172.18.0.2"}], "podIP": "10.244.1.2",
        "podIPs": [{"ip": "10.244.1.2"}], "startTime": timestamp(1),
        "conditions": [{"type": t, "status": "True", "lastTransitionTime": timestamp(3)}
                       for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                 "PodScheduled")],
        "containerStatuses": [{"name": "nginx", "image": "docker.io/library/nginx:1.25",
                               "imageID": "docker.io/library/nginx@sha256:0d17b565", "ready": True,
                               "started": True, "restartCount": 0,
                               "containerID": "containerd://4f2a9c", "state": {"running": {"startedAt": timestamp(3)}}}]})
    return _admin(c).update_status("pods", created)


def test_describe_pod(bare):
    p = _running_pod(bare)
    name = p["metadata"]["name"]
    _event(bare, p, "Scheduled", f"Successfully assigned default/{name} to node-1", 0, component="default-scheduler")
    _event(bare, p, "Pulled", 'Container image "nginx:1.25" already present on machine', 2, component="kubelet",
           field_path="spec.containers{nginx}")
    bare.run(seconds=55)                                                   # now = 60s
    volume = p["spec"]["volumes"][0]["name"]                               # kube-api-access-<random>
    r = bare.kubectl(f"describe pod {name}")
    assert r.stdout == f"""\
Name:             {name}
Namespace:        default
Priority:         0
Service Account:  default
Node:             node-1/172.18.0.2
Start Time:       Thu, 01 Jan 2026 00:00:01 +0000
Labels:           app=nginx
                  pod-template-hash={HASH_OLD}
                  topology.kubernetes.io/zone=zone-a
Annotations:      <none>
Status:           Running
IP:               10.244.1.2
IPs:
  IP:           10.244.1.2
Controlled By:  ReplicaSet/nginx-{HASH_OLD}
Containers:
  nginx:
    Container ID:   containerd://4f2a9c
    Image:          nginx:1.25
    Image ID:       docker.io/library/nginx@sha256:0d17b565
    Port:           80/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      Thu, 01 Jan 2026 00:00:03 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from {volume} (ro)
Conditions:
  Type                        Status
  PodReadyToStartContainers   True\x20
  Initialized                 True\x20
  Ready                       True\x20
  ContainersReady             True\x20
  PodScheduled                True\x20
Volumes:
  {volume}:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
    ConfigMapName:           kube-root-ca.crt
    Optional:                false
    DownwardAPI:             true
QoS Class:                   BestEffort
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  60s   default-scheduler  Successfully assigned default/{name} to node-1
  Normal  Pulled     58s   kubelet            spec.containers{{nginx}}: Container image "nginx:1.25" already present on machine
"""


def test_describe_by_name_prefix_and_not_found(bare):
    _running_pod(bare)
    r = bare.kubectl("describe pod nginx")                                # no pod is called "nginx": prefix match
    assert r.returncode == 0 and r.stdout.startswith(f"Name:             nginx-{HASH_OLD}-x8k2q\n")
    r = bare.kubectl("describe pod web")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'Error from server (NotFound): pods "web" not found\n')
    r = bare.kubectl("describe deployments -l app=nope")
    assert (r.stdout, r.stderr) == ("", "No resources found in default namespace.\n")


def test_describe_two_objects_are_separated_by_blank_lines(bare):
    _rolled_out(bare)
    out = bare.kubectl("describe rs").stdout
    assert out.count("Name:           nginx-") == 2 and "Events:            <none>\n\n\nName:" in out


def test_describe_node(bare):
    _running_pod(bare)
    req = pod("busy")
    req["spec"]["nodeName"] = "node-1"
    req["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "250m", "memory": "64Mi"},
                                                 "limits": {"cpu": "500m", "memory": "128Mi"}}
    _admin(bare).create("pods", req, "default")
    out = bare.kubectl("describe node node-1").stdout
    assert out.startswith("Name:               node-1\nRoles:              <none>\n")
    assert "Taints:             <none>\nUnschedulable:      false\n" in out
    assert 'Lease:              Failed to get lease: leases.coordination.k8s.io "node-1" not found\n' in out
    assert "Capacity:\n  cpu:                2\n" in out
    assert "Allocatable:\n  cpu:                1900m\n  ephemeral-storage:  20Gi\n  memory:             3840Mi\n" in out
    assert "PodCIDR:                      10.244.1.0/24\nPodCIDRs:                     10.244.1.0/24\n" in out
    assert "Non-terminated Pods:          (2 in total)\n" in out
    # 250m of 1900m is 13%, 64Mi of 3840Mi is 1% (kubectl truncates), limits 26% and 3%
    assert ("  Namespace                   Name                      CPU Requests  CPU Limits  Memory Requests  "
            "Memory Limits  Age\n") in out                                # the empty column adds two spaces
    assert "  default                     busy                      250m (13%)    500m (26%)  64Mi (1%)        " \
        "128Mi (3%)     0s\n" in out
    assert ("  Resource           Requests    Limits\n"
            "  --------           --------    ------\n"
            "  cpu                250m (13%)  500m (26%)\n"
            "  memory             64Mi (1%)   128Mi (3%)\n"
            "  ephemeral-storage  0 (0%)      0 (0%)\n"
            "Events:              <none>\n") in out


def test_describe_without_events(bare):
    _rolled_out(bare)
    out = bare.kubectl("describe deploy nginx --show-events=false").stdout
    assert "Events:" not in out and out.endswith(f"NewReplicaSet:   nginx-{HASH_NEW} (3/3 replicas created)\n")


# --- get events -----------------------------------------------------------------------------------------------


def test_get_events_is_in_list_order_unless_sorted(bare):
    d = _admin(bare).create("deployments", deployment(), "default")
    _event(bare, d, "Early", "a", 10)
    rs = _replicaset(bare, d, HASH_OLD, "nginx:1.25", 1, 1)
    _event(bare, rs, "Late", "b", 20, component="replicaset-controller")
    bare.run(seconds=60)
    unsorted = bare.kubectl("get events").stdout.splitlines()
    assert [line.split()[2] for line in unsorted[1:]] == ["Late", "Early"]         # by name: "nginx-" < "nginx."
    r = bare.kubectl("get events --sort-by=.lastTimestamp")
    assert r.stdout == (
        "LAST SEEN   TYPE     REASON   OBJECT                        MESSAGE\n"
        "50s         Normal   Early    deployment/nginx              a\n"
        "40s         Normal   Late     replicaset/nginx-6c45fbff4c   b\n")


# --- scale, set image, patch ----------------------------------------------------------------------------------


def test_scale_patches_the_scale_subresource(bare):
    _admin(bare).create("deployments", deployment(), "default")
    r = bare.kubectl("scale deployment/nginx --replicas=3")
    assert (r.returncode, r.stdout, r.stderr) == (0, "deployment.apps/nginx scaled\n", "")
    assert bare.get("deployment", "nginx")["spec"]["replicas"] == 3
    requests = [rec for rec in bare.trace if rec.actor == "kubectl" and rec.action == "request"]
    assert (requests[-1].object, requests[-1].detail["method"]) == (
        "/apis/apps/v1/namespaces/default/deployments/nginx/scale", "PATCH")
    assert str(bare.kubectl("scale deployment nginx --replicas=2")) == "deployment.apps/nginx scaled"
    assert bare.get("deployment", "nginx")["spec"]["replicas"] == 2


def test_scale_errors(bare):
    _admin(bare).create("deployments", deployment(), "default")
    assert str(bare.kubectl("scale deployment/nginx")) == 'error: required flag(s) "replicas" not set'
    r = bare.kubectl("scale deployment/nginx --replicas=5 --current-replicas=2")
    assert (r.returncode, r.stderr) == (1, "error: Expected replicas to be 2, was 1\n")
    assert bare.get("deployment", "nginx")["spec"]["replicas"] == 1
    r = bare.kubectl("scale deployment/nope --replicas=2")
    assert r.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_set_image(bare):
    _admin(bare).create("deployments", deployment(), "default")
    r = bare.kubectl("set image deployment/nginx nginx=nginx:1.26")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx image updated\n")
    d = bare.get("deployment", "nginx")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert d["metadata"]["generation"] == 2
    r = bare.kubectl("set image deployment/nginx nginx=nginx:1.26")        # nothing to change: nothing sent
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = bare.kubectl("set image deployment/nginx web=nginx:1.27")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", 'error: unable to find container named "web"\n')


def test_patch_types_and_no_change(bare):
    _admin(bare).create("deployments", deployment(), "default")
    r = bare.kubectl("""patch deployment nginx -p '{"spec":{"replicas":2}}'""")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx patched\n")
    r = bare.kubectl("""patch deployment nginx -p '{"spec":{"replicas":2}}'""")
    assert r.stdout == "deployment.apps/nginx patched (no change)\n"
    r = bare.kubectl("""patch deployment/nginx --type=merge -p '{"metadata":{"labels":{"tier":"web"}}}'""")
    assert r.stdout == "deployment.apps/nginx patched\n"
    r = bare.kubectl("""patch deployment nginx --type=json -p '[{"op":"replace","path":"/spec/replicas","value":4}]'""")
    assert r.stdout == "deployment.apps/nginx patched\n"
    d = bare.get("deployment", "nginx")
    assert (d["spec"]["replicas"], d["metadata"]["labels"]) == (4, {"app": "nginx", "tier": "web"})
    r = bare.kubectl("""patch deployment nginx --type=apply -p '{}'""")
    assert r.stderr == 'error: --type must be one of [json merge strategic], not "apply"\n'
    assert str(bare.kubectl("patch deployment nginx")) == \
        "error: must specify --patch or --patch-file containing the contents of the patch"


# --- rollout status -----------------------------------------------------------------------------------------------


def _status(c, **status) -> str:
    _set_status(c, **status)
    return str(c.kubectl("rollout status deployment/nginx --watch=false"))


def test_rollout_status_messages(bare):
    _admin(bare).create("deployments", deployment(replicas=3), "default")
    waiting = 'Waiting for deployment "nginx" rollout to finish: '
    assert str(bare.kubectl("rollout status deployment/nginx --watch=false")) == \
        "Waiting for deployment spec update to be observed..."
    assert _status(bare, replicas=4, updatedReplicas=1) == waiting + "1 out of 3 new replicas have been updated..."
    assert _status(bare, replicas=4, updatedReplicas=3) == waiting + "1 old replicas are pending termination..."
    assert _status(bare, replicas=3, updatedReplicas=3, availableReplicas=2) == \
        waiting + "2 of 3 updated replicas are available..."
    assert _status(bare, replicas=3, updatedReplicas=3, availableReplicas=3) == \
        'deployment "nginx" successfully rolled out'
    _set_status(bare, replicas=3, updatedReplicas=1, conditions=[
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}])
    r = bare.kubectl("rollout status deployment/nginx")
    assert (r.returncode, r.stderr) == (1, 'error: deployment "nginx" exceeded its progress deadline\n')


def test_rollout_status_does_not_name_a_stuck_pod(bare):
    _admin(bare).create("deployments", deployment(), "default")
    _set_status(bare, replicas=1, updatedReplicas=1)
    p = pod("nginx-1")
    p["metadata"]["labels"] = {"app": "nginx"}
    created = _admin(bare).create("pods", p, "default")
    created["status"]["containerStatuses"] = [{"name": "nginx-1", "ready": False, "restartCount": 0, "image": "x",
                                               "imageID": "", "state": {"waiting": {
                                                   "reason": "ImagePullBackOff",
                                                   "message": 'Back-off pulling image "nginx:9"'}}}]
    _admin(bare).update_status("pods", created)
    # kubectl v1.35 only counts replicas: it never says why a rollout is stuck
    assert str(bare.kubectl("rollout status deploy/nginx --watch=false")) == (
        'Waiting for deployment "nginx" rollout to finish: 0 of 1 updated replicas are available...')


def test_rollout_status_watches_until_done(bare):
    _admin(bare).create("deployments", deployment(replicas=3), "default")
    _set_status(bare, replicas=3, updatedReplicas=1)
    steps = [dict(replicas=4, updatedReplicas=2), dict(replicas=4, updatedReplicas=2),   # same message: once
             dict(replicas=3, updatedReplicas=3, availableReplicas=2),
             dict(replicas=3, updatedReplicas=3, availableReplicas=3)]
    component = bare.component("test-rollout")
    for i, st in enumerate(steps):
        bare.loop.schedule(5.0 * (i + 1), component, partial(_set_status, bare, **st), "__call__")
    r = bare.kubectl("rollout status deployment/nginx")
    waiting = 'Waiting for deployment "nginx" rollout to finish: '
    assert r.stdout.splitlines() == [waiting + "1 out of 3 new replicas have been updated...",
                                     waiting + "2 out of 3 new replicas have been updated...",
                                     waiting + "2 of 3 updated replicas are available...",
                                     'deployment "nginx" successfully rolled out']
    assert r.returncode == 0 and bare.now == 20.0


def test_rollout_status_times_out(bare):
    _admin(bare).create("deployments", deployment(), "default")
    _set_status(bare, replicas=1, updatedReplicas=0)
    r = bare.kubectl("rollout status deployment/nginx --timeout=30s")
    assert (r.returncode, r.stderr) == (1, "error: timed out waiting for the condition\n")


# --- rollout history and undo ---------------------------------------------------------------------------------


def test_rollout_history(bare):
    d = _admin(bare).create("deployments", deployment(image="nginx:1.26", replicas=3), "default")
    _replicaset(bare, d, HASH_OLD, "nginx:1.25", 1, 0)
    _replicaset(bare, d, HASH_NEW, "nginx:1.26", 2, 3, cause="kubectl set image deployment/nginx nginx=nginx:1.26")
    r = bare.kubectl("rollout history deployment/nginx")
    assert r.stdout == ("deployment.apps/nginx \n"
                        "REVISION  CHANGE-CAUSE\n"
                        "1         <none>\n"
                        "2         kubectl set image deployment/nginx nginx=nginx:1.26\n\n")
    r = bare.kubectl("rollout history deployment/nginx --revision=1")
    assert r.stdout == ("deployment.apps/nginx with revision #1\n"
                        "Pod Template:\n"
                        "  Labels:\tapp=nginx\n"
                        f"\tpod-template-hash={HASH_OLD}\n"
                        "  Containers:\n"
                        "   nginx:\n"
                        "    Image:\tnginx:1.25\n"
                        "    Port:\t80/TCP\n"
                        "    Host Port:\t0/TCP\n"
                        "    Environment:\t<none>\n"
                        "    Mounts:\t<none>\n"
                        "  Volumes:\t<none>\n"
                        "  Node-Selectors:\t<none>\n"
                        "  Tolerations:\t<none>\n\n")
    assert str(bare.kubectl("rollout history deployment/nginx --revision=9")) == \
        "error: unable to find the specified revision"


def test_rollout_undo_patches_the_old_template_back(bare):
    _rolled_out(bare)
    r = bare.kubectl("rollout undo deployment/nginx")
    assert (r.returncode, r.stdout) == (0, "deployment.apps/nginx rolled back\n")
    d = bare.get("deployment", "nginx")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert d["spec"]["template"]["metadata"]["labels"] == {"app": "nginx"}       # no pod-template-hash
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
    patch = [rec for rec in bare.trace if rec.actor == "kubectl" and rec.action == "request"][-1]
    assert (patch.detail["method"], patch.object) == ("PATCH", "/apis/apps/v1/namespaces/default/deployments/nginx")
    r = bare.kubectl("rollout undo deployment/nginx --to-revision=1")
    assert r.stdout == "deployment.apps/nginx skipped rollback (current template already matches revision 1)\n"


def test_rollout_undo_errors(bare):
    d = _admin(bare).create("deployments", deployment(), "default")
    _replicaset(bare, d, HASH_OLD, "nginx:1.25", 1, 1)
    assert str(bare.kubectl("rollout undo deployment/nginx")) == \
        'error: no rollout history found for deployment "nginx"'
    assert str(bare.kubectl("rollout undo deployment/nginx --to-revision=7")) == \
        "error: unable to find specified revision 7 in history"
    _admin(bare).patch("deployments", "default", "nginx", {"spec": {"paused": True}})
    assert str(bare.kubectl("rollout undo deployment/nginx --to-revision=1")) == (
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume "
        "deployment/nginx' and try again")


# --- pause, resume, restart -------------------------------------------------------------------------------------


def test_rollout_pause_resume_restart(bare):
    _admin(bare).create("deployments", deployment(), "default")
    assert str(bare.kubectl("rollout pause deployment/nginx")) == "deployment.apps/nginx paused"
    assert bare.get("deployment", "nginx")["spec"]["paused"] is True
    r = bare.kubectl("rollout pause deployment/nginx")
    assert (r.returncode, r.stderr) == (1, 'error: deployments.apps "nginx" is already paused\n')
    assert str(bare.kubectl("rollout restart deployment/nginx")) == \
        "error: deployments.apps \"nginx\" can't restart paused deployment (run rollout resume first)"
    assert str(bare.kubectl("rollout resume deployment/nginx")) == "deployment.apps/nginx resumed"
    assert "paused" not in bare.get("deployment", "nginx")["spec"]
    assert str(bare.kubectl("rollout resume deployment/nginx")) == 'error: deployments.apps "nginx" is not paused'
    bare.run(seconds=125)
    assert str(bare.kubectl("rollout restart deployment nginx")) == "deployment.apps/nginx restarted"
    template = bare.get("deployment", "nginx")["spec"]["template"]
    assert template["metadata"]["annotations"] == {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:02:05Z"}


# --- cordon, uncordon, drain ------------------------------------------------------------------------------------


def test_cordon_and_uncordon(bare):
    r = bare.kubectl("cordon node-1")
    assert (r.returncode, r.stdout) == (0, "node/node-1 cordoned\n")
    assert bare.get("node", "node-1")["spec"]["unschedulable"] is True
    assert str(bare.kubectl("cordon node-1")) == "node/node-1 already cordoned"
    assert "node-1   Ready,SchedulingDisabled" in bare.kubectl("get nodes").stdout
    assert str(bare.kubectl("uncordon node-1")) == "node/node-1 uncordoned"
    assert "unschedulable" not in bare.get("node", "node-1")["spec"]
    assert str(bare.kubectl("uncordon node-1")) == "node/node-1 already uncordoned"
    assert str(bare.kubectl("cordon node-9")) == 'Error from server (NotFound): nodes "node-9" not found'


def test_drain_refuses_unmanaged_pods_without_force(bare):
    p = _running_pod(bare)
    bare_pod = pod("web")
    bare_pod["spec"]["nodeName"] = "node-1"
    _admin(bare).create("pods", bare_pod, "default")
    r = bare.kubectl("drain node-1")
    assert r.returncode == 1 and r.stdout == "node/node-1 cordoned\n"
    # v1.35's RunDrain: the node's error, "continuing command...", then CheckErr's aggregate (no "error: " prefix)
    message = "cannot delete Pods that declare no controller (use --force to override): default/web"
    assert r.stderr == (f'error: unable to drain node "node-1" due to error: {message}, continuing command...\n'
                        "There are pending nodes to be drained:\n"
                        " node-1\n"
                        f"{message}\n")
    assert bare.get("pod", p["metadata"]["name"]) is not None


def test_drain_evicts_every_pod(bare):
    p = _running_pod(bare)
    bare_pod = pod("web")
    bare_pod["spec"]["nodeName"] = "node-1"
    _admin(bare).create("pods", bare_pod, "default")
    r = bare.kubectl("drain node-1 --force --ignore-daemonsets --grace-period=0")
    name = p["metadata"]["name"]
    assert r.returncode == 0
    assert r.stdout == ("node/node-1 cordoned\n"
                        f"evicting pod default/{name}\n"
                        "evicting pod default/web\n"
                        f"pod/{name} evicted\n"
                        "pod/web evicted\n"
                        "node/node-1 drained\n")
    assert r.stderr == "Warning: deleting Pods that declare no controller: default/web\n"
    assert bare.list("pods") == [] and bare.get("node", "node-1")["spec"]["unschedulable"] is True


def test_get_with_a_field_selector_filters_on_the_server_and_refuses_unknown_fields(in_repo):
    from kubeteach import Cluster

    c = Cluster()
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    node = c.list("pods")[0]["spec"]["nodeName"]
    other = next(n for n in ("node-1", "node-2", "node-3") if n != node)
    assert c.kubectl(f"get pods --field-selector spec.nodeName={node} -o name").stdout.startswith("pod/nginx-")
    assert c.kubectl(f"get pods --field-selector=spec.nodeName={other}").stderr == \
        "No resources found in default namespace.\n"
    assert c.kubectl("get pods --field-selector status.phase!=Running").stderr == \
        "No resources found in default namespace.\n"
    r = c.kubectl("get deployments --field-selector spec.replicas=1")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ('Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that match '
                        'label selector "", field selector "spec.replicas=1": field label not supported: '
                        'spec.replicas\n')
    warnings = c.kubectl("get events --field-selector type=Warning")
    assert warnings.stderr == "No resources found in default namespace.\n"
