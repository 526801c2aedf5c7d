"""Issue #17 item 2: the EndpointSlice controller (staging/src/k8s.io/endpointslice reconciler.go, utils.go
podToEndpoint) and the legacy Endpoints controller (pkg/controller/endpoint), as v1.35 runs them (traffic.md §2)."""

from __future__ import annotations

import re

from kubeteach.cluster import Cluster
from kubeteach.controllers.endpointslice import MAX_ENDPOINTS_PER_SLICE, EndpointSliceController
from kubeteach.pods import is_pod_ready, is_terminal

MANAGED = "endpointslice.kubernetes.io/managed-by"


def _slices(c: Cluster, service: str) -> list[dict]:
    return c.list("endpointslices", label_selector=f"kubernetes.io/service-name={service}")


def _conditions(c: Cluster, service: str) -> dict[str, tuple[bool, bool, bool]]:
    """pod name → (ready, serving, terminating) as the slices say."""
    return {e["targetRef"]["name"]: (e["conditions"]["ready"], e["conditions"]["serving"],
                                     e["conditions"]["terminating"])
            for s in _slices(c, service) for e in s.get("endpoints") or []}


def _expected(c: Cluster, selector: str) -> dict[str, tuple[bool, bool, bool]]:
    """What podToEndpoint gives for the pods now: pods with an IP that are not Succeeded/Failed."""
    out = {}
    for p in c.list("pods", label_selector=selector):
        if is_terminal(p) or not (p.get("status") or {}).get("podIP"):
            continue
        serving, terminating = is_pod_ready(p), bool(p["metadata"].get("deletionTimestamp"))
        out[p["metadata"]["name"]] = (serving and not terminating, serving, terminating)
    return out


