"""kubectl run (staging/src/k8s.io/kubectl/pkg/cmd/run/run.go) and the Pod its generator builds
(staging/src/k8s.io/kubectl/pkg/generate/versioned/run.go BasicPod): label `run=NAME` unless --labels, one
container named NAME, dnsPolicy ClusterFirst, the restart policy; extra words are the container's args (or its
command, with --command). Attaching (-i, -t, --attach, --rm) needs a terminal the embedded kubectl has not got.
"""

from __future__ import annotations

import re

from ..apiserver.resources import BY_RESOURCE
from . import printers
from .context import Context, dry_run
from .manifests import KubectlError

USAGE = "\nSee 'kubectl run -h' for help and examples"
RESTART_POLICIES = ("Always", "OnFailure", "Never")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")

# github.com/distribution/reference's ReferenceRegexp: [domain[:port]/]path[:tag][@digest]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*" \
          r"[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?(?:@{_DIGEST})?")
ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")


def parse_labels(spec: str) -> dict[str, str]:
    """generate.ParseLabels: `k=v,k2=v2`."""
    labels: dict[str, str] = {}
    for part in spec.split(","):
        kv = part.split("=")
        if len(kv) != 2:
            raise KubectlError(f"unexpected label spec: {part}")
        if not kv[0]:
            raise KubectlError("unexpected empty label key")
        labels[kv[0]] = kv[1]
    return labels


def parse_envs(envs: list[str]) -> list[dict]:
    """parseEnvs: NAME=VALUE, NAME a valid environment variable name."""
    out = []
    for env in envs:
        name, eq, value = env.partition("=")
        if not eq or not name or not ENV_NAME.fullmatch(name):
            raise KubectlError(f"invalid env: {env}")
        out.append({"name": name, "value": value})
    return out


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    """cmdutil.ParsePairs without removals (--annotations)."""
    bad = [p for p in pairs if "=" not in p or p.startswith("=")]
    if bad:
        raise KubectlError(f"invalid {what} format: {', '.join(bad)}")
    return dict(p.split("=", 1) for p in pairs)


def basic_pod(name: str, image: str, restart: str, labels: str, port: str, envs: list[str], annotations: list[str],
              args: list[str], command: bool, pull_policy: str = "", privileged: bool = False) -> dict:
    """BasicPod.Generate: the Pod `kubectl run` sends (empty structs kept, as the Go types marshal them)."""
    env = parse_envs(envs)
    notes = parse_pairs(annotations, "annotations")
    meta: dict = {"name": name, "labels": parse_labels(labels) if labels else {"run": name}}
    if notes:
        meta["annotations"] = notes
    container: dict = {"name": name, "image": image, "resources": {}}
    if privileged:
        container["securityContext"] = {"privileged": True}
    if args:
        container["command" if command else "args"] = list(args)
    if env:
        container["env"] = env
    if pull_policy:
        container["imagePullPolicy"] = pull_policy
    if port:
        try:
            container["ports"] = [{"containerPort": int(port)}]
        except ValueError:
            raise KubectlError(f'strconv.Atoi: parsing "{port}": invalid syntax') from None
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart or "Always"},
            "status": {}}


def run(ctx: Context) -> int:
    """`kubectl run NAME --image=IMG [--restart] [--port] [-l/--labels] [--env]… [--annotations]… [--command]
    [--dry-run=client|server] [-o yaml|json|name] [-- ARG…]`: one POST of the generated Pod."""
    a = ctx.args
    if a.get("image") is None:
        raise KubectlError('required flag(s) "image" not set')
    dry = dry_run(ctx)
    words = a.words[1:]
    if not words or a.dash == 1:
        raise KubectlError(f"NAME is required for run{USAGE}")
    image = a.get("image")
    if image == "":
        raise KubectlError("--image is required")
    if not REFERENCE.fullmatch(image):
        raise KubectlError(f'Invalid image name "{image}": invalid reference format')
    if a.get("tty") and not a.get("stdin"):
        raise KubectlError(f"-i/--stdin is required for containers with -t/--tty=true{USAGE}")
    restart = a.get("restart", "")
    if restart and restart not in RESTART_POLICIES:
        raise KubectlError(f"invalid restart policy: {restart}{USAGE}")
    if a.get("rm") and not (a.get("attach") or a.get("stdin")):
        raise KubectlError(f"--rm should only be used for attached containers{USAGE}")
    if (a.get("attach") or a.get("stdin")) and dry:
        raise KubectlError("--dry-run=[server|client] can't be used with attached containers options (--attach, "
                           f"--stdin, or --tty){USAGE}")
    pull = a.get("image-pull-policy", "")
    if pull and pull not in PULL_POLICIES:
        raise KubectlError(f"invalid image pull policy: {pull}{USAGE}")
    if a.get("attach") or a.get("stdin"):
        raise KubectlError("kubeteach: the embedded kubectl has no terminal to attach; run without -i/-t/--attach")
    output = a.get("output", "")
    if output not in ("", "yaml", "json", "name"):
        raise KubectlError(f'unable to match a printer suitable for the output format "{output}", allowed formats '
                           "are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,"
                           "template,templatefile,yaml")
    name = words[0]
    pod = basic_pod(name, image, restart or ("OnFailure" if a.get("stdin") else "Always"),
                    a.get("labels") or a.get("selector") or "", a.get("port") or "", a.all("env"),
                    a.all("annotations"), words[1:], bool(a.get("command")), pull, bool(a.get("privileged")))
    if dry == "client":
        if a.get("namespace"):
            pod["metadata"]["namespace"] = a.get("namespace")
    else:
        pod = ctx.client.request("create", BY_RESOURCE["pods"], ctx.namespace, body=pod,
                                 fieldManager=a.get("field-manager") or "kubectl-run",
                                 dryRun="All" if dry == "server" else None)
    return printers.print_created(ctx, "pod", pod, output, dry)


__all__ = ["basic_pod", "parse_envs", "parse_labels", "run"]
