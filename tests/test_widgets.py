"""The widgets, driven headless by their callbacks (`button.click()`, `.value = ...`), as a learner's clicks would."""

from __future__ import annotations

import html
import re

import pytest

from kubeteach.cluster import Cluster
from kubeteach.widgets import FaultPanel, Inspector, Quiz, Stepper, Switchboard, copy_cluster

DEPLOYMENT = "create -f data/deployment.yaml"


@pytest.fixture
def lesson(in_repo) -> Cluster:
    """The default lesson: a fresh default cluster right after `kubectl create -f data/deployment.yaml`."""
    c = Cluster()
    assert c.kubectl(DEPLOYMENT).returncode == 0
    return c


def reference(steps: int) -> Cluster:
    """An independent lesson cluster stepped `steps` times with plain `cluster.step()` (the oracle)."""
    c = Cluster()
    c.kubectl(DEPLOYMENT)
    for _ in range(steps):
        assert c.step() is not None
    return c


def lines(records) -> list[str]:
    return [str(r) for r in records]


def step_until(stepper: Stepper, action: str, limit: int = 100) -> int:
    """Click Step until the last click's records hold `action`; returns the clicks made."""
    for clicks in range(1, limit + 1):
        stepper.step_button.click()
        if any(r.action == action for r in stepper.last_records):
            return clicks
    raise AssertionError(f"no {action} record within {limit} clicks")


def svg_node(svg: str, ident: str) -> str:
    """The <g> element graphviz drew for one graph node (found by its <title>), unescaped."""
    text = html.unescape(svg)
    start = text.index(f"<title>{ident}</title>")
    return text[start:text.index("</g>", start)]


def names(c: Cluster, resource: str) -> list[str]:
    return sorted(o["metadata"]["name"] for o in c.list(resource))


# --- copy_cluster ---------------------------------------------------------------------------------------------------


def test_copy_cluster_continues_with_the_identical_trace_and_leaves_the_original_alone(lesson):
    for _ in range(7):
        lesson.step()
    copy = copy_cluster(lesson)
    trace_before = len(lesson.trace)
    result = copy.run()
    assert result.settled and result.steps > 0
    assert len(lesson.trace) == trace_before            # the copy's work did not run in the original
    lesson.run()
    assert lesson.trace.text() == copy.trace.text()
    assert copy.etcd.revision == lesson.etcd.revision
    assert names(copy, "pods") == names(lesson, "pods")


# --- Stepper ----------------------------------------------------------------------------------------------------


def test_stepper_starts_at_the_cluster_clock_with_back_disabled(lesson):
    s = Stepper(lesson)
    assert s.clock.value == "t=0.000s, 0 steps"
    assert s.back_button.disabled
    assert "(no click yet)" in s.records_view.value
    assert [b.description for b in (s.step_button, s.run_button, s.back_button, s.reset_button)] == \
        ["Step", "Run", "Back", "Reset"]
    assert repr(s) == "Stepper(t=0.000s, steps=0, by=work)"


def test_step_runs_one_unit_of_work_and_shows_its_records(lesson):
    s = Stepper(lesson)
    s.step_button.click()
    ref = reference(0)
    expected = lines(ref.step())
    assert lines(s.last_records) == expected and expected
    assert s.steps == 1 and s.clock.value == f"t={ref.now:.3f}s, 1 step"
    for r in s.last_records:                  # each record's sentence, in the grouped view (viz/records.py)
        assert html.escape(r.text()) in s.records_view.value
    assert s.status.value == f"— Step: 1 unit of work, {len(expected)} trace records"
    assert not s.back_button.disabled


def test_step_draws_the_new_replicaset_and_pod_in_the_graph(lesson):
    s = Stepper(lesson)
    assert "ReplicaSet" not in s.graph_view.value and s.graph_view.value.startswith("<svg")
    step_until(s, "create-rs")
    rs = names(s.cluster, "replicasets")
    assert len(rs) == 1 and f"ReplicaSet {rs[0]}" in html.unescape(s.graph_view.value)
    assert 'stroke="#d62728"' in svg_node(s.graph_view.value, f"ReplicaSet/default/{rs[0]}")   # highlighted
    s.step_button.click()                                                   # a unit that writes nothing
    assert [r.action for r in s.last_records] == ["nothing-to-do"] and s.cluster.etcd.revision == s.since
    assert 'stroke="#d62728"' not in svg_node(s.graph_view.value, f"ReplicaSet/default/{rs[0]}")
    assert "sync default/nginx: nothing to do: " in s.records_view.value and "1 unit of work, 1 trace record" in s.status.value
    step_until(s, "create-pods")
    pods = names(s.cluster, "pods")
    assert len(pods) == 1 and f"Pod {pods[0]}" in html.unescape(s.graph_view.value)
    assert pods[0] in s.state()


