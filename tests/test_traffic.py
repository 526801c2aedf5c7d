"""kubeteach.traffic (`c.traffic`): requests at exact virtual times from each node in turn, through the node's
kube-proxy rules to the kubelet that owns the endpoint; the errors a client sees; one summary record per second;
determinism under the seed; journaling (snapshot replay, the Stepper's copies); no change to the cluster's draws.

The requests go through the real kube-proxy rules and kubelets; `Proxy`, a stand-in that keeps to kube-proxy's
`route` contract, forces verdicts where a test checks this module's own mapping of them (and draws the pictures'
scene without kube-proxy's sync delays).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import deployment

from kubeteach import Cluster
from kubeteach.apiserver import APIError
from kubeteach.snapshot import store_contents
from kubeteach.traffic import USER_AGENT, Request, bridge_address, node_of

CLUSTER_IP = "10.96.100.100"


class Route(NamedTuple):
    """kube-proxy's answer, as contract B has it."""

    verdict: str
    endpoint: str | None
    service: str
    chain: str
    sep: str


class Proxy:
    """A kube-proxy stand-in: endpoints are the Running, Ready pods the Service selects (read live from the
    store), picked with iptables' probabilities (1/n, 1/(n-1), ... down the chain) from `rnd` alone; `verdict`
    forces an answer (a test of the client's error mapping)."""

    def __init__(self, cluster: Cluster, verdict: str | None = None):
        self.cluster, self.verdict = cluster, verdict

    def route(self, cluster_ip: str, port: int, protocol: str, rnd: random.Random) -> Route:
        if self.verdict:
            return Route(self.verdict, None, "", "", "")
        svc = next((s for s in self.cluster.list("services", None)
                    if s["spec"].get("clusterIP") == cluster_ip), None)
        if svc is None:
            return Route("NONE", None, "", "", "")
        selector = ",".join(f"{k}={v}" for k, v in sorted(svc["spec"].get("selector", {}).items()))
        target = next(p for p in svc["spec"]["ports"] if p["port"] == port).get("targetPort", port)
        ready = sorted(p["status"]["podIP"] for p in self.cluster.list("pods", svc["metadata"]["namespace"], selector)
                       if p["status"].get("podIP") and not p["metadata"].get("deletionTimestamp")
                       and any(c["type"] == "Ready" and c["status"] == "True"
                               for c in p["status"].get("conditions", [])))
        if not ready:
            return Route("REJECT", None, svc["metadata"]["name"], "KUBE-SERVICES", "")
        for i, ip in enumerate(ready):
            if i == len(ready) - 1 or rnd.random() < 1 / (len(ready) - i):
                return Route("DNAT", f"{ip}:{target}", svc["metadata"]["name"], "KUBE-SVC-X", f"KUBE-SEP-{i}")
        raise AssertionError("unreachable")


def service(name: str = "nginx", ip: str = CLUSTER_IP, port: int = 80) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
            "spec": {"clusterIP": ip, "selector": {"app": name},
                     "ports": [{"name": "http", "port": port, "targetPort": 80, "protocol": "TCP"}]}}


def serving(seed: int = 0, replicas: int = 3) -> Cluster:
    """nginx with `replicas` pods, Running and Ready, behind a Service with a ClusterIP."""
    c = Cluster(seed=seed)
    admin = c.client()
    admin.create("deployments", deployment(replicas=replicas), "default")
    admin.create("services", service(), "default")
    c.run()
    return c


def summaries(c: Cluster) -> list:
    return [r for r in c.trace if r.action == "traffic-summary"]


# --- timing, sources, results -------------------------------------------------------------------------------------

