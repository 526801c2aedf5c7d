"""PriorityClasses, the Priority admission plugin and DefaultPreemption (reference sheet §3.5; issue #16 item 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import real_kubectl, serve_cli

from kubeteach.apiserver import APIError
from kubeteach.cluster import Cluster

NODES = ("node-1", "node-2", "node-3")


def pclass(name: str, value: int, **extra) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, **extra}


def pod(name: str, cpu: str = "", pc: str = "", node: str = "", **spec) -> dict:
    container = {"name": "app", "image": "nginx:1.25"}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [container], **({"priorityClassName": pc} if pc else {}),
                     **({"nodeName": node} if node else {}), **spec}}


def cluster(*classes: tuple[str, int], seed: int = 1) -> Cluster:
    c = Cluster(nodes=3, seed=seed)
    for name, value in classes:
        c.client("admin").create("priorityclasses", pclass(name, value))
    return c


def refused(c: Cluster, resource: str, obj: dict, ns: str = "default") -> str:
    with pytest.raises(APIError) as err:
        c.client("admin").create(resource, obj, ns)
    return err.value.message


# --- PriorityClass objects ------------------------------------------------------------------------------------------

def test_the_system_classes_exist_at_boot():
    c = Cluster(components=[])
    pcs = {p["metadata"]["name"]: p for p in c.list("priorityclasses", None)}
    assert {n: p["value"] for n, p in pcs.items()} == {"system-cluster-critical": 2000000000,
                                                        "system-node-critical": 2000001000}
    assert pcs["system-node-critical"]["description"] == ("Used for system critical pods that must not be moved "
                                                          "from their current node.")
    assert pcs["system-cluster-critical"]["preemptionPolicy"] == "PreemptLowerPriority"
    assert "globalDefault" not in pcs["system-cluster-critical"]


def test_priorityclass_validation_and_the_one_global_default():
    c = Cluster(components=[])
    assert refused(c, "priorityclasses", pclass("system-mine", 5)) == (
        'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names '
        "with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority "
        "class")
    assert refused(c, "priorityclasses", pclass("huge", 1000000001)).endswith(
        "value: Forbidden: maximum allowed value of a user defined priority is 1000000000")
    assert "Unsupported value: \"Sometimes\"" in refused(c, "priorityclasses",
                                                        pclass("p", 1, preemptionPolicy="Sometimes"))
    admin = c.client("admin")
    admin.create("priorityclasses", pclass("base", 7, globalDefault=True))
    assert refused(c, "priorityclasses", pclass("other", 8, globalDefault=True)) == (
        'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass base is already marked as default. '
        "Only one default can exist")
    stored = admin.get("priorityclasses", "", "base")
    stored["value"] = 9
    with pytest.raises(APIError) as err:
        admin.update("priorityclasses", stored)
    assert "value: Forbidden: may not be changed in an update." in err.value.message


# --- the Priority admission plugin --------------------------------------------------------------------------------

def test_admission_sets_priority_from_the_class_or_the_global_default():
    c = cluster(("high", 1000))
    admin = c.client("admin")
    plain = admin.create("pods", pod("plain"), "default")
    assert (plain["spec"]["priority"], plain["spec"]["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert "priorityClassName" not in plain["spec"]
    high = admin.create("pods", pod("high", pc="high"), "default")
    assert high["spec"]["priority"] == 1000
    admin.create("priorityclasses", pclass("batch", 5, globalDefault=True, preemptionPolicy="Never"))
    later = admin.create("pods", pod("later"), "default")
    assert (later["spec"]["priorityClassName"], later["spec"]["priority"], later["spec"]["preemptionPolicy"]) == \
        ("batch", 5, "Never")


def test_admission_refuses_an_unknown_class_and_a_priority_of_its_own():
    c = cluster(("high", 1000))
    assert refused(c, "pods", pod("x", pc="foo")) == 'pods "x" is forbidden: no PriorityClass with name foo was found'
    assert refused(c, "pods", pod("y", pc="high", priority=5)) == (
        'pods "y" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority '
        "admission controller computed 1000 from the given PriorityClass name")
    assert refused(c, "pods", pod("z", pc="high", preemptionPolicy="Never")) == (
        'pods "z" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; '
        "priority admission controller computed PreemptLowerPriority from the given PriorityClass name")
    assert c.client("admin").create("pods", pod("same", pc="high", priority=1000), "default")["spec"]["priority"] \
        == 1000
    assert c.get("pods", "x") is None and c.get("pods", "y") is None


# --- DefaultPreemption ----------------------------------------------------------------------------------------------

def fill(c: Cluster, layout: dict[str, tuple[str, ...]]) -> None:
    """Two 800m pods on each 1900m node, of the given classes (bound directly), then run until they run."""
    admin = c.client("admin")
    for node, classes in layout.items():
        for i, pc in enumerate(classes):
            admin.create("pods", pod(f"{node}-{pc}-{i}", "800m", pc, node), "default")
    c.run(20)
    assert all(p["status"].get("phase") == "Running" for p in c.list("pods"))


def events(c: Cluster, reason: str) -> list[dict]:
    return [e for e in c.client("admin").list("events.events.k8s.io", "default")["items"] if e["reason"] == reason]


def test_preemption_picks_the_node_with_the_lowest_priority_victims_and_deletes_them_gracefully():
    c = cluster(("low", 100), ("mid", 1000), ("high", 1000000))
    fill(c, {"node-1": ("low", "mid"), "node-2": ("mid", "mid"), "node-3": ("low", "low")})
    c.client("admin").create("pods", pod("vip", "1500m", "high"), "default")
    assert c.wait_until(lambda: (c.get("pods", "vip")["status"].get("nominatedNodeName") or "") != "", 30)
    vip = c.get("pods", "vip")
    assert vip["status"]["nominatedNodeName"] == "node-3" and not vip["spec"].get("nodeName")
    victims = sorted(p["metadata"]["name"] for p in c.list("pods") if p["metadata"].get("deletionTimestamp"))
    assert victims == ["node-3-low-0", "node-3-low-1"]
    for name in victims:                                       # graceful: still there, terminating
        v = c.get("pods", name)
        assert v["metadata"]["deletionGracePeriodSeconds"] == 30
        cond = next(x for x in v["status"]["conditions"] if x["type"] == "DisruptionTarget")
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "True", "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")
    preempted = events(c, "Preempted")
    assert sorted(e["regarding"]["name"] for e in preempted) == victims
    assert {(e["note"], e["action"], e["type"], e["related"]["name"]) for e in preempted} == {
        (f"Preempted by pod {vip['metadata']['uid']} on node node-3", "Preempting", "Normal", "vip")}
    failed = [e["note"] for e in events(c, "FailedScheduling") if e["regarding"]["name"] == "vip"]
    assert failed == ["0/3 nodes are available: 3 Insufficient cpu."]     # preemption made room: no PostFilter part
    c.run(60)
    assert c.get("pods", "vip")["spec"]["nodeName"] == "node-3"
    assert c.get("pods", "vip")["status"]["phase"] == "Running"
    assert sorted(p["metadata"]["name"] for p in c.list("pods")) == [
        "node-1-low-0", "node-1-mid-1", "node-2-mid-0", "node-2-mid-1", "vip"]


def test_victims_are_the_fewest_lowest_priority_pods_the_rest_are_reprieved():
    c = cluster(("low", 100), ("mid", 500), ("top", 1000), ("high", 1000000))
    fill(c, {"node-1": ("low", "top"), "node-2": ("top", "top"), "node-3": ("mid", "top")})
    c.client("admin").create("pods", pod("vip", "1000m", "high"), "default")
    c.run(60)
    assert c.get("pods", "vip")["spec"]["nodeName"] == "node-1"
    gone = {f"{n}-{pc}-{i}" for n, pcs in (("node-1", ("low", "top")), ("node-2", ("top", "top")),
                                            ("node-3", ("mid", "top"))) for i, pc in enumerate(pcs)} - \
        {p["metadata"]["name"] for p in c.list("pods")}
    assert gone == {"node-1-low-0"}                          # node-1's top pod was reprieved


def test_pdb_violations_count_first():
    """node-1's pods are the cheapest victims, but a PodDisruptionBudget allows none of them to go: node-2 wins."""
    c = cluster(("low", 100), ("mid", 1000), ("high", 1000000))
    fill(c, {"node-1": ("low", "low"), "node-2": ("low", "mid"), "node-3": ("mid", "mid")})
    c.client("admin").create("poddisruptionbudgets", {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "keep"},
        "spec": {"minAvailable": "100%", "selector": {"matchExpressions": [
            {"key": "app", "operator": "In", "values": ["node-1-low-0", "node-1-low-1"]}]}}}, "default")
    c.run(2)
    c.client("admin").create("pods", pod("vip", "1500m", "high"), "default")
    c.run(60)
    assert c.get("pods", "vip")["spec"]["nodeName"] == "node-2"
    assert c.get("pods", "node-1-low-0") is not None and c.get("pods", "node-2-low-0") is None