def test_records_view_groups_hops_folds_routine_records_and_wraps(lesson):
    """After a Run: one group per run of a hop, routine records behind a <details> with their count, lines that
    wrap (no horizontal cut-off), every record's sentence present once, and str(r) unchanged."""
    from kubeteach.viz.records import classify, group_records
    s = Stepper(lesson, graph=False)
    s.run_button.click()
    view, recs = s.records_view.value, s.last_records
    groups = group_records(recs)
    assert sum(len(g.records) for g in groups) == len(recs) and [r for g in groups for r in g.records] == recs
    assert all(a.hop != b.hop for a, b in zip(groups, groups[1:])), "neighbouring groups must differ"
    hops = {g.hop for g in groups}
    assert {"request", "decision", "etcd", "runtime", "routine"} <= hops, hops
    assert view.count('class="kt-hop"') == sum(g.hop != "routine" for g in groups)
    folds = re.findall(r'<details class="kt-routine"[^>]*><summary[^>]*>(\d+) routine records? \(([^)]*)\)'
                       r'</summary>', view)
    assert len(folds) == sum(g.hop == "routine" for g in groups) and folds
    routine = [r for r, (_, kind) in zip(recs, classify(recs)) if kind]
    assert sum(int(n) for n, _ in folds) == len(routine)
    assert all(r.action != "nothing-to-do" or (r in routine) for r in recs)
    assert any("status write" in kinds for _, kinds in folds) and any("nothing to do" in kinds for _, kinds in folds)
    decisions = [r for g in groups if g.hop == "decision" for r in g.records]
    assert {"create-rs", "create-pods", "scheduled"} <= {r.action for r in decisions}
    assert all(r.actor == "etcd" for g in groups if g.hop == "etcd" for r in g.records)
    assert view.count('class="kt-record"') == len(recs)
    assert "white-space: pre-wrap" in view and "overflow-wrap: anywhere" in view and "white-space: pre;" not in view
    assert [str(r) for r in s.cluster.trace[-len(recs):]] == lines(recs)      # the text form is untouched


def test_records_view_colours_each_actor_the_same_way_every_time(lesson):
    from kubeteach.viz.records import ACTOR_COLORS, actor_color, record_html
    s = Stepper(lesson, graph=False)
    s.run_button.click()
    pairs = re.findall(r'<span class="kt-actor" style="color: (#[0-9a-f]{6})[^"]*">([^<]+)</span>',
                       s.records_view.value)
    colours = {}
    for color, actor in pairs:
        assert colours.setdefault(actor, color) == color, actor       # one colour per actor
    assert len({colours["deployment-controller"], colours["replicaset-controller"], colours["etcd"],
                colours["default-scheduler"], colours["kubelet/node-1"]}) == 5      # distinct components differ
    assert actor_color("kubelet/node-1") == actor_color("kubelet/node-2") == ACTOR_COLORS["kubelet"]
    assert actor_color("some-new-controller") == actor_color("some-new-controller")      # hashed, stable (crc32)
    assert actor_color("some-new-controller") == "#9467bd"
    assert record_html(s.last_records[0]) in s.records_view.value


def test_records_view_rules_on_records_put_in_an_order(lesson):
    """The hop and routine rules over real records in a chosen order: a status PUT and the etcd write serving it
    fold, with a lease renewal; the next decision and its POST do not; the earlier-records line counts what is cut."""
    from kubeteach.viz.records import classify, records_html
    lesson.run()
    lesson.run(15)                                                      # past the first lease renewal
    t = lesson.trace

    def first(test):
        return next(i for i, r in enumerate(t) if test(r))
    put = first(lambda r: r.action == "request" and r.object.endswith("/status") and r.actor.startswith("kubelet"))
    post = first(lambda r: r.action == "request" and r.detail.get("method") == "POST" and r.object.endswith("/pods"))
    assert t[put + 1].action == t[post + 1].action == "stored"
    recs = [t[put], t[put + 1], t[first(lambda r: r.action == "kubelet-lease")],
            t[first(lambda r: r.action == "create-pods")], t[post], t[post + 1],
            t[first(lambda r: r.action == "kubelet-start")]]
    assert classify(recs) == [("request", "status write"), ("etcd", "status write"), ("runtime", "lease renewal"),
                              ("decision", ""), ("request", ""), ("etcd", ""), ("runtime", "")]
    view = records_html(recs, earlier=7)
    assert "… 7 earlier records of this click not shown" in view
    assert view.count("<details") == 1 and "3 routine records (2 status writes, 1 lease renewal)" in view
    assert re.findall(r'data-hop="(\w+)"', view) == ["decision", "request", "etcd", "runtime"]
    assert records_html([], empty="(no click yet)").count("(no click yet)") == 1


