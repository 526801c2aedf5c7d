"""The cluster: wiring of etcd, the API server and the components, the loop (`step`, `run`), and the switches.

`Cluster()` is the default lesson cluster (three worker nodes, seed 0); `Cluster.from_file(path)` reads a cluster
definition shaped like `data/cluster.yaml`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import sys
import traceback
import uuid
import weakref
from dataclasses import dataclass
from importlib import resources as _resources
from pathlib import Path
from typing import Any

import yaml

from .apiserver import APIError, APIServer, CertificateAuthority, Credentials, lookup
from .apiserver.authentication import random_token
from .apiserver.rbac import bootstrap_policy
from .client import Client
from .etcd import Etcd
from .loop import Component, Loop, ProgressBar, WorkFailed, relaxed_gc
from .objects import Randomness, deep_copy, parse_selector, timestamp
from .snapshot import Journal, Journaled, journaled
from .trace import Record, Trace

MAX_STEPS = 200_000
NODE_NETWORK = ipaddress.ip_network("172.18.0.0/16")  # the nodes' own addresses (InternalIP), as on a kind network
#: every component a cluster runs by default, in the order they start
COMPONENTS = ["deployment-controller", "replicaset-controller", "garbage-collector", "node-lifecycle-controller",
              "taint-eviction-controller", "pod-garbage-collector-controller", "namespace-controller",
              "persistentvolume-binder-controller", "pvc-protection-controller", "pv-protection-controller",
              "attachdetach-controller", "csi-provisioner", "csi-attacher", "kube-scheduler", "kubelet"]


#: clusters whose components have failed at least once (what tests/conftest.py checks after each test)
FAILING: weakref.WeakSet[Cluster] = weakref.WeakSet()


def _where(err: BaseException) -> str:
    """Where a component's work raised, package-relative (`controllers/deploymentutil.py:41 in scaled_value`): the
    innermost frame of the component's own code, not of the client or API server an APIError came out of."""
    pkg = Path(__file__).resolve().parent
    shown = []
    for frame in traceback.extract_tb(err.__traceback__):
        path = Path(frame.filename).resolve()
        rel = str(path.relative_to(pkg)) if path.is_relative_to(pkg) else path.name
        shown.append((rel, f"{rel}:{frame.lineno} in {frame.name}"))
    own = [text for rel, text in shown if not rel.startswith(("apiserver/", "client.py", "etcd"))]
    return (own or [text for _, text in shown] or [""])[-1]


def default_definition() -> dict:
    """The definition behind `Cluster()`, shipped with the package (data/cluster.yaml is a copy)."""
    text = _resources.files("kubeteach").joinpath("catalog/cluster.yaml").read_text()
    return yaml.safe_load(text)


@dataclass(frozen=True)
class RunResult:
    """What `run()` did: how many steps, to which virtual time, and whether the cluster settled."""

    steps: int
    time: float
    settled: bool

    def __repr__(self) -> str:
        if self.steps >= MAX_STEPS:
            state = f"stopped at the {MAX_STEPS}-step bound, not settled"
        else:
            state = "settled" if self.settled else "work still due"
        return f"<ran {self.steps} step{'' if self.steps == 1 else 's'} to t={self.time:.3f}s, {state}>"


@dataclass
class User:
    """A kubeconfig user: its name and the credentials kubectl would present."""

    name: str
    credentials: Credentials
    auth: str


