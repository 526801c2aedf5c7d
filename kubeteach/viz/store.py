"""What etcd holds: keys with their create/mod revision and version, or the change one write made (before/after
as YAML and their unified diff). Also `object_yaml` and `object_diff`, which the widgets' inspector uses.

Values are shown as stored: etcd keeps no resourceVersion inside the object; the API server sets it from the
key's mod revision on every read.
"""

from __future__ import annotations

import difflib
import html
from typing import Any

from ..kubectl.printers import to_yaml
from .render import html_table, plural, text_table


def object_yaml(obj: dict | None) -> str:
    """An object as kubectl prints it with `-o yaml` (keys sorted, Go-style quoting, metadata.managedFields left
    out as kubectl leaves them out without --show-managed-fields); "" for None."""
    if obj and "managedFields" in (obj.get("metadata") or {}):
        obj = {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"}}
    return to_yaml(obj) if obj else ""


def object_diff(before: dict | None, after: dict | None, before_name: str = "before", after_name: str = "after"
                ) -> str:
    """Unified diff of two objects' YAML as `object_yaml` prints them ("" when that is equal); None stands for
    "no object"."""
    old, new = object_yaml(before), object_yaml(after)
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), before_name, after_name, lineterm="")
    return "\n".join(lines) + "\n" if old != new or (before is None) != (after is None) else ""


def _writer(cluster: Any, rev: int) -> str:
    """Who wrote revision `rev`: the request the trace shows just before its `stored` record ("" if untraced)."""
    caller = ""
    for rec in cluster.trace:
        if rec.action == "request":
            caller = f"{rec.actor}: {rec.detail.get('method', '')} {rec.object}"
        elif rec.action == "stored" and rec.detail.get("revision") == rev:
            return caller
    return ""


class EtcdView:
    """Keys under a prefix with their revisions, or (with `revision`) the change one write made."""

    def __init__(self, cluster: Any, prefix: str = "/registry/", revision: int | None = None):
        self.prefix, self.revision = prefix, revision
        self.store_revision = cluster.etcd.revision
        self.keys = [(kv.key, kv.create_revision, kv.mod_revision, kv.version) for kv in cluster.etcd.range(prefix)]
        self.event = None
        self.before = self.after = None
        self.writer = ""
        if revision is not None:
            found = [e for e in cluster.etcd.events(revision - 1, prefix) if e.revision == revision]
            if not found:
                raise KeyError(f"no write at revision {revision} under {prefix} (the store is at revision "
                               f"{self.store_revision})")
            self.event = found[0]
            self.before = self.event.prev.value if self.event.prev else None
            self.after = self.event.kv.value if self.event.type != "DELETED" else None
            self.writer = _writer(cluster, revision)

    @property
    def before_yaml(self) -> str:
        return object_yaml(self.before)

    @property
    def after_yaml(self) -> str:
        return object_yaml(self.after)

    @property
    def diff(self) -> str:
        return object_diff(self.before, self.after, f"{self.event.kv.key} (before)" if self.event else "before",
                           f"{self.event.kv.key} (revision {self.revision})" if self.event else "after")

    def headline(self) -> str:
        """One line: the store and the prefix, or the write at `revision`."""
        if self.event is None:
            return (f"etcd at revision {self.store_revision}: {plural(len(self.keys), 'key')} under "
                    f"{self.prefix}")
        e = self.event
        op = "DELETE" if e.type == "DELETED" else "PUT"
        version = f"version {e.kv.version}" if e.type != "DELETED" else "key removed"
        by = f"; written by {self.writer}" if self.writer else ""
        return f"revision {self.revision}: {op} {e.kv.key} ({e.type}, {version}){by}"

    def rows(self) -> list[list[str]]:
        """The key table: key, create_revision, mod_revision, version."""
        return [["KEY", "CREATE_REVISION", "MOD_REVISION", "VERSION"],
                *[[k, str(c), str(m), str(v)] for k, c, m, v in self.keys]]

    def __str__(self) -> str:
        if self.event is None:
            return f"{self.headline()}\n{text_table(self.rows())}\n"
        return f"{self.headline()}\n{self.diff or '(no change)'}"

    def _repr_html_(self) -> str:
        head = f"<p><code>{html.escape(self.headline())}</code></p>"
        if self.event is None:
            return head + html_table(self.rows())
        pre = '<pre style="font-size:11px;margin:2px 0">'
        parts = [head, f"{pre}{html.escape(self.diff or '(no change)')}</pre>"]
        for title, text in (("before", self.before_yaml), ("after", self.after_yaml)):
            parts.append(f"<details><summary>{title}</summary>{pre}{html.escape(text or '(no object)')}</pre>"
                         f"</details>")
        return "".join(parts)

    def __repr__(self) -> str:
        return str(self)


def etcd_view(cluster: Any, prefix: str = "/registry/", revision: int | None = None) -> EtcdView:
    """The store's keys under `prefix` with their revisions; with `revision=N`, the diff that one write made."""
    return EtcdView(cluster, prefix, revision)
