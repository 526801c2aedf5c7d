"""What a long-running cluster (`kubeteach serve`) keeps: the event recorders remember what client-go's do (an LRU
of 4096 keys, small entries; a 6-minute finishSeries sweep), and the scheduler, garbage collector and managedFields
sharing let go of deleted objects. The soak test (tests/test_soak.py) measures the sum; these pin each part."""

from __future__ import annotations

from conftest import deployment

from kubeteach import Cluster
from kubeteach.apiserver import fieldpath
from kubeteach.events import FINISH_TIME, MAX_LRU_CACHE_ENTRIES, EventRecorder, EventsRecorder


def _pod(c: Cluster, name: str = "solo") -> dict:
    admin = c.client()
    admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                          "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}, "default")
    return admin.get("pods", "default", name)


def test_a_repeated_event_is_patched_under_its_name_and_created_again_when_it_is_gone():
    c = Cluster(seed=7)
    pod = _pod(c)
    rec = EventRecorder(c.client(actor="test"), "test-controller")
    rec.event(pod, "Normal", "Poked", "poked once")
    first = [e for e in c.list("events") if e["reason"] == "Poked"]
    assert len(first) == 1 and first[0]["count"] == 1
    name = first[0]["metadata"]["name"]
    c.run(seconds=5)
    rec.event(pod, "Normal", "Poked", "poked once")
    again = c.get("events", name)
    assert again["count"] == 2 and again["firstTimestamp"] == first[0]["firstTimestamp"]
    assert again["lastTimestamp"] != first[0]["lastTimestamp"]
    assert [f["operation"] for f in again["metadata"]["managedFields"]] == ["Update"]
    c.client().delete("events", "default", name)               # the event TTL ran out
    rec.event(pod, "Normal", "Poked", "poked once")
    back = c.get("events", name)                               # recordToSink: the patch 404s, so create it anew
    assert back["count"] == 3 and back["firstTimestamp"] == first[0]["firstTimestamp"]
    assert back["metadata"]["uid"] != first[0]["metadata"]["uid"]


def test_the_core_event_cache_is_an_lru_of_4096_keys():
    c = Cluster(seed=7)
    pod = _pod(c)
    rec = EventRecorder(c.client(actor="test").quiet_copy(), "test-controller")
    for i in range(MAX_LRU_CACHE_ENTRIES + 10):
        rec.event(pod, "Normal", "Counted", f"number {i}")
    assert len(rec._seen) == MAX_LRU_CACHE_ENTRIES
    rec.event(pod, "Normal", "Counted", "number 0")            # fell out of the LRU: a new Event, count 1
    zeros = [e for e in c.list("events") if e["message"] == "number 0"]
    assert sorted(e["count"] for e in zeros) == [1, 1]
    rec.event(pod, "Normal", "Counted", f"number {MAX_LRU_CACHE_ENTRIES + 9}")   # still cached: patched
    last = [e for e in c.list("events") if e["message"] == f"number {MAX_LRU_CACHE_ENTRIES + 9}"]
    assert [e["count"] for e in last] == [2]


def test_finish_series_forgets_isomorphic_events_not_seen_for_six_minutes():
    c = Cluster(seed=7)
    pod = _pod(c)
    rec = EventsRecorder(c.client(actor="test"), "test-scheduler", "test-scheduler-host")
    rec.eventf(pod, "Normal", "Old", "Testing", "seen once")
    rec.eventf(pod, "Normal", "Kept", "Testing", "seen often")
    for _ in range(7):                       # the sweeps run every 6 minutes, so an entry lasts up to 12
        c.run(seconds=FINISH_TIME / 3)
        rec.eventf(pod, "Normal", "Kept", "Testing", "seen often")
    assert sorted(k[1] for k in rec._cache) == ["Kept"] and len(rec._seen_at) == 1
    kept = [e for e in c.list("events.events.k8s.io") if e["reason"] == "Kept"]
    assert [e["series"]["count"] for e in kept] == [8]


def test_event_names_taken_at_one_instant_never_repeat_and_earlier_ones_are_let_go():
    c = Cluster(seed=7)
    pod = _pod(c)
    rec = EventRecorder(c.client(actor="test").quiet_copy(), "test-controller")
    for i in range(5):
        rec.event(pod, "Normal", "Burst", f"burst {i}")
    names = sorted(e["metadata"]["name"] for e in c.list("events") if e["reason"] == "Burst")
    assert len(set(names)) == 5 and all(n.startswith("solo.") for n in names)
    c.run(seconds=1)
    rec.event(pod, "Normal", "Later", "later")
    assert len(rec._names._names) == 1


def test_the_scheduler_forgets_the_decisions_of_long_deleted_pods(monkeypatch):
    from kubeteach.scheduler import decisions

    monkeypatch.setattr(decisions, "KEEP_DELETED_PODS", 2)
    c = Cluster(seed=7)
    admin = c.client()
    for i in range(6):
        _pod(c, f"p{i}")
    c.run()
    kept = c.started["kube-scheduler"].decisions
    assert {f"default/p{i}" for i in range(6)} <= set(kept)
    for i in range(6):
        admin.delete("pods", "default", f"p{i}", gracePeriodSeconds=0)
        c.run()
    assert {f"default/p{i}" for i in range(6)} & set(kept) == {"default/p4", "default/p5"}
    assert kept.table_rows == sum(len(d.filters) for d in kept.tables)
    # once more than half of the deque is forgotten tables, it is rebuilt without them
    assert [d.pod for d in kept.tables if d.pod.startswith("default/p")] == ["default/p4", "default/p5"]


def test_the_garbage_collector_graph_keeps_no_owner_without_dependents():
    c = Cluster(seed=7)
    admin = c.client()
    admin.create("deployments", deployment("web", replicas=2), "default")
    c.run()
    gc = c.started["garbage-collector"]
    assert len(gc.dependents) >= 2                     # the Deployment → ReplicaSet, the ReplicaSet → its Pods
    admin.delete("deployments", "default", "web", propagationPolicy="Background")
    c.run(seconds=120)
    c.run()
    assert not c.list("pods") and not c.list("replicasets")
    assert all(gc.dependents.values()), {k: v for k, v in gc.dependents.items() if not v}
    live = {o["metadata"]["uid"] for kind in ("deployments", "replicasets", "pods") for o in c.list(kind)}
    assert not (set(gc.dependents) - live - set(gc.nodes))


def test_serve_housekeeping_releases_the_shared_managed_fields_trees(tmp_path):
    from kubeteach.server import Server

    server = Server(Cluster(seed=7), port=0)
    c = server.cluster
    c.client().create("deployments", deployment("web"), "default")
    c.run()
    assert len(fieldpath._INTERNED) > 1
    live = c.get("deployments", "web")["metadata"]["managedFields"]
    server.compact_now()
    assert list(fieldpath._INTERNED) == [()]
    assert c.get("deployments", "web")["metadata"]["managedFields"] == live    # objects keep their trees