def test_requests_go_out_at_exact_times_from_each_node_in_turn():
    c = serving()
    t0 = c.now
    c.traffic.start("nginx", per_second=20)
    c.run(seconds=3)
    got = c.traffic.results("nginx")
    assert len(got) == 60                                  # 0.05, 0.10, ... 3.0 after the start
    assert [r.time for r in got] == pytest.approx([t0 + i / 20 for i in range(1, 61)])
    assert [r.node for r in got[:6]] == ["node-1", "node-2", "node-3"] * 2
    assert {r.node: r.source for r in got} == {"node-1": "10.244.1.1", "node-2": "10.244.2.1",
                                                "node-3": "10.244.3.1"}
    assert all(r.ok and r.status == 200 and not r.error for r in got), [r for r in got if not r.ok][:3]
    pods = {p["metadata"]["name"]: p for p in c.list("pods")}
    assert {r.pod.split("/")[1] for r in got} == set(pods)          # all three pods answer
    ips = {p["status"]["podIP"] for p in pods.values()}
    assert {r.endpoint for r in got} == {f"{ip}:80" for ip in ips}


def test_traffic_does_not_keep_the_cluster_busy_and_stops_with_the_clock():
    c = serving()
    c.traffic.start("nginx", per_second=10)
    result = c.run()                                       # settles at once: requests are not work
    assert result.settled and result.steps == 0
    c.run(seconds=1)
    assert len(c.traffic.results("nginx")) == 10
    c.traffic.stop("nginx")
    c.run(seconds=5)
    assert len(c.traffic.results("nginx")) == 10           # results stay; nothing more is sent
    assert [r.action for r in c.trace.by("traffic")][-1] == "traffic-stop"


def test_results_api_and_the_errors_of_start_and_stop():
    c = serving()
    with pytest.raises(APIError, match='services "missing" not found'):
        c.traffic.start("missing")
    with pytest.raises(KeyError, match="no traffic to service default/nginx was started"):
        c.traffic.results("nginx")
    with pytest.raises(ValueError, match="per_second must be an integer from 1 to 1000"):
        c.traffic.start("nginx", per_second=0)
    with pytest.raises(ValueError, match="has no port 8080"):
        c.traffic.start("nginx", port=8080)
    c.traffic.start("nginx", per_second=5, port="http")
    with pytest.raises(ValueError, match="already running"):
        c.traffic.start("nginx")
    c.run(seconds=2)
    first = c.traffic.results("nginx")
    assert len(first) == 10 and all(isinstance(r, Request) for r in first)
    c.traffic.stop("nginx")
    with pytest.raises(ValueError, match="not running"):
        c.traffic.stop("nginx")
    c.traffic.start("nginx", per_second=5)                  # a new run: fresh results, the same draws again
    c.run(seconds=2)
    again = c.traffic.results("nginx")
    assert len(again) == 10 and again[0].time == pytest.approx(first[-1].time + 0.2)
    assert [r.pod for r in again] == [r.pod for r in first]


# --- summaries --------------------------------------------------------------------------------------------------

def test_one_summary_record_per_virtual_second_with_counts_and_a_sentence():
    c = serving()
    c.run(seconds=1.5 - c.now % 1)                         # start mid-second: the first second is partial
    start = c.now
    c.traffic.start("nginx", per_second=10)
    c.run(seconds=3)
    recs = summaries(c)
    first = int(start)
    assert [r.detail["second"] for r in recs] == [first, first + 1, first + 2]
    assert [r.detail["sent"] for r in recs] == [5, 10, 10]    # the rest of the third second is still to come
    assert all(r.detail["ok"] == r.detail["sent"] and r.detail["failed"] == 0 for r in recs)
    assert sum(sum(r.detail["pods"].values()) for r in recs) == 25
    assert recs[1].text().startswith(f"traffic to default/nginx from t={first + 1}s to {first + 2}s: 10 requests, "
                                     "10 ok; answered by nginx-")
    c.traffic.stop("nginx")                                # stop summarises the second it cut short
    assert [r.detail["sent"] for r in summaries(c)] == [5, 10, 10, 5]
    assert c.trace.by("traffic")[-1].text() == "the client stops sending to service default/nginx: 30 requests, " \
                                               "30 ok, 0 failed"
    start_rec = c.trace.actions("traffic-start")[0]
    assert start_rec.text() == ("a client starts sending 10 requests per second (GET /) to service default/nginx "
                                f"at {CLUSTER_IP}:80/TCP, from each node in turn through that node's kube-proxy rules")


