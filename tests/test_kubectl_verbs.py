"""kubectl taint, run, wait, diff and `get -w` following the virtual clock (issue #15 item 8): each verb's output
and errors as kubectl v1.35 prints them, embedded and — where a real kubectl can be pointed at `kubeteach serve` —
the pinned kubectl's own output compared with the embedded one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DEPLOYMENT, real_kubectl, serve_cli

from kubeteach import Cluster
from kubeteach.kubectl.diff import unified
from kubeteach.kubectl.get import RememberWidths
from kubeteach.kubectl.taint import parse_taint, reorganize_taints, taint_string

TAINT_USAGE = "\nSee 'kubectl taint -h' for help and examples\n"
CHANGED = DEPLOYMENT.replace("nginx:1.25", "nginx:1.26").replace("replicas: 1", "replicas: 2")


def taints(c: Cluster, node: str = "node-1") -> list:
    return (c.get("nodes", node, namespace="") or {}).get("spec", {}).get("taints") or []


# --- taint ------------------------------------------------------------------------------------------------------

def test_taint_adds_overwrites_and_removes_as_kubectl_words_it(bare):
    k = bare.kubectl
    assert str(k("taint nodes node-1 dedicated=special:NoSchedule")) == "node/node-1 tainted"
    assert taints(bare) == [{"key": "dedicated", "value": "special", "effect": "NoSchedule"}]
    again = k("taint nodes node-1 dedicated=other:NoSchedule")
    assert (again.returncode, again.stderr) == (1, "error: node node-1 already has dedicated taint(s) with same "
                                                   "effect(s) and --overwrite is false\n")
    assert taints(bare)[0]["value"] == "special"                     # nothing written
    assert str(k("taint nodes node-1 dedicated=other:NoSchedule --overwrite")) == "node/node-1 modified"
    assert str(k("taint no node-1 dedicated:NoExecute")) == "node/node-1 tainted"
    assert str(k("taint nodes node-1 dedicated:NoSchedule-")) == "node/node-1 untainted"
    assert taints(bare) == [{"key": "dedicated", "effect": "NoExecute"}]
    assert str(k("taint nodes node-1 dedicated-")) == "node/node-1 untainted"
    assert taints(bare) == [] and "taints" not in bare.get("nodes", "node-1", namespace="")["spec"]
    missing = k("taint nodes node-1 dedicated-")
    assert (missing.returncode, missing.stderr) == (1, 'error: taint "dedicated" not found\n')
    both = k("taint nodes node-1 a=b:NoSchedule x:NoExecute-")
    assert (both.returncode, both.stderr) == (1, 'error: taint "x:NoExecute" not found\n')
    assert taints(bare) == []


def test_taint_sends_the_two_way_patch_kubectl_computes(bare):
    bare.kubectl("taint nodes node-1 a=1:NoSchedule")
    before = len(bare.trace)
    bare.kubectl("taint nodes node-1 b:PreferNoSchedule")
    sent = [(r.detail["method"], r.object) for r in bare.trace[before:] if r.actor == "kubectl"]
    assert sent == [("GET", "/api/v1/nodes/node-1"), ("PATCH", "/api/v1/nodes/node-1")]
    assert taints(bare) == [{"key": "b", "effect": "PreferNoSchedule"},
                            {"key": "a", "value": "1", "effect": "NoSchedule"}]   # the added ones first


def test_taint_all_selector_and_dry_runs(bare):
    out = bare.kubectl("taint nodes --all role=db:NoSchedule --dry-run=server")
    assert out.stdout == "node/node-1 tainted\nnode/node-2 tainted\nnode/node-3 tainted\n"   # no "(dry run)"
    assert all(taints(bare, n) == [] for n in ("node-1", "node-2", "node-3"))
    assert bare.kubectl("taint nodes --all role=db:NoSchedule --dry-run=client").stdout.count("tainted") == 3
    assert taints(bare) == []
    bare.kubectl("label nodes node-2 disk=ssd")
    assert str(bare.kubectl("taint nodes -l disk=ssd role=db:NoSchedule")) == "node/node-2 tainted"
    assert taints(bare, "node-2") and not taints(bare, "node-3")
    assert bare.kubectl("taint nodes node-2 role- -o name").stdout == "node/node-2\n"


@pytest.mark.parametrize("command, message", [
    ("taint nodes node-1 foo=bar:Bad", "invalid taint effect: Bad, unsupported taint effect" + TAINT_USAGE),
    ("taint nodes node-1 a=b:c:NoSchedule", "invalid taint spec: a=b:c:NoSchedule" + TAINT_USAGE),
    ("taint nodes node-1 a=b=c:NoSchedule", "invalid taint spec: a=b=c:NoSchedule" + TAINT_USAGE),
    ("taint nodes node-1 a:NoSchedule a=b:NoSchedule",
     "duplicated taints with the same key and effect: {a b NoSchedule <nil>}" + TAINT_USAGE),
    ("taint nodes node-1 a=b:NoSchedule a-",
     "can not both modify and remove the following taint(s) in the same command: a=\n"),
    ("taint pods web a=b:NoSchedule", "invalid resource type pods, only node types are supported\n"),
    ("taint nodes a=b:NoSchedule", "at least one resource name must be specified since 'all' parameter is not set\n"),
    ("taint nodes --all -l x=y a=b:NoSchedule", "setting 'all' parameter with a non empty selector is prohibited\n"),
    ("taint nodes node-1", "at least one taint update is required\n"),
    ("taint nodes node-1 a=b:NoSchedule node-2", "all resources must be specified before taint changes: node-2\n"),
])
def test_taint_errors(bare, command, message):
    before = bare.etcd.revision
    r = bare.kubectl(command)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "error: " + message)
    assert bare.etcd.revision == before


def test_taint_helpers():
    assert parse_taint("example.com/gpu=true:NoExecute") == {"key": "example.com/gpu", "value": "true",
                                                               "effect": "NoExecute"}
    assert [taint_string(t) for t in ({"key": "a"}, {"key": "a", "effect": "NoSchedule"},
                                      {"key": "a", "value": "b", "effect": "NoSchedule"})] == \
        ["a", "a:NoSchedule", "a=b:NoSchedule"]
    op, new, errs = reorganize_taints([{"key": "a", "effect": "NoSchedule"}], False,
                                      [{"key": "b", "effect": "NoSchedule"}], [{"key": "a"}])
    assert (op, new, errs) == ("modified", [{"key": "b", "effect": "NoSchedule"}], [])


def test_a_tainted_node_gets_no_new_pods(in_repo):
    c = Cluster(seed=0)
    for n in ("node-1", "node-2"):
        assert c.kubectl(f"taint nodes {n} dedicated=db:NoSchedule").ok
    c.kubectl("create -f data/deployment.yaml")
    c.kubectl("scale deployment/nginx --replicas=3")
    c.run()
    assert {p["spec"]["nodeName"] for p in c.list("pods")} == {"node-3"}


# --- run --------------------------------------------------------------------------------------------------------

def test_run_creates_the_pod_kubectl_builds(bare):
    assert str(bare.kubectl("run web --image=nginx:1.25")) == "pod/web created"
    pod = bare.get("pods", "web")
    assert pod["metadata"]["labels"] == {"run": "web"}
    c = pod["spec"]["containers"][0]
    assert (c["name"], c["image"], pod["spec"]["restartPolicy"], pod["spec"]["dnsPolicy"]) == \
        ("web", "nginx:1.25", "Always", "ClusterFirst")
    assert str(bare.kubectl("run job --image=busybox --restart=Never --port=8080 -l app=x,tier=y --env A=1 "
                            "--env=B=two --command -- sleep 3600")) == "pod/job created"
    pod = bare.get("pods", "job")
    c = pod["spec"]["containers"][0]
    assert pod["metadata"]["labels"] == {"app": "x", "tier": "y"} and pod["spec"]["restartPolicy"] == "Never"
    assert c["command"] == ["sleep", "3600"] and "args" not in c
    assert c["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}]
    assert c["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    bare.kubectl("run args --image=busybox --restart=OnFailure -- echo hi")
    assert bare.get("pods", "args")["spec"]["containers"][0]["args"] == ["echo", "hi"]
    assert bare.get("pods", "args")["spec"]["restartPolicy"] == "OnFailure"


def test_run_dry_runs(bare):
    client = bare.kubectl("run web --image=nginx --dry-run=client -o yaml")
    assert client.stdout == ("apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    run: web\n  name: web\nspec:\n"
                             "  containers:\n  - image: nginx\n    name: web\n    resources: {}\n"
                             "  dnsPolicy: ClusterFirst\n  restartPolicy: Always\nstatus: {}\n")
    assert str(bare.kubectl("run web --image=nginx --dry-run=client")) == "pod/web created (dry run)"
    assert str(bare.kubectl("run web --image=nginx --dry-run=server")) == "pod/web created (server dry run)"
    assert bare.get("pods", "web") is None
    assert "namespace: kube-system" in bare.kubectl("run web --image=nginx -n kube-system --dry-run=client "
                                                    "-o yaml").stdout


@pytest.mark.parametrize("command, message", [
    ("run web", 'required flag(s) "image" not set'),
    ("run --image=nginx", "NAME is required for run\nSee 'kubectl run -h' for help and examples"),
    ("run web --image=Nginx", 'Invalid image name "Nginx": invalid reference format'),
    ("run web --image=nginx --restart=Sometimes",
     "invalid restart policy: Sometimes\nSee 'kubectl run -h' for help and examples"),
    ("run web --image=nginx --env=1A=b", "invalid env: 1A=b"),
    ("run web --image=nginx --labels=app", "unexpected label spec: app"),
    ("run web --image=nginx --port=http", 'strconv.Atoi: parsing "http": invalid syntax'),
    ("run web --image=nginx -t", "-i/--stdin is required for containers with -t/--tty=true\n"
                                 "See 'kubectl run -h' for help and examples"),
])
def test_run_errors(bare, command, message):
    before = bare.etcd.revision
    r = bare.kubectl(command)
    assert (r.returncode, r.stderr) == (1, f"error: {message}\n")
    assert bare.etcd.revision == before


def test_run_an_invalid_name_is_the_api_servers_error(bare):
    r = bare.kubectl("run Web --image=nginx")
    assert r.returncode == 1
    assert r.stderr.startswith('The Pod "Web" is invalid: \n* metadata.name: Invalid value: "Web": a lowercase '
                               "RFC 1123 subdomain")


# --- wait -------------------------------------------------------------------------------------------------------

def test_wait_lets_the_virtual_clock_run_until_the_condition_holds(in_repo):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    r = c.kubectl("wait --for=condition=Available deployment/nginx --timeout=60s")
    assert (r.returncode, r.stdout, r.stderr) == (0, "deployment.apps/nginx condition met\n", "")
    assert 0 < c.now < 60
    assert str(c.kubectl("wait --for=jsonpath={.status.readyReplicas}=1 deploy/nginx")) == \
        "deployment.apps/nginx condition met"
    assert str(c.kubectl("wait --for=jsonpath='{.status.availableReplicas}' deploy/nginx")) == \
        "deployment.apps/nginx condition met"
    pod = c.list("pods")[0]["metadata"]["name"]
    assert str(c.kubectl("wait --for=condition=Ready pods -l app=nginx")) == f"pod/{pod} condition met"
    assert str(c.kubectl("wait --for=condition=ready pod --all --timeout=0")) == f"pod/{pod} condition met"


def test_wait_times_out_in_virtual_time(in_repo):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    start = c.now
    r = c.kubectl("wait --for=condition=Available=false deployment/nginx --timeout=5s")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "error: timed out waiting for the condition on "
                                                         "deployments/nginx\n")
    assert start < c.now <= start + 5
    zero = c.kubectl("wait --for=jsonpath={.status.readyReplicas}=3 deployment/nginx --timeout=0")
    assert zero.stderr == "error: condition not met for deployments.apps/nginx\n"


def test_wait_for_delete_and_create(bare, in_repo):
    c = Cluster(seed=0)
    c.kubectl("run web --image=nginx")
    c.run()
    assert c.kubectl("delete pod web --wait=false").ok
    r = c.kubectl("wait --for=delete pod/web --timeout=60s")
    assert (r.returncode, r.stdout) == (0, "pod/web condition met\n")
    assert c.get("pods", "web") is None
    gone = c.kubectl("wait --for=delete pod/web")
    assert (gone.returncode, gone.stdout, gone.stderr) == (0, "", "")
    later = c.kubectl("wait --for=create pod/later --timeout=3s")
    assert (later.returncode, later.stderr) == (1, "error: timed out waiting for the condition\n")
    c.kubectl("run later --image=nginx")
    assert str(c.kubectl("wait --for=create pod/later")) == "pod/later condition met"


@pytest.mark.parametrize("command, message", [
    ("wait deploy/nginx", 'unrecognized condition: ""'),
    ("wait --for=bogus deploy/nginx", 'unrecognized condition: "bogus"'),
    ("wait --for=jsonpath={.status.replicas}= deploy/nginx",
     "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3"),
    ("wait --for=jsonpath={.a}=1=2 deploy/nginx", "jsonpath wait format must be "
     "--for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'"),
    ("wait --for=jsonpath={.spec} deploy/nginx --timeout=0",
     "jsonpath leads to a nested object or list which is not supported"),
    ("wait --for=condition=Ready pods", "resource(s) were provided, but no name was specified"),
    ("wait --for=condition=Ready pods -l app=none", "no matching resources found"),
])
def test_wait_errors(seeded, command, message):
    r = seeded.kubectl(command)
    assert (r.returncode, r.stderr) == (1, f"error: {message}\n")


def test_wait_on_a_missing_object_is_not_found(bare):
    r = bare.kubectl("wait --for=condition=Ready pod/nope")
    assert (r.returncode, r.stderr) == (1, 'Error from server (NotFound): pods "nope" not found\n')


# --- get -w -----------------------------------------------------------------------------------------------------

def test_get_watch_follows_the_virtual_clock_until_the_cluster_settles(in_repo):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    r = c.kubectl("get pods -w")
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    statuses = [line.split()[2] for line in lines[1:]]
    assert statuses[0] == "Pending" and "ContainerCreating" in statuses and statuses[-1] == "Running"
    assert lines[-1].split()[-1] == "2s"                      # the age when the event came, on the virtual clock
    # RememberWidths: a wider STATUS cell widens its column for the rows after it, not the header's
    wide = next(line for line in lines if "ContainerCreating" in line)
    assert wide.index("ContainerCreating") == lines[0].index("STATUS")
    assert c.kubectl("get pods").stdout.splitlines()[1].split()[2] == "Running"
    settled = c.kubectl("get pods -w")
    assert len(settled.stdout.splitlines()) == 2               # nothing left to change: the list, then the end


def test_get_watch_only_and_request_timeout(in_repo):
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    c.kubectl("scale deploy nginx --replicas=2")
    only = c.kubectl("get deploy --watch-only").stdout.splitlines()
    assert only[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert only[1].split()[:2] == ["nginx", "1/2"] and only[-1].split()[:2] == ["nginx", "2/2"]
    start = c.now
    timed = c.kubectl("get pods -w --request-timeout=30s")
    assert timed.ok and c.now == pytest.approx(start + 30, abs=10)
    nothing = c.kubectl("get pods --watch-only --request-timeout=5s")
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (0, "", "")   # no event, no header
    one = c.kubectl("get deploy,rs -w")
    assert (one.returncode, one.stderr) == (1, "error: you may only specify a single resource type\n")


def test_remember_widths():
    t = RememberWidths()
    assert t.flush([["NAME", "STATUS", "AGE"], ["a", "Running", "1s"]]) == "NAME   STATUS    AGE\na      Running   1s\n"
    assert t.flush([["a", "ContainerCreating", "2s"]]) == "a      ContainerCreating   2s\n"


def test_delete_wait_lets_the_clock_run_until_the_pod_is_gone(in_repo):
    c = Cluster(seed=0)
    c.kubectl("run web --image=nginx")
    c.run()
    r = c.kubectl("delete pod web")
    assert (r.returncode, r.stdout) == (0, 'pod "web" deleted from default namespace\n')
    assert c.get("pods", "web") is None                        # --wait (the default) returned once it was gone


# --- diff -------------------------------------------------------------------------------------------------------

def test_diff_shows_what_apply_would_change_and_writes_nothing(bare, manifest):
    new = bare.kubectl(f"diff -f {manifest(DEPLOYMENT)}")
    assert new.returncode == 1
    head = new.stdout.splitlines()[:4]
    assert re.fullmatch(r"diff -u -N /tmp/LIVE-\d+/apps\.v1\.Deployment\.default\.nginx "
                        r"/tmp/MERGED-\d+/apps\.v1\.Deployment\.default\.nginx", head[0])
    assert head[1].startswith("--- /tmp/LIVE-") and head[1].endswith("\t2026-01-01 00:00:00.000000000 +0000")
    assert head[3] == "@@ -0,0 +1,43 @@" or head[3].startswith("@@ -0,0 +1,")
    assert "+  replicas: 1" in new.stdout and "managedFields" not in new.stdout
    assert bare.get("deployments", "nginx") is None
    assert bare.kubectl("apply -f deployment.yaml").ok
    same = bare.kubectl("diff -f deployment.yaml")
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")
    rv = bare.get("deployments", "nginx")["metadata"]["resourceVersion"]
    changed = bare.kubectl(f"diff -f {manifest(CHANGED, 'changed.yaml')}")
    assert changed.returncode == 1
    body = changed.stdout.splitlines()[3:]
    assert ["-  generation: 1", "+  generation: 2"] == [x for x in body if "generation" in x]
    assert ["-  replicas: 1", "+  replicas: 2"] == [x for x in body if "replicas: " in x and x[0] in "+-"]
    assert ["-      - image: nginx:1.25", "+      - image: nginx:1.26"] == [x for x in body if "image: nginx" in x]
    assert bare.get("deployments", "nginx")["metadata"]["resourceVersion"] == rv        # a dry run only


def test_diff_is_deterministic_from_the_seed(manifest):
    outs = []
    for _ in range(2):
        c = Cluster(components=[], seed=3)
        outs.append(c.kubectl(f"diff -f {manifest(DEPLOYMENT)}").stdout)
    assert outs[0] == outs[1]


def test_diff_errors_exit_two(bare, manifest):
    extra = bare.kubectl(f"diff -f {manifest(DEPLOYMENT)} extra")
    assert (extra.returncode, extra.stderr) == (2, "error: Unexpected args: [extra]\n"
                                                   "See 'kubectl diff -h' for help and examples\n")
    missing = bare.kubectl("diff -f nope.yaml")
    assert (missing.returncode, missing.stderr) == (2, 'error: the path "nope.yaml" does not exist\n')


def test_unified_matches_gnu_diff_shapes():
    assert unified("a", "b", "x\n", "x\n", "T") == ""
    assert unified("a", "b", "", "x\n", "T") == "diff -u -N a b\n--- a\tT\n+++ b\tT\n@@ -0,0 +1 @@\n+x\n"


# --- the real kubectl against `kubeteach serve` -------------------------------------------------------------------

def _body(diff_text: str) -> list[str]:
    """A diff without its temporary paths and file times (kubectl's are random and wall-clock)."""
    return [line for line in diff_text.splitlines() if not line.startswith(("diff ", "--- ", "+++ "))]


def _masked(text: str) -> str:
    """Output with the parts two different clusters differ in (uids, times, ages) masked."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UID", text)
    return re.sub(r'"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ"', "TIME", text)


def test_the_real_kubectl_prints_what_the_embedded_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    kubeconfig = tmp_path / "kubeconfig"
    (tmp_path / "d.yaml").write_text(DEPLOYMENT)
    (tmp_path / "d2.yaml").write_text(CHANGED)
    c = Cluster(seed=0)
    commands = [
        ["taint", "nodes", "node-1", "dedicated=special:NoSchedule"],
        ["taint", "nodes", "node-1", "dedicated=other:NoSchedule"],
        ["taint", "nodes", "node-1", "dedicated=other:NoSchedule", "--overwrite"],
        ["taint", "nodes", "node-1", "dedicated:NoSchedule-"],
        ["taint", "nodes", "node-1", "dedicated-"],
        ["taint", "nodes", "node-1", "foo=bar:Bad"],
        ["taint", "nodes", "node-1", "a=b:NoSchedule", "a-"],
        ["taint", "nodes", "--all", "a=b:NoExecute", "--dry-run=server"],
        ["taint", "pods", "x", "a=b:NoExecute"],
        ["taint", "nodes", "nope", "a=b:NoExecute"],
        ["run", "web", "--image=nginx:1.25"],
        ["run", "web2"],
        ["run", "web3", "--image=Nginx"],
        ["run", "web6", "--image=nginx", "--restart=Sometimes"],
        ["run", "web4", "--image=nginx", "--restart=Never", "--port=80", "--labels=app=x,tier=z", "--env=A=1",
         "--dry-run=client", "-o", "yaml"],
        ["diff", "-f", "d.yaml"],
        ["apply", "-f", "d.yaml"],
        ["wait", "--for=condition=Available", "deployment/nginx", "--timeout=60s"],
        ["wait", "--for=jsonpath={.status.readyReplicas}=1", "deployment/nginx"],
        ["wait", "--for=bogus", "deployment/nginx"],
        ["wait", "--for=condition=Ready", "pod/nope"],
        ["wait", "--for=delete", "pod/nope"],
        ["diff", "-f", "d.yaml"],
        ["diff", "-f", "d2.yaml"],
        ["diff", "-f", "d2.yaml", "extra"],
    ]
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, cwd=tmp_path, timeout=90)
        monkeypatch.chdir(tmp_path)
        for argv in commands:
            real = run(*argv)
            mine = c.kubectl(" ".join(argv))
            if argv[0] == "diff":
                assert (real.returncode, _masked("\n".join(_body(real.stdout)))) == \
                    (mine.returncode, _masked("\n".join(_body(mine.stdout)))), argv
                assert real.stderr == mine.stderr, argv
                continue
            assert (real.returncode, real.stdout, real.stderr) == (mine.returncode, mine.stdout, mine.stderr), argv
            if argv[0] == "apply":
                c.run()
        timed = run("wait", "--for=condition=Available=false", "deployment/nginx", "--timeout=2s")
        assert (timed.returncode, timed.stderr) == (1, "error: timed out waiting for the condition on "
                                                       "deployments/nginx\n")


def test_delete_wait_times_out_as_kubectl_says(bare):
    """A finalizer keeps the object: delete --wait gives up after --timeout with wait's own error (delete.go runs
    cmdwait.IsDeleted); --wait=false does not wait."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "held", "finalizers": ["example.com/hold"]},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    bare.client().create("pods", pod, "default")
    r = bare.kubectl("delete pod held --timeout=5s")
    assert (r.returncode, r.stdout, r.stderr) == (1, 'pod "held" deleted from default namespace\n',
                                                  "error: timed out waiting for the condition on pods/held\n")
    assert bare.get("pods", "held")["metadata"].get("deletionTimestamp")
    assert bare.kubectl("delete pod held --wait=false").ok
