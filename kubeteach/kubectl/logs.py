"""kubectl logs (staging/src/k8s.io/kubectl/pkg/cmd/logs): find the pod, default the container, read pods/log.

`POD` or `TYPE/NAME` (a Deployment's or ReplicaSet's first pod, polymorphichelpers.LogsForObject, which says
`Found N pods, using pod/x` on stderr); with no `-c`, the `kubectl.kubernetes.io/default-container` annotation or
the first container (podcmd.FindOrDefaultContainerByName, which says `Defaulted container "x" out of: …`). The
flags become the query: `container`, `tailLines` (when not -1), `timestamps`, `previous`.
"""

from __future__ import annotations

from .context import Context
from .manifests import KubectlError
from .streams import pod_for

DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
USAGE = ("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
         "POD or TYPE/NAME is a required argument for the logs command")


def logs_argv(argv: list[str]) -> list[str]:
    """For `logs` only, `-p` is --previous (elsewhere the embedded parser reads `-p` as --patch)."""
    first = next((w for w in argv if not w.startswith("-")), None)
    if first != "logs":
        return argv
    return ["--previous" if w == "-p" else "--previous=" + w[3:] if w.startswith("-p=") else w for w in argv]


def all_container_names(pod: dict) -> str:
    """podcmd.AllContainerNames: the containers, then ephemeral ones "(ephem)", then init ones "(init)"."""
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def default_container(ctx: Context, pod: dict) -> str:
    """The container kubectl asks for when `-c` is not given."""
    containers = (pod.get("spec") or {}).get("containers") or []
    annotated = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER, "")
    if annotated and any(c["name"] == annotated for c in containers):
        return annotated
    if not containers:
        return ""
    if len(containers) > 1:
        ctx.error(f'Defaulted container "{containers[0]["name"]}" out of: {all_container_names(pod)}')
    return containers[0]["name"]


def logs(ctx: Context) -> int:
    """`kubectl logs (POD | TYPE/NAME) [-c CONTAINER] [--tail N] [--timestamps] [-p|--previous]`."""
    words = ctx.args.words[1:]
    if not words or len(words) > 2 or (len(words) == 2 and "/" in words[0]):
        raise KubectlError(USAGE)
    target = f"{words[0]}/{words[1]}" if len(words) == 2 else words[0]
    pod = pod_for(ctx, target, "logs")
    container = ctx.args.get("container") or default_container(ctx, pod)
    tail = ctx.args.get("tail")
    tail_lines = None
    if tail is not None:
        try:
            tail_lines = int(tail)
        except ValueError:
            raise KubectlError(f'invalid argument "{tail}" for "--tail" flag: strconv.ParseInt: parsing '
                               f'"{tail}": invalid syntax') from None
    text = ctx.client.request("get", "pods", pod["metadata"]["namespace"], pod["metadata"]["name"], "log",
                              container=container or "",
                              tailLines=tail_lines if tail_lines is not None and tail_lines != -1 else None,
                              timestamps=True if ctx.args.get("timestamps") else None,
                              previous=True if ctx.args.get("previous") else None)
    ctx.out.append(text)
    return 0


__all__ = ["all_container_names", "default_container", "logs", "logs_argv"]
