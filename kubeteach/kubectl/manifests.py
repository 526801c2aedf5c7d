"""Reading `-f` files as kubectl does: multi-document YAML or JSON, with kubectl's error texts.

kubectl decodes a file one document at a time (`k8s.io/apimachinery/pkg/util/yaml.YAMLOrJSONDecoder`) and checks
each before it maps and sends it, so a bad document stops the rest of its file while the ones before it have
already been sent. `load` returns the documents up to and including the first bad one (with its `error`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..apiserver.decoding import MAX_DEPTH, SyntaxProblem, parse, syntax_error


class KubectlError(Exception):
    """An error kubectl reports itself (printed as `error: ...`)."""


@dataclass
class Document:
    source: str
    obj: dict | None
    error: str = ""


#: PyYAML's wording -> go-yaml's (gopkg.in/yaml.v2 scannerc.go / parserc.go), which kubectl prints
GO_YAML_PROBLEMS = [
    (r"mapping values are not allowed here", "mapping values are not allowed in this context"),
    (r"found character .* that cannot start any token", "found character that cannot start any token"),
    (r"found unexpected end of stream", "found unexpected end of stream"),
    (r"could not find expected ':'", "could not find expected ':'"),
]
GO_YAML_CONTEXTS = {"while parsing a block mapping": "did not find expected key",
                    "while parsing a block collection": "did not find expected '-' indicator",
                    "while parsing a flow sequence": "did not find expected ',' or ']'",
                    "while parsing a flow mapping": "did not find expected ',' or '}'"}
STOP_VALIDATE = "if you choose to ignore these errors, turn validation off with --validate=false"


def yaml_problem(err: yaml.YAMLError) -> str:
    """go-yaml's error text: `yaml: line N: problem`; scanner errors count lines from 1, parser errors (a go-yaml
    quirk kept by kubectl) from 0, falling back to the context's line, and no line at all when it is 0."""
    problem = getattr(err, "problem", None) or str(err)
    mark, context = getattr(err, "problem_mark", None), getattr(err, "context", None)
    if isinstance(err, yaml.scanner.ScannerError):
        problem = next((go for py, go in GO_YAML_PROBLEMS if re.fullmatch(py, problem)), problem)
        line = mark.line + 1 if mark is not None else 0
    else:
        problem = GO_YAML_CONTEXTS.get(context or "", problem)
        context_mark = getattr(err, "context_mark", None)
        line = mark.line if mark is not None and mark.line else (context_mark.line if context_mark else 0)
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"


def _json_problem(text: str, err: json.JSONDecodeError) -> str:
    """encoding/json's SyntaxError for the same mistake, as YAMLOrJSONDecoder wraps it (`json: offset N: ...`)."""
    problem = syntax_error(text, err)
    return f"json: offset {err.pos + 1}: {problem}" if problem else "unexpected EOF"


def _yaml_chunks(text: str) -> list[str]:
    """YAMLReader: documents split at lines that start with `---` (only spaces or a comment may follow)."""
    chunks, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise ValueError(f"invalid Yaml document separator: {rest}")
            if current:
                chunks.append("".join(current))
            current = []
            continue
        current.append(line)
    if current:
        chunks.append("".join(current))
    return chunks


def _decode(text: str) -> tuple[list[object], str]:
    """The documents of one file and the error that stopped decoding ("" if none), as YAMLOrJSONDecoder reads
    them: a stream that starts with `{` is tried as JSON first; if the first object fails, as YAML (and the JSON
    error is the one reported when both fail). Go's JSON has no NaN or Infinity, so YAML reads those as strings."""
    values: list[object] = []
    if text.lstrip().startswith("{"):
        decoder, pos = json.JSONDecoder(parse_constant=_no_constant), len(text) - len(text.lstrip())
        while pos < len(text):
            try:
                value, end = decoder.raw_decode(text, pos)
                parse(text[pos:end])        # Go's limits: nesting depth, no NaN or Infinity
            except (json.JSONDecodeError, SyntaxProblem, _Constant, RecursionError) as err:
                problem = _json_problem(text, err) if isinstance(err, json.JSONDecodeError) else \
                    _go_json_problem(text, pos)
                if len(values) > 1:
                    return values, problem
                yaml_values, yaml_error = _decode_yaml(text[pos:])
                if yaml_error:
                    return values, problem
                return values + yaml_values, ""
            values.append(value)
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
        return values, ""
    return _decode_yaml(text)


