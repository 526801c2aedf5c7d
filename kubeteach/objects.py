"""Helpers every component shares: metadata, labels and selectors, owner references, quantities, names, hashes.

Objects are plain dicts shaped like Kubernetes JSON (what `kubectl get -o json` shows).
"""

from __future__ import annotations

import datetime as _dt
import functools
import random
import re
import struct
import uuid
from fractions import Fraction
from typing import Any

# --- copying -------------------------------------------------------------------------------------------------

#: finalizers with a meaning of their own: metav1.FinalizerOrphanDependents and FinalizerDeleteDependents (the
#: garbage collector's), and core/v1 FinalizerKubernetes (a Namespace's spec.finalizers, the namespace controller's)
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"
FINALIZER_KUBERNETES = "kubernetes"


def deep_copy(obj: Any) -> Any:
    """Copy a JSON-shaped value (dicts, lists, scalars); much cheaper than copy.deepcopy."""
    t = type(obj)
    if t is dict:
        return _copy_dict(obj)
    if t is list:
        return _copy_list(obj)
    if isinstance(obj, dict):
        return {k: deep_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [deep_copy(v) for v in obj]
    return obj


def _copy_dict(obj: dict) -> dict:
    # the hot path of every API request: exact type checks, and no call at all for a scalar
    out = {}
    for k, v in obj.items():
        t = type(v)
        if t is dict:
            out[k] = _copy_dict(v)
        elif t is list:
            out[k] = _copy_list(v)
        elif t is str or t is int or t is bool or v is None or t is float:
            out[k] = v
        else:
            out[k] = deep_copy(v)
    return out


def _copy_list(obj: list) -> list:
    out = []
    append = out.append
    for v in obj:
        t = type(v)
        if t is dict:
            append(_copy_dict(v))
        elif t is list:
            append(_copy_list(v))
        elif t is str or t is int or t is bool or v is None or t is float:
            append(v)
        else:
            append(deep_copy(v))
    return out


# --- metadata ------------------------------------------------------------------------------------------------


def meta(obj: dict) -> dict:
    return obj.setdefault("metadata", {})


def name_of(obj: dict) -> str:
    return obj.get("metadata", {}).get("name", "")


def namespace_of(obj: dict) -> str:
    return obj.get("metadata", {}).get("namespace", "")


def key_of(obj: dict) -> str:
    """The work-queue key of an object: `namespace/name`, or `name` when cluster-scoped."""
    ns = namespace_of(obj)
    return f"{ns}/{name_of(obj)}" if ns else name_of(obj)


def split_key(key: str) -> tuple[str, str]:
    ns, _, name = key.rpartition("/")
    return ns, name


def labels_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("labels") or {}


def annotations_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("annotations") or {}


def is_being_deleted(obj: dict) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def get_condition(obj: dict, ctype: str) -> dict | None:
    """The status condition of this type (a pod's Ready, a node's Ready, a Deployment's Progressing), or None."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return cond
    return None


# --- owner references (apimachinery/pkg/apis/meta/v1/controller_ref.go) ---------------------------------------


def new_controller_ref(owner: dict, api_version: str, kind: str) -> dict:
    """NewControllerRef: the owner reference a controller puts on what it creates."""
    m = owner["metadata"]
    return {"apiVersion": api_version, "kind": kind, "name": m["name"], "uid": m["uid"],
            "controller": True, "blockOwnerDeletion": True}


def controller_ref(obj: dict) -> dict | None:
    """GetControllerOf: the owner reference with controller=true, if any."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def controller_uid(obj: dict) -> list[str]:
    """An informer index function: the UID of the object's controller, if it has one."""
    ref = controller_ref(obj)
    return [ref["uid"]] if ref else []


def namespace_index(obj: dict) -> list[str]:
    """An informer index function: the object's namespace."""
    return [namespace_of(obj)]


def orphan_namespace(obj: dict) -> list[str]:
    """An informer index function: the namespace of an object without a controller (the ones adoption looks at)."""
    return [] if controller_ref(obj) else [namespace_of(obj)]


def node_name_of(pod: dict) -> list[str]:
    """An informer index function: the node a pod is bound to ("" while unscheduled)."""
    return [pod.get("spec", {}).get("nodeName") or ""]


def tolerates(toleration: dict, taint: dict) -> bool:
    """Toleration.ToleratesTaint: effect and key (when set) must match; Exists matches any value."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return op == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


# --- labels and selectors (apimachinery/pkg/labels, pkg/apis/meta/v1/helpers.go) ------------------------------


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """LabelSelectorAsSelector(...).Matches: a nil selector matches nothing, an empty one everything."""
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_is_empty(selector: dict | None) -> bool:
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


def selector_string(selector: dict | None) -> str:
    """The selector as `kubectl` writes it (`app=nginx,tier in (web)`), keys sorted as labels.Selector does."""
    if selector is None:
        return "<none>"
    parts = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        op, k, vals = e["operator"], e["key"], ",".join(sorted(e.get("values") or []))
        text = {"In": f"{k} in ({vals})", "NotIn": f"{k} notin ({vals})", "Exists": k,
                "DoesNotExist": f"!{k}"}[op]
        parts.append((k, text))
    return ",".join(t for _, t in sorted(parts)) or ""


_REQ = re.compile(r"^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$")


def parse_selector(text: str) -> dict:
    """Parse a `-l` label selector (`app=nginx,tier!=db,env in (a,b),!canary`) into a LabelSelector."""
    sel: dict = {"matchLabels": {}, "matchExpressions": []}
    for part in _split_top(text):
        m = _REQ.match(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part!r}")
        neg, key, op, val, setop, setvals = m.groups()
        if op in ("=", "=="):
            sel["matchLabels"][key] = val
        elif op == "!=":
            sel["matchExpressions"].append({"key": key, "operator": "NotIn", "values": [val]})
        elif setop:
            vals = [v.strip() for v in setvals.split(",") if v.strip()]
            sel["matchExpressions"].append({"key": key, "operator": "In" if setop == "in" else "NotIn",
                                            "values": vals})
        else:
            sel["matchExpressions"].append({"key": key, "operator": "DoesNotExist" if neg else "Exists"})
    return sel


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def labels_string(labels: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


# --- quantities (apimachinery/pkg/api/resource/quantity.go) ---------------------------------------------------

_SUFFIX = {"": 1, "n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000),
           "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_QUANTITY = re.compile(r"^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")

QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def parse_quantity(value: Any) -> Fraction:
    """A Kubernetes quantity (`250m`, `128Mi`, `1.5`, `1e3`) as an exact number; ValueError when malformed."""
    if isinstance(value, bool):
        raise ValueError(QUANTITY_ERROR)
    if isinstance(value, (int, float)):
        return Fraction(value)
    if value is None:
        raise ValueError(QUANTITY_ERROR)
    return _parse_quantity_text(str(value))


@functools.lru_cache(maxsize=4096)
def _parse_quantity_text(text: str) -> Fraction:
    """parse_quantity of a string, memoized: every pod of a template asks for the same `250m` again."""
    m = _QUANTITY.match(text.strip())
    if not m:
        raise ValueError(QUANTITY_ERROR)
    number, exp, suffix = m.groups()
    base = Fraction(number)
    if exp:
        return base * Fraction(10) ** int(exp[1:])
    return base * _SUFFIX[suffix or ""]


def milli_value(value: Any) -> int:
    """Quantity.MilliValue: CPU in millicores, rounded up."""
    if type(value) is str:
        return _milli_value_text(value)
    q = parse_quantity(value) * 1000
    return -((-q.numerator) // q.denominator)


def int_value(value: Any) -> int:
    """Quantity.Value: rounded up to a whole number (bytes for memory)."""
    if type(value) is str:
        return _int_value_text(value)
    q = parse_quantity(value)
    return -((-q.numerator) // q.denominator)


@functools.lru_cache(maxsize=4096)
def _milli_value_text(text: str) -> int:
    q = _parse_quantity_text(text) * 1000
    return -((-q.numerator) // q.denominator)


@functools.lru_cache(maxsize=4096)
def _int_value_text(text: str) -> int:
    q = _parse_quantity_text(text)
    return -((-q.numerator) // q.denominator)


def format_bytes(n: int) -> str:
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if n and n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


# --- names and randomness (apimachinery/pkg/util/rand/rand.go) ------------------------------------------------

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


class Randomness:
    """The seeded source of every random choice: UIDs, generateName suffixes, scheduler tie-breaks.

    Go uses math/rand seeded from the clock; we keep its algorithm shapes on a seeded Python RNG instead.
    """

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def string(self, n: int) -> str:
        """rand.String: 5-bit chunks of 63-bit numbers, chunks >= 27 discarded, 12 chunks per number."""
        out: list[str] = []
        bits, remaining = 0, 0
        while len(out) < n:
            if remaining == 0:
                bits, remaining = self.rng.getrandbits(63), 12
            idx = bits & 31
            if idx < len(ALPHANUMS):
                out.append(ALPHANUMS[idx])
            bits >>= 5
            remaining -= 1
        return "".join(out)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def intn(self, n: int) -> int:
        return self.rng.randrange(n)

    def reservoir(self, count: int) -> int:
        """Reservoir sampling over `count` items: for k = 2..count, `intn(k) == 0` makes the k-th the pick; its index.

        The draws are `intn`'s, one per k, written out as random.Random draws below n (getrandbits of n's bit
        length until one is below n): a 1000-node cluster can tie hundreds of nodes for every pod."""
        getrandbits = self.rng.getrandbits
        selected = 0
        for k in range(2, count + 1):
            bits = k.bit_length()
            r = getrandbits(bits)
            while r >= k:
                r = getrandbits(bits)
            if r == 0:
                selected = k - 1
        return selected


def generate_name(base: str, rnd: Randomness) -> str:
    """names.SimpleNameGenerator: base truncated to 58 characters plus 5 random characters (max 63)."""
    return base[:58] + rnd.string(5)


# --- pod-template-hash (pkg/controller/controller_utils.go ComputeHash) ---------------------------------------


def fnv1a_32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(s: str) -> str:
    """rand.SafeEncodeString: each character becomes alphanums[ord(c) % 27] (so no vowels, no bad words)."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in s)


