"""Speed work (issue #8) that must not change the story: selectHost's Go heap order, copies, lazy score tables,
bounded decision tables, structural sharing in etcd, the progress hook, and the benchmark's own small case."""

import importlib.util
import io
import random
from pathlib import Path

from conftest import new_scheduler

from kubeteach.cluster import Cluster
from kubeteach.loop import ProgressBar
from kubeteach.objects import Randomness, deep_copy
from kubeteach.scheduler.framework import select_host

ROOT = Path(__file__).resolve().parent.parent


def go_heap_select_host(node_scores, count, rnd):
    """selectHost written as Go writes it: container/heap Init, then Pop with swaps (the reference)."""
    h = list(node_scores)

    def less(i, j):
        return h[i][1] > h[j][1]

    def down(i, n):
        while True:
            j1 = 2 * i + 1
            if j1 >= n:
                return
            j = j1
            if j1 + 1 < n and less(j1 + 1, j1):
                j = j1 + 1
            if not less(j, i):
                return
            h[i], h[j] = h[j], h[i]
            i = j

    def pop():
        n = len(h) - 1
        h[0], h[n] = h[n], h[0]
        down(0, n)
        return h.pop()

    for i in range(len(h) // 2 - 1, -1, -1):
        down(i, len(h))
    cnt, selected = 1, 0
    top = [pop()]
    while h:
        ns = pop()
        if ns[1] != top[0][1] and len(top) >= count:
            break
        if ns[1] == top[0][1]:
            cnt += 1
            if rnd.intn(cnt) == 0:
                selected = cnt - 1
        top.append(ns)
    return top[selected][0], [n for n, s in top if s == top[0][1]], cnt - 1


def test_select_host_pops_ties_in_go_heap_order():
    r = random.Random(8)
    for _ in range(500):
        n = r.randint(1, 80)
        scores = [(f"node-{i}", r.choice([r.randint(390, 394), r.randint(0, 700)])) for i in range(n)]
        seed = r.randint(0, 10**6)
        assert select_host(scores, 3, Randomness(seed)) == go_heap_select_host(scores, 3, Randomness(seed))


def test_deep_copy_shares_nothing_mutable():
    class Labels(dict):
        pass

    value = {"a": [1, {"b": Labels(x="1")}, (2, 3)], "c": None, "d": 1.5, "e": True}
    copy = deep_copy(value)
    assert copy == value
    assert copy["a"] is not value["a"] and copy["a"][1] is not value["a"][1]
    assert type(copy["a"][1]["b"]) is dict and copy["a"][1]["b"] is not value["a"][1]["b"]
    copy["a"][1]["b"]["x"] = "2"
    assert value["a"][1]["b"]["x"] == "1"


def pod(name, cpu="100m"):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25",
                                     "resources": {"requests": {"cpu": cpu, "memory": "200Mi"}}}]}}


def test_scheduler_filters_only_num_feasible_nodes_to_find_and_explains_lazily():
    c = Cluster(nodes=150, components=[], seed=0)
    s = new_scheduler(c)
    s.start()
    c.client("admin").create("pods", pod("web"), "default")
    c.run()
    d = s.decisions["default/web"][-1]
    assert (d.num_all_nodes, d.num_feasible_nodes_to_find, len(d.filters), len(d.scores)) == (150, 100, 100, 100)
    fit = d.scores[d.winner]["NodeResourcesFit"]
    assert fit.explain == ("LeastAllocated (cpu (1900m-100m)*100/1900m=94 + memory (3840Mi-200Mi)*100/3840Mi=94)"
                           " / 2 = 94")
    balanced = d.scores[d.winner]["NodeResourcesBalancedAllocation"]
    assert balanced.explain == "fractions cpu 0.0526, memory 0.0521; std 0.0003; (1 - std) * 100 = 99"
    assert d.totals[d.winner] == 300 + 94 + 99 + 0


def test_old_decision_tables_are_compacted_and_the_newest_kept():
    c = Cluster(components=[], seed=0)
    s = new_scheduler(c)
    s.decisions.keep_table_rows = 6                     # two attempts' worth of rows on three nodes
    s.start()
    for i in range(4):
        c.client("admin").create("pods", pod(f"p{i}"), "default")
    c.run()
    kept = [s.decisions[f"default/p{i}"][-1] for i in range(4)]
    assert [d.compacted for d in kept] == [True, True, False, False]
    assert kept[0].filters == {} and kept[0].scores == {} and kept[0].winner and kept[0].outcome == "bound"
    assert len(kept[3].filters) == 3 and len(kept[3].scores) == 3


