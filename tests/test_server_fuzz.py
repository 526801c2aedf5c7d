"""Random requests against `kubeteach serve` (a fixed seed, so every run sends the same ones): methods, paths built
from the API's own words and from hostile ones, query parameters, content types, bodies and headers mixed at random.
Whatever arrives, the server answers (no dropped connection), with no 5xx but the ones kube-apiserver gives on
purpose, logs no unhandled exception, and keeps its clock and its components running.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import time

import pytest
from conftest import deployment
from test_server_hardening import _context

from kubeteach.cluster import Cluster
from kubeteach.server import Server

SEGMENTS = ["api", "apis", "v1", "apps", "namespaces", "default", "kube-system", "pods", "deployments", "nginx",
            "status", "scale", "log", "binding", "finalize", "nodes", "node-1", "..", ".", "%2F", "%00", "a" * 300, "",
            "replicasets", "rbac.authorization.k8s.io", "roles", "clusterroles", "events", "%", "?", "#", "leases",
            "coordination.k8s.io", "openapi", "v3", "version", "watch", "eviction", "ephemeralcontainers", "resize",
            "selfsubjectaccessreviews", "authorization.k8s.io"]
QUERIES = ["", "?watch=true&timeoutSeconds=1", "?resourceVersion=0", "?resourceVersion=-1", "?labelSelector=a%3D%3Db",
           "?fieldSelector=spec.nodeName%3Dx", "?fieldSelector=bogus%3Dx", "?limit=1", "?continue=abc", "?dryRun=All",
           "?fieldValidation=Strict", "?fieldValidation=bogus", "?propagationPolicy=Bogus", "?gracePeriodSeconds=-5",
           "?watch=1&resourceVersion=99999999&timeoutSeconds=1", "?container=nope", "?follow=true", "?tailLines=x",
           "?labelSelector=" + "a" * 5000, "?%zz", "?a=%", "?timeoutSeconds=99999999999999999999"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO"]
CONTENT_TYPES = [None, "application/json", "application/yaml", "application/json-patch+json",
                 "application/merge-patch+json", "application/strategic-merge-patch+json",
                 "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf", "text/plain",
                 "application/json; charset=utf-16", "multipart/form-data; boundary=x"]
BODIES = [b"", b"{}", b"[]", b"null", b"1", b'"x"', b"{not", b'{"kind":"Pod"}', b"\xff\xfe\x00", b"a: &a [*a]",
          b"k8s\x00\x0a\x02\x0a\x00", b"k8s\x00\xff\xff\xff\xff\x0f", b'{"a":' * 50 + b"1" + b"}" * 50,
          json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "f"}}).encode(),
          json.dumps([{"op": "remove", "path": "/metadata"}]).encode(),
          json.dumps({"metadata": {"name": "other"}}).encode(), json.dumps({"spec": {"replicas": 2**40}}).encode(),
          json.dumps({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": 5}}).encode(),
          json.dumps({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "x"},
                      "target": {"name": "node-1"}}).encode()]
HEADERS = [{}, {"Impersonate-User": "dev"}, {"Impersonate-Group": "system:masters"},
           {"Impersonate-User": "system:admin", "Impersonate-Group": "system:masters"},
           {"Impersonate-Extra-": "x", "Impersonate-User": "x"}, {"Impersonate-Uid": "1"},
           {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}, {"Accept": "application/vnd.kubernetes.protobuf"},
           {"Accept": "text/html"}, {"Authorization": "Bearer x"}, {"Authorization": "Basic Zm9vOmJhcg=="},
           {"Expect": "100-continue"}, {"Content-Encoding": "gzip"}]
REQUESTS = 400


@pytest.fixture
def server():
    c = Cluster()
    c.client().create("deployments", deployment(), "default")
    s = Server(c, port=0, speed=20).start()
    try:
        yield s
    finally:
        s.stop()


def test_random_requests_are_all_answered_and_leave_the_server_running(server, caplog):
    rnd = random.Random(13)
    ctx = _context(server)
    unexpected = []
    with caplog.at_level(logging.ERROR):
        for _ in range(REQUESTS):
            path = "/" + "/".join(rnd.choice(SEGMENTS) for _ in range(rnd.randint(0, 7))) + rnd.choice(QUERIES)
            method, ctype, body, headers = rnd.choice(METHODS), rnd.choice(CONTENT_TYPES), rnd.choice(BODIES), \
                dict(rnd.choice(HEADERS))
            if ctype:
                headers["Content-Type"] = ctype
            conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=20)
            try:
                conn.request(method, path, body=body if method not in ("GET", "HEAD") else None, headers=headers)
                resp = conn.getresponse()
                answer = resp.read()
                if resp.status >= 500:
                    unexpected.append((resp.status, method, path, ctype, body[:40], answer[:200]))
            except (OSError, http.client.HTTPException) as err:
                unexpected.append((type(err).__name__, method, path, ctype, body[:40], str(err)))
            finally:
                conn.close()
    assert not unexpected, unexpected[:10]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    now = server.cluster.now
    time.sleep(0.3)
    assert server.cluster.now > now
    assert not [r for r in server.cluster.errors if r.detail.get("kind") != "APIError"]