class Cluster:
    """A simulated Kubernetes cluster on a virtual clock; every random choice comes from `seed`."""

    def __init__(self, nodes: int | None = None, seed: int | None = None, definition: dict | None = None,
                 components: list[str] | None = None, etcd: str | None = None,
                 ca: CertificateAuthority | None = None, tokens: dict[str, str] | None = None):
        # ca and tokens stay out of the journal: secrets, and not needed to replay the store
        self.journal = Journal({"nodes": nodes, "seed": seed, "definition": definition, "components": components,
                                "etcd": etcd})      # external inputs, for save()/load() (snapshot.py)
        self.definition = deep_copy(definition) if definition is not None else default_definition()
        if nodes is not None:
            self.definition.setdefault("nodes", {})["count"] = nodes
        if seed is not None:
            self.definition["seed"] = seed
        self.seed = int(self.definition.get("seed", 0))
        self.rnd = Randomness(self.seed)
        self.loop = Loop()
        # a bar on stderr for runs that take a while: in a notebook after 10 s (lessons never wait that long)
        self.progress: ProgressBar | None = ProgressBar(after=10.0) if "ipykernel" in sys.modules else None
        self.trace = Trace()
        self._step_records: list[Record] | None = None
        if etcd:                                      # a real etcd (http://127.0.0.1:2379), emptied of /registry/
            from .etcd_remote import RemoteEtcd

            self.etcd = RemoteEtcd(etcd)
        else:
            self.etcd = Etcd()
        # the lesson CA: keys from the seed, certificates dated from the virtual epoch (the same bytes every run);
        # `kubeteach serve` passes its own (random key, real clock) and the tokens it keeps, so the whole served
        # cluster, control plane included, holds credentials nobody can derive from the seed
        self.ca = ca if ca is not None else CertificateAuthority(self.seed, virtual_now=lambda: self.loop.now)
        self._tokens = dict(tokens or {})
        self.api = APIServer(self.etcd, lambda: self.loop.now, self.rnd, self.record, self.ca)
        self.components: dict[str, Component] = {}
        self.users: dict[str, User] = {}
        self.images = {img["name"]: img for img in self.definition.get("images", [])}
        self.current_context = None
        self._make_users()
        self._bootstrap()
        self.started: dict[str, Any] = {}
        from .faults import Faults

        self.faults = Journaled(Faults(self), self.journal, "faults")
        self._start_components(COMPONENTS if components is None else components)
        self._boot()
        self.trace.clear()
        from .kubectl import Kubectl

        self._kubectl = Kubectl(self)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Cluster:
        """Build a cluster from a YAML definition (nodes, users, storage classes, images, seed, objects); read as
        kubectl reads manifests, so a YAML bomb is refused at once (ValueError `yaml: document contains ...`)."""
        from .kubectl.manifests import load_yaml

        definition = load_yaml(Path(path).read_text())
        return cls(definition=definition, **overrides)

    # --- tracing ------------------------------------------------------------------------------------------------

    _errors: list[Record] | None = None          # the failures behind `errors`, made on the first one

    def record(self, actor: str, action: str, obj: str = "", **detail: Any) -> Record:
        rec = Record(self.loop.now, actor, action, obj, detail)
        self.trace.append(rec)
        if self._step_records is not None:
            self._step_records.append(rec)
        return rec

    # --- the loop -----------------------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started (at 2026-01-01T00:00:00Z)."""
        return self.loop.now

    @journaled
    def step(self) -> list[Record] | None:
        """Run exactly one unit of work; returns its trace records, or None once the cluster is settled."""
        if self.loop.busy <= 0:
            return None
        entry = self.loop.pop()
        return None if entry is None else self._run_entry(entry)

    def _run_entry(self, entry: Any) -> list[Record]:
        """Run one loop entry, collecting the trace records it makes (what `step()` returns)."""
        self._step_records = []
        try:
            self._call(entry)
            return self._step_records
        finally:
            self._step_records = None

    def _call(self, entry: Any) -> None:
        """Run one entry's work. What it raises is its component's failure, never the loop's: recorded, and the
        work retried after a back-off (a work queue requeues its key itself and says so with WorkFailed)."""
        seq = self.loop.seq
        try:
            entry.fn()
        except Exception as err:                    # noqa: BLE001 - any component bug; KeyboardInterrupt passes
            self._failed(entry, err, seq)

    def _failed(self, entry: Any, err: Exception, seq: int) -> None:
        if isinstance(err, WorkFailed):
            cause: BaseException = err.__cause__ or err
            key, delay, attempt = err.key, err.delay, err.attempt
        else:
            again, delay = self.loop.retry(entry, seq)
            cause, key, attempt = err, entry.label or getattr(entry.fn, "__qualname__", ""), again.failures
        actor = entry.component.name.removeprefix("kube-controller-manager/")
        rec = self.record(actor, "work-failed", key, kind=type(cause).__name__, error=str(cause),
                          where=_where(cause), attempt=attempt, delay=delay)
        if self._errors is None:
            self._errors = []
        self._errors.append(rec)
        FAILING.add(self)

    def trim_trace(self, limit: int) -> None:
        """Keep the newest `limit` trace records (and failures): what a long-running `kubeteach serve` needs."""
        if len(self.trace) > limit:
            del self.trace[:len(self.trace) - limit]
        if self._errors is not None and len(self._errors) > limit:
            del self._errors[:len(self._errors) - limit]

    @property
    def errors(self) -> list[Record]:
        """The components' failures so far, boot included ("work-failed" records: actor, key, kind, error, where,
        attempt, delay); an APIError among them is the API answering no, anything else a bug in a component."""
        return list(self._errors or [])

    @journaled
    def run(self, seconds: float | None = None) -> RunResult:
        """Step until settled; or, with `seconds`, advance the clock that far doing all work that falls due.

        `c.progress` (kubeteach.loop.ProgressBar; on by default in a Jupyter kernel) is called every 1000 steps and
        at the end; it draws only once a run has taken a while, so short runs print nothing."""
        with relaxed_gc():
            if seconds is None:
                steps, settled = self._run_until_settled()
            else:
                steps, settled = self._run_for(seconds)
        if self.progress:
            self.progress(steps, self.now, True)
        return RunResult(steps, self.now, settled)

    def _run_until_settled(self) -> tuple[int, bool]:
        steps = 0
        while steps < MAX_STEPS:
            if self.step() is None:
                return steps, True
            steps += 1
            if self.progress and steps % 1000 == 0:
                self.progress(steps, self.now, False)
        return steps, False

    def _run_for(self, seconds: float) -> tuple[int, bool]:
        """Every entry due before now + seconds, periodic and retries included; then the clock moves there."""
        end = self.loop.now + seconds
        steps = 0
        while steps < MAX_STEPS:
            t = self.loop.next_time()
            if t is None or t > end:
                break
            entry = self.loop.pop()
            if entry is None:
                break
            self._run_entry(entry)
            steps += 1
            if self.progress and steps % 1000 == 0:
                self.progress(steps, self.now, False)
        self.loop.now = max(self.loop.now, end)
        return steps, self.loop.busy <= 0

    def wait_until(self, done: Any, timeout: float = 600.0) -> bool:
        """Advance the loop until `done()` holds (as kubectl --wait does), at most `timeout` virtual seconds."""
        end = self.loop.now + timeout
        while not done():
            t = self.loop.next_time()
            if t is None or t > end or self.loop.busy <= 0 and t > self.loop.now + 60:
                return bool(done())
            entry = self.loop.pop()
            if entry is None:
                return bool(done())
            self._call(entry)
        return True

    def _boot(self) -> None:
        """Let the components finish starting (informers synced, nodes registered, leases created) before the
        learner's first command, as on a cluster that has been up for a while; the trace starts after this."""
        while self.loop.busy > 0 and (self.loop.next_time() or 0.0) <= 0.0:
            entry = self.loop.pop()
            if entry is None:
                break
            self._run_entry(entry)

    def _start_components(self, names: list[str]) -> None:
        """Build and start the control plane and node components (their informers list and watch at t=0)."""
        from .controllers import ControllerManager

        unknown = set(names) - set(COMPONENTS)
        if unknown:
            raise KeyError(f"unknown components {sorted(unknown)}; known: {', '.join(COMPONENTS)}")
        kcm = ControllerManager(self, [n for n in names if n in ControllerManager.CONTROLLERS])
        self.started.update(kcm.controllers)
        kcm.start()
        if "kube-scheduler" in names:
            from .scheduler import Scheduler

            self.started["kube-scheduler"] = Scheduler(self)
            self.started["kube-scheduler"].start()
        if "kubelet" in names:
            from .kubelet import Kubelet

            for node in self.list("nodes"):
                name = node["metadata"]["name"]
                if f"kubelet/{name}" in self.started or f"kubelet/{name}" in self.components:
                    continue
                self.started[f"kubelet/{name}"] = Kubelet(self, name)
                self.started[f"kubelet/{name}"].start()

    # --- components ---------------------------------------------------------------------------------------------

    def component(self, name: str) -> Component:
        if name not in self.components:
            self.components[name] = Component(name)
        return self.components[name]

    @journaled
    def stop(self, name: str) -> None:
        """Switch a component off: its work waits (`kube-scheduler`, `kube-controller-manager`, `kubelet/node-1`)."""
        for comp in self._matching(name):
            comp.running = False

    @journaled
    def start(self, name: str) -> None:
        """Switch a component back on: it relists and catches up on the work that waited. A component the cluster
        was built without (`Cluster(components=[...])`) is built and started now."""
        missing = [n for n in ([name] if name in COMPONENTS else []) if not self._built(n)]
        if missing:
            self._start_components(missing)
            return
        for comp in self._matching(name):
            if not comp.running:
                comp.running = True
                self.loop.unpark(comp)
                if comp.on_start:
                    comp.on_start()

    def _built(self, name: str) -> bool:
        """Whether the component `name` of COMPONENTS exists (for "kubelet": one per node)."""
        built = {*self.started, *self.components}
        if name == "kubelet":
            return all(f"kubelet/{n['metadata']['name']}" in built for n in self.list("nodes"))
        return name in built

    def _matching(self, name: str) -> list[Component]:
        found = [c for n, c in self.components.items()
                 if n == name or n.startswith(name + "/") or n.endswith("/" + name)]
        if not found:
            raise KeyError(f"no component {name!r}; components: {', '.join(sorted(self.components))}")
        return found

    # --- reading the cluster ------------------------------------------------------------------------------------

    def get(self, resource: str, name: str, namespace: str = "default") -> dict | None:
        """The stored object as a dict (what `kubectl get -o json` shows), or None."""
        res = lookup(resource)
        if res is None:
            raise KeyError(f'the server doesn\'t have a resource type "{resource}"')
        return self.api.storage.read(res.resource, namespace if res.namespaced else "", name)

    def list(self, resource: str, namespace: str | None = "default", label_selector: str | None = None
             ) -> list[dict]:
        """Stored objects of one resource (namespace=None: all namespaces), optionally by label selector."""
        res = lookup(resource)
        if res is None:
            raise KeyError(f'the server doesn\'t have a resource type "{resource}"')
        sel = parse_selector(label_selector) if label_selector else None
        return self.api.storage.list(res.resource, (namespace or "") if res.namespaced else "", sel)

    def events(self, namespace: str | None = "default") -> list[dict]:
        """Event objects, oldest first by lastTimestamp (as `kubectl get events --sort-by=.lastTimestamp`)."""
        evs = self.list("events", namespace)
        return sorted(evs, key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "",
                                          e["metadata"].get("creationTimestamp", ""),
                                          int(e["metadata"]["resourceVersion"])))

    @journaled
    def kubectl(self, command: str, user: str | None = None) -> Any:
        """Run a kubectl command line against this cluster; returns a result with stdout, stderr, returncode."""
        return self._kubectl.run(command, user=user)

    @journaled
    def client(self, user: str = "admin", actor: str = "kubectl") -> Client:
        """A client with a kubeconfig user's credentials (for scripts and tests that talk to the API directly)."""
        return Client(self.api, self.users[user].credentials, actor, verbose=True, user=user)

    # --- snapshots ----------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write a snapshot: the journal of external inputs and the store's contents (see snapshot.py)."""
        from . import snapshot

        snapshot.save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Cluster:
        """Rebuild a saved cluster by replaying its journal; the store must come out as it was saved."""
        from . import snapshot

        return snapshot.load(cls, path)

    # --- kubeconfig ---------------------------------------------------------------------------------------------

    def kubeconfig(self) -> dict:
        """The kubeconfig a learner would have in ~/.kube/config, with real certificate and token data."""
        import base64

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode()

        cluster = self.definition.get("cluster", {})
        name = cluster.get("name", "kubeteach")
        users = []
        for u in self.users.values():
            if u.auth == "x509":
                users.append({"name": u.name, "user": {"client-certificate-data": b64(u.credentials.cert_pem),
                                                       "client-key-data": b64(u.credentials.key_pem)}})
            else:
                users.append({"name": u.name, "user": {"token": u.credentials.token}})
        return {"apiVersion": "v1", "kind": "Config", "preferences": {},
                "clusters": [{"name": name, "cluster": {"server": cluster.get("server", "https://127.0.0.1:6443"),
                                                        "certificate-authority-data": b64(self.ca.cert_pem)}}],
                "contexts": [{"name": u, "context": {"cluster": name, "user": u, "namespace": "default"}}
                             for u in self.users],
                "current-context": self.current_context or next(iter(self.users), ""),
                "users": users}

    # --- bootstrap ----------------------------------------------------------------------------------------------

    def _make_users(self) -> None:
        for spec in self.definition.get("users", []):
            name, groups = spec["name"], tuple(spec.get("groups", []))
            if spec.get("auth", "x509") == "x509":
                cert, key = self.ca.issue(name, groups)
                creds = Credentials(cert_pem=cert, key_pem=key)
            else:
                token = spec.get("token")
                if not token:       # drawn whatever the CA: the same stream goes on to name the cluster's objects
                    token = self.rnd.string(6) + "." + self.rnd.string(16)
                    if not self.ca.seeded:
                        token = self._tokens.get(name) or random_token()
                if spec.get("valid", True):
                    self.api.authn.add_token(token, name, groups)
                creds = Credentials(token=token)
            self.users[name] = User(name, creds, spec.get("auth", "x509"))
        self.current_context = next(iter(self.users), None)

    def use_real_clock_certificates(self) -> None:
        """Before serving a cluster built on the lesson CA: date its certificates on the real clock and reissue the
        users' client certificates, which real clients check against it (the control plane's own stay virtual)."""
        if self.ca.real_clock:
            return
        self.ca.use_real_clock()
        for spec in self.definition.get("users", []):
            if spec.get("auth", "x509") == "x509":
                cert, key = self.ca.issue(spec["name"], tuple(spec.get("groups", [])))
                self.users[spec["name"]].credentials = Credentials(cert_pem=cert, key_pem=key)

    def system_client(self, user: str, groups: tuple[str, ...], actor: str) -> Client:
        """A client for a control-plane component, with a client certificate from the cluster CA."""
        cert, key = self.ca.issue(user, groups)
        return Client(self.api, Credentials(cert_pem=cert, key_pem=key), actor)

    def _bootstrap(self) -> None:
        """What kubeadm and the control plane set up before anyone runs kubectl."""
        admin = self.system_client("kubernetes-admin", ("system:masters",), "kubeadm")
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                             "metadata": {"name": "default", "namespace": ns}})
        for obj in bootstrap_policy():
            admin.create(lookup(obj["kind"]).resource, obj)
        for sc in self.definition.get("storageClasses", []):
            admin.create("storageclasses", {
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": sc["name"], "annotations": {
                    "storageclass.kubernetes.io/is-default-class": "true" if sc.get("default") else "false"}},
                "provisioner": sc["provisioner"], "reclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "volumeBindingMode": sc.get("volumeBindingMode", "Immediate")})
        for node in self.node_specs():
            created = admin.create("nodes", node)
            created["spec"]["taints"] = [t for t in created["spec"].get("taints", [])
                                         if t["key"] != "node.kubernetes.io/not-ready"]
            if not created["spec"]["taints"]:
                del created["spec"]["taints"]
            admin.update("nodes", created)
        for obj in self.definition.get("objects", []):
            res = lookup(obj["kind"])
            admin.create(res.resource, obj, obj.get("metadata", {}).get("namespace", "default"))

    def node_specs(self) -> list[dict]:
        """The Node objects of the definition: names, podCIDRs, capacity, allocatable, labels, conditions."""
        nodes = self.definition.get("nodes", {})
        items = nodes.get("items")
        count = int(nodes.get("count", 3)) if not items else len(items)
        network = ipaddress.ip_network(self.definition.get("cluster", {}).get("podCIDR", "10.244.0.0/16"))
        if count + 1 > 2 ** (24 - network.prefixlen):
            # too small for one /24 per node: widen it, as an admin would give a big cluster --cluster-cidr=/13
            network = network.supernet(new_prefix=24 - count.bit_length())
        # 10.244.0.0/24 is the control plane's; workers get the next /24s, as --allocate-node-cidrs gives them
        subnets = itertools.islice(network.subnets(new_prefix=24), 1, None)
        zones = nodes.get("zones") or []
        out = []
        for i in range(count):
            item = (items[i] if items else {}) or {}
            name = item.get("name") or f"{nodes.get('namePrefix', 'node-')}{i + 1}"
            cidr = item.get("podCIDR") or str(next(subnets))
            capacity = {**nodes.get("capacity", {}), **item.get("capacity", {})}
            reserved = {**nodes.get("reserved", {}), **item.get("reserved", {})}
            labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                      **nodes.get("labels", {}), **item.get("labels", {})}
            if zones:
                labels["topology.kubernetes.io/zone"] = zones[i % len(zones)]
            out.append({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": labels,
                             "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                             "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
                "spec": {"podCIDR": cidr, "podCIDRs": [cidr], **({"taints": item["taints"]} if item.get("taints")
                                                                  else {})},
                "status": {
                    "capacity": capacity,
                    "allocatable": allocatable(capacity, reserved),
                    "conditions": node_conditions(0.0, ready=True),
                    "addresses": [{"type": "InternalIP", "address": str(NODE_NETWORK[i + 2])},
                                  {"type": "Hostname", "address": name}],
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux", **machine_ids(self.seed, name),
                                 "kubeletVersion": nodes.get("kubeletVersion", "v1.35.0"),
                                 "containerRuntimeVersion": nodes.get("containerRuntimeVersion",
                                                                      "containerd://2.1.4"),
                                 "osImage": nodes.get("osImage", "Debian GNU/Linux 12 (bookworm)"),
                                 "kernelVersion": nodes.get("kernelVersion", "6.1.0-40-amd64")},
                    "images": [],
                }})
        return out