def test_no_victims_when_nothing_has_a_lower_priority():
    c = cluster(("mid", 1000))
    fill(c, {n: ("mid", "mid") for n in NODES})
    c.client("admin").create("pods", pod("same", "1500m", "mid"), "default")
    c.run(5)
    assert c.get("pods", "same")["status"]["conditions"][0]["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.")
    assert len(c.list("pods")) == 7 and not events(c, "Preempted")


def test_removing_every_lower_priority_pod_is_not_enough():
    c = cluster(("low", 100), ("high", 1000000))
    fill(c, {n: ("low", "low") for n in NODES})
    c.client("admin").create("pods", pod("giant", "2500m", "high"), "default")
    c.run(5)
    assert c.get("pods", "giant")["status"]["conditions"][0]["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are "
        "available: 3 Insufficient cpu.")
    assert not events(c, "Preempted")


def test_preemption_policy_never_and_unresolvable_nodes():
    c = cluster(("low", 100))
    c.client("admin").create("priorityclasses", pclass("polite", 1000000, preemptionPolicy="Never"))
    fill(c, {n: ("low", "low") for n in NODES})
    c.client("admin").create("pods", pod("polite", "1500m", "polite"), "default")
    c.client("admin").create("pods", pod("picky", "1500m", "polite", nodeSelector={"disk": "ssd"}), "default")
    c.run(5)
    assert c.get("pods", "polite")["status"]["conditions"][0]["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to "
        "preemptionPolicy=Never.")
    c.client("admin").create("priorityclasses", pclass("pushy", 1000000))
    c.client("admin").create("pods", pod("pushy", "1500m", "pushy", nodeSelector={"disk": "ssd"}), "default")
    c.run(5)
    assert c.get("pods", "pushy")["status"]["conditions"][0]["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    assert not events(c, "Preempted") and len(c.list("pods")) == 9


# --- kubectl --------------------------------------------------------------------------------------------------------

def test_embedded_kubectl_create_get_describe_priorityclass():
    c = Cluster(components=[])
    r = c.kubectl('create priorityclass high --value=1000 --description="for the important ones"')
    assert (r.returncode, r.stdout) == (0, "priorityclass.scheduling.k8s.io/high created\n")
    r = c.kubectl("create pc never --value=5 --preemption-policy=Never --global-default")
    assert r.returncode == 0
    r = c.kubectl("create pc second --value=6 --global-default")
    assert (r.returncode, r.stderr) == (1, 'error: failed to create priorityclass: priorityclasses.scheduling.k8s.io '
                                           '"second" is forbidden: PriorityClass never is already marked as default. '
                                           "Only one default can exist\n")
    lines = c.kubectl("get pc").stdout.splitlines()
    assert lines[0].split() == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert [line.split()[:3] + line.split()[4:] for line in lines[1:]] == [
        ["high", "1000", "false", "PreemptLowerPriority"], ["never", "5", "true", "Never"],
        ["system-cluster-critical", "2000000000", "false", "PreemptLowerPriority"],
        ["system-node-critical", "2000001000", "false", "PreemptLowerPriority"]]
    assert c.kubectl("describe pc high").stdout == (
        "Name:              high\nValue:             1000\nGlobalDefault:     false\n"
        "PreemptionPolicy:  PreemptLowerPriority\nDescription:       for the important ones\n"
        "Annotations:       <none>\nEvents:            <none>\n")


def test_the_real_kubectl_creates_and_lists_priorityclasses(tmp_path: Path):
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, cwd=tmp_path, timeout=90)
        made = run("create", "priorityclass", "high", "--value=1000", "--description=high priority")
        assert (made.returncode, made.stdout, made.stderr) == (0, "priorityclass.scheduling.k8s.io/high created\n",
                                                               "")
        bad = run("create", "priorityclass", "system-x", "--value=1")
        assert bad.returncode == 1 and bad.stderr == (
            'error: failed to create priorityclass: PriorityClass.scheduling.k8s.io "system-x" is invalid: '
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
            "error: system-x is not a known system priority class\n")
        listed = run("get", "pc")
        assert listed.returncode == 0, listed.stderr
        rows = [line.split() for line in listed.stdout.splitlines()]
        assert rows[0] == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
        assert [r[:3] + r[4:] for r in rows[1:]] == [
            ["high", "1000", "false", "PreemptLowerPriority"],
            ["system-cluster-critical", "2000000000", "false", "PreemptLowerPriority"],
            ["system-node-critical", "2000001000", "false", "PreemptLowerPriority"]]
        value = run("get", "pc", "high", "-o", "jsonpath={.value}/{.preemptionPolicy}/{.description}")
        assert value.stdout == "1000/PreemptLowerPriority/high priority"
        c = Cluster(components=[])
        for argv in (["create", "pc", "dry", "--value=3", "--global-default", "--dry-run=client", "-o", "yaml"],
                     ["create", "pc", "dry", "--value=x"], ["create", "pc"],
                     ["create", "pc", "dry", "--preemption-policy=Sometimes", "--dry-run=server"]):
            real, mine = run(*argv), c.kubectl(" ".join(argv))
            assert (real.returncode, real.stdout, real.stderr) == (mine.returncode, mine.stdout, mine.stderr), argv
        described = run("describe", "pc", "high")
        assert (described.returncode, described.stdout) == (0, (
            "Name:              high\nValue:             1000\nGlobalDefault:     false\n"
            "PreemptionPolicy:  PreemptLowerPriority\nDescription:       high priority\n"
            "Annotations:       <none>\nEvents:            <none>\n")), described.stderr


