"""The discrete-event loop: one clock, one heap, one unit of work per step; switches; "stored is not running"."""

from __future__ import annotations

import copy
import ipaddress
import types

import pytest
from conftest import DEPLOYMENT

from kubeteach.loop import Component, Loop

# --- the loop alone ---------------------------------------------------------------------------------------------


class Worker:
    """A component's handlers: the loop calls them by name (`loop.schedule(0.0, comp, worker, "work", "a")`)."""

    def __init__(self, loop: Loop | None = None, comp: Component | None = None) -> None:
        self.loop, self.comp, self.ran = loop, comp, []

    def work(self, what: object) -> None:
        self.ran.append(what)
        if self.loop is not None:
            self.loop.record("worker", "did", str(what))

    def nothing(self) -> None:
        pass

    def beat(self) -> None:
        """Periodic work that schedules its own next run."""
        self.ran.append(self.loop.now)
        self.loop.record("worker", "beat")
        self.loop.schedule(10.0, self.comp, self, "beat", kind="periodic")


def test_entries_run_in_time_then_fifo_order():
    loop, comp, w = Loop(), Component("x"), Worker()
    loop.schedule(2.0, comp, w, "work", "late")
    loop.schedule(0.0, comp, w, "work", "first")
    loop.schedule(0.0, comp, w, "work", "second")
    while loop.step() is not None:
        pass
    assert w.ran == ["first", "second", "late"]
    assert loop.now == 2.0


def test_an_entry_is_data_a_method_name_and_its_arguments():
    loop, comp = Loop(), Component("x")
    w = Worker(loop)
    entry = loop.schedule(1.0, comp, w, "work", ("default", "nginx"), label="x default/nginx")
    assert entry.target is w and entry.handler == "work" and entry.args == (("default", "nginx"),)
    assert [r.action for r in loop.step()] == ["did"] and w.ran == [("default", "nginx")]


def test_only_work_keeps_the_loop_busy():
    loop, comp, w = Loop(), Component("x"), Worker()
    loop.schedule(10.0, comp, w, "nothing", kind="periodic")
    loop.schedule(1.0, comp, w, "nothing", kind="retry")
    assert loop.busy == 0
    entry = loop.schedule(0.0, comp, w, "nothing")
    assert loop.busy == 1
    loop.cancel(entry)
    assert loop.busy == 0
    assert loop.next_time() == 1.0                 # the cancelled entry is dropped


def test_negative_delay_is_now():
    loop, comp = Loop(), Component("x")
    loop.now = 5.0
    assert loop.schedule(-3.0, comp, Worker(), "nothing").time == 5.0


def test_a_stopped_component_parks_its_work_until_started():
    loop, comp, w = Loop(), Component("x"), Worker()
    loop.schedule(1.0, comp, w, "work", "a")
    loop.schedule(2.0, comp, w, "work", "b")
    comp.running = False
    assert loop.pop() is None and loop.busy == 0 and len(comp.parked) == 2
    comp.running = True
    loop.unpark(comp)
    assert loop.busy == 2
    while loop.step() is not None:
        pass
    assert w.ran == ["a", "b"]


@pytest.mark.component_errors
def test_step_run_and_wait_until_share_one_path_that_records_a_failure():
    """Whichever way the loop is driven, a raising entry is recorded as work-failed and retried with back-off."""
    class Flaky:
        def __init__(self, loop: Loop) -> None:
            self.loop, self.calls = loop, 0

        def go(self) -> None:
            self.calls += 1
            raise RuntimeError(f"flaky {self.calls}")

    for drive in ("step", "run", "wait_until"):
        loop = Loop()
        flaky = Flaky(loop)
        loop.schedule(0.0, loop.component("x"), flaky, "go", label="x go")
        if drive == "step":
            records = loop.step()
        elif drive == "run":
            loop.run(seconds=0.004)
            records = loop.errors
        else:
            assert not loop.wait_until(lambda: False, timeout=0.004)
            records = loop.errors
        assert [(r.action, r.object, r.detail["error"], r.detail["attempt"]) for r in records] == [
            ("work-failed", "x go", "flaky 1", 1)], drive
        assert loop.errors == records and loop.next_time() == pytest.approx(0.005)


def test_wait_until_stops_at_a_quiet_stretch_but_not_before_due_work():
    from kubeteach.loop import QUIET_WAIT

    loop, comp, w = Loop(), Component("x"), Worker()
    loop.schedule(QUIET_WAIT + 1.0, comp, w, "work", "flush", kind="retry")
    assert not loop.wait_until(lambda: bool(w.ran), timeout=600.0)
    assert loop.now == 0.0 and w.ran == []         # nothing is working on it: not fast-forwarded to the retry
    loop.schedule(5.0, comp, w, "work", "soon", kind="retry")
    assert loop.wait_until(lambda: bool(w.ran), timeout=600.0)
    assert loop.now == 5.0 and w.ran == ["soon"]


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

    class Unit:
        def work(self, n: int) -> None:
            ran.append(n)
            bare.record("test-component", "did", f"unit {n}")

    bare.loop.schedule(0.0, comp, Unit(), "work", 1)
    bare.loop.schedule(1.5, comp, Unit(), "work", 2)
    records = bare.step()
    assert ran == [1] and [r.object for r in records] == ["unit 1"]
    records = bare.step()
    assert ran == [1, 2] and bare.now == 1.5 and records[0].actor == "test-component"
    assert bare.step() is None