def test_back_restores_the_clock_and_trace_and_the_next_step_reproduces_the_records(lesson):
    s = Stepper(lesson)
    for _ in range(7):
        s.step_button.click()
    now, trace_len, revision = s.cluster.now, len(s.cluster.trace), s.cluster.etcd.revision
    clock, graph = s.clock.value, s.graph_view.value
    s.step_button.click()
    undone = lines(s.last_records)
    assert undone and len(s.cluster.trace) > trace_len
    s.back_button.click()
    assert (s.cluster.now, len(s.cluster.trace), s.cluster.etcd.revision) == (now, trace_len, revision)
    assert s.clock.value == clock and s.steps == 7
    assert s.graph_view.value == graph
    assert s.cluster is not lesson                       # the notebook's `c` still holds the old cluster
    s.step_button.click()
    assert lines(s.last_records) == undone
    assert s.cluster.trace.text() == lesson.trace.text()


def test_back_with_nothing_to_undo_says_so(lesson):
    s = Stepper(lesson)
    assert s.back() is False
    assert s.status.value == "— Back: nothing to undo"


def test_reset_returns_to_the_state_at_creation_and_back_undoes_it(lesson):
    s = Stepper(lesson)
    start_trace, start_rev = len(lesson.trace), lesson.etcd.revision
    for _ in range(9):
        s.step_button.click()
    at_nine = (s.cluster.now, len(s.cluster.trace))
    s.reset_button.click()
    assert s.clock.value == "t=0.000s, 0 steps"
    assert (len(s.cluster.trace), s.cluster.etcd.revision) == (start_trace, start_rev)
    assert s.cluster.list("replicasets") == []
    s.back_button.click()
    assert (s.cluster.now, len(s.cluster.trace)) == at_nine and s.steps == 9
    s.reset_button.click()
    s.run_button.click()
    ref = reference(0)
    ref.run()
    assert s.cluster.trace.text() == ref.trace.text()


def test_step_by_api_request_stops_at_the_first_unit_that_sends_a_request(lesson):
    s = Stepper(lesson, by="request")
    start = len(lesson.trace)
    s.step_button.click()
    ref = reference(0)
    units, last = 0, []
    while not any(r.action == "request" for r in last):
        units += 1
        last = ref.step()
    assert units == 1            # the cluster has booted: the first unit is syncDeployment, which POSTs the RS
    assert s.steps == units
    assert lines(s.last_records) == lines(ref.trace[start:])
    assert [r.action for r in s.last_records].count("request") >= 1
    assert s.status.value.startswith("— Step to the next API request: 1 unit of work, ")


def test_run_settles_and_reports_the_steps(lesson):
    s = Stepper(lesson)
    s.run_button.click()
    ref = reference(0)
    result = ref.run()
    assert s.steps == result.steps
    assert s.status.value == f"— Run: {result.steps} steps to t={result.time:.3f}s, settled"
    pod = names(ref, "pods")[0]
    assert s.state().startswith(f"t={result.time:.3f}s steps={result.steps} pods: {pod} Running | ")
    s.step_button.click()
    assert s.status.value.startswith("— settled: nothing is due") and s.steps == result.steps


def test_a_cluster_that_cannot_be_copied_steps_without_back_and_reset(lesson, monkeypatch):
    import kubeteach.widgets.stepper as stepper_module

    monkeypatch.setattr(stepper_module, "Etcd", type("OtherStore", (), {}))   # as with Cluster(etcd="http://…")
    s = Stepper(lesson)
    assert s.undoable is False and s.back_button.disabled and s.reset_button.disabled
    assert s.status.value == "— ready; Back and Reset are off: a cluster on a real etcd cannot be copied"
    s.step_button.click()
    assert s.steps == 1 and s.back_button.disabled and s.cluster is lesson
    s.reset()
    assert s.status.value == "— Reset is off: a cluster on a real etcd cannot be copied" and s.steps == 1


