"""ImageLocality (pkg/scheduler/framework/plugins/imagelocality)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..cache import NodeInfo
from ..framework import MAX_NODE_SCORE, CycleState, Explain, ExplainColumn, Plugin

if TYPE_CHECKING:
    from ..cache import Cache

MB = 1024 * 1024
IMAGE_MIN_THRESHOLD = 23 * MB
IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * MB


def normalized_image_name(name: str) -> str:
    """An image without a tag means :latest (a ':' after the last '/' is a tag)."""
    return name if name.rfind(":") > name.rfind("/") else name + ":latest"


class ImageLocality(Plugin):
    """Favours nodes that already have the pod's images, scaled by how widely each image is spread; no normalize."""

    name = "ImageLocality"
    weight = 1

    def __init__(self, cache: Cache):
        self.cache = cache

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        images = state.values.get("images")
        if images is None:
            containers = (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or [])
            images = state.values["images"] = [normalized_image_name(c.get("image", "")) for c in containers]
        total_nodes = state.values["num_all_nodes"]
        total = 0
        for image in images:
            if image in ni.images:
                total += int(ni.images[image] * (self.cache.image_spread(image) / total_nodes))
        max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * len(images)
        clamped = min(max(total, IMAGE_MIN_THRESHOLD), max_threshold)
        score = MAX_NODE_SCORE * (clamped - IMAGE_MIN_THRESHOLD) // (max_threshold - IMAGE_MIN_THRESHOLD)
        return score, (_image_text, total, len(images), score)

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        containers = (pod["spec"].get("initContainers") or []) + (pod["spec"].get("containers") or [])
        images = [normalized_image_name(c.get("image", "")) for c in containers]
        spread = {image: self.cache.image_spread(image) / state.values["num_all_nodes"] for image in images}
        max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * len(images)
        totals = []
        for ni in nodes:
            total, have = 0, ni.images
            if have:
                for image in images:
                    if image in have:
                        total += int(have[image] * spread[image])
            totals.append(total)
        score_of = {t: MAX_NODE_SCORE * (min(max(t, IMAGE_MIN_THRESHOLD), max_threshold) - IMAGE_MIN_THRESHOLD)
                    // (max_threshold - IMAGE_MIN_THRESHOLD) for t in set(totals)}    # most nodes share a total
        raw = list(map(score_of.__getitem__, totals))
        return raw, ExplainColumn(_image_text, (totals, [len(images)] * len(nodes), raw))


def _image_text(total: int, containers: int, score: int) -> str:
    return f"image bytes x spread = {total} (clamped to 23Mi..{containers * 1000}Mi) -> {score}"
