"""Leader election through a `coordination.k8s.io/v1` Lease (client-go tools/leaderelection), for a replicated
kube-controller-manager or kube-scheduler: one replica holds the Lease and runs the work, the others retry.

Opt-in (`run_replicas(c, "kube-controller-manager", 2)`), not part of every cluster: creating the Lease at boot
would shift every later resourceVersion in every lesson's trace. Renewals and a standby's retries are quiet "client"
work (no record each, not keeping the cluster busy); only changes of leadership are traced. The retry period's
jitter (JitterFactor 1.2) is left out: every try is exactly `retryPeriod` apart on the virtual clock.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .client import APIError, Client
from .events import EventRecorder
from .objects import micro_timestamp, parse_timestamp
from .trace import narrative

if TYPE_CHECKING:
    from .assembly import Assembly
    from .loop import Loop

#: RecommendedDefaultLeaderElectionConfiguration (component-base/config/v1alpha1/defaults.go): the
#: --leader-elect-lease-duration, --leader-elect-renew-deadline and --leader-elect-retry-period defaults
LEASE_DURATION = 15.0
RENEW_DEADLINE = 10.0
RETRY_PERIOD = 2.0
LOCK_NAMESPACE = "kube-system"         # --leader-elect-resource-namespace


@dataclass
class Observed:
    """The record last seen (the Lease spec) and when this replica saw it change: expiry counts from then, never
    from the holder's renewTime (clocks of different machines are not compared)."""

    spec: dict
    time: float


class LeaderElector:
    """One replica's elector: `tryAcquireOrRenew` every retryPeriod on its own switch. As leader it renews and
    gives up (`leaderelection lost`) once renewDeadline passes without a successful renew."""

    def __init__(self, env: Loop, client: Client, lock: str, identity: str, switch: str, controllers: list[str]):
        self.env, self.client, self.quiet = env, client, client.quiet_copy()
        self.lock, self.identity, self.controllers = lock, identity, controllers
        self.component = env.component(switch)
        self.component.on_start = self.restarted
        self.observed: Observed | None = None
        self.leading = False
        self.last_renew = 0.0
        self.reported_holder = ""
        self.recorder = EventRecorder(client.quiet_copy(), lock, identity.split("_")[0], record=self.record)

    @property
    def describe(self) -> str:
        return f"{LOCK_NAMESPACE}/{self.lock}"

    def record(self, action: str, obj: str = "", **detail: Any) -> None:
        self.env.record(self.component.name, action, obj, **detail)

    def run(self) -> None:
        """Start as a candidate: "Attempting to acquire leader lease", then a try now and every retryPeriod."""
        self.record("lease-attempt", self.describe, identity=self.identity)
        self.env.schedule(0.0, self.component, self, "tick", kind="client", label=f"leader-election {self.lock}")

    def restarted(self) -> None:
        """The process came back: a new process is a candidate again (the old one exited on losing the lease)."""
        self.leading, self.observed, self.reported_holder = False, None, ""
        self.record("lease-attempt", self.describe, identity=self.identity)

    def tick(self) -> None:
        ok = self.try_acquire_or_renew()
        if self.leading and ok:
            self.last_renew = self.env.now
        elif self.leading and self.env.now - self.last_renew >= RENEW_DEADLINE:
            self.leading = False
            self.record("lease-lost", self.describe, identity=self.identity, deadline=RENEW_DEADLINE)
            for name in self.controllers:
                switch(self.env, name, False)
        self.env.schedule(RETRY_PERIOD, self.component, self, "tick", kind="client",
                          label=f"leader-election {self.lock}")

    def try_acquire_or_renew(self) -> bool:
        now = self.env.now
        mine = {"holderIdentity": self.identity, "leaseDurationSeconds": int(LEASE_DURATION),
                "acquireTime": micro_timestamp(now), "renewTime": micro_timestamp(now), "leaseTransitions": 0}
        try:
            lease = self.quiet.get("leases", LOCK_NAMESPACE, self.lock)
        except APIError as err:
            if err.code != 404:
                return False
            body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.lock, "namespace": LOCK_NAMESPACE}, "spec": mine}
            try:
                created = self.client.create("leases", body, LOCK_NAMESPACE)
            except APIError:
                return False
            return self._became_leader(created)
        spec = lease.get("spec", {})
        if self.observed is None or self.observed.spec != spec:
            self.observed = Observed(dict(spec), now)
        holder = spec.get("holderIdentity", "")
        valid = self.observed.time + spec.get("leaseDurationSeconds", 0) > now
        if holder and valid and holder != self.identity:
            if holder != self.reported_holder:        # maybeReportTransition: once per new leader seen
                self.reported_holder = holder
                self.record("lease-held", self.describe, holder=holder, renew=spec.get("renewTime", ""),
                            duration=spec.get("leaseDurationSeconds", 0))
            return False
        if holder == self.identity:
            mine["acquireTime"] = spec.get("acquireTime", mine["acquireTime"])
            mine["leaseTransitions"] = spec.get("leaseTransitions", 0)
        else:
            mine["leaseTransitions"] = spec.get("leaseTransitions", 0) + 1
        body = {**lease, "spec": {**spec, **mine}}
        try:                                # an update guarded by resourceVersion: a 409 means someone else won
            updated = (self.quiet if self.leading else self.client).update("leases", body)
        except APIError:
            return False
        self.observed = Observed(dict(updated["spec"]), now)
        if self.leading:
            return True
        return self._became_leader(updated, expired_holder=holder)

    def _became_leader(self, lease: dict, expired_holder: str = "") -> bool:
        self.observed = Observed(dict(lease["spec"]), self.env.now)
        self.leading, self.last_renew, self.reported_holder = True, self.env.now, self.identity
        self.recorder.event(lease, "Normal", "LeaderElection", f"{self.identity} became leader")
        self.record("lease-acquired", self.describe, identity=self.identity, previous=expired_holder,
                    transitions=lease["spec"].get("leaseTransitions", 0))
        for name in self.controllers:            # OnStartedLeading: only now do the controllers run
            switch(self.env, name, True)
        return True


