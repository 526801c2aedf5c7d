"""Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) for the kinds in protobuf_schema: request
bodies read into the JSON dict Go's json.Marshal would print for the decoded struct, and responses written from
our JSON objects.

The envelope (apimachinery/pkg/runtime/serializer/protobuf): the magic `k8s\\0`, then a runtime.Unknown {typeMeta
{apiVersion, kind}, raw (the object's message), contentEncoding, contentType}. The `protobuf` library parses the
wire; `wire_error` walks it first to name what Go's generated Unmarshal (generated.pb.go) would refuse, in its words,
since the library reports no detail and accepts a known field with the wrong wire type where Go does not.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf.message import DecodeError

from ..apiserver.decoding import go_quote
from ..apiserver.errors import APIError, bad_request
from .protobuf_schema import (
    META,
    RUNTIME,
    WIRE_TYPES,
    Field,
    Message,
    format_duration,
    format_time,
    go_text,
    kind_message,
    messages,
    parse_duration,
    parse_time,
    unknown_class,
)

MAGIC = b"k8s\x00"
MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
LEGACY_SCHEME = "pkg/api/legacyscheme/scheme.go:30"
#: Go's generated errors (generated.pb.go, encoding/binary-free varint code)
EOF = "unexpected EOF"
BAD_LENGTH = "proto: negative length found during unmarshaling"
OVERFLOW = "proto: integer overflow"

_TIME, _MICRO, _DURATION = f"{META}.Time", f"{META}.MicroTime", f"{META}.Duration"
_INTSTR, _QUANTITY = "k8s.io.apimachinery.pkg.util.intstr.IntOrString", "k8s.io.apimachinery.pkg.api.resource.Quantity"
_RAW = {f"{RUNTIME}.RawExtension": "raw", f"{RUNTIME}.Unknown": "raw", f"{META}.FieldsV1": "Raw"}


class WireError(ValueError):
    """A body Go's protobuf Unmarshal refuses; the message is Go's error text."""


# --- request bodies -----------------------------------------------------------------------------------------------

def decode(body: bytes, into: tuple[str, str] = ("", "")) -> dict:
    """A protobuf body as the JSON dict of its decoded object. `into` is the (apiVersion, kind) the handler decodes
    into: it fills an envelope's missing apiVersion or kind (copyKindDefaults) and names the target in errors,
    which are the 400s transformDecodeError (endpoints/handlers/rest.go) makes of the serializer's."""
    into_version, into_kind = into
    if not body:
        raise _unrecognized(into_kind, "empty data", body)
    if not body.startswith(MAGIC):
        raise _unrecognized(into_kind, f"provided data does not appear to be a protobuf message, expected prefix "
                                       f"[{' '.join(str(b) for b in MAGIC)}]", body)
    if len(body) == len(MAGIC):
        raise _unrecognized(into_kind, "empty body", body)
    data = body[len(MAGIC):]
    try:
        envelope = _parse(data, messages()[f"{RUNTIME}.Unknown"])
    except WireError as err:
        raise _unrecognized(into_kind, str(err), body) from None
    api_version = go_text(envelope.typeMeta.apiVersion) or into_version
    kind = go_text(envelope.typeMeta.kind) or into_kind
    version = api_version.rsplit("/", 1)[-1]
    handled = f"{kind} in version {go_quote(version)} cannot be handled as a {into_kind or kind}: "
    if not kind:
        raise bad_request(f"Object 'Kind' is missing in '{_type_meta(envelope)}'")
    if not api_version:
        raise bad_request(f"Object 'apiVersion' is missing in '{_type_meta(envelope)}'")
    msg = kind_message(api_version, kind)
    if msg is None:
        raise bad_request(handled + f"no kind {go_quote(kind)} is registered for version "
                          f"{go_quote(api_version)} in scheme {go_quote(LEGACY_SCHEME)}")
    try:
        obj = to_json(_parse(envelope.raw, msg), msg)
    except WireError as err:
        raise bad_request(handled + str(err)) from None
    except RecursionError:          # objects nested in RawExtensions past Python's stack; Go has no such bound
        raise bad_request(handled + "exceeded max depth") from None
    return {"kind": kind, "apiVersion": api_version, **obj}


