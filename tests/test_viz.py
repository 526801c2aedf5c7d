"""kubeteach.viz: DOT snapshots of the ownership graph and the sequence diagram, the list-of-objects source,
highlighting since a revision, folding, the display without `dot`, the rollout series, the scheduler table, the
etcd view, the request pipeline, and the layer contract (nothing in the core imports viz)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import graphviz
import pytest

import kubeteach as kt
from kubeteach import viz

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
REFRESH = "KUBETEACH_REFRESH_SNAPSHOTS"
CREATE = "create -f data/deployment.yaml"
UPDATE = "set image deployment/nginx nginx=nginx:1.26"


def check_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/<name>; written when missing or when KUBETEACH_REFRESH_SNAPSHOTS=1."""
    path = SNAPSHOTS / name
    if os.environ.get(REFRESH) == "1" or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    expected = path.read_text()
    assert text == expected, (
        f"{path.relative_to(ROOT)} differs from the DOT this run produced. If the change is intended, refresh "
        f"the snapshot with `{REFRESH}=1 .venv/bin/python -m pytest tests/test_viz.py` and review `git diff "
        f"tests/snapshots`.")


@pytest.fixture(scope="module")
def rollout(monkeypatch_module: pytest.MonkeyPatch) -> tuple[kt.Cluster, int]:
    """The known scenario: seed 0, create the seed's Deployment, run; then set image 1.26 and run.
    Returns the cluster and the store revision just before the update; `LAST_40` keeps the scenario's last
    records (tests that run kubectl get on this cluster add records of their own)."""
    monkeypatch_module.chdir(ROOT)
    c = kt.Cluster(seed=0)
    assert c.kubectl(CREATE).returncode == 0
    c.run()
    before = c.etcd.revision
    assert c.kubectl(UPDATE).returncode == 0
    c.run()
    LAST_40[:] = c.trace[-40:]
    return c, before


LAST_40: list[kt.Record] = []


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def pods(c: kt.Cluster) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.list("pods"))


# --- ownership graph ----------------------------------------------------------------------------------------------

def test_ownership_graph_dot_snapshot(rollout):
    c, before = rollout
    check_snapshot("ownership_rollout.dot", viz.ownership_graph(c, since=before).source)


