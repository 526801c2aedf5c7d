"""The interview answer is written from the learner's own trace: real names, and honest gaps; the spoken forms
(1, 2, 5 minutes) keep to their length, the eight steps in order and one detail per step from the run."""

import re

import pytest

from kubeteach import Cluster
from kubeteach.answer import interview_answer
from kubeteach.assembly import default_definition
from kubeteach.cli import main
from kubeteach.spoken import DETAILS, STEPS, WORDS


def created(seed: int = 0) -> Cluster:
    c = Cluster(seed=seed)
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run()
    return c


def test_no_create_yet_says_what_to_run():
    assert "no `kubectl create` of a Deployment yet" in interview_answer(Cluster(components=[]))


def test_answer_uses_the_real_names_of_this_trace(in_repo):
    c = created()
    rs = c.list("replicasets")[0]
    pod = c.list("pods")[0]
    text = interview_answer(c)
    assert text.count("\n\n") == 7 and text.startswith("1. **kubectl**")
    assert f"creates ReplicaSet {rs['metadata']['name']} with revision 1" in text
    assert f"pod-template-hash {rs['metadata']['labels']['pod-template-hash']}" in text
    assert f"and picks {pod['spec']['nodeName']}" in text
    assert f"gives it {pod['status']['podIP']} from the node's podCIDR" in text
    assert "at /registry/deployments/default/nginx (revision " in text
    # the hops that have not happened are named as gaps, with the command that would show them
    assert "6. **self-healing** — Not in your trace yet: try `c.faults.kill_pod(name)`" in text
    assert "7. **update trigger** — Not in your trace yet" in text


def test_self_healing_and_update_appear_once_they_happen(in_repo):
    c = created()
    first = c.list("pods")[0]["metadata"]["name"]
    c.faults.kill_pod(first)
    c.run()
    replacement = [p["metadata"]["name"] for p in c.list("pods") if p["metadata"]["name"] != first]
    old_rs = c.list("replicasets")[0]["metadata"]["name"]
    assert c.kubectl("set image deployment/nginx nginx=nginx:1.26").returncode == 0
    c.run()
    new_rs = [r["metadata"]["name"] for r in c.list("replicasets") if r["metadata"]["name"] != old_rs][0]
    text = interview_answer(c)
    assert f"When default/{first} was hit (kill pod)" in text
    assert f"created {replacement[0]}" in text
    assert f"changes its hash: {old_rs.split('-')[-1]} → {new_rs.split('-')[-1]}" in text
    assert f"creates {new_rs}, named after the new hash (revision 2)" in text
    assert "ignoring the pod-template-hash label" in text
    assert "Not in your trace yet" not in text
    short = interview_answer(c.trace, short=True)
    assert "\n" not in short and f"so {new_rs} (named after the new template" in short