def _deployment_behind_service(seed: int = 1, replicas: int = 3) -> Cluster:
    c = Cluster(seed=seed)
    c.kubectl(f"create deployment nginx --image=nginx:1.27 --replicas={replicas}")
    c.run()
    c.client().create("services", {"apiVersion": "v1", "kind": "Service",
                                   "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
                                   "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 80}]}}, "default")
    c.run()
    return c


def test_the_slice_of_a_service_names_labels_owner_ports_and_endpoints():
    c = _deployment_behind_service()
    svc = c.get("services", "nginx")
    [eps] = _slices(c, "nginx")
    m = eps["metadata"]
    assert re.fullmatch(r"nginx-[a-z0-9]{5}", m["name"]) and m["generateName"] == "nginx-"
    assert m["labels"] == {"app": "nginx", "kubernetes.io/service-name": "nginx",
                           MANAGED: "endpointslice-controller.k8s.io"}
    assert m["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "nginx",
                                     "uid": svc["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    # a Service seen for the first time: its creation is the trigger
    assert m["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == svc["metadata"]["creationTimestamp"]
    assert eps["addressType"] == "IPv4"
    assert eps["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    pods = {p["metadata"]["name"]: p for p in c.list("pods", label_selector="app=nginx")}
    assert len(eps["endpoints"]) == 3
    for e in eps["endpoints"]:
        pod = pods[e["targetRef"]["name"]]
        assert e["addresses"] == [pod["status"]["podIP"]]
        assert e["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert e["targetRef"] == {"kind": "Pod", "namespace": "default", "name": pod["metadata"]["name"],
                                  "uid": pod["metadata"]["uid"]}
        node = c.get("nodes", pod["spec"]["nodeName"])
        assert e["nodeName"] == pod["spec"]["nodeName"]
        assert e.get("zone") == node["metadata"]["labels"].get("topology.kubernetes.io/zone")
    created = [r for r in c.trace.by("endpointslice-controller") if r.action == "endpointslice-created"]
    assert created and created[-1].text().startswith(f"created EndpointSlice default/{m['name']} for Service "
                                                     "default/nginx: 3 endpoints [")


def test_endpoint_conditions_at_every_step_of_a_rollout():
    c = _deployment_behind_service()
    c.kubectl("set image deployment/nginx nginx=nginx:1.28")
    seen: set[tuple[bool, bool, bool]] = set()
    ready_counts = []
    writes = 0
    while (records := c.step()) is not None:
        if not any(r.actor == "endpointslice-controller" and r.action.startswith("endpointslice-") for r in records):
            continue
        writes += 1
        now = _conditions(c, "nginx")
        assert now == _expected(c, "app=nginx"), [str(r) for r in records]
        seen |= set(now.values())
        ready_counts.append(sum(1 for v in now.values() if v[0]))
    assert writes >= 9          # 3 new pods appear, turn ready; 3 old turn terminating, leave
    # running and Ready; new and not Ready yet; old, being deleted while still Ready: serving but not ready
    assert {(True, True, False), (False, False, False), (False, True, True)} <= seen
    assert min(ready_counts) >= 3 and max(ready_counts) == 4           # maxSurge 1, maxUnavailable 0 (§6.2)
    new_rs = {p["metadata"]["name"] for p in c.list("pods", label_selector="app=nginx")}
    assert set(_conditions(c, "nginx")) == new_rs and len(new_rs) == 3
    texts = [r.text() for r in c.trace.by("endpointslice-controller") if r.action == "endpointslice-updated"]
    assert any(re.search(r"endpoint 10\.244\.\d+\.\d+ ready→false terminating→true$", t) for t in texts), texts
    assert any(re.search(r"endpoint 10\.244\.\d+\.\d+ added \(ready=false serving=false terminating=false\)", t)
               for t in texts)
    assert any(re.search(r"endpoint 10\.244\.\d+\.\d+ ready→true serving→true", t) for t in texts)
    assert len({s["metadata"]["name"] for s in _slices(c, "nginx")}) == 1


def test_placeholder_slice_then_the_same_slice_filled():
    c = Cluster(seed=4)
    c.client().create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}, "default")
    c.run()
    [placeholder] = _slices(c, "web")
    assert not placeholder.get("endpoints") and not placeholder.get("ports")
    assert any(r.text().startswith("created placeholder EndpointSlice") for r in c.trace.by("endpointslice-controller"))
    c.kubectl("run web --image=nginx:1.27 --labels=app=web")
    c.run()
    [filled] = _slices(c, "web")
    assert filled["metadata"]["name"] == placeholder["metadata"]["name"]      # finalize: the create became an update
    assert filled["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    assert [e["targetRef"]["name"] for e in filled["endpoints"]] == ["web"]
    c.kubectl("delete pod web")
    c.run()
    [again] = _slices(c, "web")
    assert again["metadata"]["name"] == placeholder["metadata"]["name"] and not again.get("endpoints")


def test_irrelevant_pod_changes_do_not_requeue_the_service():
    c = _deployment_behind_service()
    pod = c.list("pods", label_selector="app=nginx")[0]
    start = len(c.trace)
    c.client().patch("pods", "default", pod["metadata"]["name"], {"metadata": {"annotations": {"note": "x"}}})
    c.run()
    assert not [r for r in c.trace[start:] if r.actor == "endpointslice-controller"]
    # a label change that keeps the pod in the same Services: the symmetric difference of memberships is empty
    c.client().patch("pods", "default", pod["metadata"]["name"], {"metadata": {"labels": {"tier": "web"}}})
    c.run()
    assert not [r for r in c.trace[start:] if r.actor == "endpointslice-controller"]
    c.client().patch("pods", "default", pod["metadata"]["name"], {"metadata": {"labels": {"app": "gone"}}})
    c.run()
    texts = [r.text() for r in c.trace[start:] if r.action == "endpointslice-updated"]
    assert any(t.endswith(f"endpoint {pod['status']['podIP']} removed") for t in texts), texts


def test_named_target_port_resolves_per_pod_and_legacy_endpoints():
    c = Cluster(seed=5)
    cl = c.client()
    for name, ports in (("a", [{"name": "http", "containerPort": 8080}]), ("b", [{"name": "web", "containerPort": 80}]),
                        ("c", [])):
        spec = {"containers": [{"name": "app", "image": "nginx:1.27", "ports": ports}]}
        if name == "c":           # the port named by a sidecar (restartable init container)
            spec["initContainers"] = [{"name": "proxy", "image": "nginx:1.27", "restartPolicy": "Always",
                                       "ports": [{"name": "http", "containerPort": 9090}]}]
        cl.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "x"}},
                           "spec": spec}, "default")
    cl.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                           "spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": "http"}]}},
              "default")
    c.run()
    by_ports = {tuple(p["port"] for p in s.get("ports") or []): sorted(e["targetRef"]["name"] for e in s["endpoints"])
                for s in _slices(c, "x")}
    assert by_ports == {(8080,): ["a"], (9090,): ["c"], (): ["b"]}
    ep = c.get("endpoints", "x")
    assert [(sorted(a["targetRef"]["name"] for a in s["addresses"]), [p["port"] for p in s["ports"]])
            for s in ep["subsets"]] in ([(["a"], [8080]), (["c"], [9090])], [(["c"], [9090]), (["a"], [8080])])


