"""The lessons' quizzes answer as they should (#18): each `widgets.Quiz(...)` definition of every lesson is run here,
not in the lesson, so no stored output shows a right answer. A wrong option gets the hint, a second wrong try the
answer and the explanation, the right option "Correct."; the learner's own quiz in the notebook stays untouched."""

from __future__ import annotations

import ast

import pytest
from lesson_quizzes import LESSONS, quizzes

from kubeteach import widgets

ALL = [q for path in LESSONS for q in quizzes(path)]


def build(q):
    """Run the lesson's own Quiz call (its source, with `widgets` as the lesson imports it)."""
    return eval(compile(ast.Expression(ast.parse(q.source, mode="eval").body), q.where, "eval"), {"widgets": widgets})


@pytest.mark.parametrize("q", ALL, ids=[f"{q.lesson[:2]}-c{q.cell}" for q in ALL])
def test_a_wrong_answer_gets_the_hint_and_the_right_one_is_correct(q):
    quiz = build(q)
    assert quiz.correct is None and not quiz.answered
    right = q.right if q.options is not None else q.answer[0] if isinstance(q.answer, list) else q.answer
    wrong = q.wrong[0] if q.options is not None else "certainly not " + right
    assert quiz.check(wrong) is False
    assert quiz.feedback.startswith("Not quite.") and "The answer:" not in quiz.feedback
    if q.hint:
        assert q.hint in quiz.feedback
    assert quiz.check(wrong) is False and quiz.answered
    assert f"The answer: {right}." in quiz.feedback and q.explanation in quiz.feedback
    assert quiz.check(right) is True
    assert quiz.feedback == f"Correct. {q.explanation}"


@pytest.mark.parametrize("q", [q for q in ALL if q.options is not None],
                         ids=[f"{q.lesson[:2]}-c{q.cell}" for q in ALL if q.options is not None])
def test_every_wrong_option_is_wrong(q):
    quiz = build(q)
    for option in q.wrong:
        assert quiz.check(option) is False, option
    assert quiz.check(q.right) is True


# The answers the lessons used to check in cells below their questions, pinned so a rewrite of the options
# cannot silently change which one is right.
PINNED = {
    ("00-overview", "Which component decides which Node runs the Pod?"): "kube-scheduler",
    ("01-kubectl-and-authentication", "mallory got 401 and dev got 403."):
        "401: nobody could tell who you are; 403: you are known, not allowed",
    ("02-admission-and-etcd", "What is a Deployment's metadata.resourceVersion?"): "The mod_revision of its etcd key",
    ("03-controllers", "Which object does the Deployment controller create directly?"):
        "a ReplicaSet, named after its template",
    ("03-controllers", "DESIRED 1, CURRENT 0, and no Pods."): "replicaset-controller",
    ("04-scheduling", "The web Pods use about 5m CPU each"):
        "the scheduler adds up requests (500m each) against allocatable",
    ("04-scheduling", "Why is the new nginx Pod Pending?"): "every node is cordoned (spec.unschedulable: true)",
    ("05-kubelet-cri-cni-csi", "Who runs the CNI plugin"): "the container runtime, inside CRI RunPodSandbox",
    ("05-kubelet-cri-cni-csi", "Which step of the volume's path fails?"):
        "staging on the node (NodeStageVolume, MountDevice)",
    ("06-self-healing", "You deleted the nginx pod."): "replicaset-controller",
    ("06-self-healing", "A minute later there is still no pod."):
        "the replicaset-controller is off, so no one replaces the pod",
    ("07-rolling-update", "replicas: 10 with maxSurge 25%"): "13 pods, 8 available",
    ("07-rolling-update", "The rollout stopped with 8 old pods and 5 new ones."):
        "the new pods never become available, so only maxUnavailable = 2 old pods may go",
    ("08-traffic", "The rollout is stuck"): "nothing wrong: the new pod is never ready, so it gets no traffic",
    ("08-traffic", "What takes a terminating pod out"): "the deletionTimestamp: its endpoint turns terminating, not ready",
    ("08-traffic", "A client on node-2 connects to a ClusterIP."):
        "kube-proxy's iptables rules on node-2, at random per new connection",
}


@pytest.mark.parametrize("lesson, question", list(PINNED), ids=[f"{k[0][:2]}-{k[1][:24]}" for k in PINNED])
def test_the_pinned_answers(lesson, question):
    found = [q for q in ALL if q.lesson == lesson and q.question.startswith(question)]
    assert len(found) == 1, (lesson, question)
    assert build(found[0]).check(PINNED[lesson, question]) is True