# --- what a client sees -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("verdict", "error"), [("REJECT", "connection refused"), ("DROP", "i/o timeout"),
                                                ("NONE", "i/o timeout")])
def test_kube_proxy_verdicts_become_client_errors(verdict, error):
    c = serving()
    for node in ("node-1", "node-2", "node-3"):
        c.started[f"kube-proxy/{node}"] = Proxy(c, verdict)
    c.traffic.start("nginx", per_second=4)
    c.run(seconds=1)
    got = c.traffic.results("nginx")
    assert [(r.ok, r.error, r.verdict, r.pod, r.status) for r in got] == [(False, error, verdict, "", None)] * 4
    c.traffic.stop("nginx")                                # summarises the second it cuts short
    recs = summaries(c)                                    # 2.66, 2.91 | 3.16, 3.41 (the cluster settled at 2.41)
    assert [r.detail["errors"] for r in recs] == [{error: 2}, {error: 2}]
    assert recs[0].text().endswith(f"2 requests, 0 ok, 2 failed (2 {error})")


def test_a_dark_node_or_a_missing_kube_proxy_times_out():
    c = serving(replicas=1)
    (pod,) = c.list("pods")
    node = pod["spec"]["nodeName"]
    c.faults.fail_node(node)
    del c.started["kube-proxy/node-1"]
    c.traffic.start("nginx", per_second=3)
    c.run(seconds=1)
    got = c.traffic.results("nginx")
    assert [r.node for r in got] == ["node-1", "node-2", "node-3"]
    assert got[0].verdict == "NONE" and got[0].error == "i/o timeout"        # node-1: no rules at all
    assert [(r.error, r.endpoint, r.pod) for r in got[1:]] == [("i/o timeout", f"{pod['status']['podIP']}:80", "")] * 2


def test_a_pod_that_stopped_listening_refuses_and_a_gone_ip_times_out():
    c = serving(replicas=1)
    for node in ("node-1", "node-2", "node-3"):        # rules that still send to an address no pod has any more
        c.started[f"kube-proxy/{node}"] = Stale("10.244.2.99:80")
    c.traffic.start("nginx", per_second=3)
    c.run(seconds=1)
    assert {(r.error, r.endpoint) for r in c.traffic.results("nginx")} == {("i/o timeout", "10.244.2.99:80")}


