"""kubectl logs (staging/src/k8s.io/kubectl/pkg/cmd/logs): find the pod, default the container, read pods/log.

`POD` or `TYPE/NAME` (a Deployment's or ReplicaSet's first pod, polymorphichelpers.LogsForObject, which says
`Found N pods, using pod/x` on stderr); with no `-c`, the `kubectl.kubernetes.io/default-container` annotation or
the first container (podcmd.FindOrDefaultContainerByName, which says `Defaulted container "x" out of: …`). The
flags become the query: `container`, `tailLines` (when not -1), `timestamps`, `previous`.
"""

from __future__ import annotations

from ..apiserver import APIError
from ..apiserver.podlogs import choose_container, instance_running, log_container_id
from .context import Context
from .get import follow
from .manifests import KubectlError
from .streams import pod_for

DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
USAGE = ("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
         "POD or TYPE/NAME is a required argument for the logs command")


def logs_argv(argv: list[str]) -> list[str]:
    """For `logs` only, `-p` is --previous and `-f` --follow (elsewhere the embedded parser reads `-p` as --patch
    and `-f` as --filename)."""
    first = next((w for w in argv if not w.startswith("-")), None)
    if first != "logs":
        return argv
    short = {"-p": "--previous", "-f": "--follow"}
    return [short[w] if w in short else short[w[:2]] + w[2:] if w[:3] in ("-p=", "-f=") else w for w in argv]


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
    spec = pod.get("spec") or {}
    if len(containers) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers"):
        ctx.error(f'Defaulted container "{containers[0]["name"]}" out of: {all_container_names(pod)}')
    return containers[0]["name"]


def logs(ctx: Context) -> int:
    """`kubectl logs (POD | TYPE/NAME) [-c CONTAINER] [--tail N] [--timestamps] [-p|--previous] [-f|--follow]`."""
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
                              previous=True if ctx.args.get("previous") else None,
                              follow=True if ctx.args.get("follow") else None)
    ctx.out.append(text)
    if ctx.args.get("follow") and not ctx.args.get("previous"):
        follow_log(ctx, pod, container, bool(ctx.args.get("timestamps")))
    return 0


def follow_log(ctx: Context, pod: dict, container: str, timestamps: bool) -> None:
    """`logs -f` after the first read: the stream stays on the container instance it was opened on while the
    virtual clock runs (get.follow's bound), printing what the instance writes, until it exits (its last lines,
    read back with previous=true once the kubelet reports it gone), its pod goes, or the bound passes. kubectl holds
    one streaming GET; here its later reads are quiet GETs, as the other waits' polls are."""
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    quiet = ctx.quiet
    try:
        current = quiet.get("pods", ns, name)
        container = container or choose_container(current, "")
        instance = log_container_id(current, container)
        offset = len(quiet.request("get", "pods", ns, name, "log", container=container,
                                   timestamps=True if timestamps else None))
    except APIError:
        return
    ended = False

    def read() -> bool:
        nonlocal offset, ended
        try:
            now = quiet.get("pods", ns, name)
        except APIError:
            ended = True                        # the pod and its logs are gone
            return True
        running = instance_running(now, container, instance)
        last = ((_status(now, container).get("lastState") or {}).get("terminated") or {}).get("containerID")
        if not running and last != instance and not _terminated_here(now, container, instance):
            ended = True                        # another instance, or none: nothing more of ours to read
            return True
        try:
            text = quiet.request("get", "pods", ns, name, "log", container=container,
                                 timestamps=True if timestamps else None,
                                 previous=True if not running and last == instance else None)
        except APIError:
            text = ""
        if len(text) > offset:
            ctx.out.append(text[offset:])
            offset = len(text)
        ended = not running
        return ended

    follow(ctx, ctx.args.get("request-timeout"), read)
    if not ended:
        read()


def _status(pod: dict, container: str) -> dict:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return next((s for s in statuses if s.get("name") == container), {})


def _terminated_here(pod: dict, container: str, instance: str) -> bool:
    """The followed instance is the container's current one, terminated (a container that will not restart)."""
    cs = _status(pod, container)
    return cs.get("containerID") == instance and "terminated" in (cs.get("state") or {})


__all__ = ["all_container_names", "default_container", "logs", "logs_argv"]
