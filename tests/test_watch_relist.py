"""Watch expiry: an informer that watches again from a compacted resourceVersion gets 410 Gone, relists and
watches again (client-go reflector.go); without compaction it just replays what it missed."""

from kubeteach import Cluster


def _stopped_kcm(c: Cluster):
    """kube-controller-manager stopped with its watches cut, and the Deployment scaled while it was away."""
    factory = c.started["deployment-controller"].factory
    c.stop("kube-controller-manager")
    factory.disconnect()
    assert c.kubectl("scale deployment web --replicas=3").returncode == 0
    c.run()
    return factory


def _cluster() -> Cluster:
    c = Cluster(seed=3)
    assert c.kubectl("create deployment web --image=nginx --replicas=2").returncode == 0
    c.run()
    return c


def test_reconnect_without_compaction_replays_the_missed_events_and_no_relist():
    c = _cluster()
    factory = _stopped_kcm(c)
    deployments = factory.informer("deployments")
    assert deployments.get("default/web")["spec"]["replicas"] == 2        # the cut watch saw nothing
    n = len(c.trace)
    factory.reconnect()
    assert deployments.get("default/web")["spec"]["replicas"] == 3
    assert not [r for r in c.trace[n:] if r.action in ("watch-closed", "relist")]
    c.start("kube-controller-manager")
    c.run()
    assert len(c.list("pods")) == 3 and not c.errors


def test_compacted_resource_version_gives_410_then_relist_and_rewatch():
    c = _cluster()
    factory = _stopped_kcm(c)
    deployments = factory.informer("deployments")
    last = deployments.last_sync_rv
    c.etcd.compact(c.etcd.revision)
    n = len(c.trace)
    factory.reconnect()
    records = c.trace[n:]
    closed = [r for r in records if r.action == "watch-closed" and r.object == "deployments"]
    assert len(closed) == 1
    assert closed[0].detail["err"] == f"too old resource version: {last} ({c.etcd.compacted})"
    assert (closed[0].detail["code"], closed[0].detail["reason"], closed[0].actor) == \
        (410, "Expired", "kube-controller-manager")
    assert "watch of *v1.Deployment closed with: too old resource version" in str(closed[0])
    relist = [r for r in records if r.action == "relist" and r.object == "deployments"]
    assert relist[0].detail["updated"] == 1 and relist[0].detail["resourceVersion"] == str(c.etcd.revision)
    assert records.index(closed[0]) + 1 == records.index(relist[0])
    assert deployments.get("default/web")["spec"]["replicas"] == 3 and deployments.watcher is not None
    # watching again: a later change arrives by the new watch
    c.start("kube-controller-manager")
    c.run()
    assert len(c.list("pods")) == 3 and not c.errors
    assert c.kubectl("scale deployment web --replicas=1").returncode == 0
    assert deployments.get("default/web")["spec"]["replicas"] == 1


def test_relist_delivers_objects_deleted_while_away_as_deletions():
    c = _cluster()
    factory = c.started["deployment-controller"].factory
    pods = factory.informer("pods")
    c.stop("kube-controller-manager")
    factory.disconnect()
    victim = sorted(pods.cache)[0]
    assert c.kubectl(f"delete pod {victim.split('/')[1]}").returncode == 0
    c.run()
    assert victim in pods.cache
    c.etcd.compact(c.etcd.revision)
    factory.reconnect()
    assert victim not in pods.cache
    relist = [r for r in c.trace if r.action == "relist" and r.object == "pods"][-1]
    assert relist.detail["deleted"] == 1
    c.start("kube-controller-manager")
    c.run()
    assert len(c.list("pods")) == 2 and not c.errors     # the ReplicaSet controller replaced it


def test_a_cluster_without_compaction_never_relists():
    c = _cluster()
    assert not [r for r in c.trace if r.action in ("watch-closed", "relist")]
    assert all(inf.watcher is not None and inf.last_sync_rv for inf in
               c.started["deployment-controller"].factory.informers.values())


def test_the_demonstration_shows_410_then_relist():
    from kubeteach.followups.mechanisms import demo_watch_relist

    text = demo_watch_relist()
    lines = text.splitlines()
    closed = next(i for i, line in enumerate(lines) if "watch of *v1.Deployment closed with: too old resource "
                                                         "version:" in line)
    assert "relist *v1.Deployment at resourceVersion" in lines[closed + 1]
    assert "pods now: 3" in text and text == demo_watch_relist()