def test_legacy_endpoints_ready_not_ready_and_terminating():
    c = _deployment_behind_service()
    pods = sorted(c.list("pods", label_selector="app=nginx"), key=lambda p: p["metadata"]["name"])
    ep = c.get("endpoints", "nginx")
    assert ep["metadata"]["labels"]["endpoints.kubernetes.io/managed-by"] == "endpoint-controller"
    assert sorted(a["ip"] for a in ep["subsets"][0]["addresses"]) == sorted(p["status"]["podIP"] for p in pods)
    # one pod's kubelet goes quiet; its pod is marked not ready, another pod (same node) is deleted
    victim = pods[0]
    node = victim["spec"]["nodeName"]
    c.stop(f"kubelet/{node}")
    status = c.get("pods", victim["metadata"]["name"])
    for cond in status["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond["status"] = "False"
    c.client().update_status("pods", status)
    c.run(seconds=1)
    ep = c.get("endpoints", "nginx")
    assert [a["ip"] for a in ep["subsets"][0]["notReadyAddresses"]] == [victim["status"]["podIP"]]
    assert victim["status"]["podIP"] not in [a["ip"] for a in ep["subsets"][0]["addresses"]]
    assert _conditions(c, "nginx")[victim["metadata"]["name"]] == (False, False, False)
    c.client().delete("pods", "default", victim["metadata"]["name"])
    c.run(seconds=1)
    ep = c.get("endpoints", "nginx")
    assert victim["status"]["podIP"] not in str(ep["subsets"])           # terminating: left out entirely
    assert _conditions(c, "nginx")[victim["metadata"]["name"]] == (False, False, True)
    c.start(f"kubelet/{node}")
    c.run()


def test_slices_are_packed_at_max_endpoints_per_slice():
    c = Cluster(seed=1)
    ctrl: EndpointSliceController = c.started["endpointslice-controller"]
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "big", "namespace": "default", "uid": "u1"},
           "spec": {"selector": {"app": "big"}, "ports": [{"port": 80}]}}
    ports = [{"name": "", "port": 80, "protocol": "TCP"}]
    wanted = [{"addresses": [f"10.244.{i // 200 + 1}.{i % 200 + 2}"],
               "conditions": {"ready": True, "serving": True, "terminating": False},
               "targetRef": {"kind": "Pod", "namespace": "default", "name": f"p{i}", "uid": f"u{i}"}}
              for i in range(250)]
    create, update, delete = ctrl.reconcile_port_mapping([], wanted, ports, svc, ctrl.slice_labels(svc))
    assert [len(s["endpoints"]) for s in create] == [MAX_ENDPOINTS_PER_SLICE, MAX_ENDPOINTS_PER_SLICE, 50]
    assert not update and not delete
    existing = {**create[2], "metadata": {**create[2]["metadata"], "name": "big-aaaaa"}}
    new = [{**wanted[0], "addresses": [f"10.250.0.{i}"], "targetRef": {"name": f"q{i}"}} for i in range(60)]
    # an unchanged slice is reused only if all the new endpoints fit in it
    create, update, delete = ctrl.reconcile_port_mapping([existing], wanted[200:] + new[:40], ports, svc,
                                                         ctrl.slice_labels(svc))
    assert [len(n["endpoints"]) for _, n in update] == [90] and not create
    create, update, delete = ctrl.reconcile_port_mapping([existing], wanted[200:] + new, ports, svc,
                                                         ctrl.slice_labels(svc))
    assert not update and [len(s["endpoints"]) for s in create] == [60]
    # a slice being updated anyway (one endpoint changed) is filled up to 100 first
    changed = wanted[200:]
    changed[0] = {**changed[0], "conditions": {"ready": False, "serving": True, "terminating": True}}
    create, update, delete = ctrl.reconcile_port_mapping([existing], changed + new, ports, svc,
                                                         ctrl.slice_labels(svc))
    assert [len(n["endpoints"]) for _, n in update] == [100] and [len(s["endpoints"]) for s in create] == [10]