def test_cli_answer_prints_the_same_answer(in_repo, capsys):
    assert main(["answer", "--short"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("kubectl sends the Deployment to kube-apiserver") and "nginx-" in out
    assert main(["answer", "data/missing.yaml"]) == 1
    assert "error: the path \"data/missing.yaml\" does not exist" in capsys.readouterr().err


# --- the spoken answer (issue #18): 1, 2 or 5 minutes, one detail per step from the learner's own run ----------

#: the Kubernetes constants a spoken answer may cite; anything else numeric must be one of the run's details
CONSTANTS = {"1", "25%", "201", "300", "401", "403", "600"}
#: a word each step's paragraph must use, in the seed's order
STEP_WORDS = ["kubectl", "API server", "Deployment controller", "scheduler", "kubelet", "ReplicaSet controller",
              "template", "maxSurge"]

SHOP = """apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
"""


def story(tmp_path, seed: int = 11) -> tuple:
    """A run that is not the default one: another seed, node names, pod CIDR and Deployment; then a lost pod and an
    update. Returns the cluster and the details a spoken answer may name, read from the API objects at each stage."""
    definition = default_definition()
    definition["nodes"]["namePrefix"] = "worker-"
    definition["cluster"]["podCIDR"] = "10.32.0.0/16"
    definition["seed"] = seed
    c = Cluster(definition=definition)
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(SHOP)
    assert c.kubectl(f"create -f {manifest}").returncode == 0
    c.run()
    first = sorted(c.list("pods"), key=lambda p: p["metadata"]["creationTimestamp"] + p["metadata"]["name"])
    old_rs = c.list("replicasets")[0]["metadata"]["name"]
    victim = first[0]["metadata"]["name"]
    c.faults.kill_pod(victim)
    c.run()
    replacement = [p["metadata"]["name"] for p in c.list("pods") if p["metadata"]["name"] not in
                   {q["metadata"]["name"] for q in first}]
    assert c.kubectl("set image deployment/shop web=nginx:1.26").returncode == 0
    c.run()
    new_rs = [r["metadata"]["name"] for r in c.list("replicasets") if r["metadata"]["name"] != old_rs][0]
    node_ips = {p["spec"]["nodeName"]: p["status"]["podIP"] for p in first}
    details = ["shop", "/registry/deployments/default/shop", old_rs, None, None, replacement[0],
               new_rs.removeprefix("shop-"), new_rs]
    return c, details, node_ips, {p["metadata"]["name"] for p in first}


def tokens_of(c: Cluster) -> set[str]:
    """Every run-specific name a sentence could carry: objects, nodes, IPs, hashes, the etcd key."""
    found = {"shop", "/registry/deployments/default/shop"}
    for r in c.trace:
        for value in (r.object.rpartition("/")[2], r.detail.get("rs"), r.detail.get("hash"), r.detail.get("ip"),
                      r.detail.get("winner")):
            if isinstance(value, str) and len(value) > 3:
                found.add(value)
    found |= {n["metadata"]["name"] for n in c.list("nodes")}
    hashes = {r.detail["hash"] for r in c.trace if r.action == "create-rs"}
    return {t for t in found if "shop" in t or t.startswith("worker-") or re.fullmatch(r"[\d.]+", t) or t in hashes}


def named(paragraph: str, tokens: set[str]) -> set[str]:
    """The run details a paragraph names (a pod name counts once, not also as its ReplicaSet's and hash's)."""
    hits = {t for t in tokens if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", paragraph)}
    return {t for t in hits if not any(t != u and t in u for u in hits)}


def test_two_minutes_is_spoken_length_with_one_detail_per_step_from_this_run(in_repo, tmp_path):
    c, details, node_ips, first_pods = story(tmp_path)
    text = interview_answer(c, minutes=2)
    assert 250 <= len(text.split()) <= 350
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 9 and paragraphs[0].startswith("The mechanism first")
    tokens = tokens_of(c)
    for step, (para, word, detail) in enumerate(zip(paragraphs[1:], STEP_WORDS, details, strict=True), 1):
        assert word in para, (step, para)
        said = named(para, tokens)
        assert len(said) <= 1, (step, said)
        if detail is not None:
            assert said == {detail}, (step, said, detail)
    # the scheduler's node and the kubelet's IP belong to one of the first pods (the one that was killed)
    (node,) = named(paragraphs[4], tokens)
    (ip,) = named(paragraphs[5], tokens)
    assert node.startswith("worker-") and node_ips[node] == ip and ip.startswith("10.32.")
    # no revision numbers, byte counts or scores: only details and Kubernetes constants carry digits
    rest = text
    for t in sorted(tokens, key=len, reverse=True):
        rest = rest.replace(t, "")
    assert set(re.findall(r"\d+%?", rest)) <= CONSTANTS
    assert "revision" not in text.lower() and "bytes" not in text and "score " not in text
    stored = next(r for r in c.trace if r.action == "stored" and r.object.endswith("/deployments/default/shop"))
    assert f" {stored.detail['revision']}" not in text
    # the order claim: defaults are filled in while decoding, before mutating admission
    assert "fills in defaults while decoding, then runs mutating admission" in paragraphs[2]
    assert "admission and defaulting" not in text


@pytest.mark.parametrize("minutes", [1, 5])
def test_one_and_five_minutes_keep_their_length_and_the_steps(in_repo, tmp_path, minutes):
    c, details, _, _ = story(tmp_path, seed=3)
    text = interview_answer(c, minutes=minutes)
    low, high = WORDS[minutes]
    assert low <= len(text.split()) <= high and (low, high) == {1: (120, 180), 5: (650, 850)}[minutes]
    paragraphs = text.split("\n\n")
    tokens = tokens_of(c)
    assert len(paragraphs) == 9
    if minutes == 1:
        details[1] = None       # the 1-minute answer names no etcd key
    for step, (para, detail) in enumerate(zip(paragraphs[1:], details, strict=True), 1):
        said = named(para, tokens)
        assert len(said) <= 1 and (detail is None or said == {detail}), (step, said)
    assert not named(paragraphs[2], tokens) if minutes == 1 else True
    rest = text
    for t in sorted(tokens, key=len, reverse=True):
        rest = rest.replace(t, "")
    assert set(re.findall(r"\d+%?", rest)) <= CONSTANTS


def test_evidence_lines_are_this_trace_s_lines(in_repo, tmp_path):
    c, _, _, _ = story(tmp_path)
    plain = interview_answer(c, minutes=2)
    text = interview_answer(c, minutes=2, evidence=True)
    lines = set(map(str, c.trace))
    evidence = [line[4:] for line in text.splitlines() if line.startswith("    ")]
    assert len(evidence) >= 12 and all(e in lines for e in evidence)
    # without the evidence lines it is the same answer, one sentence a line
    sentences = [line for line in text.splitlines() if line and not line.startswith("    ")]
    assert " ".join(sentences) == " ".join(plain.split())
    # the sentence about the etcd write stands on the etcd put of this Deployment
    after = text[text.index("writes the object to etcd"):].splitlines()[1:]
    under = after[:next(i for i, line in enumerate(after) if not line.startswith("    "))]
    assert any("etcd" in line and "put /registry/deployments/default/shop at revision" in line for line in under)
    assert any("defaulting (while decoding)" in line for line in under)


def test_a_trace_without_the_update_drops_those_details_and_says_so(seeded):
    text = interview_answer(seeded, minutes=2)
    assert "a replacement. A crashed" in text and "for me)" in text and "None" not in text and "()" not in text
    assert 200 <= len(text.split()) <= 350
    evidence = interview_answer(seeded, minutes=2, evidence=True)
    update = evidence.split("\n\n")[7]
    assert update.startswith("An update starts") and "    (not in this trace yet)" in update
    for bad in (3, True, "2"):
        with pytest.raises(ValueError, match="minutes must be one of"):
            interview_answer(seeded, minutes=bad)
    with pytest.raises(ValueError, match="evidence goes with a spoken answer"):
        interview_answer(seeded, evidence=True)


def test_trace_form_says_defaulting_before_mutating_admission(seeded):
    text = interview_answer(seeded)
    assert "fills in defaults while decoding it (14 fields" in text and "then runs mutating admission" in text
    assert "admission and defaulting" not in text


def test_cli_answer_is_two_minutes_by_default(in_repo, capsys):
    assert main(["answer"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The mechanism first") and 250 <= len(out.split()) <= 350 and "revision" not in out
    assert main(["answer", "--minutes", "1"]) == 0
    assert 120 <= len(capsys.readouterr().out.split()) <= 180
    assert main(["answer", "--minutes", "5", "--evidence"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The mechanism first") and "\n    [" in out and "kubelet/node-" in out
    assert main(["answer", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. **kubectl**") and "(revision " in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--minutes", "3"], "argument --minutes: invalid choice: 3 (choose from 1, 2, 5)"),
    (["--minutes", "two"], "argument --minutes: invalid int value: 'two'"),
    (["--trace", "--minutes", "1"], "argument --minutes: not allowed with argument --trace"),
    (["--evidence", "--trace"], "argument --evidence: not allowed with argument --trace"),
    (["--short", "--evidence"], "argument --evidence: not allowed with argument --short"),
])
def test_cli_answer_refuses_bad_values_as_argparse_does(in_repo, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(["answer", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kubeteach answer") and f"kubeteach answer: error: {message}\n" in err


def test_gaps_claim_no_hop_that_did_not_happen(in_repo):
    c = Cluster(seed=0)
    c.stop("replicaset-controller")
    assert c.kubectl("create -f data/deployment.yaml").returncode == 0
    c.run()
    text = interview_answer(c)
    assert "Not in your trace yet: the replicaset-controller has not created a pod for it." in text
    assert "4. **scheduler** — Not in your trace yet: no pod has been bound to a node" in text
    step3 = interview_answer(c, minutes=2, evidence=True).split("\n\n")[3].splitlines()
    assert step3[0].startswith("The Deployment controller") and step3[1].startswith("    [")
    assert step3[2].startswith("The ReplicaSet controller") and step3[3] == "    (not in this trace yet)"


def test_each_step_of_each_spoken_form_has_one_place_for_a_detail():
    for minutes, steps in STEPS.items():
        assert len(steps) == len(DETAILS) == 8
        places = [sum(text.count("{d}") for text, _ in lines) for lines in steps]
        assert all(n <= 1 for n in places), (minutes, places)
        assert sum(places) >= 7, minutes        # the 1-minute answer names no etcd key
