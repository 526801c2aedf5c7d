"""Issue #18 item 2: the follow-up bank. At least 30 entries, every model answer speakable (60–120 words), every
demonstration run here and its output holding the facts its answer claims, the same text on every run, and the
`kubeteach followups` command."""

from __future__ import annotations

import re

import pytest

from kubeteach.cli import main
from kubeteach.followups import BANK, followup, listing, render

CJK = re.compile(r"[\u4e00-\u9fff]")

#: per follow-up, strings its demonstration's output must contain (each a fact the model answer states)
FACTS: dict[int, tuple[str, ...]] = {
    1: ('authenticated "admin" by x509 client certificate', "authorized create deployments.apps",
        "defaulting (while decoding)", "put /registry/deployments/default/nginx at revision",
        'User "dev" cannot create resource "deployments" in API group "apps" in the namespace "default"',
        '400 BadRequest', 'strict decoding error: unknown field "spec.replica"'),
    2: ("spec.strategy.rollingUpdate.maxSurge 25%", "spec.revisionHistoryLimit 10", "restartPolicy=Always",
        "terminationGracePeriodSeconds=30"),
    3: ("MutatingAdmissionWebhook: AdmissionReview v1 CREATE Pod", "defaulting ran again",
        "containers: demo, log-agent", 'failed calling webhook "sidecar.example.com"', "pod/tolerated created"),
    4: ('deployments.apps "nginx" already exists', "last-applied-configuration:",
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale"', "kubectl-client-side-apply"),
    5: ("writer-b's update: HTTP 409 Conflict; nothing was written", 'Operation cannot be fulfilled on deployments.apps "nginx": the object has been modified; '
        "please apply your changes to the latest version and try again", "owner=b"),
    7: ("Error from server (Timeout): Timeout: request did not complete", "renew lease failed",
        "never restarted: True", "not simulated: etcd quorum"),
    8: ("attempting to acquire leader lease kube-system/kube-controller-manager",
        "successfully acquired lease kube-system/kube-controller-manager", "leaseDurationSeconds 15",
        "leaseTransitions 1"),
    9: ("watch event ADDED deployments/default/nginx", "informer cache: deployments ['default/nginx']",
        "replicaset-controller informer cache: pods"),
    10: ("too old resource version", "410 Expired", "the reflector relists", "relist *v1.Deployment"),
    12: ("propagationPolicy Orphan", "adopted orphan ReplicaSet default/nginx-", "controller=True",
         "'pod-template-hash'"),
    13: ("after scale: nginx-6d86f5844b (the same", "no ReplicaSet has this template (pod-template-hash",
         "revision 2", "revision 1"),
    14: ("force-deleted", "2 active pods, 3 wanted; create 1", "3 active pods, 1 wanted; delete 2 ranked for deletion"),
    15: ("has no live owner (Deployment nginx", "has no live owner (ReplicaSet nginx-",
         "No resources found in default namespace."),
    16: ("nodes pass Filter", "POST /api/v1/namespaces/default/pods/web/binding", "(bound to node-",
         "409 Conflict: pod web is already assigned to node"),
    17: ("Pending", "<none>", "pod conditions after 30 s: none", "Successfully assigned default/nginx-"),
    18: ("vip: priority 1000000, nominatedNodeName node-", "DisruptionTarget=True PreemptionByScheduler",
         "preempting to accommodate a higher priority pod", "deletionGracePeriodSeconds 30",
         "Insufficient cpu", "phase Running"),
    19: ("admitted: cpu", "MountVolume.SetUp volume kube-api-access-", "CRI RunPodSandbox", "CRI CreateContainer",
         "CRI StartContainer"),
    20: ("CRI RunPodSandbox", "CNI ADD", "CRI CreateContainer", "CRI StartContainer", "CRI StopContainer web",
         "CRI StopPodSandbox", "CNI DEL released"),
    21: ("gave eth0 10.244.1.2", "gave eth0 10.244.1.3", "spec.podCIDR 10.244.1.0/24", "CNI DEL released 10.244.1."),
    22: ("CSI CreateVolume", "create VolumeAttachment csi-", "CSI ControllerPublishVolume", "CSI NodeStageVolume",
         "CSI NodePublishVolume"),
    23: ("will exit with code 1 2 times", "container web of default/web exited with code 1 (Error)",
         "running (restart #1)", "CrashLoopBackOff, restart in 10s", "not simulated: the generic PLEG relist"),
    24: ("> node-monitor-grace-period 50s", "add taint node.kubernetes.io/unreachable:NoExecute",
         "NoExecute for 300s", "(300s after the decision)", "Terminating"),
    25: ("Killing (x1): Container app failed liveness probe, will be restarted",
         "Readiness probe failed: HTTP probe failed with statuscode: 503", "unready   0/1     Running   0"),
    26: ("container wait-for-db of default/shop exited with code 0", "CRI StartContainer log-shipper",
         "CRI StopContainer log-shipper"),
    27: ("guaranteed: QoS Class: Guaranteed", "burstable: QoS Class: Burstable", "besteffort: QoS Class: BestEffort",
         "1 Insufficient cpu", "not simulated"),
    29: ("ReplicaSets: nginx-6d86f5844b=3", "kubectl.kubernetes.io/restartedAt", "nginx-6d86f5844b=0",
         "paused: ReplicaSets"),
    30: ("maxSurge = ceil(25% of 1) = 1", "maxUnavailable = floor(25% of 1) = 0", "maxSurge = ceil(25% of 10) = 3",
         "maxUnavailable = floor(25% of 10) = 2", "may not be 0 when `maxSurge` is 0"),
    31: ("deployment.apps/nginx rolled back", "image nginx:1.25, replicas 2, revision 3",
         "Progressing=False ProgressDeadlineExceeded", "no automatic rollback"),
    32: ("no readiness probe", "connection refused", "readiness probe + preStop sleep 5s   800 requests in 40 s, "
         "failed: none"),
    33: ("killContainer app with grace period 30s", "preStop sleep hook of app", "SIGTERM, SIGKILL in 25s",
         "grace period over: SIGKILL app", "exited with code 137", "Normal Killing"),
    34: ("disruptionsAllowed 0", "Cannot evict pod as it would violate the pod's disruption budget.",
         "(will retry after 5s)", "global timeout reached: 7s"),
    38: ("yes", 'is attempting to grant RBAC permissions not currently held', '{APIGroups:["*"], Resources:["*"], '
         'Verbs:["*"]}', "rolebinding.rbac.authorization.k8s.io/dev-admin created"),
    39: ("'expirationSeconds': 3607", "'name': 'kube-root-ca.crt'", "metadata.namespace",
         "mounted at /var/run/secrets/kubernetes.io/serviceaccount"),
}

_outputs: dict[int, str] = {}


def output(number: int) -> str:
    """The demonstration's output, run once per test session (the determinism test runs each a second time)."""
    if number not in _outputs:
        _outputs[number] = followup(number).demo()
    return _outputs[number]


def test_the_bank_has_at_least_30_distinct_followups_with_both_wordings():
    assert len(BANK) >= 30
    numbers = [f.number for f in BANK]
    assert numbers == sorted(set(numbers))
    for f in BANK:
        assert f.question.strip() and not CJK.search(f.question), f.number
        assert CJK.search(f.zh) and f.zh.endswith("？"), f.number
        assert f.wrong.strip() and f.sources, f.number


@pytest.mark.parametrize("f", BANK, ids=lambda f: f"Q{f.number}")
def test_every_model_answer_is_speakable_in_60_to_120_words(f):
    assert 60 <= f.words() <= 120, (f.number, f.words())
    assert "unverified" not in f.answer and "\n" not in f.answer


def test_every_followup_has_its_facts_listed_here():
    assert sorted(FACTS) == [f.number for f in BANK]


@pytest.mark.parametrize("number", sorted(FACTS), ids=lambda n: f"Q{n}")
def test_the_demonstration_shows_the_mechanism(number):
    text = output(number)
    assert "not available yet" not in text
    missing = [fact for fact in FACTS[number] if fact not in text]
    assert not missing, f"Q{number} output lacks {missing}:\n{text}"
    assert len(text.splitlines()) <= 40, "a demonstration prints a short excerpt, not the whole trace"


def _index(text: str, needle: str) -> int:
    assert needle in text, needle
    return text.index(needle)


def test_orders_the_demonstrations_claim():
    q19 = output(19)       # admit, then the sandbox, then the container
    assert _index(q19, "admitted") < _index(q19, "CRI RunPodSandbox") < _index(q19, "CRI CreateContainer") \
        < _index(q19, "CRI StartContainer")
    q26 = output(26)       # init to completion, then the sidecar, then the app; the sidecar stops after the app
    assert _index(q26, "wait-for-db of default/shop exited") < _index(q26, "StartContainer log-shipper") \
        < _index(q26, "StartContainer shop")
    assert _index(q26, "StopContainer shop") < _index(q26, "StopContainer log-shipper")
    q33 = output(33)       # Killing, the hook, the signal with what is left, SIGKILL at the deadline
    assert _index(q33, "killContainer") < _index(q33, "preStop sleep hook") < _index(q33, "SIGTERM") \
        < _index(q33, "SIGKILL app")
    q24 = output(24)       # NotReady at 55 s (50 s grace, checked every 5 s); eviction 300 s after the NoExecute taint
    assert "[  55.000s] node-lifecycle-controller" in q24 and "[ 360.100s] taint-eviction-controller evict" in q24
    q5 = output(5)
    assert _index(q5, "writer-a                PUT") < _index(q5, "writer-b                PUT") < _index(q5, "409 Conflict: Operation")
    q32 = output(32).splitlines()
    assert "connection refused" in q32[0] and "failed: none" not in q32[1] and q32[2].endswith("failed: none")


@pytest.mark.parametrize("number", [1, 5, 12, 18, 24, 32, 39], ids=lambda n: f"Q{n}")
def test_a_demonstration_prints_the_same_text_twice(number):
    assert followup(number).demo() == output(number)


def test_kubeteach_followups_lists_every_question(capsys):
    assert main(["followups"]) == 0
    out = capsys.readouterr().out
    assert out == listing() + "\n"
    assert len(out.splitlines()) == len(BANK)
    assert " 5  Two writers update the same object: what stops lost updates?" in out.splitlines()


def test_kubeteach_followups_n_prints_question_answer_wrong_answer_and_demonstration(capsys):
    assert main(["followups", "5"]) == 0
    out = capsys.readouterr().out
    f = followup(5)
    assert out.startswith(f"Q5. {f.question}\n    {f.zh}\n")
    assert f"Model answer:\n{f.answer}\n" in out
    assert f"Wrong answer to avoid: {f.wrong}" in out
    assert "Demonstration (demo_optimistic_concurrency):" in out and "the object has been modified" in out
    assert out == render(f) + "\n"


def test_kubeteach_followups_lang_zh_puts_the_chinese_question_first(capsys):
    assert main(["followups", "33", "--lang", "zh", "--no-demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Q33. {followup(33).zh}\n    {followup(33).question}\n")
    assert "Demonstration" not in out


@pytest.mark.parametrize("argv, message", [
    (["followups", "6"], "argument N: invalid choice: 6 (choose from 1, 2, 3,"),
    (["followups", "99"], "argument N: invalid choice: 99"),
    (["followups", "x"], "argument N: invalid int value: 'x'"),
    (["followups", "5", "--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
])
def test_a_bad_followup_number_is_a_usage_error(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: kubeteach followups ") and f"kubeteach followups: error: {message}" in err
