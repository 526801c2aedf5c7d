"""Snapshots: save() writes the journal of external inputs and the store; load() replays it and checks the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEPLOYMENT, ROOT

from kubeteach.cluster import Cluster
from kubeteach.snapshot import SnapshotError, store_contents


def trace_text(c: Cluster) -> list[str]:
    return [str(r) for r in c.trace]


def same(a: Cluster, b: Cluster) -> None:
    assert trace_text(a) == trace_text(b)
    assert store_contents(a) == store_contents(b)
    assert a.now == b.now


def lesson(c: Cluster, manifest: Path) -> None:
    """A little of everything a lesson does: kubectl with a file, the loop, a user's client, faults, stop/start."""
    assert c.kubectl(f"create -f {manifest}").returncode == 0
    c.run()
    c.kubectl("scale deployment nginx --replicas=3")
    c.step()
    c.run(seconds=30)
    c.client("admin").patch("deployments", "default", "nginx", {"metadata": {"labels": {"tier": "web"}}})
    c.stop("kube-scheduler")
    c.faults.kill_pod(c.list("pods")[0]["metadata"]["name"])
    c.run(seconds=5)
    c.start("kube-scheduler")
    c.run(seconds=40)


def then(c: Cluster) -> None:
    """What both clusters do after the load: a rollout, a node failure, a rollback."""
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    c.run(seconds=60)
    c.faults.fail_node("node-2")
    c.run(seconds=90)
    c.faults.recover_node("node-2")
    c.kubectl("rollout undo deployment/nginx")
    c.run(seconds=60)


def test_load_reproduces_the_store_and_the_trace_and_both_continue_alike(tmp_path: Path):
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(DEPLOYMENT)
    a = Cluster()
    lesson(a, manifest)
    a.save(tmp_path / "a.json")
    b = Cluster.load(tmp_path / "a.json")
    same(a, b)
    assert len(b.list("pods")) == 3
    then(a)
    then(b)
    same(a, b)
    assert len(a.trace) > 500
    a.save(tmp_path / "a2.json")
    b.save(tmp_path / "b2.json")
    assert (tmp_path / "a2.json").read_text() == (tmp_path / "b2.json").read_text()


def test_the_snapshot_keeps_the_files_kubectl_read(tmp_path: Path):
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(DEPLOYMENT)
    a = Cluster(components=[])
    a.kubectl(f"create --filename={manifest}")
    a.save(tmp_path / "a.json")
    manifest.write_text(DEPLOYMENT.replace("nginx:1.25", "nginx:1.27"))    # changed after the save: no matter
    b = Cluster.load(tmp_path / "a.json")
    image = b.get("deployment", "nginx")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.25"
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved["journal"] == [{"call": "kubectl", "args": [f"create --filename={manifest}"], "kwargs": {},
                                 "files": {str(manifest): DEPLOYMENT}}]


def test_constructor_arguments_are_kept(tmp_path: Path):
    a = Cluster(nodes=2, seed=7)
    a.kubectl(f"create -f {ROOT / 'data' / 'deployment.yaml'}")
    a.run()
    a.save(tmp_path / "a.json")
    b = Cluster.load(tmp_path / "a.json")
    assert [n["metadata"]["name"] for n in b.list("nodes")] == ["node-1", "node-2"]
    assert b.seed == 7
    same(a, b)


def test_calls_made_by_kubeteach_itself_are_not_journaled():
    """kubectl --wait runs the loop and fail_node stops a kubelet: replaying the outer call does that again."""
    c = Cluster()
    c.kubectl(f"create -f {ROOT / 'data' / 'deployment.yaml'}")
    c.run()
    c.kubectl(f"delete pod {c.list('pods')[0]['metadata']['name']}")
    c.faults.fail_node("node-1")
    c.run(seconds=10)
    assert [(e["call"], e.get("method", "")) for e in c.journal.entries] == [
        ("kubectl", ""), ("run", ""), ("kubectl", ""), ("faults", "fail_node"), ("run", "")]
    assert c.journal.entries[-1]["kwargs"] == {"seconds": 10}


def test_a_store_that_does_not_replay_is_refused(tmp_path: Path):
    a = Cluster(components=[])
    a.kubectl(f"create -f {ROOT / 'data' / 'deployment.yaml'}")
    a.save(tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text())
    item = next(i for i in data["store"]["items"] if i["key"] == "/registry/deployments/default/nginx")
    item["value"]["spec"]["replicas"] = 5
    (tmp_path / "b.json").write_text(json.dumps(data))
    with pytest.raises(SnapshotError) as err:
        Cluster.load(tmp_path / "b.json")
    assert str(err.value).startswith(f"snapshot {tmp_path / 'b.json'} does not replay to the store it saved "
                                     "(/registry/deployments/default/nginx differs); it was written by kubeteach ")


def test_a_file_that_is_not_a_snapshot_is_refused(tmp_path: Path):
    (tmp_path / "x.json").write_text('{"kind": "Deployment"}')
    with pytest.raises(SnapshotError, match=r"is not a kubeteach snapshot \(format 2\)"):
        Cluster.load(tmp_path / "x.json")
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        Cluster.load(tmp_path / "missing.json")