def _unrecognized(into_kind: str, problem: str, body: bytes) -> APIError:
    if not into_kind:
        return bad_request(problem)
    summary = "<empty>" if not body else body[:30].hex() + (" ..." if len(body) > 30 else "")
    return bad_request(f"the object provided is unrecognized (must be of type {into_kind}): {problem} ({summary})")


def _type_meta(envelope: Any) -> str:
    """runtime.TypeMeta as Go's %#v prints it."""
    tm = envelope.typeMeta
    return f"runtime.TypeMeta{{APIVersion:{go_quote(go_text(tm.apiVersion))}, Kind:{go_quote(go_text(tm.kind))}}}"


def _parse(data: bytes, msg: Message) -> Any:
    """Go's checks first (WireError in its words), then the library's parse."""
    wire_error(data, msg)
    try:
        return msg.cls.FromString(data)
    except (DecodeError, RecursionError, ValueError):
        # what Go's skipGenerated accepts and the library does not (a group closed under another number, groups
        # nested past its depth limit): Go would read on; the body gets Go's words for a broken one instead
        raise WireError(EOF) from None


# --- protobuf -> JSON, as Go's json.Marshal prints the decoded struct ----------------------------------------------

def to_json(pb: Any, msg: Message) -> Any:
    """A decoded message as Go's encoding/json prints its struct."""
    special = _special_json(pb, msg.full_name)
    if special is not _NONE:
        return special
    if msg.wrapper:
        return [_scalar_json(v, msg.fields[0]) for v in pb.items] or None
    out: dict[str, Any] = {}
    for fl in msg.fields:
        if fl.skip:
            continue
        value, empty = _field_json(pb, fl)
        if fl.inline and isinstance(value, dict):
            out.update(value)
        elif not (empty and fl.omitempty):
            out[fl.json] = value
    return out


_NONE = object()


def _field_json(pb: Any, fl: Field) -> tuple[Any, bool]:
    """(JSON value, whether omitempty drops it) of one struct field."""
    all_messages = messages()
    if fl.label == "m":
        entries = {go_text(e.key): e for e in getattr(pb, fl.name)}      # the last duplicate wins, as in Go
        if not entries:
            return None, True
        return {k: _value_json(e, "value", fl) for k, e in sorted(entries.items())}, False
    if fl.label == "r":
        items = getattr(pb, fl.name)
        if not items:
            return None, True
        if fl.type in all_messages:
            return [to_json(v, all_messages[fl.type]) for v in items], False
        return [_scalar_json(v, fl) for v in items], False
    if fl.type in all_messages:
        sub = all_messages[fl.type]
        present = pb.HasField(fl.name)
        if fl.pointer and not present:
            return None, True
        value = to_json(getattr(pb, fl.name), sub)
        if sub.wrapper and not fl.pointer:                 # a named slice: empty is nil
            return value, value is None
        return value, False
    if fl.pointer:
        return (_scalar_json(getattr(pb, fl.name), fl), False) if pb.HasField(fl.name) else (None, True)
    value = getattr(pb, fl.name)
    if fl.type == "bytes" and not value:
        return None, True
    return _scalar_json(value, fl), not value


def _value_json(entry: Any, name: str, fl: Field) -> Any:
    sub = messages().get(fl.type)
    if sub is not None:
        return to_json(getattr(entry, name), sub)
    return _scalar_json(getattr(entry, name), fl)


def _scalar_json(value: Any, fl: Field) -> Any:
    if fl.type in ("string", "bytes"):
        return go_text(value) if fl.text else base64.b64encode(value).decode()
    return value