def machine_ids(seed: int, node: str) -> dict:
    """machineID, systemUUID and bootID as a kubelet reads them from the host; derived from seed and name."""
    digest = hashlib.sha256(f"{seed}/{node}".encode()).hexdigest()
    return {"machineID": digest[:32], "systemUUID": str(uuid.UUID(digest[32:64])),
            "bootID": str(uuid.UUID(digest[:32])), "kubeProxyVersion": ""}


def allocatable(capacity: dict, reserved: dict) -> dict:
    """Node allocatable = capacity - kube-reserved - system-reserved (pkg/kubelet/cm/node_container_manager)."""
    from .objects import format_bytes, int_value, milli_value

    out = dict(capacity)
    if "cpu" in capacity:
        m = milli_value(capacity["cpu"]) - milli_value(reserved.get("cpu", 0))
        out["cpu"] = f"{m // 1000}" if m % 1000 == 0 else f"{m}m"
    if "memory" in capacity:
        b = int_value(capacity["memory"]) - int_value(reserved.get("memory", 0))
        out["memory"] = format_bytes(b)
    return out


def node_conditions(now: float, ready: bool) -> list[dict]:
    """The four conditions a healthy kubelet posts (pkg/kubelet/nodestatus/setters.go)."""
    t = timestamp(now)

    def cond(ctype: str, status: str, reason: str, message: str) -> dict:
        return {"type": ctype, "status": status, "lastHeartbeatTime": t, "lastTransitionTime": t,
                "reason": reason, "message": message}

    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True" if ready else "False", "KubeletReady" if ready else "KubeletNotReady",
             "kubelet is posting ready status" if ready else "container runtime network not ready"),
    ]


__all__ = ["APIError", "Cluster", "RunResult"]