class Stale:
    """Rules from a sync long ago: always DNAT to one endpoint."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def route(self, cluster_ip: str, port: int, protocol: str, rnd: random.Random) -> Route:
        return Route("DNAT", self.endpoint, "nginx", "KUBE-SVC-X", "KUBE-SEP-X")


def test_helpers_find_the_bridge_address_and_the_node_of_an_ip():
    c = Cluster(components=[])
    nodes = c.list("nodes")
    assert [bridge_address(n) for n in nodes] == ["10.244.1.1", "10.244.2.1", "10.244.3.1"]
    assert node_of(nodes, "10.244.3.7") == "node-3" and node_of(nodes, "10.96.0.1") == ""
    assert node_of(nodes, "not-an-ip") == ""
    assert bridge_address({"metadata": {"name": "x"}, "status": {"addresses": [
        {"type": "InternalIP", "address": "172.18.0.9"}]}}) == "172.18.0.9"


# --- determinism and journaling ----------------------------------------------------------------------------------

def rollout_under_traffic(c: Cluster) -> list[Request]:
    c.traffic.start("nginx", per_second=20)
    c.run(seconds=2)
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run(seconds=40)
    c.traffic.stop("nginx")
    return c.traffic.results("nginx")


def test_the_same_seed_gives_the_same_requests_and_routing_draws_only_from_its_own_stream():
    a, b = serving(seed=7), serving(seed=7)
    ra, rb = rollout_under_traffic(a), rollout_under_traffic(b)
    assert ra == rb and len(ra) == 840
    assert len({r.pod for r in ra}) >= 4                   # old pods, then new ones, answered
    other = serving(seed=8)
    assert [r.endpoint for r in rollout_under_traffic(other)][:40] != [r.endpoint for r in ra][:40]


def test_a_rollout_under_traffic_through_the_real_rules_and_the_access_log():
    c = serving(seed=7)
    got = rollout_under_traffic(c)
    assert all(r.verdict == "DNAT" for r in got)
    failed = [r for r in got if not r.ok]
    assert failed and {r.error for r in failed} <= {"connection refused", "i/o timeout"}   # the endpoint race
    old = {r.pod for r in got[:40]}
    assert all(r.pod in old for r in failed if r.pod) and {r.pod for r in got[-40:]}.isdisjoint(old)
    served = {}
    for r in got:
        if r.ok:
            served.setdefault(r.pod, []).append(r)
    pod = min(set(served) & {f"default/{p['metadata']['name']}" for p in c.list("pods")})
    reqs = served[pod]                                     # a new pod, still there: its log has every request
    lines = [ln for ln in c.kubectl(f"logs {pod.split('/')[1]}").stdout.splitlines() if USER_AGENT in ln]
    assert len(lines) == len(reqs)
    assert lines[0].startswith(f"{reqs[0].source} - - [01/Jan/2026:00:00:") and '"GET / HTTP/1.1" 200' in lines[0]


def test_traffic_changes_no_pod_name_and_nothing_in_the_store():
    quiet, busy = serving(seed=3), serving(seed=3)
    busy_results = rollout_under_traffic(busy)
    quiet.run(seconds=2)
    quiet.kubectl("set image deployment/nginx nginx=nginx:1.26")
    quiet.run(seconds=40)
    assert busy_results
    assert sorted(p["metadata"]["name"] for p in busy.list("pods")) == \
        sorted(p["metadata"]["name"] for p in quiet.list("pods"))
    assert store_contents(busy) == store_contents(quiet)
    assert busy.rnd.rng.getstate() == quiet.rnd.rng.getstate()
    rest = [r for r in busy.trace if r.actor != "traffic"]
    assert [(r.time, r.actor, r.action, r.object) for r in rest] == \
        [(r.time, r.actor, r.action, r.object) for r in quiet.trace]


def test_a_snapshot_replays_the_traffic_and_its_results(tmp_path: Path):
    a = serving(seed=5)
    a.traffic.start("nginx", per_second=10)
    a.run(seconds=3)
    a.save(tmp_path / "a.json")
    assert [e["method"] for e in a.journal.entries if e["call"] == "traffic"] == ["start"]
    b = Cluster.load(tmp_path / "a.json")
    assert b.traffic.results("nginx") == a.traffic.results("nginx")
    assert [str(r) for r in summaries(b)] == [str(r) for r in summaries(a)]
    for c in (a, b):                                       # and both go on alike
        c.run(seconds=2)
        c.traffic.stop("nginx")
    assert b.traffic.results("nginx") == a.traffic.results("nginx") and len(a.traffic.results("nginx")) == 50


def test_a_copy_of_the_cluster_continues_its_traffic_alike_and_independently():
    from kubeteach.widgets.undo import copy_cluster

    a = serving(seed=2)
    a.traffic.start("nginx", per_second=10)
    a.run(seconds=1)
    b = copy_cluster(a)
    a.run(seconds=2)
    assert len(b.traffic.results("nginx")) == 10           # the copy did not move with the original
    b.run(seconds=2)
    assert b.traffic.results("nginx") == a.traffic.results("nginx")
    b.traffic.stop("nginx")
    a.run(seconds=1)
    assert len(a.traffic.results("nginx")) == 40 and len(b.traffic.results("nginx")) == 30
    assert copy.deepcopy(a.traffic.results("nginx")) == a.traffic.results("nginx")


# --- pictures ---------------------------------------------------------------------------------------------------

def hand_made_slices() -> list[str]:
    """The components of a cluster whose EndpointSlices a test writes itself (no endpoint controllers)."""
    from kubeteach.assembly import COMPONENTS

    return [n for n in COMPONENTS if not n.startswith("endpoint")]


def write_slice(c: Cluster, conditions: dict[str, dict]) -> dict:
    """Create or update the Service's one EndpointSlice with an endpoint per pod (by name) and its conditions."""
    admin = c.client()
    svc = c.get("services", "nginx")
    pods = {p["metadata"]["name"]: p for p in c.list("pods")}
    body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "nginx-abcde", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "nginx",
                                    "endpointslice.kubernetes.io/managed-by": "test"},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "nginx",
                                              "uid": svc["metadata"]["uid"], "controller": True,
                                              "blockOwnerDeletion": True}]},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": [{"addresses": [pods[name]["status"]["podIP"]], "conditions": cond,
                           "nodeName": pods[name]["spec"]["nodeName"],
                           "targetRef": {"kind": "Pod", "namespace": "default", "name": name,
                                         "uid": pods[name]["metadata"]["uid"]}}
                          for name, cond in sorted(conditions.items())]}
    old = c.get("endpointslices", "nginx-abcde")
    if old is None:
        return admin.create("endpointslices", body, "default")
    body["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
    return admin.update("endpointslices", body)


READY = {"ready": True, "serving": True, "terminating": False}
LEAVING = {"ready": False, "serving": True, "terminating": True}


def scene(seed: int = 0) -> Cluster:
    """Two pods behind the Service, traffic at 10/s; one second of REJECT; an endpoint turning terminating."""
    c = Cluster(seed=seed, components=hand_made_slices())
    admin = c.client()
    admin.create("deployments", deployment(replicas=2), "default")
    admin.create("services", service(), "default")
    c.run()
    a, b = sorted(p["metadata"]["name"] for p in c.list("pods"))
    write_slice(c, {a: READY, b: READY})
    c.run()
    c.traffic.start("nginx", per_second=10)
    c.run(seconds=2)
    for node in ("node-1", "node-2", "node-3"):
        c.started[f"kube-proxy/{node}"] = Proxy(c, "REJECT")
    c.run(seconds=1)
    for node in ("node-1", "node-2", "node-3"):
        c.started[f"kube-proxy/{node}"] = Proxy(c)
    write_slice(c, {a: READY, b: LEAVING})
    c.run(seconds=2)
    c.traffic.stop("nginx")
    return c


def test_traffic_series_and_timeline_figure():
    from kubeteach import viz

    c = scene()
    s = viz.traffic_series(c, "nginx")
    assert s["seconds"] == [2, 3, 4, 5, 6, 7]              # from t=2.41 (settled) to 7.41 (stopped)
    assert s["ok"] == [5, 10, 5, 5, 10, 5] and s["failed"] == [0, 0, 5, 5, 0, 0]
    assert s["errors"] == {"connection refused": [0, 0, 5, 5, 0, 0]}
    assert (s["ready"][-2:], s["terminating"][-2:], s["time"][-2:]) == ([2, 1], [0, 1], [2.41, 5.41])
    (rs,) = s["replicasets"]
    assert rs.startswith("nginx-") and s["replicasets"][rs][-1] == 2
    assert len(s["time"]) == len(s["ready"]) == len(s["replicasets"][rs]) and s["time"] == sorted(s["time"])
    fig = viz.traffic_timeline(c, "nginx")
    top, bottom = fig.axes
    assert [p.get_label() for p in top.containers] == ["ok", "failed: connection refused"]
    assert [line.get_label() for line in bottom.get_lines()] == [f"pods of {rs}", "ready endpoints",
                                                                 "terminating endpoints"]
    assert fig.summary() == ("traffic to default/nginx, t=2s to 8s: 50 requests, 40 ok, 10 failed (10 connection "
                             f"refused); ready endpoints 2 → 1 (min 1); pods {rs} 2 → 2")
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.traffic_timeline(scene(), "nginx")._repr_png_() == png      # the same bytes every run
    with pytest.raises(KeyError, match='services "missing" not found'):
        viz.traffic_series(c, "missing")


def test_ownership_graph_draws_service_slices_and_endpoint_edges():
    from kubeteach import viz

    c = scene()
    g = viz.ownership_graph(c)
    src = g.source
    a, b = sorted(p["metadata"]["name"] for p in c.list("pods"))
    assert '"Service/default/nginx" -> "EndpointSlice/default/nginx-abcde"' in src
    assert (f'"EndpointSlice/default/nginx-abcde" -> "Pod/default/{a}" [label="ready, serving" arrowhead=open '
            'color="#1f9e96" style=dashed]') in src
    assert f'"EndpointSlice/default/nginx-abcde" -> "Pod/default/{b}" [label="serving, terminating"' in src
    assert f"Service nginx\\nClusterIP {CLUSTER_IP}\\n80→80/TCP\\napp=nginx" in src
    assert "EndpointSlice nginx-abcde\\n2 endpoints: 1 ready, 2 serving, 1 terminating\\nports 80/TCP" in src
    assert g.summary().startswith("1 deployment, 1 replicaset, 1 service, 1 endpointslice, 2 pods")
    assert "Service/default/kubernetes" not in src                      # every cluster's own, left out ...
    shown = viz.ownership_graph(c, kubernetes_service=True)               # ... unless asked for
    assert '"Service/default/kubernetes"' in shown.source and "2 services" in shown.summary()
    plain = viz.ownership_graph(Cluster(components=[]))
    assert "Service" not in plain.source and "service" not in plain.summary()


def test_a_snapshot_may_replay_only_the_journaled_methods_of_traffic(tmp_path: Path):
    import json

    from kubeteach.snapshot_files import SnapshotError

    c = Cluster(components=[])
    with pytest.raises(APIError):
        c.traffic.start("nginx")                           # journaled with its error, and raises again on replay
    c.save(tmp_path / "ok.json")
    assert len(Cluster.load(tmp_path / "ok.json").journal.entries) == 1
    data = json.loads((tmp_path / "ok.json").read_text())
    data["journal"][0]["method"] = "_stream"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SnapshotError, match="'_stream' is not a journaled method of traffic"):
        Cluster.load(tmp_path / "bad.json")
    data["journal"][0].update(method="start", margs=["nginx", 10**7])
    del data["journal"][0]["error"]                       # a call that did not raise must bind within bounds
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SnapshotError, match="per_second=10000000 is not from 0 to 1000000"):
        Cluster.load(tmp_path / "bad.json")


