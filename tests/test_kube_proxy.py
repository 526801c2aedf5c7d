"""Issue #17 item 3: kube-proxy in iptables mode (v1.35's Linux default) on every node. Chain names by portProtoHash
and servicePortEndpointChainName, probabilities by computeProbability (`%0.10f`), the rule text of syncProxyRules
for 1, 2 and 3 endpoints, REJECT/DROP without usable endpoints, CategorizeEndpoints' terminating fallback, the
bounded-frequency runner's 1 s minSyncPeriod with coalescing, and route() answering from the last sync only
(pkg/proxy/iptables/proxier.go, pkg/proxy/topology.go, pkg/proxy/runner; traffic.md §3)."""

from __future__ import annotations

import random

import pytest

from kubeteach.cluster import APIError, Cluster
from kubeteach.proxy.iptables import (
    Endpoint,
    ServicePort,
    categorize_endpoints,
    endpoint_chain,
    probability,
    restore_text,
    service_chain,
    service_rules,
)

NGINX = ServicePort("default/nginx", "10.96.45.12", 80, "TCP")


def test_chain_names_match_the_hash_test_vectors():
    assert service_chain("default/kubernetes:https", "tcp") == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    assert service_chain("kube-system/kube-dns:dns", "udp") == "KUBE-SVC-TCOU7JCQXEZGVUNU"
    assert service_chain("kube-system/kube-dns:dns-tcp", "tcp") == "KUBE-SVC-ERIFXISQEP7F7OF4"
    assert service_chain("kube-system/kube-dns:metrics", "tcp") == "KUBE-SVC-JD5MR3NA4I4DYORP"
    assert service_chain("default/nginx", "tcp") == "KUBE-SVC-2CMXP7HKUVJN7L6M"
    assert endpoint_chain("default/nginx", "tcp", "10.244.1.5:80") == "KUBE-SEP-IZW656N5ZXYN5BEC"
    assert service_chain("default/nginx", "tcp", local=True) == "KUBE-SVL-2CMXP7HKUVJN7L6M"


def test_probabilities_are_one_over_the_endpoints_left():
    assert [probability(n) for n in (4, 3, 2)] == ["0.2500000000", "0.3333333333", "0.5000000000"]
    rules = service_rules(NGINX, [Endpoint(f"10.244.1.{i}", 80) for i in (2, 3, 4, 10)], "node-1")
    # sorted by the "ip:port" string, so .10 comes before .2; the last rule has no statistic match
    assert [(ep, p) for _, ep, p in rules.endpoints] == [
        ("10.244.1.10:80", "0.2500000000"), ("10.244.1.2:80", "0.3333333333"), ("10.244.1.3:80", "0.5000000000"),
        ("10.244.1.4:80", None)]


def _nat_rules(n: int) -> list[str]:
    eps = [Endpoint(ip, 80) for ip in ("10.244.1.5", "10.244.2.6", "10.244.3.7")[:n]]
    text = restore_text([service_rules(NGINX, eps, "node-1")], "10.244.0.0/16")
    return [line for line in text.splitlines() if "default/nginx" in line]


def test_rules_for_one_endpoint():
    assert _nat_rules(1) == [
        '-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx cluster IP" -m tcp -p tcp '
        '-d 10.96.45.12 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
        '-A KUBE-SERVICES -m comment --comment "default/nginx cluster IP" -m tcp -p tcp -d 10.96.45.12 --dport 80 '
        '-j KUBE-SVC-2CMXP7HKUVJN7L6M',
        '-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.5:80" '
        '-j KUBE-SEP-IZW656N5ZXYN5BEC',
        '-A KUBE-SEP-IZW656N5ZXYN5BEC -m comment --comment default/nginx -s 10.244.1.5 -j KUBE-MARK-MASQ',
        '-A KUBE-SEP-IZW656N5ZXYN5BEC -m comment --comment default/nginx -m tcp -p tcp -j DNAT '
        '--to-destination 10.244.1.5:80',
    ]


