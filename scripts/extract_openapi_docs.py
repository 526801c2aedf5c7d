"""Extract the API facts kube-apiserver's OpenAPI documents carry per Go type, from the v1.35 Go source: each type's
and field's description, required fields, patch strategy and merge key, list type and map keys, `+default` values,
`+structType` and the values of `+enum` types (with the "Possible enum values" text openapi-gen appends), into
kubeteach/apiserver/openapi_docs.json.

Source: the doc comments and struct tags of k8s.io/api (tag v0.35.2: core/v1, apps/v1, rbac/v1, storage/v1,
coordination/v1, autoscaling/v1, authorization/v1, authentication/v1, events/v1, scheduling/v1, policy/v1,
discovery/v1, admissionregistration/v1 types.go) and k8s.io/apimachinery (v0.35.2:
pkg/apis/meta/v1 types.go, time.go, micro_time.go; pkg/api/resource/quantity.go; pkg/util/intstr/intstr.go), read
from the git mirrors. Comments become descriptions by the rules of k8s.io/kube-openapi/pkg/generators
(generateDescription: paragraphs kept, `+tags` and one-line TODOs dropped, indented lines on their own line, text
after `---` dropped; enum.go: values sorted, each ` - `"value"` <comment without the constant's name>`).

Run: python scripts/extract_openapi_docs.py [--api DIR] [--apimachinery DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

TAG = "v0.35.2"
API = [("core/v1", "io.k8s.api.core.v1"), ("apps/v1", "io.k8s.api.apps.v1"), ("rbac/v1", "io.k8s.api.rbac.v1"),
       ("storage/v1", "io.k8s.api.storage.v1"), ("coordination/v1", "io.k8s.api.coordination.v1"),
       ("autoscaling/v1", "io.k8s.api.autoscaling.v1"), ("authorization/v1", "io.k8s.api.authorization.v1"),
       ("authentication/v1", "io.k8s.api.authentication.v1"), ("events/v1", "io.k8s.api.events.v1"),
       ("scheduling/v1", "io.k8s.api.scheduling.v1"), ("policy/v1", "io.k8s.api.policy.v1"),
       ("discovery/v1", "io.k8s.api.discovery.v1"),
       ("admissionregistration/v1", "io.k8s.api.admissionregistration.v1")]
MACHINERY = [("pkg/apis/meta/v1", "io.k8s.apimachinery.pkg.apis.meta.v1", ("types.go", "time.go", "micro_time.go")),
             ("pkg/api/resource", "io.k8s.apimachinery.pkg.api.resource", ("quantity.go",)),
             ("pkg/util/intstr", "io.k8s.apimachinery.pkg.util.intstr", ("intstr.go",))]
OUT = Path(__file__).resolve().parent.parent / "kubeteach" / "apiserver" / "openapi_docs.json"

FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([\w.*\[\]]+)\s+`([^`]*)`")
TYPE = re.compile(r"^type (\w+) (struct \{|[\w.\[\]*]+)\s*$")
CONST = re.compile(r"^\s*(?:const\s+)?(\w+)\s+(\w+)\s*=\s*\"((?:[^\"\\]|\\.)*)\"")


def go_comment_text(lines: list[str]) -> list[str]:
    """ast.CommentGroup.Text() split in lines: markers and the first space gone, trailing space trimmed, directives
    (//go:..., //line) dropped, leading/trailing blank lines dropped."""
    out = []
    for raw in lines:
        body = raw.strip()[2:]
        if re.match(r"^(go|line|export|extern)[:\s]", body) and not body.startswith(" "):
            continue
        out.append((body[1:] if body.startswith(" ") else body).rstrip())
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


def description(lines: list[str]) -> str:
    """kube-openapi generateDescription (without the Go-source escaping, which the JSON file does not need)."""
    buf = ""
    for line in lines:
        if line == "---":
            break
        line = line.rstrip(" ")
        leading = line.lstrip(" ")
        if not line:
            buf = buf[:-1] + "\n\n"
        elif leading.startswith("TODO") or leading.startswith("+"):
            continue
        elif line.startswith((" ", "\t")):
            buf = buf[:-1] + "\n" + line + "\n"
        else:
            buf += line + " "
    return buf.lstrip("\n").rstrip("\n").replace('\\"', '"').strip(" ")


def tags(lines: list[str]) -> dict[str, list[str]]:
    """`+name=value` comment tags (types.ExtractCommentTags)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        m = re.match(r"^\s*\+([\w:.-]+)(?:=(.*))?$", line)
        if m:
            out.setdefault(m.group(1), []).append((m.group(2) or "").strip())
    return out


def struct_tag(text: str, key: str) -> str | None:
    m = re.search(rf'(?:^|\s){key}:"([^"]*)"', text)
    return m.group(1) if m else None


def parse(source: str) -> tuple[dict, dict, dict]:
    """Structs (doc, fields), named non-struct types (doc, tags, underlying) and typed string constants."""
    structs: dict[str, dict] = {}
    named: dict[str, dict] = {}
    consts: list[tuple[str, str, str, str]] = []
    comment: list[str] = []
    current: dict | None = None
    depth = 0
    for raw in source.splitlines():
        stripped = raw.strip()
        if stripped.startswith("//"):
            comment.append(raw)
            continue
        if current is not None:
            if stripped.startswith("}") and depth == 0:
                current = None
            elif stripped.endswith("{"):
                depth += 1
            elif stripped.startswith("}"):
                depth -= 1
            elif depth == 0 and (m := FIELD.match(raw)):
                current["fields"].append({"name": m.group(1), "type": m.group(2), "tag": m.group(3),
                                          "comment": go_comment_text(comment)})
            comment = []
            continue
        m = TYPE.match(stripped)
        if m:
            doc = go_comment_text(comment)
            if m.group(2) == "struct {":
                current = structs[m.group(1)] = {"comment": doc, "fields": []}
                depth = 0
            else:
                named[m.group(1)] = {"comment": doc, "underlying": m.group(2)}
        elif (c := CONST.match(raw)):
            consts.append((c.group(1), c.group(2), c.group(3), " ".join(go_comment_text(comment))))
        comment = []
    return structs, named, consts


def enum_lines(values: list[tuple[str, str, str]]) -> list[str]:
    """enumType.DescriptionLines: a blank line, the heading and one line per value, sorted by value."""
    lines = ["", "Possible enum values:"]
    for value, name, text in sorted(values):
        text = re.sub(r"\s+", " ", text.strip().removeprefix(name).strip())
        lines.append(f' - `"{value}"` {text}')
    return lines


def extract(files: list[tuple[str, str]]) -> dict:
    """Every struct of the given (openapi prefix, Go source) pairs, keyed by its OpenAPI definition name."""
    out: dict[str, dict] = {}
    by_prefix: dict[str, tuple[dict, dict, list]] = {}
    for prefix, source in files:
        s, n, c = parse(source)
        acc = by_prefix.setdefault(prefix, ({}, {}, []))
        acc[0].update(s)
        acc[1].update(n)
        acc[2].extend(c)
    for prefix, (structs, named, consts) in by_prefix.items():
        enums = {name: [] for name, t in named.items() if "enum" in tags(t["comment"])}
        for cname, ctype, value, text in consts:
            if ctype in enums and value not in [v for v, _, _ in enums[ctype]]:
                enums[ctype].append((value, cname, text))
        for name, t in named.items():
            out[f"{prefix}.{name}"] = {"description": description(t["comment"]), "underlying": t["underlying"]}
            if name in enums:
                out[f"{prefix}.{name}"]["enum"] = sorted(v for v, _, _ in enums[name])
        for name, st in structs.items():
            fields = {}
            for f in st["fields"]:
                json_tag = struct_tag(f["tag"], "json")
                if json_tag is None or json_tag.startswith("-"):
                    continue
                jname, _, opts = json_tag.partition(",")
                ftags = tags(f["comment"])
                entry: dict = {"go": f["type"]}
                if f["name"] is None and "inline" in opts:
                    entry["inline"] = True
                    fields[f"<inline {f['type']}>"] = entry
                    continue
                base = f["type"].lstrip("*[]").split(".")[-1]
                lines = f["comment"] + (enum_lines(enums[base]) if base in enums and enums[base]
                                        and not f["type"].startswith("[]") and "." not in f["type"] else [])
                entry["description"] = description(lines)
                if base in enums and enums[base] and not f["type"].startswith("[]") and "." not in f["type"]:
                    entry["enum"] = sorted(v for v, _, _ in enums[base])
                if not ("optional" in ftags or "omitempty" in opts) or "required" in ftags:
                    entry["required"] = True
                if "omitempty" in opts:
                    entry["omitempty"] = True
                for key, tag in (("patchStrategy", "patchStrategy"), ("patchMergeKey", "patchMergeKey")):
                    value = struct_tag(f["tag"], tag) or (ftags.get(key) or [None])[0]
                    if value:
                        entry[key] = value
                if ftags.get("listType"):
                    entry["listType"] = ftags["listType"][0]
                if ftags.get("listMapKey"):
                    entry["listMapKeys"] = ftags["listMapKey"]
                if ftags.get("mapType"):
                    entry["mapType"] = ftags["mapType"][0]
                if ftags.get("default"):
                    entry["default"] = ftags["default"][0]
                fields[jname] = entry
            out[f"{prefix}.{name}"] = {"description": description(st["comment"]), "fields": fields}
            struct_type = tags(st["comment"]).get("structType")
            if struct_type:
                out[f"{prefix}.{name}"]["structType"] = struct_type[0]
    return out


ALIASES = {"metav1": "io.k8s.apimachinery.pkg.apis.meta.v1", "v1": "io.k8s.api.core.v1", "corev1": "io.k8s.api.core.v1", "apiv1": "io.k8s.api.core.v1",
           "resource": "io.k8s.apimachinery.pkg.api.resource", "intstr": "io.k8s.apimachinery.pkg.util.intstr",
           "runtime": "io.k8s.apimachinery.pkg.runtime"}
BUILTIN = {"string", "bool", "int32", "int64", "int", "float64", "byte", "[]byte"}
#: the definitions the served documents start from (each served kind, the scale and binding bodies, the reviews)
ROOTS = ["io.k8s.api.core.v1." + k for k in ("Namespace", "Node", "Pod", "Event", "ServiceAccount",
                                             "PersistentVolumeClaim", "PersistentVolume", "Binding",
                                             "Service", "Endpoints")]
ROOTS += ["io.k8s.api.apps.v1.Deployment", "io.k8s.api.apps.v1.ReplicaSet", "io.k8s.api.autoscaling.v1.Scale",
          "io.k8s.api.storage.v1.StorageClass", "io.k8s.api.storage.v1.VolumeAttachment",
          "io.k8s.api.coordination.v1.Lease", "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
          "io.k8s.api.events.v1.Event", "io.k8s.api.scheduling.v1.PriorityClass",
          "io.k8s.api.policy.v1.PodDisruptionBudget", "io.k8s.api.policy.v1.Eviction",
          "io.k8s.api.discovery.v1.EndpointSlice",
          "io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration",
          "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]
ROOTS += ["io.k8s.api.rbac.v1." + k for k in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")]


def resolve(go: str, prefix: str, data: dict) -> str:
    """A Go type expression as a shape over definition names and builtins: `*int32`, `[]io.k8s.api.core.v1.Container`,
    `map[string]io.k8s.apimachinery.pkg.api.resource.Quantity`; named non-struct types become their underlying type."""
    for shape in ("*", "[]", "map["):
        if go.startswith(shape):
            if shape == "map[":
                return "map[string]" + resolve(go[go.index("]") + 1:], prefix, data)
            if go == "[]byte":
                return go
            return shape + resolve(go[len(shape):], prefix, data)
    if go in BUILTIN:
        return go
    if go == "types.UID" or go == "types.NodeName":
        return "string"
    pkg, _, name = go.rpartition(".")
    full = f"{ALIASES[pkg] if pkg else prefix}.{name}"
    entry = data.get(full)
    if entry is None:
        return "object"
    if "underlying" in entry:
        return resolve(entry["underlying"], full.rpartition(".")[0], data)
    return full


def flatten(fields: dict, prefix: str, data: dict) -> dict:
    """Resolve each field's Go type; an embedded `json:",inline"` struct's fields join its parent's."""
    out = {}
    for fname, f in fields.items():
        f = dict(f)
        f["type"] = resolve(f.pop("go"), prefix, data)
        if f.pop("inline", False):
            inner = data.get(f["type"].lstrip("*"), {})
            out.update(flatten(inner.get("fields", {}), f["type"].lstrip("*").rpartition(".")[0], data))
            continue
        out[fname] = f
    return out


def prune(data: dict) -> dict:
    """Resolve every field's Go type and keep the definitions reachable from ROOTS."""
    keep: dict = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep or name not in data:
            continue
        entry = keep[name] = dict(data[name])
        prefix = name.rpartition(".")[0]
        entry["fields"] = fields = flatten(entry.get("fields", {}), prefix, data)
        todo.extend(f["type"].split("]")[-1].lstrip("*[") for f in fields.values())
    return keep


def git_show(repo: str, path: str) -> str:
    return subprocess.run(["git", "-C", repo, "show", f"{TAG}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="/work/.mirror/kubernetes+api/repo")
    parser.add_argument("--apimachinery", default="/work/.mirror/kubernetes+apimachinery/repo")
    opts = parser.parse_args()
    files = [(prefix, git_show(opts.api, f"{path}/types.go")) for path, prefix in API]
    files += [(prefix, git_show(opts.apimachinery, f"{path}/{name}")) for path, prefix, names in MACHINERY
              for name in names]
    data = prune(extract(files))
    # definitions sorted by name; each struct's fields stay in the Go struct's order (`required` follows it)
    types = {name: data[name] for name in sorted(data)}
    OUT.write_text(json.dumps({"source": f"k8s.io/api and k8s.io/apimachinery {TAG}", "types": types},
                              indent=0, separators=(",", ":")) + "\n")
    print(f"{len(data)} types -> {OUT}")


if __name__ == "__main__":
    main()
