"""Images on one node (pkg/kubelet/images/image_manager.go EnsureImageExists) and the registry they come from.

The registry is the image catalogue of the cluster definition. A repository there serves its pinned `tags` with
exactly its `size` and `pullSeconds`, and, as a real registry serves every released tag, any other tag that looks
released by its `releases` rule (`released_tag`): a version from `oldest` to `newest` (`1`, `1.28`, `1.29.3`,
patches up to `maxPatch` on older lines), a channel (`latest`, `stable`, `mainline`), a variant (`alpine`,
`alpine3.22`, `perl`, …), or a version or channel with a `-variant` suffix (`1.29.3-alpine`, `stable-perl`). Such
a tag's size and pull time are the repository's scaled by a factor in [0.8, 1.2) from the first 4 bytes of
sha256("<repository>:<tag>") (`tag_factor`): the same tag always weighs and takes the same.

Pulls fail as containerd fails them: a repository the catalogue lacks with Docker Hub's `pull access denied …
insufficient_scope` (`NotFound` … `not found` on another registry), a tag that is not released-looking with
`NotFound` … `not found`. To make a pull fail on purpose (the lessons' ImagePullBackOff), use a tag past the
newest release (`nginx:1.99`) or `cluster.faults.break_image("nginx:1.26")`, which moves the tag to the
repository's `removed` list (or drops the whole repository).

Pulls are serialized per node (serializeImagePulls=true), so a pull that waits behind another reports "(…
including waiting)". A pull of an image already on the node (policy Always) only resolves the manifest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..objects import go_duration

#: resolving a reference without downloading layers (a re-pull of a present image, or a failed lookup)
MANIFEST_SECONDS = 0.5


class PullError(Exception):
    """A failed pull, worded as containerd's CRI error."""


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference: `nginx:1.25` -> repository docker.io/library/nginx, tag 1.25."""

    written: str          # exactly as in the pod spec
    name: str             # as the catalogue names it (nginx, registry.k8s.io/pause)
    repository: str       # fully qualified (docker.io/library/nginx)
    tag: str
    digest: str

    @property
    def full(self) -> str:
        """The reference containerd reports: docker.io/library/nginx:1.25 (or …@sha256:…)."""
        return f"{self.repository}@{self.digest}" if self.digest and not self.tag else f"{self.repository}:{self.tag}"


def parse_image(image: str) -> ImageRef:
    """Split a reference into name, tag and digest and qualify it the way docker/distribution does."""
    rest, _, digest = image.partition("@")
    name, tag = rest, ""
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1:]
    if not tag and not digest:
        tag = "latest"
    first = name.split("/")[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        repository = name
    elif "/" in name:
        repository = f"docker.io/{name}"
    else:
        repository = f"docker.io/library/{name}"
    short = name.removeprefix("docker.io/").removeprefix("library/")
    return ImageRef(image, short, repository, tag, digest)


def default_pull_policy(image: str) -> str:
    """SetDefaults_Container: Always for :latest or no tag (and no digest), else IfNotPresent."""
    ref = parse_image(image)
    return "Always" if ref.tag == "latest" and not ref.digest else "IfNotPresent"


def image_digest(ref: ImageRef) -> str:
    """A stable stand-in for the manifest digest (real digests come from the registry)."""
    return "sha256:" + hashlib.sha256(f"{ref.repository}:{ref.tag}".encode()).hexdigest()


def pulled_message(image: str, seconds: float, waited: float, size: int) -> str:
    """The Pulled event (v1.30+): durations truncated to milliseconds, then the image size."""
    def ms(x: float) -> str:
        """Duration.Truncate(time.Millisecond).String()."""
        return go_duration(int(round(x * 1e6)) // 1000 / 1000)

    return (f'Successfully pulled image "{image}" in {ms(seconds)} ({ms(waited)} including waiting). '
            f"Image size: {size} bytes.")


_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_ALPINE = re.compile(r"^alpine\d+\.\d+")          # alpine3.22 names the Alpine release; it is the alpine variant


def _version(text: str) -> tuple[int, ...] | None:
    m = _VERSION.match(text)
    return tuple(int(g) for g in m.groups() if g is not None) if m else None


def _released_version(v: tuple[int, ...], rule: dict) -> bool:
    """Within `oldest`..`newest`; a patch at most `newest`'s on the newest line, at most `maxPatch` before it."""
    oldest, newest = _version(str(rule.get("oldest", "0"))) or (0,), _version(str(rule["newest"])) or (0,)
    if not oldest[:len(v)] <= v[:2] <= newest[:2]:
        return False
    if len(v) < 3:
        return True
    limit = newest[2] if v[:2] == newest[:2] and len(newest) > 2 else int(rule.get("maxPatch", 0))
    return v[2] <= limit


