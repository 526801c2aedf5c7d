"""Bad inputs never corrupt state: each file in data/bad/ gets kubectl's exact error, exit code 1, and no write."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kubeteach.cluster import Cluster, default_definition

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "data" / "bad"
INDEX = yaml.safe_load((BAD / "index.yaml").read_text())


def cluster() -> Cluster:
    """The default cluster without controllers, plus `mallory`, a token user the API server does not know."""
    definition = default_definition()
    definition["users"].append({"name": "mallory", "auth": "token", "valid": False})
    return Cluster(definition=definition, components=[])


def test_every_bad_file_is_in_the_index_once():
    files = sorted(p.name for p in BAD.iterdir() if p.name != "index.yaml")
    assert sorted(e["file"] for e in INDEX) == files
    assert len(files) >= 30


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_bad_input(entry: dict, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    c = cluster()
    for command in entry.get("setup", []):
        assert c.kubectl(command).returncode == 0, command
    before = {k: c.etcd.get(k).mod_revision for k in c.etcd.keys()}
    revision = c.etcd.revision
    r = c.kubectl(entry["command"], user=entry["user"])
    assert r.stderr == entry["stderr"]
    assert r.stdout == entry.get("stdout", "")
    assert r.returncode == entry["returncode"] == 1
    created = entry.get("created", [])
    after = {k: c.etcd.get(k).mod_revision for k in c.etcd.keys()}
    written = sorted(k for k in after if before.get(k) != after[k])
    assert written == sorted(f"/registry/deployments/default/{name}" for name in created)
    assert c.etcd.revision == revision + len(created)


def test_a_rejected_write_leaves_no_trace_of_a_store_write():
    """The trace shows the rejection and no etcd record; the next good create gets the very next revision."""
    c = cluster()
    r = c.kubectl(f"create -f {BAD / '16-negative-replicas.yaml'}")
    assert r.returncode == 1
    assert [rec.action for rec in c.trace if rec.actor == "etcd"] == []
    assert any(rec.action == "invalid" and rec.actor == "kube-apiserver" for rec in c.trace)
    revision = c.etcd.revision
    assert c.kubectl(f"create -f {ROOT / 'data' / 'deployment.yaml'}").returncode == 0
    assert c.get("deployment", "nginx")["metadata"]["resourceVersion"] == str(revision + 1)


def test_validation_stops_the_rest_of_a_file_but_not_the_next_file(monkeypatch: pytest.MonkeyPatch):
    """kubectl reads `-f` files as streams: a bad document ends its own file; later files are still sent."""
    monkeypatch.chdir(ROOT)
    c = cluster()
    r = c.kubectl("create -f data/bad/41-multi-document-bad-yaml.yaml -f data/deployment.yaml")
    assert r.stdout == "deployment.apps/web created\ndeployment.apps/nginx created\n"
    assert r.returncode == 1
    assert c.get("deployment", "cache") is None


@pytest.mark.parametrize(("text", "message"), [
    ('{"kind": "Deployment", ]}\n', 'json: offset 24: invalid character \']\' looking for beginning of object key '
                                    'string'),
    ('{"kind" "Deployment"}\n', "json: offset 9: invalid character '\"' after object key"),
    ('{"items": [1, }]}\n', "json: offset 15: invalid character '}' looking for beginning of value"),
    ('{"items": [1 2}\n', "json: offset 14: invalid character '2' after array element"),
    ('{"kind": "Deployment"\n', "unexpected EOF"),
])
def test_json_errors_read_like_encoding_json(text: str, message: str, tmp_path: Path):
    """A stream that starts with `{` that neither JSON nor YAML can read reports Go's JSON error."""
    (tmp_path / "x.json").write_text(text)
    r = cluster().kubectl(f"create -f {tmp_path / 'x.json'}")
    assert r.stderr == f"error: error parsing {tmp_path / 'x.json'}: {message}\n"


def test_json_that_yaml_can_read_is_sent(tmp_path: Path):
    """A trailing comma is bad JSON but good YAML (a flow mapping), so kubectl decodes and sends it."""
    (tmp_path / "x.json").write_text('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"},}\n')
    r = cluster().kubectl(f"create -f {tmp_path / 'x.json'}")
    assert (r.returncode, r.stdout) == (0, "namespace/team-a created\n")


@pytest.mark.parametrize(("text", "message"), [
    ("a:\n\t- b\n", "yaml: line 2: found character that cannot start any token"),
    ("kind: Pod\n  name: x\n", "yaml: line 2: mapping values are not allowed in this context"),
    ("a:\n  b: 1\n c: 2\n", "yaml: line 2: did not find expected key"),
    ("a: [1, 2\n", "yaml: line 1: did not find expected ',' or ']'"),
])
def test_yaml_errors_read_like_go_yaml(text: str, message: str, tmp_path: Path):
    """go-yaml's words; scanner errors count lines from 1, parser errors from 0 (its quirk, kept by kubectl)."""
    (tmp_path / "x.yaml").write_text(text)
    r = cluster().kubectl(f"create -f {tmp_path / 'x.yaml'}")
    assert r.stderr == f"error: error parsing {tmp_path / 'x.yaml'}: error converting YAML to JSON: {message}\n"


def test_missing_api_version_and_kind_are_one_aggregate(tmp_path: Path):
    (tmp_path / "x.yaml").write_text("metadata:\n  name: x\n")
    r = cluster().kubectl(f"create -f {tmp_path / 'x.yaml'}")
    assert r.stderr == (f'error: error validating "{tmp_path / "x.yaml"}": error validating data: [apiVersion not '
                        "set, kind not set]; if you choose to ignore these errors, turn validation off with "
                        "--validate=false\n")
