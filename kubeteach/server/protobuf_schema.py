"""The Kubernetes v1.35 protobuf messages as data (protobuf.json, written by scripts/protobuf_data.py from the
generated.proto files and Go struct tags of k8s.io/api and k8s.io/apimachinery), turned into message classes at
run time with the `protobuf` library's descriptor pool.

Strings are declared as `bytes` on the wire (the same encoding): Go keeps invalid UTF-8 as it is and json.Marshal
prints it as U+FFFD, which `go_text` reproduces. Maps are declared as their wire form, repeated key/value entries,
so duplicate keys resolve as Go's generated Unmarshal resolves them (the last one wins).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

META = "k8s.io.apimachinery.pkg.apis.meta.v1"
RUNTIME = "k8s.io.apimachinery.pkg.runtime"

_SCALARS = {"string": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
            "bytes": descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
            "int32": descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
            "int64": descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
            "bool": descriptor_pb2.FieldDescriptorProto.TYPE_BOOL}
#: Go's wire type per scalar, as its generated Unmarshal checks it
WIRE_TYPES = {"string": 2, "bytes": 2, "int32": 0, "int64": 0, "bool": 0}


class Field(NamedTuple):
    """One protobuf field with what Go's json.Marshal does with the struct field behind it."""
    number: int
    name: str            # the protobuf (and Python attribute) name
    label: str           # o optional, r repeated, m map
    type: str            # a scalar, a full message name, or for a map the value's
    json: str            # the JSON key ("" for an inline struct)
    omitempty: bool
    pointer: bool
    inline: bool
    skip: bool           # json:"-"
    text: bool           # a Go string (else []byte when the type is bytes)
    go_name: str         # the Go field name, as the generated Unmarshal's errors name it
    key: str = ""        # a map's key type


@dataclass
class Message:
    """A message: its fields in Go struct order, and how Go declares it."""
    full_name: str
    short: str
    fields: list[Field]
    kind: bool = False   # embeds TypeMeta: a top-level object
    wrapper: bool = False  # Go declares it as a named slice: JSON is its `items`
    by_number: dict[int, Field] = field(default_factory=dict)

    @property
    def cls(self) -> Any:
        return message_class(self.full_name)


def _qualify(package: str, type_name: str) -> str:
    if type_name in _SCALARS:
        return type_name
    return type_name[1:] if type_name.startswith(".") else f"{package}.{type_name}"


def _go_replace(err: UnicodeDecodeError) -> tuple[str, int]:
    """encoding/json: every byte of an invalid UTF-8 sequence prints as one U+FFFD."""
    return "\ufffd" * (err.end - err.start), err.end


codecs.register_error("kubeteach-go-utf8", _go_replace)


def go_text(raw: bytes) -> str:
    """A Go string's bytes as json.Marshal prints them (invalid UTF-8 → U+FFFD per byte)."""
    return raw.decode("utf-8", "kubeteach-go-utf8")


@cache
def data() -> dict:
    return json.loads(resources.files("kubeteach.server").joinpath("protobuf.json").read_text())


@cache
def messages() -> dict[str, Message]:
    """Every message by full name."""
    out: dict[str, Message] = {}
    for f in data()["files"]:
        package = f["package"]
        for short, m in f["messages"].items():
            fields = []
            for number, name, label, type_, json_name, flags, *go in m["f"]:
                key, value = type_.split(",", 1) if label == "m" else ("", type_)
                fields.append(Field(number, name, label, _qualify(package, value), json_name, "e" in flags,
                                    "p" in flags, "i" in flags, "-" in flags, "s" in flags,
                                    go[0] if go else name[:1].upper() + name[1:], key))
            msg = Message(f"{package}.{short}", short, fields, bool(m.get("k")), bool(m.get("w")))
            msg.by_number = {fl.number: fl for fl in fields}
            out[msg.full_name] = msg
    return out


@cache
def kinds() -> dict[tuple[str, str], Message]:
    """The top-level kinds by (apiVersion, kind); meta/v1's (Status, DeleteOptions, WatchEvent) under ("", kind)."""
    out: dict[tuple[str, str], Message] = {}
    all_messages = messages()
    for f in data()["files"]:
        if f["package"] == META:
            api_version = ""
        elif f["package"].startswith("k8s.io.api."):
            api_version = f"{f['group']}/{f['version']}" if f["group"] else f["version"]
        else:
            continue
        for short, m in f["messages"].items():
            if m.get("k"):
                out[(api_version, short)] = all_messages[f"{f['package']}.{short}"]
    return out


def kind_message(api_version: str, kind: str) -> Message | None:
    """The message of a kind: the group's own, else meta/v1's (registered in every group version)."""
    return kinds().get((api_version, kind)) or kinds().get(("", kind))


