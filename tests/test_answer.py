"""The interview answer is written from the learner's own trace: real names, and honest gaps."""

from kubeteach import Cluster
from kubeteach.answer import interview_answer
from kubeteach.cli import main


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