def test_ownership_summary_and_highlight_since_a_revision(rollout):
    c, before = rollout
    g = viz.ownership_graph(c, since=before)
    new_rs = c.get("deployment", "nginx")["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
    assert new_rs == "2"
    assert g.summary() == f"1 deployment, 2 replicasets, 1 pod (1 Running), 3 nodes; 4 changed, 1 deleted since " \
                          f"rev {before}"
    lines = g.source.splitlines()
    changed = sorted(line.split('"')[1] for line in lines if "penwidth=2.5" in line)
    (pod,) = pods(c)
    rss = sorted(rs["metadata"]["name"] for rs in c.list("rs"))
    assert changed == sorted(["Deployment/default/nginx", f"Pod/default/{pod}"] + [f"ReplicaSet/default/{n}"
                                                                                   for n in rss])
    dashed = [line for line in lines if "style=\"rounded,dashed\"" in line]
    assert len(dashed) == 1 and "Completed" in dashed[0] and "deleted at rev" in dashed[0]   # terminal, deleted
    assert not viz.ownership_graph(c).source.count("penwidth")          # no since: nothing highlighted
    now = viz.ownership_graph(c, since=c.etcd.revision)
    assert now.summary().endswith(f"; 0 changed since rev {c.etcd.revision}")


def test_ownership_graph_nodes_are_added_in_sorted_order(rollout):
    c, _ = rollout
    ids = [line.split('"')[1] for line in viz.ownership_graph(c).source.splitlines()
           if line.startswith('\t"') and " -> " not in line]
    kinds = [viz.parse_node_id(i)[0] for i in ids]
    assert kinds == ["Deployment", "ReplicaSet", "ReplicaSet", "Pod", "Node", "Node", "Node"]
    assert ids[4:] == ["Node/node-1", "Node/node-2", "Node/node-3"]
    assert viz.parse_node_id("Pod/default/web-1") == ("Pod", "default", "web-1")
    assert viz.node_id({"kind": "Node", "metadata": {"name": "node-1"}}) == "Node/node-1"


def test_ownership_graph_from_kubectl_json_round_trip(rollout):
    c, _ = rollout
    r = c.kubectl("get deploy,rs,pods,nodes -o json")
    listing = json.loads(r.stdout)
    assert listing["kind"] == "List"
    from_cluster = viz.ownership_graph(c).source
    assert viz.ownership_graph(listing).source == from_cluster             # a List dict
    assert viz.ownership_graph(listing["items"]).source == from_cluster    # a plain list of objects
    g = viz.ownership_graph(listing["items"], since=int(c.get("deploy", "nginx")["metadata"]["resourceVersion"]) - 1)
    assert g.summary() == "1 deployment, 2 replicasets, 1 pod (1 Running), 3 nodes; 1 changed since rev " \
                          f"{int(c.get('deploy', 'nginx')['metadata']['resourceVersion']) - 1}"


def test_ownership_graph_folds_pods_past_max_pods(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    c.kubectl("scale deployment/nginx --replicas=10")
    c.run()
    g = viz.ownership_graph(c, max_pods=4)
    src = g.source
    rs = c.list("rs")[0]["metadata"]["name"]
    fold = f'"+more/default/{rs}"'
    assert sum(1 for line in src.splitlines() if line.startswith('\t"Pod/') and " -> " not in line) == 4
    assert f'{fold} [label="+6 more pods\\n6 Running"' in src
    per_node = [int(line.split('label="×')[1].split('"')[0]) for line in src.splitlines()
                if line.startswith(f"\t{fold} -> ")]
    assert sum(per_node) == 6
    assert f'"ReplicaSet/default/{rs}" -> {fold}' in src
    assert g.summary() == "1 deployment, 1 replicaset, 10 pods (10 Running), 3 nodes; 6 pods folded"
    assert "+more" not in viz.ownership_graph(c, max_pods=10).source


def test_ownership_graph_shows_volumes(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    (tmp_path / "pvc.yaml").write_text(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n"
        "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db}\nspec:\n  containers: [{name: db, image: nginx:1.25,"
        " volumeMounts: [{name: d, mountPath: /data}]}]\n  volumes: [{name: d, persistentVolumeClaim: "
        "{claimName: data}}]\n")
    assert c.kubectl(f"create -f {tmp_path / 'pvc.yaml'}").returncode == 0
    c.run()
    pvc = c.get("pvc", "data")
    pv = pvc["spec"]["volumeName"]
    src = viz.ownership_graph(c).source
    assert '"Pod/default/db" -> "PersistentVolumeClaim/default/data"' in src
    assert f'"PersistentVolumeClaim/default/data" -> "PersistentVolume/{pv}"' in src
    (va,) = c.list("volumeattachments")
    node = c.get("pod", "db")["spec"]["nodeName"]
    assert f'"VolumeAttachment/{va["metadata"]["name"]}" -> "PersistentVolume/{pv}"' in src
    assert f'"VolumeAttachment/{va["metadata"]["name"]}" -> "Node/{node}"' in src
    assert "attached true" in src
    assert viz.ownership_graph(c).summary() == "0 deployments, 0 replicasets, 1 pod (1 Running), 1 pvc, 1 pv, " \
                                               "1 volumeattachment, 3 nodes"


# --- display with and without dot ---------------------------------------------------------------------------------

def test_graph_displays_svg_with_the_summary_as_text(rollout):
    c, _ = rollout
    g = viz.ownership_graph(c)
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert bundle["text/plain"] == g.summary()
    assert repr(g) == f"<Graph: {g.summary()}>"
    assert viz.svg(g).startswith("<?xml")


def test_graph_falls_back_to_text_when_dot_is_missing(rollout, monkeypatch, tmp_path):
    c, _ = rollout
    monkeypatch.setenv("PATH", str(tmp_path))             # no `dot` here
    for g in (viz.ownership_graph(c), viz.sequence_diagram(c.trace[-10:])):
        with pytest.raises(graphviz.ExecutableNotFound):
            graphviz.Digraph(body=["a -> b"]).pipe(format="svg")
        bundle = g._repr_mimebundle_()
        assert "image/svg+xml" not in bundle
        assert bundle["text/plain"].startswith(g.summary() + "\n")
        assert g.source in bundle["text/plain"]
        assert "digraph" in bundle["text/html"] and "&quot;" in bundle["text/html"]
        assert g._repr_svg_() is None
        assert viz.svg(g) == bundle["text/html"]


def test_graph_falls_back_when_dot_fails(rollout, monkeypatch):
    c, _ = rollout

    def broken(*args, **kwargs):
        raise graphviz.CalledProcessError(1, ["dot"], "", "Error: syntax error")

    monkeypatch.setattr(graphviz.Digraph, "pipe", broken)
    g = viz.ownership_graph(c)
    assert set(g._repr_mimebundle_()) == {"text/plain", "text/html"}
    assert "<pre>" in viz.svg(g)


# --- sequence diagram ---------------------------------------------------------------------------------------------

def test_sequence_diagram_dot_snapshot(rollout):
    c, _ = rollout
    assert LAST_40 and LAST_40[-1] is not c.trace[-40]
    check_snapshot("sequence_rollout.dot", viz.sequence_diagram(LAST_40).source)


def test_sequence_diagram_of_kubectl_create(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    g = viz.sequence_diagram(c.trace)
    assert g.summary() == "7 records, 4 lanes, 4 arrows (1 request, 1 etcd write, 1 watch event, 1 response), 4 notes"
    rows = viz.sequence.steps(c.trace)
    assert viz.sequence.lanes(rows) == ["kubectl", "kube-apiserver", "etcd", "kube-controller-manager"]
    arrows = [(s.source, s.target, s.text) for s in rows if s.kind != "note"]
    assert arrows == [
        ("kubectl", "kube-apiserver", "POST /apis/apps/v1/namespaces/default/deployments"),
        ("kube-apiserver", "etcd", "put /registry/deployments/default/nginx (rev 86)"),
        ("kube-apiserver", "kube-controller-manager", "watch ADDED deployments/default/nginx"),
        ("kube-apiserver", "kubectl", "201 Created"),
    ]
    src = g.source
    assert "4. 201 Created" in src and "dir=back" in src      # the response runs right to left
    assert viz.sequence_diagram(c.trace, notes=False).summary().endswith("1 response)")


def test_sequence_diagram_of_a_rejected_request(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE, user="dev")
    arrows = [(s.source, s.target, s.text) for s in viz.sequence.steps(c.trace) if s.kind != "note"]
    assert arrows[-1] == ("kube-apiserver", "kubectl", "403 Forbidden")


# --- rollout timeline ---------------------------------------------------------------------------------------------

def test_rollout_series_of_a_10_replica_rollout_respects_the_bounds(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    c.kubectl("scale deployment/nginx --replicas=10")
    c.run()
    start, update_at = c.etcd.revision, c.now
    c.kubectl(UPDATE)
    c.run()
    s = viz.rollout_series(c, "nginx")
    old, new = list(s["replicasets"])
    assert s["rs_revision"] == {old: "1", new: "2"}
    assert all(len(v) == len(s["revision"]) for v in (s["time"], s["ready"], s["total"], s["available"],
                                                        *s["replicasets"].values()))
    assert s["revision"] == sorted(s["revision"]) and s["time"] == sorted(s["time"])
    during = [i for i, rev in enumerate(s["revision"]) if rev > start]
    assert during, "the update wrote nothing?"
    # the rollout starts at the write that changed the template (set image), not at t=0
    assert s["start"] == during[0] and s["start_time"] == pytest.approx(update_at)
    assert s["replicasets"][new][s["start"]] == 0 and s["total"][s["start"] - 1] == 10
    assert {s["max_total"][i] for i in during} == {13} and {s["min_available"][i] for i in during} == {8}
    for i in during:     # maxSurge 25% of 10 rounds up to 3, maxUnavailable 25% rounds down to 2
        assert s["total"][i] <= s["max_total"][i], (s["revision"][i], s["total"][i])
        assert s["available"][i] >= s["min_available"][i], (s["revision"][i], s["available"][i])
    assert max(s["total"][i] for i in during) == 13              # the surge is used
    assert min(s["available"][i] for i in during) == 8           # and so is the unavailability budget
    assert (s["replicasets"][old][-1], s["replicasets"][new][-1], s["ready"][-1], s["available"][-1]) == (
        0, 10, 10, 10)
    assert s["time"][-1] == pytest.approx(c.now)


def test_rollout_timeline_figure_plots_each_bound_against_what_it_limits(rollout):
    c, before = rollout
    fig = viz.rollout_timeline(c, "nginx")
    (ax,) = fig.axes
    lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}  # not axvline
    rss = list(fig.series["replicasets"])
    assert list(lines) == [f"{rss[0]} (revision 1)", f"{rss[1]} (revision 2)", "total pods (sum of replicas)",
                           "replicas + maxSurge (most total pods)", "available pods",
                           "replicas - maxUnavailable (fewest available)"]
    s = fig.series
    assert list(lines["total pods (sum of replicas)"].get_ydata()) == s["total"]
    assert list(lines["available pods"].get_ydata()) == s["available"]
    assert "ready pods" not in lines
    # both bounds begin at the template change, which came after t=0
    start_time = s["start_time"]
    assert start_time > 0 and s["revision"][s["start"]] > before
    for label in ("replicas + maxSurge (most total pods)", "replicas - maxUnavailable (fewest available)"):
        assert min(lines[label].get_xdata()) == start_time, label
    # the same colour pairs each bound with what it bounds
    assert lines["total pods (sum of replicas)"].get_color() == lines["replicas + maxSurge (most total pods)"
                                                                      ].get_color()
    assert lines["available pods"].get_color() == lines["replicas - maxUnavailable (fewest available)"].get_color()
    assert fig.summary() == (
        f"rollout of default/nginx from t={start_time:.2f}s: total pods max 2 (bound replicas + maxSurge = 2), "
        f"available pods min 1 (floor replicas - maxUnavailable = 1); {rss[0]} 1 → 0, {rss[1]} 0 → 1")
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(KeyError):
        viz.rollout_series(c, "missing")


def test_rollout_timeline_without_a_template_change_bounds_from_the_creation(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    c.run()
    c.kubectl("scale deployment/nginx --replicas=5")     # a scale is no rollout: the template is unchanged
    c.run()
    fig = viz.rollout_timeline(c, "nginx")
    assert fig.series["start"] == 0 and fig.series["start_time"] == 0.0
    assert fig.summary().startswith("rollout of default/nginx from t=0.00s: total pods max 5")
# --- tables -------------------------------------------------------------------------------------------------------

def test_scheduler_table_text_and_html(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    c.run()
    (pod,) = pods(c)
    node = c.get("pod", pod)["spec"]["nodeName"]
    t = viz.scheduler_table(c, pod)
    text = str(t).splitlines()
    assert text[0] == f"Pod default/{pod}: attempt 1, scheduling cycle 1, t=0.000s: bound to {node}"
    assert text[1] == "Filter: 3 of 3 nodes feasible (3 visited from index 0, numFeasibleNodesToFind 3)"
    rows = {line.split("  ")[0]: line.split() for line in text if line and not line.startswith(("Pod", "Filter:"))}
    assert rows["plugin"][1:] == ["node-1", "node-2", "node-3"]
    assert rows["Filter NodeResourcesFit"][2:] == ["pass", "pass", "pass"]
    assert rows["Filter NodePorts"][2:] == ["skip", "skip", "skip"]          # PreFilter said Skip
    score = next(line for line in text if line.startswith("Score TaintToleration (x3)"))
    assert score.split("  ")[-1] == "0 -> 100 x3 = 300" and score.count("0 -> 100 x3 = 300") == 3
    assert rows["total"][1:] == ["594", "594", "594"]         # PodTopologySpread's system defaults: 100 x2 each
    sel = next(line for line in text if line.startswith("selected"))
    header = next(line for line in text if line.startswith("plugin"))
    assert sel.index("<- selected") == header.index(node)        # the mark sits under the winner's column
    assert text[-1] == f"reservoir sampling among 3 nodes tied at 594 (2 draws) picked {node}"
    html = t._repr_html_()
    assert html.count("<tr>") == len(t.rows()) and "background:#e6f4ea;" in html
    with pytest.raises(KeyError, match="no scheduling attempt"):
        viz.scheduler_table(c, "nope")


def test_etcd_view_of_a_write_and_of_the_keys(rollout):
    c, _ = rollout
    patch = next(r for r in c.trace if r.actor == "kubectl" and r.action == "request"
                 and r.detail["method"] == "PATCH")
    i = c.trace.index(patch)
    rev = next(r.detail["revision"] for r in c.trace[i:] if r.action == "stored")
    v = viz.etcd_view(c, revision=rev)
    text = str(v)
    assert text.splitlines()[0] == (f"revision {rev}: PUT /registry/deployments/default/nginx (MODIFIED, version 6); "
                                    "written by kubectl: PATCH /apis/apps/v1/namespaces/default/deployments/nginx")
    assert "-      - image: nginx:1.25\n+      - image: nginx:1.26\n" in text
    assert "-  generation: 1\n+  generation: 2\n" in text
    assert "resourceVersion" not in v.after_yaml                # etcd stores no resourceVersion
    assert "<details><summary>before</summary>" in v._repr_html_()
    keys = viz.etcd_view(c, prefix="/registry/replicasets/")
    kv = c.etcd.get(f"/registry/replicasets/default/{c.list('rs')[0]['metadata']['name']}")
    line = f"{kv.key}  {kv.create_revision}"
    assert str(keys).splitlines()[0] == f"etcd at revision {c.etcd.revision}: 2 keys under /registry/replicasets/"
    assert any(row.startswith(line) and row.split()[-2:] == [str(kv.mod_revision), str(kv.version)]
               for row in str(keys).splitlines())
    with pytest.raises(KeyError):
        viz.etcd_view(c, revision=c.etcd.revision + 5)


def test_request_pipeline_of_kubectl_create_and_a_forbidden_one(monkeypatch):
    monkeypatch.chdir(ROOT)
    c = kt.Cluster(seed=0)
    c.kubectl(CREATE)
    p = viz.request_pipeline(c)
    assert [(s.name, s.mark) for s in p.stages] == [("authentication", "ok"), ("authorization", "ok"),
                                                     ("admission", "ok"), ("validation", "ok"), ("etcd", "ok"),
                                                     ("watch", "ok")]
    text = str(p)
    assert text.splitlines()[0] == ('[0.000s] kubectl: POST /apis/apps/v1/namespaces/default/deployments '
                                    '(create deployment "nginx") as "admin"')
    assert "5. etcd            ok  put /registry/deployments/default/nginx at revision 86 (created, version 1)" in text
    assert "6. watch           ok  event to kube-controller-manager" in text
    assert "+  strategy:\n+    rollingUpdate:\n+      maxSurge: 25%\n" in p.defaulting_diff
    assert "+        imagePullPolicy: IfNotPresent\n" in p.defaulting_diff
    assert not [line for line in p.defaulting_diff.splitlines()[2:] if line.startswith("-")]  # defaulting only adds
    c.kubectl(CREATE, user="dev")
    p = viz.request_pipeline(c)
    assert [s.mark for s in p.stages] == ["ok", "FAILED", "-", "-", "-", "-"]
    assert p.response.startswith("403 Forbidden: ")
    assert "color:#b00020" in p._repr_html_()


def test_object_yaml_and_diff():
    before = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "resourceVersion": "7"}}
    after = {**before, "spec": {"nodeName": "node-1"}}
    assert viz.object_yaml(before) == 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  resourceVersion: "7"\n'
    assert viz.object_diff(before, after) == ("--- before\n+++ after\n@@ -3,3 +3,5 @@\n metadata:\n   name: a\n"
                                              '   resourceVersion: "7"\n+spec:\n+  nodeName: node-1\n')
    assert viz.object_diff(after, after) == ""
    added = [line for line in viz.object_diff(None, before).splitlines() if line.startswith("+")]
    assert added[1:] == ["+" + line for line in viz.object_yaml(before).splitlines()]


# --- layers -------------------------------------------------------------------------------------------------------

def test_the_core_does_not_import_viz():
    lint = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(lint), "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for contract in ("The architecture: each layer imports only the layers below it",
                     "Components reach the API only through their client", "kubectl talks through a Client",
                     "viz reads no controller or scheduler internals",
                     "The core imports no ipywidgets, graphviz, matplotlib or IPython"):
        assert f"{contract} KEPT" in r.stdout, contract


def test_scheduler_table_of_a_compacted_attempt_keeps_its_outcome_and_says_why_the_table_is_gone():
    c = kt.Cluster(nodes=200, components=["deployment-controller", "replicaset-controller", "kube-scheduler"])
    c.started["kube-scheduler"].decisions.keep_table_rows = 1000
    from conftest import deployment

    c.client().create("deployments", deployment(replicas=30), "default")
    c.run()
    first = min(c.started["kube-scheduler"].decisions)
    t = viz.scheduler_table(c, first.split("/")[1])
    text = str(t)
    assert "of 200 nodes feasible (100 visited from index" in text
    assert "its outcome and totals remain)\n\nreservoir sampling among " in text
    assert "Filter NodeUnschedulable" not in text
    assert "were dropped to bound the scheduler&#x27;s memory" in t._repr_html_() or \
        "were dropped to bound the scheduler's memory" in t._repr_html_()
