"""A soak test of `kubeteach serve` (bounded, loopback only): several clients send random valid and invalid requests
for a minute of real time (KUBETEACH_SOAK_SECONDS changes it); afterwards the clock still advances, every answer was
one kube-apiserver would give (no 5xx, no dropped connection), the invariants of the property tests hold, the
cluster converges, and the memory the server holds is back near where it started.
"""

from __future__ import annotations

import base64
import gc
import http.client
import json
import os
import random
import ssl
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import yaml
from conftest import deployment
from test_properties import owned_by

from kubeteach.controllers.deploymentutil import max_surge

SECONDS = float(os.environ.get("KUBETEACH_SOAK_SECONDS", "60"))
CLIENTS = 4
TRACE_LIMIT = 2_000         # the served trace keeps this many records (kubeteach.server.app.TRACE_LIMIT)
NS = "default"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"


class Client:
    """One simulated user on its own keep-alive TLS connection (reopened whenever the server closes it)."""

    def __init__(self, server, ctx: ssl.SSLContext, token: str | None = None):
        self.server, self.ctx, self.token = server, ctx, token
        self.conn: http.client.HTTPSConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
                ) -> tuple[int, bytes]:
        hdrs = {"Accept": "application/json", **(headers or {})}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.server.address, self.server.port, context=self.ctx,
                                                        timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()                      # a keep-alive connection the server closed while idle
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _contexts(kubeconfig: Path, tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, str]:
    """TLS contexts for admin (client certificate) and for token users, and dev's token, from the kubeconfig."""
    config = yaml.safe_load(kubeconfig.read_text())
    ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode()
    users = {u["name"]: u["user"] for u in config["users"]}
    (tmp / "admin.crt").write_bytes(base64.b64decode(users["admin"]["client-certificate-data"]))
    (tmp / "admin.key").write_bytes(base64.b64decode(users["admin"]["client-key-data"]))
    admin = ssl.create_default_context(cadata=ca)
    admin.load_cert_chain(tmp / "admin.crt", tmp / "admin.key")
    return admin, ssl.create_default_context(cadata=ca), users["dev"]["token"]


def _valid(c: Client, rnd: random.Random, mine: list[str], tag: str) -> tuple[str, int, set[int]]:
    """One valid request: its name, the status it got, and the statuses a real API server may give it."""
    op = rnd.choice(["create", "create", "get", "list", "patch", "scale", "delete", "watch", "discovery"])
    if op == "create" or not mine:
        name = f"{tag}-{rnd.randrange(10**6)}"
        body = deployment(name, replicas=rnd.randint(0, 2))
        status, _ = c.request("POST", DEPLOYMENTS, json.dumps(body).encode())
        if status == 201:
            mine.append(name)
        return "create", status, {201, 409}
    name = rnd.choice(mine)
    if op == "get":
        return op, c.request("GET", f"{DEPLOYMENTS}/{name}")[0], {200}
    if op == "list":
        return op, c.request("GET", f"/api/v1/namespaces/{NS}/pods?labelSelector=app%3D{name}")[0], {200}
    if op == "patch":
        image = rnd.choice(["nginx:1.25", "nginx:1.26", "nginx:1.27"])
        patch = {"spec": {"template": {"spec": {"containers": [{"name": name, "image": image}]}}}}
        status, _ = c.request("PATCH", f"{DEPLOYMENTS}/{name}", json.dumps(patch).encode(),
                              {"Content-Type": "application/strategic-merge-patch+json"})
        return op, status, {200, 409}
    if op == "scale":
        status, _ = c.request("PATCH", f"{DEPLOYMENTS}/{name}/scale",
                              json.dumps({"spec": {"replicas": rnd.randint(0, 3)}}).encode(),
                              {"Content-Type": "application/merge-patch+json"})
        return op, status, {200, 409}
    if op == "delete":
        mine.remove(name)
        status, _ = c.request("DELETE", f"{DEPLOYMENTS}/{name}",
                              json.dumps({"propagationPolicy": "Background"}).encode())
        return op, status, {200}
    if op == "watch":
        return op, c.request("GET", f"{DEPLOYMENTS}?watch=true&timeoutSeconds=1")[0], {200}
    return op, c.request("GET", rnd.choice(["/version", "/api", "/apis", "/apis/apps/v1"]))[0], {200}