def compute_hash(template: dict, collision_count: int | None) -> str:
    """ComputeHash: FNV-1a 32 of the pod template, then the collisionCount bytes, then SafeEncodeString.

    Kubernetes hashes go-spew's dump of the Go struct; we hash canonical JSON instead (same pipeline, other bytes).
    """
    import json

    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\0" * 4
    return safe_encode_string(str(fnv1a_32(data)))


# --- time (the virtual clock starts at a fixed instant) -------------------------------------------------------

EPOCH = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


def timestamp(seconds: float) -> str:
    """RFC 3339 (second precision, as metav1.Time serializes) of a virtual time."""
    return _timestamp(int(seconds))


@functools.lru_cache(maxsize=1024)
def _timestamp(seconds: int) -> str:
    return (EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_timestamp(seconds: float) -> str:
    return (EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    t = _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.UTC)
    return (t - EPOCH).total_seconds()


def unix_nano(seconds: float) -> int:
    return int(EPOCH.timestamp()) * 10**9 + round(seconds * 10**9)


def go_duration(seconds: float) -> str:
    """time.Duration.String: `823ms`, `1.5s`, `1m2.5s`, `2h0m0s`."""
    if seconds == 0:
        return "0s"
    ns = round(seconds * 1e9)
    if ns < 1000:
        return f"{ns}ns"
    if ns < 10**6:
        return f"{_trim(ns / 1e3)}µs"
    if ns < 10**9:
        return f"{_trim(ns / 1e6)}ms"
    h, rem = divmod(ns, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    s = _trim(rem / 1e9)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"


def _trim(x: float) -> str:
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return text or "0"


def human_age(seconds: float) -> str:
    """kubectl's AGE column (apimachinery duration.HumanDuration)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = s // 3600
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return f"{h // 24 // 365}y{dy}d" if dy else f"{h // 24 // 365}y"
    return f"{h // 24 // 365}y"