def test_deleting_the_service_deletes_its_slices_and_endpoints():
    c = _deployment_behind_service()
    [eps] = _slices(c, "nginx")
    start = len(c.trace)
    c.kubectl("delete service nginx")
    c.run()
    assert _slices(c, "nginx") == [] and c.get("endpoints", "nginx") is None
    gc = [r.text() for r in c.trace[start:] if r.actor == "garbage-collector" and "EndpointSlice" in r.text()]
    assert any(f"EndpointSlice default/{eps['metadata']['name']} has no live owner" in t for t in gc), gc
    assert any(r.text() == "deleted Endpoints default/nginx: its Service is gone" for r in c.trace[start:])


def test_the_real_kubectl_sees_the_slices_and_the_endpoints(tmp_path) -> None:
    import time

    from conftest import real_kubectl, serve_cli

    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path)
        assert run("create", "deployment", "nginx", "--image=nginx:1.27", "--replicas=2").returncode == 0
        assert run("expose", "deployment", "nginx", "--port", "80").stdout == "service/nginx exposed\n"
        deadline = time.monotonic() + 60
        while True:
            out = run("get", "endpointslices", "-l", "kubernetes.io/service-name=nginx", "--no-headers")
            row = out.stdout.split()
            if len(row) >= 4 and row[3].count(",") == 1:
                break
            assert time.monotonic() < deadline, out.stdout + out.stderr
            time.sleep(0.2)
        assert re.fullmatch(r"nginx-[a-z0-9]{5}", row[0]) and row[1:3] == ["IPv4", "80"]
        ips = run("get", "pods", "-l", "app=nginx", "-o", "jsonpath={.items[*].status.podIP}").stdout.split()
        assert sorted(row[3].split(",")) == sorted(ips)
        ep = run("get", "endpoints", "nginx", "--no-headers")
        assert ep.stderr == "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
        assert sorted(ep.stdout.split()[1].split(",")) == sorted(f"{ip}:80" for ip in ips)
        who = "--as=system:serviceaccount:kube-system:"
        assert run("auth", "can-i", "create", "endpointslices.discovery.k8s.io",
                   who + "endpointslice-controller").stdout == "yes\n"
        assert run("auth", "can-i", "list", "endpointslices.discovery.k8s.io", who + "kube-proxy").stdout == "yes\n"
        assert run("auth", "can-i", "create", "endpointslices.discovery.k8s.io", who + "kube-proxy").stdout == "no\n"