def _special_json(pb: Any, name: str) -> Any:
    """Types with their own MarshalJSON: Time, MicroTime, Duration, IntOrString, Quantity, RawExtension, FieldsV1."""
    if name in (_TIME, _MICRO):
        if not pb.ListFields():
            return None                                    # the zero Time prints as null
        # Time keeps whole seconds; MicroTime truncates nanos toward zero to microseconds (time_proto.go)
        nanos = int(pb.nanos / 1000) * 1000 if name == _MICRO else 0
        return format_time(pb.seconds, nanos, micro=name == _MICRO)
    if name == _DURATION:
        return format_duration(pb.duration)
    if name == _INTSTR:
        return go_text(pb.strVal) if pb.type == 1 else pb.intVal
    if name == _QUANTITY:
        return go_text(pb.string) if pb.HasField("string") else "0"   # "" stays: Go's ParseQuantity refuses it
    if name in _RAW:
        raw = getattr(pb, _RAW[name])
        if not raw:
            return None
        if raw.startswith(MAGIC):
            return decode(raw)
        try:                        # Go keeps the bytes; the JSON the rest of our pipeline reads must parse
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise WireError("json: error calling MarshalJSON for type runtime.RawExtension: invalid JSON") from None
    return _NONE


# --- JSON -> protobuf, for responses ------------------------------------------------------------------------------

def preferred(accept: str) -> bool:
    """Whether an Accept header prefers protobuf: its best clause by q (earliest first among equals) that we serve
    is plain `application/vnd.kubernetes.protobuf` (a Table or a watch stream asks with parameters)."""
    best: tuple[float, int, bool] | None = None
    for pos, clause in enumerate(accept.split(",")):
        media, *params = [part.strip() for part in clause.split(";")]
        args = dict(p.split("=", 1) for p in params if "=" in p)
        try:
            q = float(args.pop("q", "1"))
        except ValueError:
            q = 1.0
        if media.lower() not in (MEDIA_TYPE, "application/json", "application/yaml", "application/*", "*/*"):
            continue
        if best is None or q > best[0]:
            best = (q, pos, media.lower() == MEDIA_TYPE and not args)
    return best is not None and best[2] and best[0] > 0


def encode(obj: Any) -> bytes | None:
    """An object (with apiVersion and kind) as an enveloped protobuf body; None when its kind has no message or
    a value does not fit its field (then the answer stays JSON)."""
    try:
        return _encode(obj)
    except (ValueError, TypeError, AttributeError):
        return None


def _encode(obj: Any) -> bytes | None:
    if not isinstance(obj, dict):
        return None
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    msg = kind_message(api_version, kind)
    if msg is None:
        return None
    pb = msg.cls()
    from_json(obj, msg, pb)
    envelope = unknown_class()(raw=pb.SerializeToString(), contentEncoding=b"", contentType=b"")
    envelope.typeMeta.apiVersion, envelope.typeMeta.kind = api_version.encode(), kind.encode()
    return MAGIC + envelope.SerializeToString()


def from_json(value: dict, msg: Message, pb: Any) -> None:
    """Fill message `pb` from a JSON object; keys without a field are left out. ValueError for a value of the
    wrong shape (the caller answers in JSON then)."""
    if not isinstance(value, dict):
        raise ValueError(f"{msg.short}: expected an object")
    all_messages = messages()
    for fl in msg.fields:
        v = value if fl.inline else value.get(fl.json)
        if v is None or fl.skip:
            continue
        target = getattr(pb, fl.name)
        sub = all_messages.get(fl.type)
        if fl.label == "m":
            for k, item in v.items():
                entry = target.add(key=k.encode())
                if sub is not None:
                    _set_message(item, sub, entry.value)
                else:
                    entry.value = _scalar_pb(item, fl)
        elif fl.label == "r":
            for item in v:
                if sub is not None:
                    _set_message(item, sub, target.add())
                else:
                    target.append(_scalar_pb(item, fl))
        elif sub is not None:
            _set_message(v, sub, target)
            target.SetInParent()
        else:
            setattr(pb, fl.name, _scalar_pb(v, fl))


def _set_message(value: Any, msg: Message, pb: Any) -> None:
    name = msg.full_name
    if name in (_TIME, _MICRO):
        pb.seconds, pb.nanos = parse_time(value)
    elif name == _DURATION:
        pb.duration = parse_duration(value)
    elif name == _INTSTR:
        if isinstance(value, str):
            pb.type, pb.strVal = 1, value.encode()
        else:
            pb.type, pb.intVal = 0, int(value)
    elif name == _QUANTITY:
        pb.string = str(value).encode()
    elif name in _RAW:
        setattr(pb, _RAW[name], json.dumps(value, separators=(",", ":")).encode())
    elif msg.wrapper:
        pb.items.extend(_scalar_pb(v, msg.fields[0]) for v in value)
    else:
        from_json(value, msg, pb)


