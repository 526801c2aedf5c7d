"""The mock interview: key points from a real run, scoring a good and a poor answer, the drawn follow-ups, the widget."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kubeteach import interview
from kubeteach.cluster import Cluster
from kubeteach.widgets import MockInterview

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def story() -> Cluster:
    """The capstone's story on seed 0: create, delete the pod (self-healing), set image 1.26 (a rollout)."""
    c = Cluster(seed=0)
    assert c.kubectl(f"create -f {ROOT / 'data/deployment.yaml'}").returncode == 0
    c.run()
    pod = c.list("pods")[0]["metadata"]["name"]
    assert c.kubectl(f"delete pod {pod}").returncode == 0
    c.run()
    assert c.kubectl("set image deployment/nginx nginx=nginx:1.26").returncode == 0
    c.run()
    return c


def good_answer(c: Cluster) -> str:
    """An answer that says every step, with this run's names (read from the cluster, not from the key points)."""
    rss = sorted(c.list("replicasets"), key=lambda o: o["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    old = rss[0]["metadata"]["name"]
    first = [r for r in c.trace if r.action == "bound"][0]
    ip = [r for r in c.trace if r.action == "kubelet-sandbox"][0].detail["ip"]
    return (f"kubectl reads my kubeconfig and sends an HTTP POST to kube-apiserver. The API server authenticates my x509 "
            f"certificate, authorizes the request with RBAC, runs mutating admission, validates the Deployment and "
            f"stores it in etcd. The deployment-controller hears of it through its informer's watch and creates "
            f"ReplicaSet {old}; the replicaset-controller creates pod {first.detail['pod']}. The scheduler filters "
            f"and scores the nodes and posts a Binding to {first.detail['node']}. The kubelet there calls the runtime "
            f"over CRI for a sandbox, CNI gives it {ip}, it pulls nginx:1.25 and starts the container. If the pod "
            f"goes away, the replicaset-controller compares desired and actual state and creates a new pod. A set image "
            f"changes the template, so the pod-template-hash changes and a new ReplicaSet appears; the rollout keeps "
            f"replicas plus maxSurge at most and replicas minus maxUnavailable available, and old pods go only as new "
            f"ones become ready. The old ReplicaSet stays for rollout undo.")


def test_key_points_quote_the_names_of_the_learners_own_run(story):
    points = interview.key_points(story)
    assert {k.step for k in points} == set(range(1, 9)) == set(interview.STEPS)
    text = "\n".join(k.text for k in points)
    rss = [r.detail["rs"] for r in story.trace if r.action == "create-rs"]
    bound = [r for r in story.trace if r.action == "bound"][0]
    ip = [r for r in story.trace if r.action == "kubelet-sandbox"][0].detail["ip"]
    assert len(rss) == 2
    for name in ("Deployment nginx", f"ReplicaSet {rss[0]}", f"Pod {bound.detail['pod']}", bound.detail["node"], ip,
                 "nginx:1.25", "nginx:1.26", rss[1], "/registry/deployments/default/nginx"):
        assert name in text, name
    assert all(k.seen for k in points)                       # the story shows all eight steps
    fresh = Cluster(seed=0)
    fresh.kubectl(f"create -f {ROOT / 'data/deployment.yaml'}")
    fresh.run()
    unseen = {k.step for k in interview.key_points(fresh) if not k.seen}
    assert unseen == {6, 7, 8}                               # no delete, no update yet: said, not hidden


def test_each_key_point_links_to_a_heading_of_its_lesson():
    points = interview.key_points(Cluster(seed=0))
    for k in points:
        nb = json.loads((ROOT / "notebooks" / k.lesson).read_text())
        headings = {re.sub(r"^#+\s*", "", line).strip() for cell in nb["cells"] if cell["cell_type"] == "markdown"
                    for line in "".join(cell["source"]).splitlines() if line.startswith("#")}
        assert k.heading in headings, (k.lesson, k.heading)
        assert k.link == f"{k.lesson}#{k.heading.replace(' ', '-')}" and " " not in k.link


def test_a_good_answer_covers_every_point_and_a_poor_one_misses_most(story):
    good = interview.score(good_answer(story), story)
    assert good.covered == good.total == len(interview.key_points(story)), str(good)
    assert all(not s.missed for s in good.steps)
    poor = interview.score("The scheduler does docker run on a server and the pod works. Then I update it.", story)
    assert poor.covered <= 2 and poor.total == good.total
    missed = {k.step for k in poor.missed()}
    assert missed == set(range(1, 9))
    text = str(poor)
    assert text.startswith(f"Your answer: 16 words; it mentions {poor.covered} of {poor.total} key points.")
    assert "→ 04-scheduling.ipynb#The-picture:-Filter-and-Score" in text
    assert interview.CANNOT_JUDGE in text and "order" in interview.CANNOT_JUDGE and "correct" in interview.CANNOT_JUDGE


def test_keyword_matching_is_honestly_only_keyword_matching(story):
    """A wrong claim with the right words still counts; the report says it cannot judge that."""
    wrong = interview.score("The scheduler filters and scores the nodes, then starts the container itself.", story)
    step4 = wrong.steps[3]
    assert [k.text.split(":")[0] for k in step4.covered] == ["the scheduler filters the nodes that fit, then scores them"]
    assert "starts the container" not in "".join(k.text for k in step4.covered)
    assert "wrong sentence with the right words counts" in str(wrong)
    # word starts only: "etcd" inside another word does not count, case and spacing do not matter
    assert interview.score("ETCD   stores it", story).steps[1].covered
    assert not interview.score("xetcd stores it", story).steps[1].covered


def test_followups_are_drawn_by_seed_from_the_fixed_thirty():
    assert len(interview.FOLLOWUPS) == 30 == len(set(interview.FOLLOWUPS))
    assert interview.draw_followups(0) == interview.draw_followups(0)
    drawn = {tuple(interview.draw_followups(seed)) for seed in range(10)}
    assert len(drawn) > 1 and all(len(set(d)) == 3 and set(d) <= set(interview.FOLLOWUPS) for d in drawn)
    assert interview.draw_followups(3, n=5)[:3] != interview.draw_followups(4, n=5)[:3]


def test_the_widget_headless_counts_down_and_checks(story):
    m = MockInterview(story, seed=1, minutes=2)
    assert m.followups == interview.draw_followups(1)
    for q in m.followups:
        assert q.replace("'", "&#x27;") in m.question.value or q in m.question.value
    assert m.clock.value == "2:00 left of 2 minutes" and m.timer.max == 120 and m.timer.interval == 1000
    m.timer.value = 75                                        # the browser's Play widget advances this each second
    assert m.clock.value == "0:45 left of 2 minutes"
    m.timer.value = 120
    assert m.clock.value == "time is up (2 minutes)"
    assert repr(m) == "MockInterview(seed=1, time is up (2 minutes), unchecked)"
    m.answer.value = good_answer(story)
    m.check_button.click()
    assert m.report is not None and m.report.covered == m.report.total
    assert m.result.value.count('class="kt-covered"') == m.report.total and 'class="kt-missed"' not in m.result.value
    m.answer.value = "kubectl sends it to the API server."
    m.check_button.click()
    missed = m.report.missed()
    assert m.result.value.count('class="kt-missed"') == len(missed) > 0
    assert '<a href="01-kubectl-and-authentication.ipynb#Authentication:-who-are-you?">' in m.result.value
    assert "cannot judge the order" in m.result.value
    with pytest.raises(ValueError):
        MockInterview(story, minutes=0)

