"""/openapi/v2 in its protobuf form: the Swagger document (apiserver/openapi.py) encoded as gnostic's
openapi.v2.Document (github.com/google/gnostic-models openapiv2/OpenAPIv2.proto), which client-go's
DiscoveryClient.OpenAPISchema asks for (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf) and
`kubectl explain --output=plaintext-openapiv2` reads; and the media-type negotiation of
k8s.io/kube-openapi/pkg/handler (JSON or protobuf, 406 for anything else).

Only the messages the document uses are encoded: info, paths with their operations' query parameters, responses
and vendor extensions, and the definitions' schemas. Values of `default`, `enum` and `x-` extensions are gnostic
`Any`s carrying their YAML text (JSON, which is YAML).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ..apiserver.openapi import openapi_v2

JSON = "application/json"
PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
PROTOBUF_ALT = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def negotiate(accept: str) -> str | None:
    """The media type to answer an Accept header with (clauses by q, first match wins), None for 406."""
    clauses = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            clauses.append((-q, i, media))
    for _, _, media in sorted(clauses):
        typ, _, sub = media.partition("/")
        for offered in (JSON, PROTOBUF, PROTOBUF_ALT):
            otype, _, osub = offered.partition("/")
            if typ in ("*", otype) and sub in ("*", osub):
                return offered
    return None


# --- protobuf wire format ---------------------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _bytes(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _str(field: int, s: str) -> bytes:
    return _bytes(field, s.encode()) if s else b""


def _bool(field: int, b: bool) -> bytes:
    return _varint(field << 3) + b"\x01" if b else b""


def _any(value: Any) -> bytes:
    """gnostic Any: its `yaml` (field 2)."""
    return _str(2, json.dumps(value, sort_keys=True))


def _named_any(field: int, name: str, value: Any) -> bytes:
    return _bytes(field, _str(1, name) + _bytes(2, _any(value)))


def _schema(s: dict) -> bytes:
    out = _str(1, s.get("$ref", "")) + _str(2, s.get("format", "")) + _str(4, s.get("description", ""))
    if "default" in s:
        out += _bytes(5, _any(s["default"]))
    out += b"".join(_str(19, r) for r in s.get("required", []))
    out += b"".join(_bytes(20, _any(v)) for v in s.get("enum", []))
    if isinstance(s.get("additionalProperties"), dict):
        out += _bytes(21, _bytes(1, _schema(s["additionalProperties"])))
    if s.get("type"):
        out += _bytes(22, _str(1, s["type"]))
    if s.get("items"):
        out += _bytes(23, _bytes(1, _schema(s["items"])))
    out += b"".join(_bytes(24, _schema(a)) for a in s.get("allOf", []))
    if s.get("properties"):
        out += _bytes(25, b"".join(_bytes(1, _str(1, k) + _bytes(2, _schema(v))) for k, v in s["properties"].items()))
    out += b"".join(_named_any(31, k, v) for k, v in s.items() if k.startswith("x-"))
    return out


def _parameter(p: dict) -> bytes:
    query = _bool(1, p.get("required", False)) + _str(2, p["in"]) + _str(3, p.get("description", "")) + \
        _str(4, p["name"]) + _str(6, p.get("type", "")) + _bool(20, p.get("uniqueItems", False))
    return _bytes(1, _bytes(2, _bytes(3, query)))           # ParametersItem.parameter.non_body_parameter.query


def _operation(op: dict) -> bytes:
    out = b"".join(_str(1, t) for t in op.get("tags", [])) + _str(5, op.get("operationId", ""))
    out += b"".join(_bytes(8, _parameter(p)) for p in op.get("parameters", []))
    codes = b""
    for code, resp in op.get("responses", {}).items():
        body = _str(1, resp.get("description", ""))
        if "schema" in resp:
            body += _bytes(2, _bytes(1, _schema(resp["schema"])))
        codes += _bytes(1, _str(1, code) + _bytes(2, _bytes(1, body)))
    out += _bytes(9, codes)
    out += b"".join(_named_any(13, k, v) for k, v in op.items() if k.startswith("x-"))
    return out


_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8}


@functools.cache
def document_proto() -> bytes:
    """The whole v2 document as an openapi.v2.Document message."""
    doc = openapi_v2()
    out = _str(1, doc["swagger"]) + _bytes(2, _str(1, doc["info"]["title"]) + _str(2, doc["info"]["version"]))
    paths = b""
    for path, item in doc["paths"].items():
        body = b"".join(_bytes(_METHODS[m], _operation(op)) for m, op in item.items() if m in _METHODS)
        paths += _bytes(2, _str(1, path) + _bytes(2, body))
    out += _bytes(8, paths)
    out += _bytes(9, b"".join(_bytes(1, _str(1, name) + _bytes(2, _schema(s)))
                              for name, s in doc["definitions"].items()))
    return out


__all__ = ["JSON", "PROTOBUF", "PROTOBUF_ALT", "document_proto", "negotiate"]