def test_rules_for_two_and_three_endpoints():
    sep = {ip: endpoint_chain("default/nginx", "tcp", f"{ip}:80") for ip in ("10.244.1.5", "10.244.2.6", "10.244.3.7")}
    svc = "-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment"
    two = _nat_rules(2)
    assert two[2:4] == [
        f'{svc} "default/nginx -> 10.244.1.5:80" -m statistic --mode random --probability 0.5000000000 '
        f'-j {sep["10.244.1.5"]}',
        f'{svc} "default/nginx -> 10.244.2.6:80" -j {sep["10.244.2.6"]}']
    three = _nat_rules(3)
    assert three[2:5] == [
        f'{svc} "default/nginx -> 10.244.1.5:80" -m statistic --mode random --probability 0.3333333333 '
        f'-j {sep["10.244.1.5"]}',
        f'{svc} "default/nginx -> 10.244.2.6:80" -m statistic --mode random --probability 0.5000000000 '
        f'-j {sep["10.244.2.6"]}',
        f'{svc} "default/nginx -> 10.244.3.7:80" -j {sep["10.244.3.7"]}']
    assert three[5:] == [line for ip in ("10.244.1.5", "10.244.2.6", "10.244.3.7") for line in (
        f"-A {sep[ip]} -m comment --comment default/nginx -s {ip} -j KUBE-MARK-MASQ",
        f"-A {sep[ip]} -m comment --comment default/nginx -m tcp -p tcp -j DNAT --to-destination {ip}:80")]
    assert len(three) == 2 + 3 + 6


def test_no_endpoints_rejects_in_the_filter_table_and_local_policy_drops():
    text = restore_text([service_rules(NGINX, [], "node-1")], "10.244.0.0/16")
    assert '-A KUBE-SERVICES -m comment --comment "default/nginx has no endpoints" -m tcp -p tcp -d 10.96.45.12 ' \
           '--dport 80 -j REJECT' in text.split("*nat")[0]
    assert "KUBE-SVC-" not in text                       # no nat chains for it
    local = ServicePort("default/nginx", "10.96.45.12", 80, "TCP", local=True)
    elsewhere = service_rules(local, [Endpoint("10.244.2.6", 80, node="node-2")], "node-1")
    assert elsewhere.verdict == "DROP"
    assert '--comment "default/nginx has no local endpoints"' in restore_text([elsewhere], "")
    here = service_rules(local, [Endpoint("10.244.2.6", 80, node="node-2")], "node-2")
    assert (here.verdict, here.chain[:9]) == ("DNAT", "KUBE-SVL-")


def test_terminating_fallback_only_when_nothing_is_ready():
    ready = Endpoint("10.244.1.5", 80)
    draining = Endpoint("10.244.2.6", 80, ready=False, serving=True, terminating=True)
    stopped = Endpoint("10.244.3.7", 80, ready=False, serving=False, terminating=True)
    starting = Endpoint("10.244.3.8", 80, ready=False, serving=False, terminating=False)
    assert categorize_endpoints([ready, draining, stopped, starting], NGINX, "node-1") == ([ready], True)
    assert categorize_endpoints([draining, stopped, starting], NGINX, "node-1") == ([draining], True)
    assert categorize_endpoints([stopped, starting], NGINX, "node-1") == ([], False)
    assert service_rules(NGINX, [stopped, starting], "node-1").verdict == "REJECT"


def _service(c: Cluster, name: str, selector: dict | None = None) -> dict:
    spec = {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}
    if selector is not None:
        spec["selector"] = selector
    return c.client().create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                                          "spec": spec}, "default")


def _slice(name: str, service: str, ips: list[str]) -> dict:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]}


def test_min_sync_period_coalesces_changes_and_route_answers_from_the_last_sync():
    c = Cluster(seed=3)
    c.run(seconds=5)
    proxy = c.started["kube-proxy/node-1"]
    svc = _service(c, "web")                     # selectorless: its slices are ours to write
    ip = svc["spec"]["clusterIP"]
    t0 = c.now
    c.run(seconds=0.3)
    assert proxy.route(ip, 80, "TCP", random.Random(1)).verdict == "REJECT"     # synced at once: no endpoints
    cl = c.client()
    cl.create("endpointslices", _slice("web-abc", "web", ["10.244.1.9"]), "default")
    c.run(seconds=0.3)
    s = c.get("endpointslices", "web-abc")
    s["endpoints"].append({"addresses": ["10.244.2.9"], "conditions": {"ready": True}})
    cl.update("endpointslices", s)
    c.run(seconds=0.2)
    # both changes wait for minSyncPeriod after the last sync: the node still routes by the old rules
    assert proxy.route(ip, 80, "TCP", random.Random(1)).verdict == "REJECT"
    c.run(seconds=1)
    syncs = [r for r in c.trace.by("kube-proxy/node-1") if r.action == "iptables-synced" and r.time >= t0]
    assert [round(r.time - t0, 3) for r in syncs] == [0.0, 1.0]
    assert syncs[0].text() == "synced iptables: default/web has no endpoints: REJECT"
    assert syncs[1].text() == (f"synced iptables: default/web {ip}:80 -> 2 endpoints "
                               f"({service_chain('default/web', 'tcp')}: 0.5000000000, last)")
    picks = {proxy.route(ip, 80, "TCP", rnd).endpoint for rnd in [random.Random(i) for i in range(20)]}
    assert picks == {"10.244.1.9:8080", "10.244.2.9:8080"}
    route = proxy.route(ip, 80, "TCP", random.Random(7))
    assert (route.verdict, route.service, route.chain) == ("DNAT", "default/web", service_chain("default/web", "tcp"))
    assert route.sep == endpoint_chain("default/web", "tcp", route.endpoint)
    assert proxy.route(ip, 81, "TCP", random.Random(1)).verdict == "NONE"


