"""The cluster's assembly: etcd, the API server and the components wired on one loop, the switches, the users and
their credentials, and the bootstrap a cluster has before anyone types a command. `kubeteach.cluster.Cluster` adds
what sits above it (kubectl, faults, snapshots); components never see either, only their environment and client.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import random
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources as _resources
from types import MappingProxyType
from typing import Any

import yaml

from .apiserver import APIServer, CertificateAuthority, Credentials, lookup
from .apiserver.authentication import random_token
from .apiserver.priority import system_priority_classes
from .apiserver.rbac import bootstrap_policy, drawn_aside
from .apiserver.services import bootstrap as kubernetes_service
from .client import Client
from .controllers import ControllerConfig, ControllerManager
from .etcd import Etcd
from .journal import Journal, journaled
from .kubelet import Kubelet
from .loop import Component, Loop, ProgressBar, RunResult
from .objects import Randomness, deep_copy, parse_selector, parse_timestamp, timestamp
from .proxy import component_rules, start_kube_proxies
from .scheduler import Scheduler
from .scheduler.scheduler import SCHEDULER_NAME
from .trace import Record, Trace

NODE_NETWORK = ipaddress.ip_network("172.18.0.0/16")  # the nodes' own addresses (InternalIP), as on a kind network
#: every component a cluster runs by default, in the order they start
COMPONENTS = ["deployment-controller", "replicaset-controller", "garbage-collector", "node-lifecycle-controller",
              "taint-eviction-controller", "pod-garbage-collector-controller", "namespace-controller",
              "persistentvolume-binder-controller", "pvc-protection-controller", "pv-protection-controller",
              "attachdetach-controller", "disruption-controller", "endpoints-controller", "endpointslice-controller",
              "csi-provisioner", "csi-attacher", "kube-scheduler", "kubelet", "kube-proxy"]


def default_definition() -> dict:
    """The definition behind `Cluster()`, shipped with the package (data/cluster.yaml is a copy)."""
    text = _resources.files("kubeteach").joinpath("catalog/cluster.yaml").read_text()
    return yaml.safe_load(text)


@dataclass
class User:
    """A kubeconfig user: its name and the credentials kubectl would present."""

    name: str
    credentials: Credentials
    auth: str


class ComponentView:
    """A read-only window on one running component, for lessons and pictures (`c.inspect("deployment-controller")`):
    what its informers have cached, which keys wait in its work queue, and kube-scheduler's decisions."""

    def __init__(self, name: str, component: Any):
        self.name, self._component = name, component

    def cache(self, resource: str) -> Mapping[str, dict]:
        """The informer cache of `resource` (`deployments`, `deploy`, `pods`, …): namespace/name → object."""
        res = lookup(resource)
        name = res.resource if res is not None else resource
        informers = self._component.factory.informers
        informer = informers.get(name) or informers.get(name + "@node")
        if informer is None:
            watched = sorted(k.removesuffix("@node") for k in informers)
            raise KeyError(f"{self.name} has no informer for {resource!r}; it watches {', '.join(watched)}")
        return MappingProxyType(informer.cache)

    @property
    def queue(self) -> tuple[str, ...]:
        """The keys waiting in its work queue, sorted (kube-scheduler: the pods in activeQ)."""
        q = self._component.queue
        return tuple(sorted(q.queued if hasattr(q, "queued") else q.active))

    @property
    def decisions(self) -> Mapping[str, list]:
        """kube-scheduler's scheduling attempts by pod key (empty for other components)."""
        return MappingProxyType(getattr(self._component, "decisions", {}))

    rules = property(lambda self: component_rules(self.name, self._component), doc="kube-proxy's iptables-save")

    def __repr__(self) -> str:
        return f"<{self.name}: queue {list(self.queue)}>"


