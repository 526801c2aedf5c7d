"""Reading `-f` files as kubectl does: multi-document YAML or JSON, with kubectl's error texts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class KubectlError(Exception):
    """An error kubectl reports itself (printed as `error: ...`)."""


@dataclass
class Document:
    source: str
    obj: dict | None
    error: str = ""


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    line = f"line {mark.line + 1}: " if mark is not None else ""
    return f"yaml: {line}{problem}"


def load(paths: list[str], base: Path | None = None) -> list[Document]:
    """Every object in the files, in order; a malformed file stops the whole command, as in kubectl."""
    docs: list[Document] = []
    for p in paths:
        path = Path(p) if base is None or Path(p).is_absolute() else base / p
        if not path.exists():
            raise KubectlError(f'the path "{p}" does not exist')
        files = sorted(f for f in path.iterdir() if f.suffix in (".yaml", ".yml", ".json")) if path.is_dir() \
            else [path]
        for f in files:
            source = str(f) if path.is_dir() else p
            text = f.read_text()
            try:
                parsed = list(yaml.safe_load_all(text))
            except yaml.YAMLError as err:
                raise KubectlError(f"error parsing {source}: error converting YAML to JSON: {_yaml_problem(err)}"
                                   ) from None
            for obj in parsed:
                if obj is None:
                    continue
                if not isinstance(obj, dict):
                    raise KubectlError(f"error parsing {source}: error unmarshaling JSON: json: cannot unmarshal "
                                       f"{type(obj).__name__.replace('str', 'string').replace('list', 'array')} "
                                       "into Go value of type map[string]interface {}")
                if obj.get("kind") == "List" or (obj.get("kind", "").endswith("List") and "items" in obj):
                    docs.extend(Document(source, item) for item in obj.get("items") or [])
                    continue
                docs.append(Document(source, obj))
    return docs


def check(doc: Document) -> str | None:
    """kubectl's client-side check that apiVersion and kind are set (the rest is the server's strict decoding)."""
    obj = doc.obj or {}
    for field in ("apiVersion", "kind"):
        if not obj.get(field):
            return (f'error validating "{doc.source}": error validating data: {field} not set; if you choose to '
                    "ignore these errors, turn validation off with --validate=false")
    return None