class _Constant(ValueError):
    """NaN or Infinity in a JSON stream: no JSON value for Go."""


def _no_constant(name: str) -> object:
    raise _Constant(name)


def _go_json_problem(text: str, pos: int) -> str:
    """encoding/json's error for a JSON value at `pos` that Python reads but Go refuses (NaN, too deep)."""
    end = pos
    try:
        parse(text[pos:])
    except SyntaxProblem as err:
        end, message = pos + err.offset, err.message
    else:
        message = "invalid character looking for beginning of value"
    return f"json: offset {end + 1}: {message}"


# --- YAML as sigs.k8s.io/yaml reads it (goyaml.v2, then YAMLToJSON) -------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.1 as goyaml.v2 decodes into interface{}: timestamps stay strings, binary stays its base64 text."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:binary", yaml.SafeLoader.construct_yaml_str)

#: goyaml.v2 decode.go: below this many decode operations 99% may come from aliases, above the high mark 10%
ALIAS_RATIO_LOW, ALIAS_RATIO_HIGH = 400_000, 4_000_000


class YAMLToJSONError(ValueError):
    """What goyaml.v2 or encoding/json refuses while sigs.k8s.io/yaml converts a document (`yaml: ...`,
    `json: unsupported value: NaN`)."""


def _allowed_alias_ratio(decodes: int) -> float:
    """goyaml.v2 allowedAliasRatio: 0.99 for small documents, scaled down to 0.10 for very large ones."""
    if decodes <= ALIAS_RATIO_LOW:
        return 0.99
    if decodes >= ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decodes - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW)


def check_events(text: str) -> None:
    """Refuse a YAML bomb before anything expands it: count decode operations from the event stream as goyaml.v2's
    decoder would (an alias costs its anchor's whole expansion) and fail as it does (`document contains excessive
    aliasing`, `anchor 'a' value contains itself`, `unknown anchor 'a' referenced`). Nesting is bounded at
    MAX_DEPTH (goyaml allows 10000, more than Python's recursion does)."""
    sizes: dict[str, int] = {}           # anchor -> decode operations to unmarshal its node (aliases expanded)
    open_nodes: list[list] = []          # [anchor, decodes so far] per open collection
    decodes = aliases = 0

    def count(n: int, alias_n: int) -> None:
        nonlocal decodes, aliases
        decodes += n
        aliases += alias_n
        for node in open_nodes:
            node[1] += n
        if aliases > 100 and decodes > 1000 and aliases / decodes > _allowed_alias_ratio(decodes):
            raise YAMLToJSONError("yaml: document contains excessive aliasing")

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.DocumentStartEvent):
            count(1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in (node[0] for node in open_nodes):
                raise YAMLToJSONError(f"yaml: anchor '{event.anchor}' value contains itself")
            if event.anchor not in sizes:
                raise YAMLToJSONError(f"yaml: unknown anchor '{event.anchor}' referenced")
            count(1, 0)
            count(sizes[event.anchor], sizes[event.anchor])
        elif isinstance(event, yaml.ScalarEvent):
            count(1, 0)
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            count(1, 0)
            open_nodes.append([event.anchor, 1])
            if len(open_nodes) > MAX_DEPTH:
                raise YAMLToJSONError(f"yaml: exceeded max depth of {MAX_DEPTH}")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = open_nodes.pop()
            if anchor:
                sizes[anchor] = size


def _key(k: object) -> str:
    """A YAML map key as YAMLToJSON makes it a JSON key (strconv formatting for numbers and booleans)."""
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, float):
        return "NaN" if k != k else "+Inf" if k == float("inf") else "-Inf" if k == float("-inf") else \
            repr(k).removesuffix(".0")
    if isinstance(k, (int, str)):
        return str(k)
    if k is None:
        return "null"
    raise YAMLToJSONError(f"Unsupported map key of type: {type(k).__name__}, key: {k!r}")


