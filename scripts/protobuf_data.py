"""Write kubeteach/server/protobuf.json: the Kubernetes v1.35 protobuf messages `kubeteach serve` reads and writes.

Facts only, from the Git mirrors of k8s.io/api and k8s.io/apimachinery at one tag (default v0.35.7):
  - each group's `generated.proto` gives the messages, field numbers, labels and types;
  - the Go structs (`types.go` and friends) give, per protobuf field number, the `json:"..."` tag and the Go type,
    i.e. what Go's json.Marshal prints for the decoded struct (name, omitempty, pointer, inline, skipped);
  - `register.go` gives the API group of each package.

Usage (reproducible): .venv/bin/python scripts/protobuf_data.py [--api DIR] [--apimachinery DIR] [--tag TAG]

Output, compact JSON: {"tag": ..., "files": [{"name", "package", "group", "version", "deps", "messages": {Name: {
"f": [[number, proto name, label o|r|m, type, json name, flags(, Go name if not the proto name capitalized)], ...]
in Go struct order, "k": 1 if the struct
embeds TypeMeta (a kind), "w": 1 if Go declares it as a named slice (ExtraValue, Verbs)}}}]}. A map's type is
"key,value". Flags: e omitempty, p pointer, i inline, - not in JSON, s a Go string (sent as protobuf string).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kubeteach" / "server" / "protobuf.json"
API_GROUPS = ["core", "apps", "rbac", "policy", "batch", "scheduling", "storage", "coordination", "authentication",
              "authorization", "autoscaling", "events", "discovery", "admissionregistration"]
MACHINERY = ["pkg/apis/meta/v1", "pkg/runtime", "pkg/runtime/schema", "pkg/util/intstr", "pkg/api/resource"]
#: messages whose Go type marshals itself (MarshalJSON/Unmarshal written by hand): handled in server/protobuf.py
SPECIAL = {"Time", "MicroTime", "Timestamp", "Duration", "IntOrString", "Quantity", "QuantityValue", "RawExtension",
           "Unknown", "FieldsV1", "TypeMeta"}

FIELD = re.compile(r"^\s*(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)\s*;")
MAP = re.compile(r"^\s*map<\s*(\S+?)\s*,\s*(\S+?)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")


def git_show(repo: Path, tag: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "show", f"{tag}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def git_ls(repo: Path, tag: str, path: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only", f"{tag}:{path}"], check=True,
                         capture_output=True, text=True).stdout
    return [f"{path}/{name}" for name in out.split()]


def parse_proto(text: str) -> tuple[str, list[str], dict[str, list]]:
    """(package, imports, {message: [[number, name, label, type], ...]}) of a generated.proto (no nesting)."""
    package, imports, messages, current = "", [], {}, None
    for line in text.splitlines():
        line = line.split("//", 1)[0].strip()
        if line.startswith("package "):
            package = line[len("package "):].rstrip(";").strip()
        elif line.startswith("import "):
            imports.append(line.split('"')[1])
        elif line.startswith("message "):
            current = messages.setdefault(line.split()[1], [])
        elif line == "}":
            current = None
        elif current is not None and (m := MAP.match(line)):
            current.append([int(m[4]), m[3], "m", f"{m[1]},{m[2]}"])
        elif current is not None and (m := FIELD.match(line)):
            current.append([int(m[4]), m[3], m[1][0], m[2]])
        elif current is not None and line:
            raise SystemExit(f"unparsed proto line in {package}: {line!r}")
    return package, imports, messages


def go_structs(sources: list[str]) -> tuple[dict[str, list], set[str], dict[str, str]]:
    """{struct: [(Go field name or "" if embedded, json tag, go type, protobuf number or None)]}, the names declared
    as slices (`type X []T`) and those declared as another package's struct (`type List metav1.List`)."""
    structs: dict[str, list] = {}
    slices: set[str] = set()
    aliases: dict[str, str] = {}
    for text in sources:
        slices.update(re.findall(r"^type (\w+) \[\]", text, re.M))
        structs.update({name: [] for name in re.findall(r"^type (\w+) struct\{\}", text, re.M)})
        aliases.update(dict(re.findall(r"^type (\w+) \w+\.(\w+)$", text, re.M)))
        for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", text, re.M | re.S):
            fields = []
            for line in m[2].splitlines():
                if line.strip().startswith("//") or "`" not in line:
                    continue
                decl, tags = line.split("`", 1)
                parts = decl.split()
                if not parts or len(parts) > 2:
                    continue
                go_type = parts[-1]
                json_tag = re.search(r'json:"([^"]*)"', tags)
                proto_tag = re.search(r'protobuf:"[a-z0-9]+,(\d+),', tags)
                name = parts[0] if len(parts) == 2 else ""          # "" for an embedded struct
                fields.append((name, json_tag[1] if json_tag else "", go_type,
                               int(proto_tag[1]) if proto_tag else None))
            structs[m[1]] = fields
    return structs, slices, aliases