def released_tag(entry: dict, tag: str) -> bool:
    """Does the repository serve `tag`: a pinned tag or one its `releases` rule allows, and not `removed`."""
    if tag in [str(t) for t in entry.get("removed", [])]:
        return False
    if tag in [str(t) for t in entry.get("tags", [])]:
        return True
    rule = entry.get("releases")
    if not rule:
        return False
    channels = [str(c) for c in rule.get("channels", [])]
    variants = [str(v) for v in rule.get("variants", [])]

    def base(text: str) -> bool:
        v = _version(text)
        return text in channels or (v is not None and _released_version(v, rule))

    def variant(text: str) -> bool:
        return text in variants or _ALPINE.sub("alpine", text) in variants

    if base(tag) or variant(tag):
        return True
    head, sep, tail = tag.partition("-")
    return bool(sep) and base(head) and variant(tail)


def tag_factor(ref: ImageRef) -> float:
    """A stable factor in [0.8, 1.2) from the reference's repository and tag (for tags the catalogue does not pin)."""
    n = int.from_bytes(hashlib.sha256(f"{ref.repository}:{ref.tag}".encode()).digest()[:4], "big")
    return 0.8 + (n % 4000) / 10000


class Registry:
    """The catalogue as a registry: resolve a reference to (size, pullSeconds) or fail like containerd does."""

    def __init__(self, catalogue: dict[str, dict]):
        self.catalogue = catalogue      # the cluster's live dict: faults.break_image edits it

    def resolve(self, ref: ImageRef) -> tuple[int, float]:
        """(size in bytes, pull seconds) of a reference the registry has; PullError otherwise."""
        entry = self.catalogue.get(ref.name)
        full = ref.full
        prefix = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}"'
        if entry is None:
            if ref.repository.startswith("docker.io/"):
                raise PullError(f"rpc error: code = Unknown desc = {prefix}: pull access denied, repository does "
                                "not exist or may require authorization: server message: insufficient_scope: "
                                "authorization failed")
            raise PullError(f"rpc error: code = NotFound desc = {prefix}: {full}: not found")
        size, seconds = int(entry.get("size", 0)), float(entry.get("pullSeconds", 1.0))
        if not ref.tag or ref.tag in [str(t) for t in entry.get("tags", [])] and released_tag(entry, ref.tag):
            return size, seconds
        if not released_tag(entry, ref.tag):
            raise PullError(f"rpc error: code = NotFound desc = {prefix}: {full}: not found")
        factor = tag_factor(ref)
        return int(size * factor), round(seconds * factor, 3)


def remove_tag(catalogue: dict[str, dict], name: str, tag: str) -> None:
    """The registry loses `name:tag` (or, without a tag, the repository `name`): later pulls of it fail as not
    found. KeyError if the registry does not serve it now."""
    entry = catalogue.get(name)
    if entry is None:
        raise KeyError(f"image {name!r} is not in the registry")
    if not tag:
        del catalogue[name]
        return
    if not released_tag(entry, tag):
        raise KeyError(f"image {name}:{tag} is not in the registry")
    entry["tags"] = [t for t in entry.get("tags", []) if str(t) != tag]
    entry["removed"] = [*entry.get("removed", []), tag]


@dataclass
class Pull:
    """One pull in the node's serial queue: requested, started, done, and what it found."""

    ref: ImageRef
    requested: float
    started: float
    done: float
    size: int = 0
    error: str = ""


class ImageStore:
    """The images present on one node, and its serialized pull queue."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.present: dict[str, tuple[ImageRef, int]] = {}   # full ref -> (ref, size)
        self.busy_until = 0.0
        self._pending: set[str] = set()

    def has(self, ref: ImageRef) -> bool:
        """Is the image on the node (what IfNotPresent asks)?"""
        return ref.full in self.present

    def image_id(self, ref: ImageRef) -> str:
        """What the container status shows as imageID: repository@sha256:…"""
        return f"{ref.repository}@{ref.digest or image_digest(ref)}"

    def start_pull(self, ref: ImageRef, now: float) -> Pull:
        """Queue a pull behind the one in progress; its duration is decided by what the registry says."""
        start = max(now, self.busy_until)
        try:
            size, seconds = self.registry.resolve(ref)
            if ref.full in self.present or ref.full in self._pending:
                seconds = MANIFEST_SECONDS
            pull = Pull(ref, now, start, start + seconds, size)
            self._pending.add(ref.full)
        except PullError as err:
            pull = Pull(ref, now, start, start + MANIFEST_SECONDS, error=str(err))
        self.busy_until = pull.done
        return pull

    def finish_pull(self, pull: Pull) -> None:
        """The pull is over: a successful one leaves the image on the node."""
        self._pending.discard(pull.ref.full)
        if not pull.error:
            self.present[pull.ref.full] = (pull.ref, pull.size)

    def node_images(self) -> list[dict]:
        """node.status.images: names (digest form, then tag form) and sizeBytes, largest first, at most 50."""
        out = [{"names": [self.image_id(ref), full], "sizeBytes": size} for full, (ref, size) in self.present.items()]
        out.sort(key=lambda i: (-i["sizeBytes"], i["names"][1]))
        return out[:50]