@cache
def _pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    by_name = {f["name"]: f for f in data()["files"]}
    done: set[str] = set()

    def add(name: str) -> None:
        if name in done or name not in by_name:
            return
        f = by_name[name]
        for dep in f["deps"]:
            add(dep)
        fdp = descriptor_pb2.FileDescriptorProto(name=name, package=f["package"], syntax="proto2",
                                                 dependency=[d for d in f["deps"] if d in by_name])
        for short in f["messages"]:
            _describe(fdp.message_type.add(), messages()[f"{f['package']}.{short}"])
        pool.Add(fdp)
        done.add(name)

    for name in by_name:
        add(name)
    return pool


def _describe(out: descriptor_pb2.DescriptorProto, msg: Message) -> None:
    fdp = descriptor_pb2.FieldDescriptorProto
    out.name = msg.short
    for fl in sorted(msg.fields, key=lambda f: f.number):
        spec = out.field.add(name=fl.name, number=fl.number,
                             label=fdp.LABEL_OPTIONAL if fl.label == "o" else fdp.LABEL_REPEATED)
        if fl.label == "m":                                 # the wire form of a map: repeated {1: key, 2: value}
            entry = out.nested_type.add(name=f"{fl.name}_entry")
            entry.field.add(name="key", number=1, label=fdp.LABEL_OPTIONAL, type=_SCALARS[fl.key])
            _typed(entry.field.add(name="value", number=2, label=fdp.LABEL_OPTIONAL), fl.type)
            spec.type, spec.type_name = fdp.TYPE_MESSAGE, f".{msg.full_name}.{fl.name}_entry"
        else:
            _typed(spec, fl.type)


def _typed(spec: descriptor_pb2.FieldDescriptorProto, type_name: str) -> None:
    if type_name in _SCALARS:
        spec.type = _SCALARS[type_name]
    else:
        spec.type, spec.type_name = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE, f".{type_name}"


@cache
def message_class(full_name: str) -> Any:
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(full_name))


def unknown_class() -> Any:
    """runtime.Unknown, the envelope around every protobuf object."""
    return message_class(f"{RUNTIME}.Unknown")


# --- the special types' JSON text ----------------------------------------------------------------------------------

def _civil(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01 in the proleptic Gregorian calendar, any year."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def format_time(seconds: int, nanos: int = 0, micro: bool = False) -> str:
    """metav1.Time (RFC3339) or MicroTime (RFC3339 with microseconds) in UTC, as their MarshalJSON prints them."""
    days, rest = divmod(seconds + nanos // 1_000_000_000, 86400)
    year, month, day = _civil(days)
    y = f"-{-year:04d}" if year < 0 else f"{year:04d}"
    frac = f".{nanos % 1_000_000_000 // 1000:06d}" if micro else ""
    return f"{y}-{month:02d}-{day:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}{frac}Z"


def parse_time(text: Any) -> tuple[int, int]:
    """(seconds, nanos) of an RFC3339 time; ValueError if it is not one."""
    if not isinstance(text, str):
        raise ValueError("expected an RFC3339 time")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("RFC3339 needs a zone")
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * 86400 + delta.seconds, delta.microseconds * 1000


_UNITS = {"ns": 1, "us": 1000, "\u00b5s": 1000, "\u03bcs": 1000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def format_duration(nanos: int) -> str:
    """time.Duration.String: 1h2m3.5s, 1.5ms, 0s."""
    if nanos == 0:
        return "0s"
    sign, u = ("-" if nanos < 0 else ""), abs(nanos)
    if u < 1_000_000_000:
        unit, scale, digits = ("ns", 1, 0) if u < 1000 else ("\u00b5s", 1000, 3) if u < 1_000_000 else ("ms", 1_000_000, 6)
        whole, frac = divmod(u, scale)
        return sign + str(whole) + (f".{frac:0{digits}d}".rstrip("0") if frac else "") + unit
    secs, frac = divmod(u, 1_000_000_000)
    hours, rest = divmod(secs, 3600)
    text = f"{rest % 60}" + (f".{frac:09d}".rstrip("0") if frac else "") + "s"
    if secs >= 60:
        text = f"{rest // 60}m" + text
    if hours:
        text = f"{hours}h" + text
    return sign + text


def parse_duration(text: Any) -> int:
    """time.ParseDuration's nanoseconds; ValueError if Go would refuse it."""
    if not isinstance(text, str):
        raise ValueError("expected a duration string")
    body, sign = (text[1:], -1) if text[:1] == "-" else (text.lstrip("+"), 1)
    if body == "0":
        return 0
    total, pos = 0, 0
    while pos < len(body):
        m = _DURATION.match(body, pos)
        if not m or not (m[1] or m[2]):
            raise ValueError(f"time: invalid duration {json.dumps(text)}")
        scale = _UNITS[m[3]]
        total += int(m[1] or 0) * scale + (int(m[2]) * scale // 10 ** len(m[2]) if m[2] else 0)
        pos = m.end()
    if not body:
        raise ValueError(f"time: invalid duration {json.dumps(text)}")
    return sign * total


__all__ = ["META", "RUNTIME", "WIRE_TYPES", "Field", "Message", "format_duration", "format_time", "go_text", "kind_message", "kinds", "message_class",
           "messages", "parse_duration", "parse_time", "unknown_class"]
