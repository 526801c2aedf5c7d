"""Leader election through a Lease: one kube-controller-manager replica holds kube-system/kube-controller-manager
and renews it quietly every 2 s; a second waits, and takes over only after 15 s without an observed renewal."""

from kubeteach import Cluster
from kubeteach.leaderelection import LEASE_DURATION, RETRY_PERIOD, replica_identity, run_replicas


def _elected() -> tuple[Cluster, list]:
    c = Cluster(seed=5)
    assert c.kubectl("create deployment web --image=nginx --replicas=2").returncode == 0
    c.run()
    return c, run_replicas(c, "kube-controller-manager", 2)


def test_first_replica_holds_the_lease_with_the_defaults_and_renews_without_records():
    c, (a, b) = _elected()
    c.run(seconds=0)
    lease = c.get("leases", "kube-controller-manager", "kube-system")
    assert lease["spec"]["holderIdentity"] == a.identity and a.identity.startswith("control-plane_")
    assert lease["spec"]["leaseDurationSeconds"] == 15 and lease["spec"]["leaseTransitions"] == 0
    n, version = len(c.trace), c.etcd.get("/registry/leases/kube-system/kube-controller-manager").version
    c.run(seconds=7)
    assert c.etcd.get("/registry/leases/kube-system/kube-controller-manager").version > version   # renewed
    assert not [r for r in c.trace[n:] if "lease" in r.action or "kube-controller-manager" in r.actor]
    held = [r for r in c.trace if r.action == "lease-held"]
    assert [(r.actor, r.detail["holder"]) for r in held] == [("kube-controller-manager-2", a.identity)]
    assert b.leading is False and a.leading is True and not c.errors


def test_second_replica_takes_over_after_the_lease_expires_and_only_then_runs_controllers():
    c, (a, b) = _elected()
    c.run(seconds=5)
    c.stop("kube-controller-manager")            # replica 1 dies: no more renewals, its controllers stop
    stopped = c.now
    last_renew = c.get("leases", "kube-controller-manager", "kube-system")["spec"]["renewTime"]
    assert c.kubectl("scale deployment web --replicas=3").returncode == 0
    c.run(seconds=LEASE_DURATION - 2 * RETRY_PERIOD)
    assert len(c.list("pods")) == 2 and not b.leading        # nobody reconciles yet
    c.run(seconds=30)
    acquired = [r for r in c.trace if r.action == "lease-acquired" and r.actor == "kube-controller-manager-2"]
    assert len(acquired) == 1 and acquired[0].detail["previous"] == a.identity
    assert stopped + LEASE_DURATION - RETRY_PERIOD <= acquired[0].time <= stopped + LEASE_DURATION + 2 * RETRY_PERIOD
    lease = c.get("leases", "kube-controller-manager", "kube-system")
    assert lease["spec"]["holderIdentity"] == b.identity and lease["spec"]["leaseTransitions"] == 1
    assert lease["spec"]["renewTime"] > last_renew
    first_sync = min(r.time for r in c.trace if r.actor == "deployment-controller" and r.time > stopped)
    assert first_sync >= acquired[0].time
    assert len(c.list("pods")) == 3
    events = [e for e in c.events("kube-system") if e["reason"] == "LeaderElection"]
    assert [e["message"] for e in events][-1] == f"{b.identity} became leader"


def test_identity_is_hostname_underscore_uuid_and_seeded():
    ident = replica_identity(0, "kube-controller-manager", "control-plane")
    host, uid = ident.split("_")
    assert host == "control-plane" and len(uid) == 36 and uid[14] == "4"
    assert ident == replica_identity(0, "kube-controller-manager", "control-plane")
    assert ident != replica_identity(1, "kube-controller-manager", "control-plane")


def test_scheduler_replicas_elect_on_their_own_lease_and_schedule_only_as_leader():
    c = Cluster(seed=2)
    a, b = run_replicas(c, "kube-scheduler", 2)
    c.run(seconds=1)
    lease = c.get("leases", "kube-scheduler", "kube-system")
    assert lease["spec"]["holderIdentity"] == a.identity and not c.errors
    assert c.kubectl("create deployment web --image=nginx").returncode == 0
    c.run()
    assert all(p["spec"].get("nodeName") for p in c.list("pods"))
    c.stop("kube-scheduler")                       # the leader's process: its elector and its scheduling
    assert c.kubectl("scale deployment web --replicas=3").returncode == 0
    c.run(seconds=5)
    assert sum(1 for p in c.list("pods") if not p["spec"].get("nodeName")) == 2       # Pending: no leader yet
    c.run(seconds=30)
    assert b.leading and all(p["spec"].get("nodeName") for p in c.list("pods")) and not c.errors


def test_other_processes_do_not_elect():
    import pytest

    with pytest.raises(KeyError, match="kube-controller-manager or kube-scheduler"):
        run_replicas(Cluster(seed=2), "kubelet", 2)


def test_the_demonstration_shows_the_wait_and_the_takeover():
    from kubeteach.followups.mechanisms import demo_leader_election

    text = demo_leader_election()
    assert "is held by control-plane_" in text and "leaseTransitions 1" in text
    took = next(line for line in text.splitlines() if "control-plane-2_" in line and "successfully acquired" in line)
    stopped = next(line for line in text.splitlines() if "replica 1 stops" in line)
    assert float(took.split("s]")[0].strip("[ ")) - float(stopped.split("s]")[0].strip("[ ")) >= LEASE_DURATION - 2
    assert text == demo_leader_election()
