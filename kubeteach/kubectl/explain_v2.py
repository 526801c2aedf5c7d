"""kubectl explain --output=plaintext-openapiv2 (staging/src/k8s.io/kubectl/pkg/explain: model_printer.go,
fields_printer.go, recursive_fields_printer.go, field_lookup.go, typename.go, formatter.go): the older renderer,
over the Swagger 2.0 document (/openapi/v2) as k8s.io/kube-openapi/pkg/util/proto models it.

A schema becomes one of proto's models: a Reference (`$ref`, with the description beside it), a Kind (an object
with properties), a Map (an object without: its additionalProperties, or Arbitrary), an Array or a Primitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .manifests import KubectlError

FIELD_INDENT, DESCRIPTION_INDENT, INDENT_DESC, INDENT_PER_LEVEL, WRAP = 3, 5, 2, 3, 80
BULLET = re.compile(r"^(\d+\.?|-|\*)\s")


@dataclass
class Model:
    """proto.Schema: kind is ref, kind, map, array, primitive or arbitrary."""

    kind: str
    description: str = ""
    type: str = ""
    ref: str = ""
    sub: Model | None = None
    fields: dict[str, Model] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)


def parse(s: dict) -> Model:
    """Definitions.ParseSchema."""
    desc = s.get("description", "")
    if s.get("$ref"):
        return Model("ref", desc, ref=s["$ref"].removeprefix("#/definitions/"))
    typ = s.get("type", "")
    if typ in ("", "object"):
        if s.get("properties") is not None:
            return Model("kind", desc, fields={k: parse(v) for k, v in s["properties"].items()},
                         required=list(s.get("required", [])))
        if typ == "":
            return Model("arbitrary", desc)
        ap = s.get("additionalProperties")
        sub = parse(ap) if isinstance(ap, dict) else Model("arbitrary", desc)
        return Model("map", desc, sub=sub)
    if typ == "array":
        return Model("array", desc, sub=parse(s["items"]))
    return Model("primitive", desc, type=typ)


class Renderer:
    """One explain run over the v2 definitions."""

    def __init__(self, definitions: dict[str, dict]):
        self.definitions = definitions
        self.out: list[str] = []

    def resolve(self, m: Model) -> Model:
        return parse(self.definitions[m.ref])

    def type_name(self, m: Model) -> str:
        if m.kind == "array":
            return "[]" + self.type_name(m.sub)  # type: ignore[arg-type]
        if m.kind == "map":
            return "map[string]" + self.type_name(m.sub)  # type: ignore[arg-type]
        if m.kind == "kind":
            return "Object"
        if m.kind == "primitive":
            return m.type
        if m.kind == "ref":
            return self.type_name(self.resolve(m))
        return ""

    def write(self, indent: int, text: str) -> None:
        """Formatter.Write: an empty string is a bare newline."""
        self.out.append("\n" if text == "" else " " * indent + text + "\n")

    def write_wrapped(self, indent: int, text: str) -> None:
        for line in wrap_string(text, WRAP - indent):
            self.write(indent, line)

    def lookup(self, m: Model, path: list[str]) -> Model:
        """LookupSchemaForField: follow the path through arrays, maps and references; a primitive ends it."""
        if m.kind == "primitive" or m.kind == "arbitrary" or not path:
            return m
        if m.kind in ("array", "map"):
            return self.lookup(m.sub, path)  # type: ignore[arg-type]
        if m.kind == "ref":
            return self.lookup(self.resolve(m), path)
        if path[0] not in m.fields:
            raise KubectlError(f'field "{path[0]}" does not exist')
        return self.lookup(m.fields[path[0]], path[1:])

    def model(self, name: str, m: Model, gvk: tuple[str, str, str], recursive: bool) -> None:
        """modelPrinter: descriptions gathered through references, arrays and maps, then the leaf's page."""
        descriptions: list[str] = []
        typ = ""
        while m.kind in ("ref", "array", "map"):
            descriptions.append(m.description)
            typ = typ or self.type_name(m)
            m = self.resolve(m) if m.kind == "ref" else m.sub  # type: ignore[assignment]
        group, version, kind = gvk
        self.write(0, f"KIND:     {kind}")
        self.write(0, f"VERSION:  {group + '/' if group else ''}{version}\n")
        if m.kind == "kind":
            if name:
                self.write(0, f"RESOURCE: {name} <{typ or 'Object'}>\n")
            self.description(descriptions + [m.description])
            self.write(0, "\nFIELDS:")
            (self.recursive_fields if recursive else self.fields)(m, FIELD_INDENT, set())
        elif m.kind == "primitive":
            self.write(0, f"FIELD:    {name} <{typ or m.type}>\n")
            self.description(descriptions + [m.description])
        else:
            self.description(descriptions + [m.description])

    def description(self, descriptions: list[str]) -> None:
        self.write(0, "DESCRIPTION:")
        empty = True
        for i, desc in enumerate(descriptions):
            if not desc:
                continue
            empty = False
            if i:
                self.write(0, "")
            self.write_wrapped(DESCRIPTION_INDENT, desc)
        if empty:
            self.write_wrapped(DESCRIPTION_INDENT, "<empty>")

    def fields(self, m: Model, indent: int, seen: set[str]) -> None:
        """regularFieldsPrinter: each field's type, -required- and description."""
        while m.kind in ("ref", "array", "map"):
            m = self.resolve(m) if m.kind == "ref" else m.sub  # type: ignore[assignment]
        if m.kind != "kind":
            return
        for key in sorted(m.fields):
            v = m.fields[key]
            self.write(indent, f"{key}\t<{self.type_name(v)}>" + (" -required-" if key in m.required else ""))
            self.write_wrapped(indent + INDENT_DESC, v.description)
            self.write(0, "")

    def recursive_fields(self, m: Model, indent: int, seen: set[str]) -> None:
        """recursiveFieldsPrinter: every field, then its own fields one level in; a reference is not re-entered."""
        while m.kind in ("ref", "array", "map"):
            if m.kind == "ref":
                if m.ref in seen:
                    return
                seen = seen | {m.ref}
                m = self.resolve(m)
            else:
                m = m.sub  # type: ignore[assignment]
        if m.kind != "kind":
            return
        for key in sorted(m.fields):
            self.write(indent, f"{key}\t<{self.type_name(m.fields[key])}>")
            self.recursive_fields(m.fields[key], indent + INDENT_PER_LEVEL, seen)


