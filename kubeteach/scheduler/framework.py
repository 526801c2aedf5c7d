"""The scheduling framework's vocabulary (pkg/scheduler/framework): statuses, FitError, the score helpers,
numFeasibleNodesToFind, selectHost, and the Decision table every scheduling attempt leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..objects import Randomness

MAX_NODE_SCORE = 100
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT = 3
NO_NODES_AVAILABLE = "no nodes available to schedule pods"

# Status codes (framework/interface.go)
SUCCESS = "Success"
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"
SKIP = "Skip"
ERROR = "Error"


@dataclass(frozen=True)
class Status:
    """A plugin's verdict: a code, the reasons users see, the plugin, and a detail only the trace shows."""

    code: str = SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""
    detail: str = ""      # e.g. which taint was untolerated: logged, never put in the pod's status

    def is_success(self) -> bool:
        """Success (or Skip, which the framework treats as success)."""
        return self.code in (SUCCESS, SKIP)

    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable."""
        return self.code in (UNSCHEDULABLE, UNRESOLVABLE)

    def message(self) -> str:
        """Status.Message: the reasons joined with ", "."""
        return ", ".join(self.reasons)

    def describe(self) -> str:
        """One cell of the decision table: `pass`, `skip`, or the reasons."""
        if self.code == SUCCESS:
            return "pass"
        if self.code == SKIP:
            return "skip"
        return self.message() or self.code


@dataclass(eq=False)
class FitError(Exception):
    """framework.FitError: why no node fits, as the FailedScheduling event and PodScheduled condition say it."""

    num_all_nodes: int
    node_to_status: dict[str, Status]
    pre_filter_msg: str = ""
    post_filter_msg: str = ""
    unschedulable_plugins: set[str] = field(default_factory=set)

    def histogram(self) -> list[str]:
        """`"<count> <reason>"` entries, sorted as strings (sort.Strings: "10 x" before "2 y")."""
        counts: dict[str, int] = {}
        for status in self.node_to_status.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return sorted(f"{n} {reason}" for reason, n in counts.items())

    def error(self) -> str:
        """FitError.Error(): `0/N nodes are available: <reasons>. <postfilter message>.`"""
        msg = f"0/{self.num_all_nodes} nodes are available:"
        if self.pre_filter_msg:
            msg += f" {self.pre_filter_msg}."
        else:
            histogram = self.histogram()
            if histogram:
                msg += f" {', '.join(histogram)}."
        if self.post_filter_msg:
            msg += f" {self.post_filter_msg}."
        return msg

    def __str__(self) -> str:
        return self.error()


def num_feasible_nodes_to_find(num_all_nodes: int, percentage_of_nodes_to_score: int = 0) -> int:
    """numFeasibleNodesToFind: stop filtering once this many nodes fit (all below 100 nodes; 50% - n/125, >= 5%)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    num_nodes = num_all_nodes * percentage // 100
    return max(num_nodes, MIN_FEASIBLE_NODES_TO_FIND)


def default_normalize_score(scores: dict[str, int], reverse: bool, max_priority: int = MAX_NODE_SCORE
                            ) -> dict[str, int]:
    """helper.DefaultNormalizeScore: scale to 0..100 by the highest score; `reverse` flips it (100 - s)."""
    max_count = max(scores.values(), default=0)
    if max_count == 0:
        return {n: max_priority for n in scores} if reverse else dict(scores)
    out = {}
    for node, s in scores.items():
        s = max_priority * s // max_count
        out[node] = max_priority - s if reverse else s
    return out


def _less(h: list[tuple[str, int]], i: int, j: int) -> bool:
    return h[i][1] > h[j][1]


def _down(h: list[tuple[str, int]], i0: int, n: int) -> None:
    """container/heap's down(), step for step, so ties leave the heap in Go's order."""
    i = i0
    while True:
        j1 = 2 * i + 1
        if j1 >= n:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and _less(h, j2, j1):
            j = j2
        if not _less(h, j, i):
            break
        h[i], h[j] = h[j], h[i]
        i = j


def _heap_pop(h: list[tuple[str, int]]) -> tuple[str, int]:
    n = len(h) - 1
    h[0], h[n] = h[n], h[0]
    _down(h, 0, n)
    return h.pop()


def select_host(node_scores: list[tuple[str, int]], count: int, rnd: Randomness) -> tuple[str, list[str], int]:
    """selectHost: a max-heap on TotalScore, reservoir sampling among the top scores (`rand.Intn(k) == 0`).

    Returns the host, the nodes that share the top score in the order the heap yielded them, and how many
    times the sampler drew. Go draws from math/rand; we draw from the cluster's seeded source.
    """
    h = list(node_scores)
    for i in range(len(h) // 2 - 1, -1, -1):
        _down(h, i, len(h))
    cnt_of_max_score, selected_index = 1, 0
    top = [_heap_pop(h)]
    while h:
        ns = _heap_pop(h)
        if ns[1] != top[0][1] and len(top) >= count:
            break
        if ns[1] == top[0][1]:
            cnt_of_max_score += 1
            if rnd.intn(cnt_of_max_score) == 0:
                selected_index = cnt_of_max_score - 1
        top.append(ns)
    tied = [name for name, score in top if score == top[0][1]]
    return top[selected_index][0], tied, cnt_of_max_score - 1


@dataclass
class PluginScore:
    """One plugin's score for one node: raw, after NormalizeScore, the weight, and the arithmetic."""

    raw: int
    normalized: int
    weight: int
    explain: str = ""

    @property
    def weighted(self) -> int:
        return self.normalized * self.weight


@dataclass
class Decision:
    """One scheduling attempt of one pod, per node and per plugin, for `viz.scheduler_table` and lessons.

    `filters[node][plugin]` holds the plugins that ran on that node, in order; Filter stops at the first
    failure, so later plugins are absent. `scores` exists only when two or more nodes were feasible.
    """

    pod: str
    time: float
    attempt: int
    cycle: int
    filter_plugins: list[str] = field(default_factory=list)
    score_weights: dict[str, int] = field(default_factory=dict)
    num_all_nodes: int = 0
    num_feasible_nodes_to_find: int = 0
    start_index: int = 0
    prefilter: dict[str, Status] = field(default_factory=dict)
    skipped_filter_plugins: list[str] = field(default_factory=list)
    filters: dict[str, dict[str, Status]] = field(default_factory=dict)
    feasible: list[str] = field(default_factory=list)
    skipped_score_plugins: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, PluginScore]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    winner: str = ""
    tied: list[str] = field(default_factory=list)
    tie_break: str = ""
    message: str = ""
    outcome: str = ""          # "bound", "Unschedulable", "SchedulerError"

    @property
    def feasible_count(self) -> int:
        return len(self.feasible)

    @property
    def visited(self) -> list[str]:
        """The nodes Filter looked at, in the round-robin order it visited them."""
        return list(self.filters)

    def filter_result(self, node: str) -> Status:
        """The node's overall Filter verdict: its first failing plugin's status, or success."""
        for status in self.filters.get(node, {}).values():
            if not status.is_success():
                return status
        return Status()
