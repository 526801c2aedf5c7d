"""The discrete-event loop: one clock, one heap, one unit of work per step; switches; "stored is not running"."""

from __future__ import annotations

import pytest
from conftest import DEPLOYMENT

from kubeteach.loop import Component, Loop

# --- the loop alone ---------------------------------------------------------------------------------------------


def test_entries_run_in_time_then_fifo_order():
    loop, comp, ran = Loop(), Component("x"), []
    loop.schedule(2.0, comp, lambda: ran.append("late"))
    loop.schedule(0.0, comp, lambda: ran.append("first"))
    loop.schedule(0.0, comp, lambda: ran.append("second"))
    while (entry := loop.pop()) is not None:
        entry.fn()
    assert ran == ["first", "second", "late"]
    assert loop.now == 2.0


def test_only_work_keeps_the_loop_busy():
    loop, comp = Loop(), Component("x")
    loop.schedule(10.0, comp, lambda: None, kind="periodic")
    loop.schedule(1.0, comp, lambda: None, kind="retry")
    assert loop.busy == 0
    entry = loop.schedule(0.0, comp, lambda: None)
    assert loop.busy == 1
    loop.cancel(entry)
    assert loop.busy == 0
    assert loop.next_time() == 1.0                 # the cancelled entry is dropped


def test_negative_delay_is_now():
    loop, comp = Loop(), Component("x")
    loop.now = 5.0
    assert loop.schedule(-3.0, comp, lambda: None).time == 5.0


def test_a_stopped_component_parks_its_work_until_started():
    loop, comp, ran = Loop(), Component("x"), []
    loop.schedule(1.0, comp, lambda: ran.append("a"))
    loop.schedule(2.0, comp, lambda: ran.append("b"))
    comp.running = False
    assert loop.pop() is None and loop.busy == 0 and len(comp.parked) == 2
    comp.running = True
    loop.unpark(comp)
    assert loop.busy == 2
    while (entry := loop.pop()) is not None:
        entry.fn()
    assert ran == ["a", "b"]


# --- the loop in a cluster --------------------------------------------------------------------------------------


def test_a_cluster_without_components_settles_at_once(bare):
    assert bare.step() is None
    result = bare.run()
    assert result.settled and result.steps == 0 and bare.now == 0.0
    assert repr(result) == "<ran 0 steps to t=0.000s, settled>"


def test_stored_is_not_running(bare, manifest):
    r = bare.kubectl(f"create -f {manifest(DEPLOYMENT)}")
    assert r.returncode == 0, r.stderr
    assert bare.step() is None                     # nothing watches: no controller will act on it
    assert bare.get("deployment", "nginx")["status"] == {}
    assert bare.list("replicasets") == [] and bare.list("pods") == []


def test_run_seconds_advances_the_clock(bare):
    bare.run(seconds=30)
    assert bare.now == 30.0
    bare.run(seconds=30)
    assert bare.now == 60.0


def test_step_runs_exactly_one_unit_and_returns_its_records(bare):
    comp = bare.component("test-component")
    ran = []

    def work(n: int) -> None:
        ran.append(n)
        bare.record("test-component", "did", f"unit {n}")

    bare.loop.schedule(0.0, comp, lambda: work(1))
    bare.loop.schedule(1.5, comp, lambda: work(2))
    records = bare.step()
    assert ran == [1] and [r.object for r in records] == ["unit 1"]
    records = bare.step()
    assert ran == [1, 2] and bare.now == 1.5 and records[0].actor == "test-component"
    assert bare.step() is None


def test_periodic_work_runs_only_when_time_is_advanced(bare):
    comp = bare.component("heartbeat")
    beats = []

    def beat() -> None:
        beats.append(bare.now)
        bare.loop.schedule(10.0, comp, beat, kind="periodic")

    bare.loop.schedule(10.0, comp, beat, kind="periodic")
    assert bare.step() is None and bare.run().settled and beats == []
    result = bare.run(seconds=35)
    assert beats == [10.0, 20.0, 30.0] and result.steps == 3 and bare.now == 35.0


def test_stop_and_start_a_component(bare):
    comp = bare.component("kube-controller-manager/test-controller")
    ran = []
    bare.stop("kube-controller-manager")
    assert not comp.running
    bare.loop.schedule(0.0, comp, lambda: ran.append(1))
    assert bare.step() is None and ran == []
    bare.start("test-controller")
    assert comp.running
    assert bare.step() is not None and ran == [1]


def test_stop_or_start_of_an_unknown_component_raises_key_error(bare):
    with pytest.raises(KeyError):
        bare.stop("kube-scheduler-typo")
    with pytest.raises(KeyError):
        bare.start("nothing")


def test_unknown_components_are_refused_at_construction():
    from kubeteach.cluster import Cluster

    with pytest.raises(KeyError):
        Cluster(components=["kube-magic"])


def test_the_construction_trace_is_cleared(bare):
    assert list(bare.trace) == []
    assert bare.etcd.revision > 1                  # but the bootstrap objects are stored


def test_a_run_relaxes_the_cyclic_collector_only_while_it_lasts(in_repo):
    import gc

    import kubeteach as kt
    from kubeteach.loop import GC_THRESHOLD0, relaxed_gc

    before = gc.get_threshold()
    with relaxed_gc():
        assert gc.get_threshold()[0] == max(GC_THRESHOLD0, before[0])
    assert gc.get_threshold() == before
    c = kt.Cluster()
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    assert gc.get_threshold() == before


def test_a_progress_bar_by_default_only_in_a_jupyter_kernel(monkeypatch):
    import sys

    import kubeteach as kt
    from kubeteach.loop import ProgressBar

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert kt.Cluster(components=[]).progress is None
    monkeypatch.setitem(sys.modules, "ipykernel", sys)
    bar = kt.Cluster(components=[]).progress
    assert isinstance(bar, ProgressBar) and bar.after == 10.0