def json_field(go_name: str, json_tag: str, go_type: str, proto_type: str) -> tuple[str, str]:
    """(JSON key, flags) as encoding/json treats the field: an embedded struct with no JSON name is flattened into
    its parent (Go has no `inline` option: `json:",inline"` works because the field is embedded)."""
    name, *opts = json_tag.split(",")
    flags = "e" if "omitempty" in opts else ""
    if go_type.startswith("*"):
        flags += "p"
    if not name and not go_name:
        flags += "i"
    if name == "-" and not opts:
        flags += "-"
    if proto_type == "string" or proto_type.endswith(",string"):
        flags += "s"
    return name or go_name, flags


def build(api: Path, machinery: Path, tag: str) -> dict:
    sources = [(machinery, d, f"k8s.io/apimachinery/{d}") for d in MACHINERY] + \
        [(api, f"{g}/v1", f"k8s.io/api/{g}/v1") for g in API_GROUPS]
    files, problems = [], []
    meta_structs: dict[str, list] = {}
    for repo, path, go_pkg in sources:
        package, imports, messages = parse_proto(git_show(repo, tag, f"{path}/generated.proto"))
        go_files = [p for p in git_ls(repo, tag, path) if p.endswith(".go") and not p.endswith("_test.go")
                    and "zz_generated" not in p and not p.endswith(".pb.go")]
        structs, slices, aliases = go_structs([git_show(repo, tag, p) for p in go_files])
        structs.update({name: meta_structs[target] for name, target in aliases.items()
                        if name not in structs and target in meta_structs})
        if path == "pkg/apis/meta/v1":
            meta_structs = structs
        group = ""
        if path.startswith(tuple(API_GROUPS)):
            group = re.search(r'GroupName = "([^"]*)"', git_show(repo, tag, f"{path}/register.go"))[1]
        out = {}
        for name, proto_fields in messages.items():
            entry: dict = {}
            go = structs.get(name)
            if name in slices:
                entry["w"] = 1
            if go and any(not n and gt.endswith("TypeMeta") for n, _, gt, _ in go):
                entry["k"] = 1
            by_number = {f[0]: f for f in proto_fields}
            fields = []
            if name in SPECIAL or name in slices:
                fields = [f + [f[1], "s" if f[3] == "string" else ""] for f in proto_fields]
            elif go is None:
                problems.append(f"{package}.{name}: no Go struct")
            else:
                for go_name, json_tag, go_type, number in go:
                    if number is None:
                        continue
                    if number not in by_number:
                        problems.append(f"{package}.{name}: Go field {go_name} #{number} not in the proto")
                        continue
                    number_, pname, label, ptype = by_number.pop(number)
                    row = [number_, pname, label, ptype, *json_field(go_name, json_tag, go_type, ptype)]
                    go_name = go_name or go_type.lstrip("*").rsplit(".", 1)[-1]
                    if go_name != pname[:1].upper() + pname[1:]:
                        row.append(go_name)
                    fields.append(row)
                if by_number:
                    problems.append(f"{package}.{name}: proto fields without a Go field: {sorted(by_number)}")
            entry["f"] = fields
            out[name] = entry
        files.append({"name": f"{go_pkg}/generated.proto", "package": package, "group": group,
                      "version": "v1" if path.endswith("/v1") else "", "deps": imports, "messages": out})
    if problems:
        raise SystemExit("\n".join(problems))
    return {"tag": tag, "files": files}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", type=Path, default=Path("/work/.mirror/kubernetes+api/repo"))
    p.add_argument("--apimachinery", type=Path, default=Path("/work/.mirror/kubernetes+apimachinery/repo"))
    p.add_argument("--tag", default="v0.35.7")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    data = build(args.api, args.apimachinery, args.tag)
    args.out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n")
    n = sum(len(f["messages"]) for f in data["files"])
    print(f"wrote {args.out} ({n} messages, {args.out.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
