"""Speed work of issue #8's second pass that must not change a decision: per-node memos of plugin arithmetic,
the reservoir draws written out, and selectHost over aligned lists."""

import random

from conftest import new_scheduler

from kubeteach.cluster import Cluster
from kubeteach.objects import Randomness
from kubeteach.scheduler.cache import MEMO_LIMIT, memoized
from kubeteach.scheduler.framework import select_host, select_host_of
from kubeteach.scheduler.plugins import CycleState, NodeResourcesBalancedAllocation, NodeResourcesFit


def make_pod(name, cpu, memory, node=""):
    spec = {"containers": [{"name": "a", "image": "nginx:1.25",
                            "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"}, "spec": spec}


def test_reservoir_draws_as_intn_does():
    for seed in range(20):
        for count in (0, 1, 2, 3, 7, 64, 65, 300):
            a, b = Randomness(seed), Randomness(seed)
            selected = 0
            for k in range(2, count + 1):
                if a.intn(k) == 0:
                    selected = k - 1
            assert b.reservoir(count) == selected
            assert a.rng.getrandbits(64) == b.rng.getrandbits(64)     # the same number of draws, too


def test_select_host_of_aligned_lists_equals_select_host():
    r = random.Random(5)
    for _ in range(200):
        scores = [(f"node-{i}", r.choice([300, 300, 294, r.randint(0, 400)])) for i in range(r.randint(1, 50))]
        seed = r.randint(0, 1000)
        want = select_host(scores, 3, Randomness(seed))
        got = select_host_of([n for n, _ in scores], [s for _, s in scores], 3, Randomness(seed))
        assert got == want


def test_memo_serves_until_the_node_or_its_pods_change():
    c = Cluster(nodes=3, components=[], seed=0)
    s = new_scheduler(c)
    s.start()
    nodes = s.cache.node_infos()
    calls = []

    def compute(ni):
        calls.append(ni.name)
        return (len(ni.pods),)

    assert memoized(nodes, "k", compute) == [(0,), (0,), (0,)] and calls == ["node-1", "node-2", "node-3"]
    assert memoized(nodes, "k", compute) == [(0,), (0,), (0,)] and len(calls) == 3
    s.cache.assume_pod(make_pod("p", "100m", "64Mi", node="node-2"))
    assert memoized(nodes, "k", compute) == [(0,), (1,), (0,)] and calls[3:] == ["node-2"]
    s.cache.update_node(c.client("admin").get("nodes", "", "node-3"))
    assert memoized(nodes, "k", compute) == [(0,), (1,), (0,)] and calls[4:] == ["node-3"]
    for i in range(MEMO_LIMIT + 1):
        memoized(nodes[:1], f"shape {i}", compute)
    assert len(nodes[0].memo) <= MEMO_LIMIT


def test_memoized_scores_and_filters_equal_the_per_node_arithmetic():
    r = random.Random(11)
    c = Cluster(nodes=12, components=[], seed=0)
    s = new_scheduler(c)
    s.start()
    nodes = s.cache.node_infos()
    fit, balanced = NodeResourcesFit(), NodeResourcesBalancedAllocation()
    placed = []
    for i in range(150):
        if placed and r.random() < 0.3:
            s.cache.forget_pod(placed.pop(r.randrange(len(placed))))
        else:
            p = make_pod(f"p{i}", r.choice(["50m", "250m", "900m"]), r.choice(["64Mi", "1Gi"]),
                         node=r.choice(nodes).name)
            s.cache.assume_pod(p)
            placed.append(p)
        incoming = make_pod("x", r.choice(["50m", "600m"]), r.choice(["64Mi", "2Gi"]))
        state = CycleState(incoming, {})
        fit.pre_filter(state, incoming)
        balanced.pre_score(state, incoming, nodes)
        rejects = fit.filter_rejects(state, incoming, nodes)
        assert rejects == {k: st for k, ni in enumerate(nodes) if (st := fit.filter(state, incoming, ni)).code
                           != "Success"}
        for plugin in (fit, balanced):
            raw, explain = plugin.score_all(state, incoming, nodes)
            want = [plugin.score(state, incoming, ni) for ni in nodes]
            assert raw == [score for score, _ in want]
            assert [e[0](*e[1:]) for e in explain] == [why[0](*why[1:]) for _, why in want]