def test_widgets_show_plain_text_outside_jupyter(lesson):
    s = Stepper(lesson)
    for widget, text in ((s, "Stepper(t=0.000s, steps=0, by=work)"),
                         (Switchboard(lesson), "Switchboard(23 components, stopped: none)"),
                         (FaultPanel(lesson), "FaultPanel(pod=None, node=node-1, image=busybox:1.36)"),
                         (Quiz("q?", None, "a", "because"), "Quiz('q?', unanswered)")):
        assert repr(widget) == text
        assert widget._repr_mimebundle_()["text/plain"] == text


def test_same_clicks_same_view(in_repo):
    views = []
    for _ in range(2):
        c = Cluster()
        c.kubectl(DEPLOYMENT)
        s = Stepper(c, by="request")
        for _ in range(4):
            s.step_button.click()
        views.append((s.clock.value, s.status.value, s.records_view.value, s.state()))
    assert views[0] == views[1]
    assert "0x" not in views[0][2]


# --- Switchboard ------------------------------------------------------------------------------------------------


def test_switchboard_stops_the_scheduler_and_pods_stay_pending(lesson):
    s = Stepper(lesson)
    board = Switchboard(s)
    assert list(board.toggles)[-7:] == ["kube-scheduler", "kubelet/node-1", "kubelet/node-2", "kubelet/node-3",
                                        "kube-proxy/node-1", "kube-proxy/node-2", "kube-proxy/node-3"]
    toggle = board.toggles["kube-scheduler"]
    assert toggle.value is True and toggle.description == "kube-scheduler: running"
    toggle.value = False
    assert toggle.description == "kube-scheduler: stopped"
    assert repr(board) == "Switchboard(23 components, stopped: kube-scheduler)"
    s.run_button.click()
    pods = s.cluster.list("pods")
    assert len(pods) == 1 and pods[0]["status"]["phase"] == "Pending" and "nodeName" not in pods[0]["spec"]
    toggle.value = True
    s.run_button.click()
    assert s.cluster.list("pods")[0]["status"]["phase"] == "Running"
    s.reset_button.click()                               # the board follows the restored cluster
    assert board.cluster is s.cluster and board.toggles["kube-scheduler"].value is True


# --- FaultPanel -------------------------------------------------------------------------------------------------


def test_fault_panel_kills_a_pod_and_reports_the_fault(lesson):
    lesson.run()
    panel = FaultPanel(lesson)
    [pod] = names(lesson, "pods")
    node = lesson.get("pod", pod)["spec"]["nodeName"]
    assert panel.pod.value == pod and panel.node.options == ("node-1", "node-2", "node-3")
    panel.buttons["Kill pod"].click()
    assert panel.last_result.startswith(f"[   2.410s] faults                  fault: pod default/{pod} is "
                                        f"force-deleted (grace period 0, ")
    assert f"its containers on {node} are killed (nginx, exit 137)" in panel.last_result
    assert lesson.get("pod", pod) is None and panel.pod.options == ()
    lesson.run()
    [new] = names(lesson, "pods")
    assert new != pod
    panel.refresh()
    assert panel.pod.value == new


def test_fault_panel_fails_a_node_and_shows_errors(lesson):
    board, panel = Switchboard(lesson), FaultPanel(lesson)
    panel.node.value = "node-2"
    panel.buttons["Fail node"].click()
    assert panel.last_result.endswith("fault: node node-2 fails; its kubelet stops syncing pods and renewing its Lease")
    board.refresh()
    assert board.toggles["kubelet/node-2"].description == "kubelet/node-2: stopped"
    assert panel.inject("Kill pod", "nope") == 'Error from server (NotFound): pods "nope" not found'
    assert panel.inject("Break image", "nope:1") == "error: image 'nope' is not in the registry"
    panel.image.value = "nginx:1.25"
    panel.buttons["Break image"].click()
    assert "nginx:1.25" not in panel.image.options


