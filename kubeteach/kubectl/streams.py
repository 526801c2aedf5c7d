"""kubectl exec, attach, port-forward and cp (staging/src/k8s.io/kubectl/pkg/cmd/exec, attach, portforward, cp):
each finds its pod, then asks the API server for a stream (pods/exec, pods/attach, pods/portforward) with a
connection upgrade. kubeteach runs no processes, so the API server refuses it (apiserver/connect.py) and kubectl
prints that error and exits 1, as the real kubectl does against `kubeteach serve`."""

from __future__ import annotations

from ..apiserver import APIError
from .builder import resolve
from .context import Context, server_error
from .manifests import KubectlError


def pod_for(ctx: Context, word: str, verb: str = "attach") -> dict:
    """polymorphichelpers.AttachablePodForObject: `pod/x` or `x` is that pod; `deploy/x`, `rs/x` the first of
    its pods (running ones first, then the oldest)."""
    kind, slash, name = word.partition("/")
    if not slash:
        kind, name = "pods", word
    res = resolve(kind)
    ns = ctx.namespace
    if res.resource == "pods":
        return ctx.client.get("pods", ns, name)
    owner = ctx.client.get(res.resource, ns, name)
    selector = ((owner.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    pods = [p for p in ctx.client.list("pods", ns)["items"]
            if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())]
    if not pods:
        raise KubectlError(f"cannot {verb} to {res.kubectl_name} {name}: no pods found" if verb == "attach" else
                           "timed out waiting for the condition")
    pods.sort(key=lambda p: ((p.get("status") or {}).get("phase") != "Running",
                             p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"]))
    if verb == "logs" and len(pods) > 1:
        ctx.error(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
    return pods[0]


def _stream(ctx: Context, pod: dict, subresource: str, container: str = "", prefix: str = "") -> int:
    """Ask for the stream with an upgrade (a WebSocket GET, then SPDY's POST: both refused the same way)."""
    try:
        ctx.client.request("create", "pods", pod["metadata"]["namespace"], pod["metadata"]["name"], subresource,
                           container=container, upgrade=True)
    except APIError as e:
        ctx.error(f"error: {prefix}{e.message}" if prefix else server_error(e))
        return 1
    return 0


def exec_command(ctx: Context) -> int:
    """`kubectl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [args...]`."""
    words = ctx.args.words[1:]
    before = ctx.args.dash - 1 if ctx.args.dash >= 0 else len(words)
    if before < 1:
        raise KubectlError("pod, type/name or --filename must be specified")
    if len(words) <= before:
        raise KubectlError("you must specify at least one command for the container")
    return _stream(ctx, pod_for(ctx, words[0]), "exec", ctx.args.get("container", ""))


def attach(ctx: Context) -> int:
    """`kubectl attach (POD | TYPE/NAME) [-c CONTAINER]`."""
    words = ctx.args.words[1:]
    if len(words) != 1:
        raise KubectlError("expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw 0: []" if not words
                           else "expected a single pod")
    return _stream(ctx, pod_for(ctx, words[0]), "attach", ctx.args.get("container", ""))


def port_forward(ctx: Context) -> int:
    """`kubectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT`."""
    words = ctx.args.words[1:]
    if len(words) < 2:
        raise KubectlError("TYPE/NAME and list of ports are required for port-forward")
    return _stream(ctx, pod_for(ctx, words[0]), "portforward", prefix="error upgrading connection: ")


def cp(ctx: Context) -> int:
    """`kubectl cp SRC DEST`: one side is POD:PATH; kubectl runs `tar` in the container through pods/exec."""
    words = ctx.args.words[1:]
    if len(words) != 2:
        raise KubectlError("source and destination are required")
    remote = next((w for w in words if ":" in w), None)
    if remote is None:
        raise KubectlError("one of src or dest must be a remote file specification")
    pod = ctx.client.get("pods", ctx.namespace, remote.partition(":")[0])
    return _stream(ctx, pod, "exec", ctx.args.get("container", ""))


__all__ = ["attach", "cp", "exec_command", "pod_for", "port_forward"]