def wrap_string(text: str, wrap: int) -> list[str]:
    """formatter.go wrapString: words filled up to `wrap`; indented lines, blank lines, bullets and lines after a
    colon start anew."""
    wrapped: list[str] = []
    words: list[str] = []
    last = ""

    def flush() -> None:
        nonlocal words, last
        if words:
            last = ""
            wrapped.append(" ".join(words))
            words = []

    for s in text.split("\n"):
        if s.startswith("    "):
            flush()
            wrapped.append(s)
            continue
        if wrapped and not s.strip():
            flush()
            wrapped.append("")
            continue
        if last.endswith(":") or not s.strip() or BULLET.match(s.strip()):
            flush()
        for word in s.split():
            last = word
            if words and len(" ".join(words + [word])) > wrap:
                flush()                     # (which forgets the word just taken as the last one, as Go's does)
            words.append(word)
    flush()
    return wrapped


def render_v2(doc: dict, gvk: tuple[str, str, str], path: list[str], recursive: bool) -> str:
    """PrintModelDescription over the definition carrying `gvk`."""
    group, version, kind = gvk
    want = {"group": group, "version": version, "kind": kind}
    for schema in doc["definitions"].values():
        if want in (schema.get("x-kubernetes-group-version-kind") or []):
            r = Renderer(doc["definitions"])
            r.model(path[-1] if path else "", r.lookup(parse(schema), path), gvk, recursive)
            return "".join(r.out)
    gv = f"{group}/{version}" if group else f"/{version}"
    raise KubectlError(f'couldn\'t find resource for "{gv}, Kind={kind}"')


__all__ = ["render_v2", "wrap_string"]