def test_ownership_graph_of_the_endpointslice_controllers_slice():
    from kubeteach import viz

    c = serving()
    (eps,) = c.list("endpointslices", label_selector="kubernetes.io/service-name=nginx")
    src = viz.ownership_graph(c).source
    name = eps["metadata"]["name"]
    assert f'"Service/default/nginx" -> "EndpointSlice/default/{name}"' in src
    pods = sorted(p["metadata"]["name"] for p in c.list("pods"))
    for pod in pods:
        assert f'"EndpointSlice/default/{name}" -> "Pod/default/{pod}" [label="ready, serving"' in src
    assert src.count('color="#1f9e96"') == 3


def test_the_stepper_back_and_reset_restore_the_traffic():
    from kubeteach.widgets import Stepper

    def busy() -> Cluster:
        c = serving(seed=4)
        c.traffic.start("nginx", per_second=20)
        c.run(seconds=1)
        c.kubectl("set image deployment/nginx nginx=nginx:1.26")
        return c

    st, twin = Stepper(busy(), graph=False), busy()
    for _ in range(60):
        st.step()
    for _ in range(20):
        st.back()
    for _ in range(40):
        twin.step()
    assert st.cluster.traffic.results("nginx") == twin.traffic.results("nginx")
    assert len(twin.traffic.results("nginx")) > 20         # requests went out between the rollout's steps
    st.reset()
    assert len(st.cluster.traffic.results("nginx")) == 20