class Assembly:
    """The wired cluster on a virtual clock; every random choice comes from `seed` (`Cluster` is the public face)."""

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
        self.loop = Loop()            # the environment: clock, due work, trace, switches
        # a bar on stderr for runs that take a while: in a notebook after 10 s (lessons never wait that long)
        self.progress: ProgressBar | None = ProgressBar(after=10.0) if "ipykernel" in sys.modules else None
        self.trace: Trace = self.loop.trace
        if etcd:                                      # a real etcd (http://127.0.0.1:2379), emptied of /registry/
            from .etcd_remote import RemoteEtcd

            self.etcd = RemoteEtcd(etcd)
        else:
            self.etcd = Etcd()
        # the lesson CA: keys from the seed, certificates dated from the virtual epoch (the same bytes every run);
        # `kubeteach serve` passes its own (random key, real clock) and the tokens it keeps, so the whole served
        # cluster, control plane included, holds credentials nobody can derive from the seed
        self.ca = ca if ca is not None else CertificateAuthority(self.seed, virtual_now=self.loop.clock)
        self._tokens = dict(tokens or {})
        self.api = APIServer(self.etcd, self.loop.clock, self.rnd, self.loop.record, self.ca)
        self.components: dict[str, Component] = self.loop.components     # the switches
        self.users: dict[str, User] = {}
        self._sa_tokens: dict[str, str] = {}       # the controllers' service account tokens, by name
        self._aside_rng = random.Random(f"{self.seed}/controller-identities")
        self.images = {img["name"]: img for img in self.definition.get("images", [])}
        self.current_context = None
        self._make_users()
        self._bootstrap()
        self.started: dict[str, Any] = {}           # the component objects by name, in the order they started
        self._start_components(COMPONENTS if components is None else components)
        self.loop.boot()     # informers synced, nodes registered, leases created: the trace starts after this
        self.trace.clear()

    # --- tracing ------------------------------------------------------------------------------------------------

    def record(self, actor: str, action: str, obj: str = "", **detail: Any) -> Record:
        """A trace record at the current virtual time (the loop keeps the trace)."""
        return self.loop.record(actor, action, obj, **detail)

    def trim_trace(self, limit: int) -> None:
        """Keep the newest `limit` trace records (and failures): what a long-running `kubeteach serve` needs."""
        self.loop.trim(limit)

    @property
    def errors(self) -> list[Record]:
        """The components' failures so far, boot included ("work-failed" records: actor, key, kind, error, where,
        attempt, delay); an APIError among them is the API answering no, anything else a bug in a component."""
        return list(self.loop.errors)

    # --- the loop (kubeteach.loop.Loop does the work; these are the journaled public face) ------------------------

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started (at 2026-01-01T00:00:00Z)."""
        return self.loop.now

    @journaled
    def step(self) -> list[Record] | None:
        """Run exactly one unit of work; returns its trace records, or None once the cluster is settled."""
        return self.loop.step()

    @journaled
    def run(self, seconds: float | None = None) -> RunResult:
        """Step until settled; or, with `seconds`, advance the clock that far doing all work that falls due.

        `c.progress` (kubeteach.loop.ProgressBar; on by default in a Jupyter kernel) is called every 1000 steps and
        at the end; it draws only once a run has taken a while, so short runs print nothing."""
        return self.loop.run(seconds, self.progress)

    def wait_until(self, done: Callable[[], bool], timeout: float = 600.0) -> bool:
        """Advance the loop until `done()` holds (as kubectl --wait does), at most `timeout` virtual seconds."""
        return self.loop.wait_until(done, timeout)

    def _start_components(self, names: list[str]) -> None:
        """Build and start the control plane and node components (their informers list and watch at t=0): each gets
        the loop as its environment, a client with its own identity, and its configuration; never the cluster."""
        unknown = set(names) - set(COMPONENTS)
        if unknown:
            raise KeyError(f"unknown components {sorted(unknown)}; known: {', '.join(COMPONENTS)}")
        kcm_client = self.system_client("system:kube-controller-manager", (), "kube-controller-manager")
        config = ControllerConfig(csi_driver=dict(self.definition.get("csiDriver") or {}), seed=self.seed)
        kcm = ControllerManager(self.loop, kcm_client, [n for n in names if n in ControllerManager.CONTROLLERS],
                                config, lambda sa, actor: self.service_account_client(kcm_client, sa, actor))
        self.started.update(kcm.controllers)
        kcm.start()
        if "kube-scheduler" in names:
            client = self.system_client("system:kube-scheduler", (), SCHEDULER_NAME)
            self.started["kube-scheduler"] = Scheduler(self.loop, client, self.rnd)
            self.started["kube-scheduler"].start()
        if "kubelet" in names:
            for node in self.list("nodes"):
                name = node["metadata"]["name"]
                actor = f"kubelet/{name}"
                if actor in self.started or actor in self.components:
                    continue
                client = self.system_client(f"system:node:{name}", ("system:nodes",), actor)
                self.started[actor] = Kubelet(self.loop, client, name, self.rnd, self.images,
                                              self.definition.get("csiDriver"))
                self.api.node_proxies[name] = self.started[actor].container_logs   # the kubelet's port
                self.started[actor].start()
        if "kube-proxy" in names:       # after the kubelets, one per node (kubeteach/proxy)
            start_kube_proxies(self)

    # --- components ---------------------------------------------------------------------------------------------

    def component(self, name: str) -> Component:
        """The on/off switch `name` (made on first use)."""
        return self.loop.component(name)

    def component_names(self) -> list[str]:
        """The components this cluster runs, in the order they started: what `stop`, `start` and `inspect` take."""
        return list(self.started)

    def inspect(self, name: str) -> ComponentView:
        """A read-only view of a running component: its informer caches (`.cache("deployments")`), the keys in its
        work queue (`.queue`) and, for kube-scheduler, its decisions (`.decisions`)."""
        if name not in self.started:
            raise KeyError(f"no component {name!r}; components: {', '.join(self.started)}")
        return ComponentView(name, self.started[name])

    @journaled
    def stop(self, name: str) -> None:
        """Switch a component off: its work waits (`kube-scheduler`, `kube-controller-manager`, `kubelet/node-1`)."""
        self.loop.stop(name)

    @journaled
    def start(self, name: str) -> None:
        """Switch a component back on: it relists and catches up on the work that waited. A component the cluster
        was built without (`Cluster(components=[...])`) is built and started now."""
        missing = [n for n in ([name] if name in COMPONENTS else []) if not self._built(n)]
        if missing:
            self._start_components(missing)
            return
        self.loop.start(name)

    @journaled
    def trace_requests(self, name: str, on: bool = True) -> None:
        """Trace every API request of a component with its pipeline stages, as kubectl's are: who authenticated,
        which RBAC binding and role authorized it, what admission did (`deployment-controller`, `kube-scheduler`,
        `kubelet/node-1`; `kube-controller-manager` names all its controllers). Off again with `on=False`."""
        found = [comp for n, comp in self.started.items()
                 if n == name or n.endswith("/" + name) or n.startswith(name + "/")
                 or (name == "kube-controller-manager" and n in ControllerManager.CONTROLLERS)]
        if not found:
            raise KeyError(f"no component {name!r}; components: {', '.join(self.started)}")
        for comp in found:
            comp.client.verbose = on

    def _built(self, name: str) -> bool:
        """Whether the component `name` of COMPONENTS exists (for "kubelet": one per node)."""
        built = {*self.started, *self.components}
        if name == "kubelet":
            return all(f"kubelet/{n['metadata']['name']}" in built for n in self.list("nodes"))
        return name in built

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
        return sorted(evs, key=lambda e: (int(parse_timestamp(e.get("lastTimestamp") or e.get("eventTime") or
                                                              "1970-01-01T00:00:00Z")),   # eventTime: to the second
                                          e["metadata"].get("creationTimestamp", ""),
                                          int(e["metadata"]["resourceVersion"])))

    @journaled
    def client(self, user: str = "admin", actor: str = "kubectl") -> Client:
        """A client with a kubeconfig user's credentials (for scripts and tests that talk to the API directly)."""
        return Client(self.api, self.users[user].credentials, actor, verbose=True, user=user)

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

    def service_account_client(self, kcm: Client, name: str, actor: str) -> Client:
        """A controller's client as kube-controller-manager builds it with --use-service-account-credentials
        (ClientOrDie, k8s.io/controller-manager/pkg/clientbuilder): the ServiceAccount kube-system/<name>,
        created by kube-controller-manager if missing, and a token for it (a random string, not a signed JWT)."""
        if self.api.storage.read("serviceaccounts", "kube-system", name) is None:
            with self._aside():
                kcm.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                               "metadata": {"name": name, "namespace": "kube-system"}}, "kube-system")
        token = self._sa_tokens.get(name)
        if token is None:
            digest = hashlib.sha256(f"{self.seed}/serviceaccount/kube-system/{name}".encode()).hexdigest()
            token = self._sa_tokens[name] = digest[:6] + "." + digest[6:22] if self.ca.seeded else random_token()
            self.api.authn.add_service_account_token(token, "kube-system", name)
        client = Client(self.api, Credentials(token=token), actor)
        # rest.AddUserAgent(config, name): the process's agent (its git commit left out) with "/<name>" added,
        # so the field manager of its writes stays kube-controller-manager
        client.user_agent = f"kube-controller-manager/v1.35.0 (linux/amd64)/{name}"
        return client

    @contextmanager
    def _aside(self, on: bool = True) -> Iterator[None]:
        """Draw the UIDs of what the controllers' identities and the system PriorityClasses add (roles, bindings,
        service accounts, classes) from a stream of their own, so the names and UIDs a seed gives everything else
        stay as they were."""
        if not on:
            yield
            return
        main, self.rnd.rng = self.rnd.rng, self._aside_rng
        try:
            yield
        finally:
            self.rnd.rng = main

    def _bootstrap(self) -> None:
        """What kubeadm and the control plane set up before anyone runs kubectl."""
        admin = self.system_client("kubernetes-admin", ("system:masters",), "kubeadm")
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            admin.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            admin.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                             "metadata": {"name": "default", "namespace": ns}})
        for obj in bootstrap_policy():
            with self._aside(drawn_aside(obj)):
                admin.create(lookup(obj["kind"]).resource, obj)
        apiserver = self.system_client("system:apiserver", ("system:masters",), "kube-apiserver")
        with self._aside():
            for obj in system_priority_classes():      # kube-apiserver's own post-start hook
                apiserver.create("priorityclasses", obj)
            kubernetes_service(apiserver, self.api, self.definition)   # and the `kubernetes` Service, its endpoints
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


__all__ = ["COMPONENTS", "Assembly", "ComponentView", "RunResult", "User", "allocatable", "default_definition",
           "machine_ids", "node_conditions"]
