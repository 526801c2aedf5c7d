"""Issue #16, corrections 1-9: what a source audit of v1.35 found, each checked here word for word against the
reference sheet (taint reason, FailedScheduling's PostFilter part, Pulled, PodTopologyLabels, the projected
token volume, containerStatuses[].volumeMounts, events.k8s.io events, PodTopologySpread's system defaults, the
pod-template-hash note)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from conftest import ROOT, real_kubectl, serve_cli

from kubeteach import Cluster
from kubeteach.answer import interview_answer
from kubeteach.scheduler.plugins.podtopologyspread import (
    score_for_count,
    topology_normalizing_weight,
)


def pod(name: str, cpu: str = "", **spec) -> dict:
    resources = {"requests": {"cpu": cpu}} if cpu else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25", "resources": resources}], **spec}}


def condition(p: dict, ctype: str) -> dict:
    return next(c for c in p["status"].get("conditions") or [] if c["type"] == ctype)


# --- 1 and 2: the FailedScheduling message ----------------------------------------------------------------------


def test_untolerated_taint_reason_and_the_post_filter_part(in_repo: Path):
    """v1.35: `node(s) had untolerated taint(s)` (no key or value); one period after the PostFilter part, which
    opens with DynamicResources' `no new claims to deallocate` for a pod without ResourceClaims."""
    c = Cluster(seed=0)
    admin = c.client("admin")
    for n in ("node-1", "node-2", "node-3"):
        node = admin.get("nodes", "", n)
        node["spec"]["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
        admin.update("nodes", node)
    admin.create("pods", pod("tainted"), "default")
    c.run()
    message = condition(c.get("pod", "tainted"), "PodScheduled")["message"]
    assert message == ("0/3 nodes are available: 3 node(s) had untolerated taint(s). no new claims to deallocate, "
                       "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_the_reference_sheets_node_affinity_example(in_repo: Path):
    c = Cluster(seed=0)
    c.client("admin").create("pods", pod("nowhere", nodeSelector={"disktype": "ssd"}), "default")
    c.run()
    expected = ("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. no new claims to "
                "deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    assert condition(c.get("pod", "nowhere"), "PodScheduled")["message"] == expected
    failed = [e for e in c.events() if e["reason"] == "FailedScheduling"]
    assert failed and all(e.get("message") == expected for e in failed)
    assert not any(".." in e["message"] for e in failed)


def test_insufficient_cpu_and_preemption_policy_never(in_repo: Path):
    c = Cluster(seed=0)
    c.client("admin").create("pods", pod("huge", cpu="64"), "default")
    c.client("admin").create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                                  "metadata": {"name": "polite"}, "value": 10,
                                                  "preemptionPolicy": "Never"})
    c.client("admin").create("pods", pod("polite", cpu="64", priorityClassName="polite"), "default")
    c.run()
    assert condition(c.get("pod", "huge"), "PodScheduled")["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod.")
    assert condition(c.get("pod", "polite"), "PodScheduled")["message"] == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, preemption: not eligible due "
        "to preemptionPolicy=Never.")