def test_periodic_work_runs_only_when_time_is_advanced(bare):
    heart = Worker(bare.loop, bare.component("heartbeat"))
    bare.loop.schedule(10.0, heart.comp, heart, "beat", kind="periodic")
    assert bare.step() is None and bare.run().settled and heart.ran == []
    result = bare.run(seconds=35)
    assert heart.ran == [10.0, 20.0, 30.0] and result.steps == 3 and bare.now == 35.0


def test_stop_and_start_a_component(bare):
    comp, w = bare.component("kube-controller-manager/test-controller"), Worker(bare.loop)
    bare.stop("kube-controller-manager")
    assert not comp.running
    bare.loop.schedule(0.0, comp, w, "work", 1)
    assert bare.step() is None and w.ran == []
    bare.start("test-controller")
    assert comp.running
    assert bare.step() is not None and w.ran == [1]


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


# --- copying a cluster: plain copy.deepcopy ---------------------------------------------------------------------

#: what a copy may share with its original: immutable values (deepcopy returns them as they are)
IMMUTABLE = (str, bytes, int, float, bool, complex, type(None), type, types.ModuleType, types.BuiltinFunctionType,
             types.CodeType, range, ipaddress.IPv4Address, ipaddress.IPv4Network, ipaddress.IPv6Address,
             ipaddress.IPv6Network)


def _reachable(root: object) -> dict[int, object]:
    """Every object reachable from `root` through containers, attributes, slots, bound methods and closure cells."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, IMMUTABLE):
            continue
        if isinstance(obj, types.FunctionType):
            if not obj.__closure__:              # a module function holds no state of its own
                continue
            stack.extend(cell.cell_contents for cell in obj.__closure__)
        seen[id(obj)] = obj
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
        elif not isinstance(obj, types.FunctionType):
            stack.extend(vars(obj).values() if hasattr(obj, "__dict__") else ())
            for klass in type(obj).__mro__:
                stack.extend(getattr(obj, slot) for slot in getattr(klass, "__slots__", ()) if hasattr(obj, slot))
    return seen


def _frozen(obj: object) -> bool:
    """Immutable all the way down (a tuple of immutables, a certificate or key of the CA)."""
    if isinstance(obj, (tuple, frozenset)):
        return all(isinstance(x, IMMUTABLE) or _frozen(x) for x in obj)
    return type(obj).__module__.startswith("cryptography.")


@pytest.fixture
def busy(in_repo):
    """A default cluster mid-rollout with a failed node: work, periodic work, retries and parked work all due."""
    import kubeteach as kt

    c = kt.Cluster()
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    c.kubectl("scale deployment/nginx --replicas=4")
    c.run()
    c.faults.fail_node("node-2")
    c.run(seconds=45)                              # node-2 is NotReady; its kubelet's work is parked
    c.kubectl("set image deployment/nginx nginx=nginx:1.26")
    for _ in range(12):
        assert c.step() is not None                # mid-rollout: the new ReplicaSet scaling up
    assert c.loop.busy > 0 and c.components["kubelet/node-2"].parked
    return c


def test_a_deep_copy_of_a_busy_cluster_steps_to_the_same_trace(busy):
    twin = copy.deepcopy(busy)
    mark = len(busy.trace)
    for _ in range(40):
        assert (busy.step() is None) == (twin.step() is None)
    busy.faults.recover_node("node-2")
    twin.faults.recover_node("node-2")
    busy.run(seconds=400)
    twin.run(seconds=400)
    assert len(busy.trace) - mark > 200
    assert twin.trace.text(twin.trace[mark:]) == busy.trace.text(busy.trace[mark:])
    assert twin.etcd.revision == busy.etcd.revision and twin.list("pods") == busy.list("pods")


def test_a_deep_copy_shares_no_mutable_object_with_its_original(busy):
    twin = copy.deepcopy(busy)
    mine, theirs = _reachable(busy), _reachable(twin)
    shared = [mine[i] for i in mine.keys() & theirs.keys() if not _frozen(mine[i])]
    assert shared == []


def test_stepping_a_copy_never_changes_the_original(busy):
    twin = copy.deepcopy(busy)
    trace, revision, now = busy.trace.text(), busy.etcd.revision, busy.now
    twin.run()
    twin.faults.kill_pod(twin.list("pods")[0]["metadata"]["name"])
    twin.run(seconds=60)
    assert twin.etcd.revision > revision
    assert busy.trace.text() == trace and busy.etcd.revision == revision and busy.now == now
    assert busy.step() is not None                 # the original's own work is still there and runs


# --- components hold their environment and their own client, never the cluster ---------------------------------


def test_no_component_module_names_or_imports_the_cluster():
    """controllers/, scheduler/ and kubelet/ get the loop and a client: no `Cluster`, no kubeteach.cluster import,
    no `.cluster` attribute, not even for type checking."""
    import ast
    from pathlib import Path

    import kubeteach

    root = Path(kubeteach.__file__).parent
    found = []
    for path in sorted(p for d in ("controllers", "scheduler", "kubelet") for p in (root / d).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Name):
                names = [node.id]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " not in node.value:
                names = [node.value]                 # a string annotation
            if any(n == "Cluster" or n == "cluster" or n.endswith(".cluster") for n in names):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