def test_status_updates_share_the_unchanged_spec_in_etcd():
    c = Cluster(seed=0)
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    name = c.list("pods")[0]["metadata"]["name"]
    history = c.etcd.history(f"/registry/pods/default/{name}")
    assert len(history) >= 3
    last, before = history[-1].kv.value, history[-2].kv.value
    assert last["status"] != before["status"] and last["spec"] is before["spec"]
    assert c.get("pod", name)["spec"] == last["spec"] and c.get("pod", name)["spec"] is not last["spec"]


def test_progress_bar_is_silent_for_short_runs_and_draws_for_long_ones():
    quiet, loud = io.StringIO(), io.StringIO()
    c = Cluster(seed=0)
    c.progress = ProgressBar(stream=quiet)
    c.kubectl("create -f data/deployment.yaml")
    c.run()
    assert quiet.getvalue() == ""
    c.progress = ProgressBar(after=0.0, stream=loud)
    c.kubectl("scale deployment nginx --replicas=3")
    result = c.run()
    assert loud.getvalue().endswith(f"] {result.steps} steps, t={result.time:.3f}s done\n")


def test_benchmark_manifest_runs_to_running_pods():
    spec = importlib.util.spec_from_file_location("scale_bench", ROOT / "benchmarks" / "scale.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.manifest(2, 3).count("kind: Deployment") == 2
    figures = bench.scale_case(4, 2, 3)
    assert (figures["pods"], figures["running"], figures["settled"], figures["created"]) == (6, 6, True, True)


def sequential_filter(state, pod, plugins, nodes, start, to_find):
    """findNodesThatPassFilters node by node, plugin by plugin (the reference for `filter_nodes`)."""
    filters, feasible, failed, n = {}, [], {}, len(nodes)
    for i in range(n):
        ni = nodes[(start + i) % n]
        row, verdict = {}, None
        for pl in plugins:
            row[pl.name] = status = pl.filter(state, pod, ni)
            if not status.is_success():
                verdict = status
                break
        filters[ni.name] = row
        if verdict is None:
            feasible.append(ni.name)
            if len(feasible) >= to_find:
                break
        else:
            failed[ni.name] = verdict
    return filters, feasible, failed


def test_chunked_filter_pass_equals_the_node_by_node_loop():
    from kubeteach.scheduler.plugins import CycleState
    from kubeteach.scheduler.scheduler import filter_nodes

    r = random.Random(3)
    c = Cluster(nodes=40, components=[], seed=0)
    s = new_scheduler(c)
    s.start()
    nodes = s.cache.node_infos()
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    for _ in range(100):
        for ni in nodes:
            ni.unschedulable, ni.taints = r.random() < 0.1, [taint] if r.random() < 0.15 else []
            ni.requested.milli_cpu = r.choice([0, 0, 1800, 1950])
            ni.memo.clear()          # the node changed behind the cache's back: forget what plugins computed
        spec = {"containers": [{"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}],
                "tolerations": [{"key": "k", "operator": "Exists"}] if r.random() < 0.3 else []}
        p = {"metadata": {"name": "x", "namespace": "default", "uid": "u"}, "spec": spec}
        state = CycleState(p, {"num_all_nodes": len(nodes)})
        plugins = [pl for pl in s.filter_plugins if (st := pl.pre_filter(state, p)) is None or st.code != "Skip"]
        start, to_find = r.randrange(len(nodes)), r.choice([1, 5, 20, 40])
        want_filters, want_feasible, want_failed = sequential_filter(state, p, plugins, nodes, start, to_find)
        filters = {}
        feasible, failed = filter_nodes(state, p, plugins, nodes, start, to_find, filters)
        assert list(filters.items()) == list(want_filters.items())
        assert [ni.name for ni in feasible] == want_feasible and list(failed.items()) == list(want_failed.items())


def test_totals_behave_as_the_dict_they_replace():
    from kubeteach.scheduler.framework import Totals

    t = Totals(["node-1", "node-2"], [394, 300])
    assert t == {"node-1": 394, "node-2": 300} and dict(t.items()) == {"node-1": 394, "node-2": 300}
    assert t["node-2"] == 300 and "node-3" not in t and list(t.values()) == [394, 300] and len(t) == 2
    assert repr(t) == "{'node-1': 394, 'node-2': 300}"