def test_an_unresolvable_prefilter_leaves_dynamic_resources_without_state(in_repo: Path):
    """VolumeBinding's PreFilter rejects before DynamicResources' PreFilter runs; its PostFilter then fails reading
    the cycle state (`not found`), and that error is the whole PostFilter part (DefaultPreemption never runs)."""
    c = Cluster(seed=0)
    admin = c.client("admin")
    admin.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "no-such-class",
                 "resources": {"requests": {"storage": "1Gi"}}}}, "default")
    admin.create("pods", pod("db", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]),
                 "default")
    c.run()
    assert condition(c.get("pod", "db"), "PodScheduled")["message"] == (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found")


# --- 3: Pulled for an image already on the node ---------------------------------------------------------------


def test_pulled_for_an_image_already_present(seeded):
    c = seeded
    node = c.list("pods")[0]["spec"]["nodeName"]
    c.client("admin").create("pods", pod("again", nodeName=node), "default")
    c.run()
    pulled = [e["message"] for e in c.events() if e["involvedObject"]["name"] == "again" and e["reason"] == "Pulled"]
    assert pulled == ['Container image "nginx:1.25" already present on machine and can be accessed by the pod']


# --- 4: PodTopologyLabels ---------------------------------------------------------------------------------------


def test_pod_topology_labels_copied_from_the_node_at_binding(seeded):
    c = seeded
    for p in c.list("pods"):
        node = c.get("node", p["spec"]["nodeName"])
        zone = node["metadata"]["labels"]["topology.kubernetes.io/zone"]
        assert p["metadata"]["labels"]["topology.kubernetes.io/zone"] == zone
        assert "topology.kubernetes.io/region" not in p["metadata"]["labels"]   # the nodes have no region label
        assert "kubernetes.io/hostname" not in p["metadata"]["labels"]           # those two keys only
    bound = [str(r) for r in c.trace if r.detail.get("op") == "bound"]
    assert bound and "labels topology.kubernetes.io/zone=zone-a copied from the Binding" in bound[0]


def test_binding_labels_overwrite_and_region_is_copied_too(in_repo: Path):
    """The Binding's labels overwrite the pod's (copyLabelsWithOverwriting); region is the other copied key; a pod
    created with spec.nodeName gets the labels from the plugin's Pod path."""
    c = Cluster(seed=0)
    admin = c.client("admin")
    node = admin.get("nodes", "", "node-2")
    node["metadata"]["labels"].update({"topology.kubernetes.io/region": "eu-west", "rack": "r1"})
    admin.update("nodes", node)
    p = pod("liar")
    p["metadata"]["labels"] = {"topology.kubernetes.io/zone": "moon"}
    admin.create("pods", p, "default")
    admin.create("pods", pod("pinned", nodeName="node-2"), "default")
    admin.bind(admin.get("pods", "default", "liar"), "node-2")     # the scheduler has not run yet
    want = {"topology.kubernetes.io/zone": "zone-b", "topology.kubernetes.io/region": "eu-west"}
    for name in ("liar", "pinned"):
        labels = c.get("pod", name)["metadata"]["labels"]
        assert {k: labels.get(k) for k in want} == want and "rack" not in labels


# --- 5 and 6: the projected token volume and volumeMounts in status ---------------------------------------------


def test_the_kubelet_sets_up_the_projected_token_volume(seeded):
    c = seeded
    p = c.list("pods")[0]
    volume = next(v["name"] for v in p["spec"]["volumes"] if v.get("projected"))
    assert volume.startswith("kube-api-access-")
    admit = [str(r) for r in c.trace if r.action == "kubelet-admit"]
    assert admit and admit[0].endswith(f"wait for volumes {volume}")
    assert not any("no volumes to wait for" in line for line in admit)
    setup = [str(r) for r in c.trace if r.action == "kubelet-volume-setup"]
    assert setup and f"MountVolume.SetUp volume {volume} of default/{p['metadata']['name']} (projected" in setup[0]
    assert setup[0].endswith(f"/var/lib/kubelet/pods/{p['metadata']['uid']}/volumes/kubernetes.io~projected/{volume}")


def test_container_statuses_report_volume_mounts(seeded):
    p = seeded.list("pods")[0]
    volume = next(v["name"] for v in p["spec"]["volumes"] if v.get("projected"))
    status = p["status"]["containerStatuses"][0]
    assert status["volumeMounts"] == [{"name": volume, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                       "readOnly": True, "recursiveReadOnly": "Disabled"}]
    assert list(status)[-1] == "volumeMounts"          # after `started`, as Go's ContainerStatus orders it


def test_no_volume_mounts_before_the_container_exists(in_repo: Path):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    while True:                                       # until the first status with ContainerCreating
        c.step()
        pods = c.list("pods")
        if pods and pods[0].get("status", {}).get("containerStatuses"):
            break
    status = pods[0]["status"]["containerStatuses"][0]
    assert status["state"] == {"waiting": {"reason": "ContainerCreating"}} and "volumeMounts" not in status


# --- 7: events.k8s.io -------------------------------------------------------------------------------------------


def test_scheduler_events_go_through_events_k8s_io(seeded):
    c = seeded
    ev = next(e for e in c.events() if e["reason"] == "Scheduled")
    assert ev["apiVersion"] == "v1"                    # stored once, as the core Event
    assert ev["reportingComponent"] == "default-scheduler"
    assert ev["reportingInstance"] == "default-scheduler-control-plane"
    assert ev["action"] == "Binding" and ev["type"] == "Normal"
    assert ev["eventTime"] == "2026-01-01T00:00:00.000000Z"          # MicroTime: six digits
    assert ev["firstTimestamp"] is None and ev["lastTimestamp"] is None and ev["source"] == {}
    assert "count" not in ev
    same = c.client("admin").get("events.events.k8s.io", "default", ev["metadata"]["name"])
    assert same["apiVersion"] == "events.k8s.io/v1"
    assert same["note"] == ev["message"] and same["regarding"] == ev["involvedObject"]
    assert same["reportingController"] == "default-scheduler" and same["deprecatedSource"] == {}
    assert same["deprecatedFirstTimestamp"] is None and "deprecatedCount" not in same
    assert not {"message", "involvedObject", "reportingComponent", "source", "firstTimestamp"} & set(same)
    listed = c.client("admin").list("events.events.k8s.io", "default")
    assert listed["apiVersion"] == "events.k8s.io/v1" and all("note" in e for e in listed["items"])


def test_kubectl_shows_scheduler_events_as_on_a_real_cluster(seeded):
    c = seeded
    name = c.list("pods")[0]["metadata"]["name"]
    c.run(seconds=120)
    described = c.kubectl(f"describe pod {name}").stdout
    line = next(x for x in described.splitlines() if x.split()[:2] == ["Normal", "Scheduled"])
    assert line.split() == ["Normal", "Scheduled", "2m2s", "default-scheduler", "Successfully", "assigned",
                            f"default/{name}", "to", c.get("pod", name)["spec"]["nodeName"]]
    table = c.kubectl("get events").stdout.splitlines()
    row = next(x for x in table if "Scheduled" in x)
    assert row.split()[:4] == ["2m2s", "Normal", "Scheduled", f"pod/{name}"]


def test_repeated_failed_scheduling_becomes_a_series(in_repo: Path):
    c = Cluster(seed=0)
    c.client("admin").create("pods", pod("huge", cpu="64"), "default")
    c.run()
    c.run(seconds=600)                                # the unschedulable queue flushes it back every 5 min
    failed = [e for e in c.events() if e["reason"] == "FailedScheduling"]
    assert len(failed) == 1 or any(e.get("series") for e in failed)
    series = [e["series"] for e in failed if e.get("series")]
    assert series and series[0]["count"] >= 2 and series[0]["lastObservedTime"].endswith("Z")
    assert "(x" in c.kubectl("describe pod huge").stdout


def test_an_isomorphic_event_is_forgotten_after_six_minutes(seeded):
    from kubeteach.events import EventsRecorder

    c = seeded
    p = c.list("pods")[0]
    rec = EventsRecorder(c.client("admin").quiet_copy(), "default-scheduler", "default-scheduler-control-plane")
    for wait in (0, 100, 400):                        # 2nd within 6 min: a series; 3rd 400 s later: a new Event
        c.run(seconds=wait)
        rec.eventf(p, "Warning", "Test", "Testing", "same note")
    evs = [e for e in c.events() if e["reason"] == "Test"]
    assert [e.get("series", {}).get("count") for e in evs] == [2, None]
    assert evs[0]["action"] == "Testing" and evs[1]["eventTime"] > evs[0]["eventTime"]


def test_the_real_kubectl_reads_events_both_ways(tmp_path: Path, pinned_kubectl: str):
    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, timeout=60)
        assert run("create", "-f", "data/deployment.yaml").returncode == 0
        assert run("rollout", "status", "deployment/nginx", "--timeout=60s").returncode == 0
        core = run("get", "events", "--field-selector", "reason=Scheduled", "-o", "json")
        assert core.returncode == 0, core.stderr
        item = json.loads(core.stdout)["items"][0]
        assert item["reportingComponent"] == "default-scheduler" and item["eventTime"].endswith("Z")
        v1 = run("get", "events.v1.events.k8s.io", item["metadata"]["name"], "-o", "json")
        assert v1.returncode == 0, v1.stderr
        got = json.loads(v1.stdout)
        assert got["apiVersion"] == "events.k8s.io/v1" and got["note"] == item["message"]
        assert got["action"] == "Binding" and got["reportingInstance"] == "default-scheduler-control-plane"
        resources = run("api-resources", "--api-group=events.k8s.io")
        assert resources.returncode == 0 and "events.k8s.io/v1" in resources.stdout
        table = run("get", "events")
        assert table.returncode == 0 and "Scheduled" in table.stdout and "<unknown>" not in table.stdout
        pods = run("get", "pods", "-o", "name").stdout.split()
        described = run("describe", pods[0])
        assert "default-scheduler  Successfully assigned" in described.stdout