def _invalid(c: Client, dev: Client, rnd: random.Random, mine: list[str]) -> tuple[str, int, set[int]]:
    """One request a real API server refuses, and the 4xx statuses it may refuse it with."""
    name = rnd.choice(mine) if mine else "nginx"
    cases = {
        "malformed json": lambda: c.request("POST", DEPLOYMENTS, b"{not json"),
        "nan": lambda: c.request("POST", DEPLOYMENTS, b'{"apiVersion":"apps/v1","kind":"Deployment",'
                                                      b'"metadata":{"name":"x"},"spec":{"replicas":NaN}}'),
        "string replicas (json patch)": lambda: c.request(
            "PATCH", f"{DEPLOYMENTS}/{name}", b'[{"op":"replace","path":"/spec/replicas","value":"3"}]',
            {"Content-Type": "application/json-patch+json"}),
        "kind replaced (json patch)": lambda: c.request(
            "PATCH", f"{DEPLOYMENTS}/{name}", b'[{"op":"replace","path":"/kind","value":"Pod"}]',
            {"Content-Type": "application/json-patch+json"}),
        "numeric label (merge patch)": lambda: c.request(
            "PATCH", f"{DEPLOYMENTS}/{name}", b'{"metadata":{"labels":{"tier":1}}}',
            {"Content-Type": "application/merge-patch+json"}),
        "negative scale": lambda: c.request(
            "PATCH", f"{DEPLOYMENTS}/{name}/scale", b'{"spec":{"replicas":-1}}',
            {"Content-Type": "application/merge-patch+json"}),
        "unknown patch type": lambda: c.request("PATCH", f"{DEPLOYMENTS}/{name}", b"{}",
                                                {"Content-Type": "text/plain"}),
        "unserved path": lambda: c.request("GET", "/api/v1/namespaces/kube-system/secrets"),
        "bogus subresource": lambda: c.request("DELETE", f"{DEPLOYMENTS}/{name}/bogus"),
        "bad resourceVersion": lambda: c.request("GET", f"{DEPLOYMENTS}?resourceVersion=abc"),
        "bad timeoutSeconds": lambda: c.request("GET", f"{DEPLOYMENTS}?watch=true&timeoutSeconds=soon"),
        "forbidden (dev)": lambda: dev.request("DELETE", f"{DEPLOYMENTS}/{name}"),
        "impersonated group without user": lambda: c.request("GET", "/api/v1/namespaces",
                                                             headers={"Impersonate-Group": "system:masters"}),
        "too large": lambda: c.request("POST", DEPLOYMENTS, b'{"a":"' + b"x" * (3 * 1024 * 1024 + 10) + b'"}'),
    }
    what = rnd.choice(sorted(cases))
    status, _ = cases[what]()
    return what, status, set(range(400, 500))