def _scalar_pb(value: Any, fl: Field) -> Any:
    if fl.type == "string":
        if not isinstance(value, str):
            raise ValueError(f"{fl.json}: expected a string")
        return value.encode()
    if fl.type == "bytes":
        return base64.b64decode(value, validate=True)
    if fl.type == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{fl.json}: expected a boolean")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{fl.json}: expected an integer")
    return value


# --- what Go's generated Unmarshal refuses --------------------------------------------------------------------------

def wire_error(data: bytes, msg: Message) -> None:
    """Raise WireError with the error Go's generated Unmarshal of `msg` gives for `data`, if any."""
    all_messages = messages()
    i, n = 0, len(data)
    while i < n:
        tag, i = _varint(data, i)
        number, wire = _int32(tag >> 3), tag & 7
        if wire == 4:
            raise WireError(f"proto: {msg.short}: wiretype end group for non-group")
        if number <= 0:
            raise WireError(f"proto: {msg.short}: illegal tag {number} (wire type {wire})")
        fl = msg.by_number.get(number)
        if fl is None:
            i = _skip(data, i, wire)
            continue
        expected = 2 if fl.label == "m" or fl.type in all_messages else WIRE_TYPES[fl.type]
        packed = fl.label == "r" and expected == 0 and wire == 2
        if wire != expected and not packed:
            raise WireError(f"proto: wrong wireType = {wire} for field {fl.go_name}")
        if wire == 0:
            _, i = _varint(data, i)
            continue
        length, i = _varint(data, i)
        end = _end(i, length, n)
        if packed:
            values, j = data[i:end], 0
            while j < len(values):
                _, j = _varint(values, j)
        elif fl.label == "m":
            _map_entry(data[i:end], fl)
        elif fl.type in all_messages:
            wire_error(data[i:end], all_messages[fl.type])
        i = end


def _map_entry(data: bytes, fl: Field) -> None:
    """A map entry: key (1) and value (2), anything else skipped, as the generated map code reads it."""
    sub = messages().get(fl.type)
    i, n = 0, len(data)
    while i < n:
        tag, i = _varint(data, i)
        number, wire = tag >> 3, tag & 7
        if number in (1, 2):                                # map keys and values here are all length-delimited
            length, i = _varint(data, i)
            end = _end(i, length, n)
            if number == 2 and sub is not None:
                wire_error(data[i:end], sub)
            i = end
        else:
            i = _skip(data, i, wire)


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if shift >= 64:
            raise WireError(OVERFLOW)
        if i >= len(data):
            raise WireError(EOF)
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, i
        shift += 7


def _int32(value: int) -> int:
    """Go's int32(fieldNum) conversion of a tag's field number."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _end(i: int, length: int, n: int) -> int:
    """Where a length-delimited value ends; Go's int arithmetic: a length or end past 2^63 is negative."""
    if length >= 1 << 63 or i + length >= 1 << 63:
        raise WireError(BAD_LENGTH)
    if i + length > n:
        raise WireError(EOF)
    return i + length


def _skip(data: bytes, i: int, wire: int) -> int:
    """skipGenerated: step over an unknown field (groups by depth); the caller's bounds check after it."""
    depth = 0
    while True:
        if wire == 0:
            _, i = _varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 2:
            length, i = _varint(data, i)
            if length >= 1 << 63:
                raise WireError(BAD_LENGTH)
            i += length
        elif wire == 3:
            depth += 1
        elif wire == 4:
            if depth == 0:
                raise WireError("proto: unexpected end of group")
            depth -= 1
        elif wire == 5:
            i += 4
        else:
            raise WireError(f"proto: illegal wireType {wire}")
        if depth == 0:
            if i > len(data):
                raise WireError(EOF)
            return i
        tag, i = _varint(data, i)
        wire = tag & 7


__all__ = ["MAGIC", "MEDIA_TYPE", "WireError", "decode", "encode", "from_json", "preferred", "to_json", "wire_error"]