# --- 8: PodTopologySpread's system default constraints ----------------------------------------------------------


def test_system_default_spreading_scores_replicaset_pods(in_repo: Path):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    c.kubectl("scale deployment nginx --replicas=2")
    c.run()
    decisions = c.inspect("kube-scheduler").decisions
    second = [d for key, ds in decisions.items() for d in ds if d.scores][-1]
    first_node = c.list("pods")[0]["spec"]["nodeName"]
    spread = {n: second.scores[n]["PodTopologySpread"] for n in second.feasible}
    w = topology_normalizing_weight(3)                 # 3 feasible nodes, 3 zones: ln 5 for both constraints
    assert spread[first_node].raw == math.floor(score_for_count(1, 3, w) + score_for_count(1, 5, w) + 0.5) == 9
    others = [n for n in second.feasible if n != first_node]
    assert all(spread[n].raw == 6 for n in others)  # (3 - 1) + (5 - 1)
    assert spread[first_node].normalized == 100 * (9 + 6 - 9) // 9 == 66
    assert all(spread[n].normalized == 100 and spread[n].weighted == 200 for n in others)
    assert "matching pod(s) on the node" in spread[first_node].explain


def test_a_bare_pod_is_not_spread(in_repo: Path):
    c = Cluster(seed=0)
    c.client("admin").create("pods", pod("bare"), "default")
    c.run()
    d = c.inspect("kube-scheduler").decisions["default/bare"][-1]
    assert "PodTopologySpread" in d.skipped_score_plugins


# --- 9: the pod-template-hash note ------------------------------------------------------------------------------


def test_where_a_learner_meets_the_hash_it_says_it_differs(seeded):
    sentence = "Kubernetes hashes a spew dump of the Go struct"
    assert sentence in interview_answer(seeded)
    for lesson in ("03-controllers", "07-rolling-update"):
        text = (ROOT / "notebooks" / f"{lesson}.ipynb").read_text()
        assert "spew dump of the Go struct" in text
