"""Just enough of Kubernetes' protobuf encoding to read what kubectl's typed clients POST in protobuf
(`Content-Type: application/vnd.kubernetes.protobuf`): the reviews of `kubectl auth can-i [--list]` and `auth whoami`.

The envelope (apimachinery/pkg/runtime/serializer/protobuf): the magic bytes `k8s\\0`, then a runtime.Unknown
message {1: typeMeta {1: apiVersion, 2: kind}, 2: raw (the object's own message)}. Field numbers of the object come
from the API types' generated.proto (authorization/v1, authentication/v1).
"""

from __future__ import annotations

from typing import Any

from ..apiserver.errors import APIError

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

#: message shape: field number -> (json name, nested shape or None for a string)
RESOURCE_ATTRIBUTES = {1: ("namespace", None), 2: ("verb", None), 3: ("group", None), 4: ("version", None),
                       5: ("resource", None), 6: ("subresource", None), 7: ("name", None)}
NON_RESOURCE_ATTRIBUTES = {1: ("path", None), 2: ("verb", None)}
SSAR_SPEC = {1: ("resourceAttributes", RESOURCE_ATTRIBUTES), 2: ("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES)}
SHAPES = {("authorization.k8s.io/v1", "SelfSubjectAccessReview"): {2: ("spec", SSAR_SPEC)},
          ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): {2: ("spec", {1: ("namespace", None)})},
          ("authentication.k8s.io/v1", "SelfSubjectReview"): {}}


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def fields(data: bytes) -> list[tuple[int, int, Any]]:
    """The (field number, wire type, value) triples of one message; length-delimited values stay bytes."""
    out, i = [], 0
    while i < len(data):
        tag, i = _varint(data, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            n, i = _varint(data, i)
            value, i = data[i:i + n], i + n
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((number, wire, value))
    return out


def _decode(data: bytes, shape: dict) -> dict:
    out: dict[str, Any] = {}
    for number, wire, value in fields(data):
        if number in shape and wire == 2:
            name, nested = shape[number]
            out[name] = _decode(value, nested) if nested else value.decode()
    return out


def decode(body: bytes) -> dict:
    """A protobuf-encoded object as its JSON dict (the kinds in SHAPES only); APIError 415 for anything else."""
    try:
        if not body.startswith(MAGIC):
            raise ValueError("no k8s protobuf magic")
        unknown = {n: v for n, _, v in fields(body[len(MAGIC):])}
        type_meta = {n: v.decode() for n, _, v in fields(unknown.get(1, b""))}
        api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
        shape = SHAPES.get((api_version, kind))
        if shape is None:
            raise ValueError(f"{kind} is not readable in protobuf here")
        return {"apiVersion": api_version, "kind": kind, **_decode(unknown.get(2, b""), shape)}
    except (ValueError, IndexError, UnicodeDecodeError) as err:
        raise APIError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted "
                       f"media types include: application/json, application/yaml ({err})", {}) from None


__all__ = ["MEDIA_TYPE", "decode", "fields"]