def replica_identity(seed: int, lock: str, host: str) -> str:
    """`<hostname>_<uuid>`, as kube-controller-manager and kube-scheduler build their --leader-elect identity;
    the UUID from a stream of its own, so electing draws nothing from the cluster's seeded names."""
    rng = random.Random(f"{seed}/leader-election/{lock}/{host}")
    return f"{host}_{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def run_replicas(c: Assembly, process: str = "kube-controller-manager", replicas: int = 2) -> list[LeaderElector]:
    """Run `replicas` copies of `process` with --leader-elect: each replica is an elector on its own switch
    (`<process>/leader-election` for the first, so `c.stop(process)` stops it with its controllers;
    `<process>-2`, … for the others, on hosts `control-plane-2`, …). The controllers (or the scheduler) are the
    cluster's: they run under whichever replica holds the Lease (one process's worth of state is simulated) and
    stop until a replica acquires it."""
    if process == "kube-controller-manager":
        controllers = [f"{process}/{n}" for n in c.component_names() if f"{process}/{n}" in c.components
                       and n in _kcm_controllers()]
    elif process == "kube-scheduler":
        controllers = ["kube-scheduler"]
    else:
        raise KeyError(f"no leader election for {process!r}: kube-controller-manager or kube-scheduler")
    user = f"system:{process}"
    for name in controllers:
        switch(c.loop, name, False)
    electors = []
    for i in range(replicas):
        host = "control-plane" if i == 0 else f"control-plane-{i + 1}"
        own = f"{process}/leader-election" if i == 0 else f"{process}-{i + 1}"
        client = c.system_client(user, (), own)
        electors.append(LeaderElector(c.loop, client, process, replica_identity(c.seed, process, host), own,
                                      controllers))
    for elector in electors:
        elector.run()
    return electors


def switch(env: Loop, name: str, on: bool) -> None:
    """Turn exactly the switch `name` on or off (not those under it: `kube-scheduler/leader-election` stays as
    it is when the scheduler's work stops), as `Loop.start` and `Loop.stop` do for what they match."""
    comp = env.components[name]
    if not on:
        comp.running = False
    elif not comp.running:
        comp.running = True
        env.unpark(comp)
        if comp.on_start:
            comp.on_start()


def _kcm_controllers() -> set[str]:
    from .controllers import ControllerManager
    return set(ControllerManager.CONTROLLERS)


def lease_remaining(lease: dict, now: float) -> float:
    """Seconds until a Lease expires by its own renewTime (what `kubectl get lease` readers compute)."""
    spec = lease.get("spec", {})
    return parse_timestamp(spec["renewTime"]) + spec.get("leaseDurationSeconds", 0) - now


narrative({
    "lease-attempt": "{identity}: attempting to acquire leader lease {object}...",
    "lease-held": "lease {object} is held by {holder} and has not yet expired (renewTime {renew}, "
                  "leaseDurationSeconds {duration}): retry every 2s",
    "lease-acquired": lambda f: f"{f['identity']}: successfully acquired lease {f['object']}"
                                + (f" (holder {f['previous']} stopped renewing)" if f["previous"] else "")
                                + f"; leaseTransitions {f['transitions']}; its controllers start",
    "lease-lost": "{identity}: failed to renew lease {object} within renewDeadline {deadline:g}s: leaderelection "
                  "lost, its controllers stop",
})