def _scalar(v: object) -> object:
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        raise YAMLToJSONError(f"json: unsupported value: {'NaN' if v != v else ('+Inf' if v > 0 else '-Inf')}")
    return v


def to_json(value: object) -> object:
    """convertToJSONableObject then json.Marshal (sigs.k8s.io/yaml): keys become strings, NaN and Infinity are
    refused (`json: unsupported value: NaN`), aliases become copies. Iterative, so depth costs no stack."""
    root: list[object] = [None]
    stack: list[tuple[object, object, object]] = [(value, root, 0)]
    while stack:
        v, parent, slot = stack.pop()
        out: object
        if isinstance(v, dict):
            out = {}
            for k, item in v.items():
                out[_key(k)] = None
                stack.append((item, out, _key(k)))
        elif isinstance(v, list):
            out = [None] * len(v)
            stack.extend((item, out, i) for i, item in enumerate(v))
        else:
            out = _scalar(v)
        parent[slot] = out          # type: ignore[index]
    return root[0]


def load_yaml(text: str) -> object:
    """One YAML document as kubectl's sigs.k8s.io/yaml hands it on as JSON, a bomb refused before it expands;
    raises yaml.YAMLError (syntax) or YAMLToJSONError."""
    check_events(text)
    return to_json(yaml.load(text, Loader=_Loader))     # noqa: S506 - _Loader is a SafeLoader


def _decode_yaml(text: str) -> tuple[list[object], str]:
    values: list[object] = []
    try:
        chunks = _yaml_chunks(text)
    except ValueError as err:
        return values, str(err)
    for chunk in chunks:
        try:
            values.append(load_yaml(chunk))
        except yaml.YAMLError as err:
            return values, f"error converting YAML to JSON: {yaml_problem(err)}"
        except YAMLToJSONError as err:
            return values, f"error converting YAML to JSON: {err}"
    return values, ""


def load(paths: list[str], base: Path | None = None) -> list[Document]:
    """Every object in the files, in order; a bad document ends its file (it is returned with its error)."""
    docs: list[Document] = []
    for p in paths:
        path = Path(p) if base is None or Path(p).is_absolute() else base / p
        if not path.exists():
            raise KubectlError(f'the path "{p}" does not exist')
        files = sorted(f for f in path.iterdir() if f.suffix in (".yaml", ".yml", ".json")) if path.is_dir() \
            else [path]
        for f in files:
            source = str(f) if path.is_dir() else p
            values, error = _decode(f.read_text())
            for obj in values:
                if obj is None:
                    continue
                doc = Document(source, obj if isinstance(obj, dict) else None)
                problem = check(doc) if isinstance(obj, dict) else (
                    f'error validating "{source}": error validating data: invalid object to validate; '
                    f"{STOP_VALIDATE}")
                if problem:
                    docs.append(Document(source, None, problem))
                    break
                if obj.get("kind") == "List" or (str(obj.get("kind", "")).endswith("List") and "items" in obj):
                    docs.extend(Document(source, item) for item in obj.get("items") or [])
                    continue
                docs.append(doc)
            else:
                if error:
                    docs.append(Document(source, None, f"error parsing {source}: {error}"))
    return docs


def check(doc: Document) -> str | None:
    """kubectl's client-side check (validation.getObjectKind) that apiVersion and kind are set; the rest is the
    server's strict decoding. Several problems print as an aggregate: `[apiVersion not set, kind not set]`."""
    obj = doc.obj or {}
    problems = [f"{field} not set" for field in ("apiVersion", "kind") if not obj.get(field)]
    if not problems:
        return None
    text = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
    return f'error validating "{doc.source}": error validating data: {text}; {STOP_VALIDATE}'