def test_back_undoes_a_fault_injected_through_a_panel_that_follows_the_stepper(lesson):
    s = Stepper(lesson)
    panel = FaultPanel(s)
    s.run_button.click()
    assert panel.pod.options == tuple(names(s.cluster, "pods"))        # refreshed after the click
    [pod] = names(s.cluster, "pods")
    trace_len = len(s.cluster.trace)
    panel.buttons["Kill pod"].click()
    assert s.cluster.get("pod", pod) is None
    assert "deleted at rev" in svg_node(s.graph_view.value, f"Pod/default/{pod}")   # the Stepper redrew
    s.back_button.click()
    assert s.cluster.get("pod", pod)["status"]["phase"] == "Running" and len(s.cluster.trace) == trace_len
    assert panel.cluster is s.cluster and panel.pod.value == pod


# --- Inspector --------------------------------------------------------------------------------------------------


def test_inspector_shows_yaml_and_the_diff_since_the_previous_click(lesson):
    s = Stepper(lesson)
    ins = Inspector(s)
    assert ins.kind.value == "Deployment" and ins.object.value == "nginx"
    assert ins.kind.options[:2] == ("Deployment", "Node")   # no ReplicaSet or Pod yet
    assert "name: nginx" in ins.yaml_text and "image: nginx:1.25" in ins.yaml_text
    step_until(s, "create-rs")                          # the deployment controller also writes the status
    assert "ReplicaSet" in ins.kind.options
    assert ins.since == s.since
    assert ins.diff_text.startswith("---") and "+  observedGeneration: 1" in ins.diff_text
    ins.kind.value = "ReplicaSet"
    assert ins.object.value == names(s.cluster, "rs")[0]
    assert ins.diff_text == f"created since revision {s.since}"
    s.back_button.click()
    assert "ReplicaSet" not in ins.kind.options


def test_inspector_on_a_cluster_diffs_from_its_previous_refresh(lesson):
    ins = Inspector(lesson)
    ins.select("Deployment", "nginx")
    assert ins.diff_text == f"unchanged since revision {lesson.etcd.revision}"
    lesson.kubectl("scale deployment nginx --replicas=3")
    ins.refresh()
    assert "-  replicas: 1" in ins.diff_text and "+  replicas: 3" in ins.diff_text
    ins.refresh()
    assert ins.diff_text.startswith("unchanged since revision")


# --- Quiz -------------------------------------------------------------------------------------------------------


def test_quiz_multiple_choice_wrong_then_right():
    q = Quiz("Who sets spec.nodeName?", ["kubelet", "kube-scheduler", "etcd"], "kube-scheduler",
             "The scheduler binds the pod.", hint="Which component picks nodes?")
    assert q.correct is None and q.check() is None and q.feedback == "Choose an answer first."
    q.input.value = "kubelet"
    q.check_button.click()
    assert q.correct is False
    assert q.feedback == "Not quite. Hint: Which component picks nodes? Try again."
    assert "Not quite." in q.feedback_view.value and not q.answered
    assert q.check("kube-scheduler") is True
    assert q.feedback == "Correct. The scheduler binds the pod." and q.answered
    assert repr(q) == "Quiz('Who sets spec.nodeName?', correct)"


def test_quiz_reveals_the_answer_after_two_wrong_tries():
    q = Quiz("Pick one", ["a", "b"], 1, "b is right.")
    assert q.check("a") is False and q.feedback == "Not quite. Try again."
    assert q.check("a") is False
    assert q.feedback == "Not quite. The answer: b. b is right." and q.answered


def test_quiz_short_answer_ignores_case_and_whitespace_and_takes_several_answers():
    q = Quiz("Which store holds the objects?", None, ["etcd", "etcd3"], "The API server writes etcd.")
    assert q.check("   ") is None and q.feedback == "Type an answer first."
    assert q.check("  ETCD ") is True
    assert q.check("Etcd3") is True
    assert q.check("redis") is False
    with pytest.raises(ValueError):
        Quiz("q", ["a"], "b", "x")


def test_a_quiz_copy_is_checked_without_touching_the_original():
    q = Quiz("Who binds pods?", ["kubelet", "kube-scheduler"], "kube-scheduler", "It writes a Binding.",
                     hint="Not the node agent.")
    demo = q.copy()
    assert demo.check("kubelet") is False and demo.feedback == "Not quite. Hint: Not the node agent. Try again."
    assert demo.check("kube-scheduler") is True
    assert (q.correct, q.wrong_tries, q.input.value, q.feedback) == (None, 0, None, "")