def test_no_second_preemption_while_a_victim_on_the_nominated_node_terminates():
    """PodEligibleToPreemptOthers: the room asked for is on its way, so the pod waits instead of preempting more."""
    from kubeteach.scheduler.cache import Cache
    from kubeteach.scheduler.plugins.defaultpreemption import DefaultPreemption

    cache = Cache()
    cache.add_node({"metadata": {"name": "node-1"}, "status": {"allocatable": {"cpu": "2", "pods": "110"}}})
    victim = {"metadata": {"name": "v", "namespace": "default", "uid": "u1", "deletionTimestamp": "t"},
              "spec": {"nodeName": "node-1", "priority": 5, "containers": []}}
    cache.add_pod(victim)
    plugin = DefaultPreemption(type("Handle", (), {"cache": cache})())
    preemptor = {"metadata": {"name": "p", "uid": "u2"}, "spec": {"priority": 10},
                 "status": {"nominatedNodeName": "node-1"}}
    assert plugin.pod_eligible_to_preempt_others(preemptor).reasons == (
        "not eligible due to a terminating pod on the nominated node.",)
    victim["spec"]["priority"] = 10                       # not lower: no longer a reason to wait
    assert plugin.pod_eligible_to_preempt_others(preemptor).is_success()
    preemptor["spec"]["preemptionPolicy"] = "Never"
    assert plugin.pod_eligible_to_preempt_others(preemptor).reasons == ("not eligible due to preemptionPolicy=Never.",)


def test_the_victims_replacement_does_not_take_the_room_made_for_the_preemptor(in_repo: Path):
    """The ReplicaSet recreates the victim at priority 0; the nominated preemptor counts on its node (the
    nominator), so the replacement stays Pending instead of starting a preemption loop."""
    c = cluster(("urgent", 1000000))
    assert c.kubectl("create -f data/04-filler.yaml").returncode == 0
    c.run()
    assert c.kubectl("create -f data/04-urgent.yaml").returncode == 0
    assert c.run(120).settled
    urgent = c.get("pods", "urgent")
    assert urgent["status"]["phase"] == "Running"
    assert len(events(c, "Preempted")) == 1
    fillers = c.list("pods", label_selector="app=filler")
    pending = [p for p in fillers if not p["spec"].get("nodeName")]
    assert len(fillers) == 3 and len(pending) == 1
    assert pending[0]["status"]["conditions"][0]["message"].endswith(
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