def _live_memory() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_a_minute_of_random_clients_leaves_the_server_working_and_its_memory_where_it_was(tmp_path: Path):
    from kubeteach.cluster import Cluster
    from kubeteach.server import Server

    server = Server(Cluster(), port=0, speed=20, compaction_interval=2.0, trace_limit=TRACE_LIMIT)
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    server.start()
    admin_ctx, token_ctx, dev_token = _contexts(kubeconfig, tmp_path)
    try:
        warm = Client(server, admin_ctx)
        for i in range(3):                                    # warm every code path once before measuring
            _valid(warm, random.Random(i), [], "warm")
        warm.close()
        tracemalloc.start()
        before = _live_memory()
        _debug_before = tracemalloc.take_snapshot() if os.environ.get("SOAK_DEBUG") else None
        clock_before = server.cluster.now

        unexpected: list[str] = []
        counts: Counter[str] = Counter()
        left: dict[int, list[str]] = {}
        deadline = time.monotonic() + SECONDS

        def client(i: int) -> None:
            rnd = random.Random(1000 + i)
            admin, dev = Client(server, admin_ctx), Client(server, token_ctx, dev_token)
            mine: list[str] = []
            try:
                while time.monotonic() < deadline:
                    what, status, ok = (_valid(admin, rnd, mine, f"soak{i}") if rnd.random() < 0.6
                                        else _invalid(admin, dev, rnd, mine))
                    counts[what] += 1
                    if status not in ok:
                        unexpected.append(f"client {i}: {what} -> {status}")
            except Exception as err:                          # a dropped connection or a hang is a failure
                unexpected.append(f"client {i}: {type(err).__name__}: {err}")
            finally:
                left[i] = mine
                admin.close()
                dev.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(SECONDS + 120)
        assert not any(t.is_alive() for t in threads), "a client hung"
        assert not unexpected, unexpected[:20]
        assert sum(counts.values()) > 100 * SECONDS / 60, counts

        # the clock still advances
        now = server.cluster.now
        time.sleep(0.5)
        assert server.cluster.now > now > clock_before

        # invariants, then convergence once the load stops
        with server.lock:
            c = server.cluster
            _check_invariants(c)
            c.run(seconds=120)
            c.run()
            _check_invariants(c, settled=True)
            for d in c.list("deployments"):
                st, want = d.get("status", {}), d["spec"]["replicas"]
                assert st.get("updatedReplicas", 0) == want and st.get("availableReplicas", 0) == want, d["metadata"]
            # clean up what the clients made, then measure what the server still holds
            admin = c.client()
            for d in c.list("deployments"):
                admin.delete("deployments", NS, d["metadata"]["name"], propagationPolicy="Background")
            c.run(seconds=120)
            c.run()
            assert not c.list("pods") and not c.list("replicasets")
            for e in c.list("events"):                 # kube-apiserver would expire them after --event-ttl=1h
                admin.delete("events", NS, e["metadata"]["name"])
        with server.lock:                              # the clock keeps ticking (and recording) outside the lock
            server.compact_now()
            assert len(server.cluster.trace) <= TRACE_LIMIT
        after = _live_memory()
        assert after - before < 16 * 1024 * 1024, f"{(after - before) / 2**20:.1f} MiB more than before the soak"
    finally:
        if os.environ.get("SOAK_DEBUG"):
            print(f"live memory {(_live_memory() - before) / 2**20:.1f} MiB more than before")
            _debug = tracemalloc.take_snapshot()
            for st in _debug.compare_to(_debug_before, "lineno")[:25]:
                print(st)
        tracemalloc.stop()
        server.stop()


def _check_invariants(c, settled: bool = False) -> None:
    """The property tests' invariants on the served cluster (tests/test_properties.py): distinct pod IPs, synced
    rollouts within maxSurge, revisions that only grow; once settled, every ReplicaSet and Pod has a live owner."""
    ips = [p["status"]["podIP"] for p in c.list("pods")
           if p["status"].get("phase") == "Running" and p["status"].get("podIP")]
    assert len(ips) == len(set(ips)), sorted(ips)
    for d in c.list("deployments"):
        if d.get("status", {}).get("observedGeneration", 0) >= d["metadata"]["generation"]:
            total = sum(rs["spec"]["replicas"] for rs in c.list("replicasets") if owned_by(rs, d))
            assert total <= d["spec"]["replicas"] + max_surge(d), d["metadata"]["name"]
    assert all(c.etcd.get(k).mod_revision <= c.etcd.revision for k in c.etcd.keys())
    if settled:
        owners = {o["metadata"]["uid"] for kind in ("replicasets", "deployments") for o in c.list(kind)}
        for kind in ("pods", "replicasets"):
            for o in c.list(kind):
                refs = [r for r in o["metadata"].get("ownerReferences", []) if r.get("controller")]
                assert refs and refs[0]["uid"] in owners, f"{kind} {o['metadata']['name']} has no live owner"