def test_a_stopped_kube_proxy_keeps_routing_to_the_removed_endpoint():
    c = Cluster(seed=3)
    svc = _service(c, "web")
    c.client().create("endpointslices", _slice("web-abc", "web", ["10.244.1.9"]), "default")
    c.run(seconds=2)
    c.stop("kube-proxy/node-2")
    c.client().delete("endpointslices", "default", "web-abc")
    c.run(seconds=2)
    ip = svc["spec"]["clusterIP"]
    assert c.started["kube-proxy/node-1"].route(ip, 80, "TCP", random.Random(1)).verdict == "REJECT"
    stale = c.started["kube-proxy/node-2"].route(ip, 80, "TCP", random.Random(1))
    assert (stale.verdict, stale.endpoint) == ("DNAT", "10.244.1.9:8080")
    c.start("kube-proxy/node-2")
    c.run(seconds=1)
    assert c.started["kube-proxy/node-2"].route(ip, 80, "TCP", random.Random(1)).verdict == "REJECT"


def test_rules_of_a_deployment_behind_a_service_and_the_inspect_view():
    c = Cluster(seed=2)
    c.kubectl("create deployment nginx --image=nginx:1.27 --replicas=3")
    c.run()
    c.kubectl("expose deployment nginx --port 80")
    c.run()
    ip = c.get("services", "nginx")["spec"]["clusterIP"]
    pod_ips = sorted(f"{p['status']['podIP']}:80" for p in c.list("pods", label_selector="app=nginx"))
    rules = c.inspect("kube-proxy/node-3").rules
    assert rules.startswith("*filter\n") and rules.endswith("COMMIT\n")
    assert f'-A KUBE-SERVICES -m comment --comment "default/nginx cluster IP" -m tcp -p tcp -d {ip} --dport 80 ' \
           "-j KUBE-SVC-2CMXP7HKUVJN7L6M" in rules
    balancing = [line for line in rules.splitlines() if line.startswith("-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment "
                                                                         '--comment "default/nginx ->')]
    assert [line.split(" -> ")[1].split('"')[0] for line in balancing] == pod_ips
    assert "--probability 0.3333333333" in balancing[0] and "--probability 0.5000000000" in balancing[1]
    assert "statistic" not in balancing[2]
    assert '"default/kubernetes:https cluster IP"' in rules
    with pytest.raises(AttributeError, match="kube-scheduler is not a kube-proxy"):
        c.inspect("kube-scheduler").rules       # noqa: B018
    records = [r.text() for r in c.trace.by("kube-proxy/node-1") if r.action == "iptables-synced"]
    assert any(t.startswith(f"synced iptables: default/nginx {ip}:80 -> 3 endpoints (KUBE-SVC-2CMXP7HKUVJN7L6M: "
                            "0.3333333333, 0.5000000000, last)") for t in records)


def test_kube_proxy_identity_is_kubeadms_service_account():
    c = Cluster(seed=1)
    binding = c.get("clusterrolebindings", "kubeadm:node-proxier")
    assert binding["roleRef"]["name"] == "system:node-proxier"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kube-proxy", "namespace": "kube-system"}]
    assert c.get("serviceaccounts", "kube-proxy", "kube-system") is not None
    role = c.get("clusterroles", "system:node-proxier")
    assert {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]} \
        in role["rules"]
    client = c.started["kube-proxy/node-1"].client
    client.verbose = True
    start = len(c.trace)
    client.list("endpointslices")
    said = [r.text() for r in c.trace[start:] if r.action in ("authenticated", "authorized")]
    assert any("system:serviceaccount:kube-system:kube-proxy" in x for x in said), said
    assert any('ClusterRoleBinding "kubeadm:node-proxier"' in x for x in said), said
    with pytest.raises(APIError, match="forbidden"):
        client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                                   "spec": {"ports": [{"port": 80}]}}, "default")
