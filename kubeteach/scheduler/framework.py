"""The scheduling framework's vocabulary (pkg/scheduler/framework): statuses, FitError, the score helpers,
the Plugin interface and CycleState, numFeasibleNodesToFind, selectHost, and the Decision table every
scheduling attempt leaves behind. The plugins themselves live in `plugins/`, one module per Go plugin package.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..trace import phrase

if TYPE_CHECKING:
    from ..objects import Randomness
    from .cache import NodeInfo

#: a score's explanation: the sentence, or `(function, *args)` that writes it on demand
Explain = str | tuple[Callable[..., str], Any]

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
    """A plugin's verdict: a code, the reasons users see, the plugin, and details only the trace shows."""

    code: str = SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""
    #: the facts behind a rejection (e.g. which taint was untolerated): traced, never put in the pod's status; each
    #: a dict whose `why` names its sentence (`filter:<why>`, see `explain`)
    detail: tuple[dict[str, Any], ...] = field(default=(), hash=False)

    def is_success(self) -> bool:
        """Success (or Skip, which the framework treats as success)."""
        return self.code in (SUCCESS, SKIP)

    def is_rejected(self) -> bool:
        """Unschedulable or UnschedulableAndUnresolvable."""
        return self.code in (UNSCHEDULABLE, UNRESOLVABLE)

    def message(self) -> str:
        """Status.Message: the reasons joined with ", "."""
        return ", ".join(self.reasons)

    def explain(self, lang: str = "en") -> str:
        """The details as a sentence (`cpu 3000m requested > 1900m free`), from the `filter:<why>` templates."""
        return "; ".join(phrase(f"filter:{d['why']}", d, lang) for d in self.detail)

    def describe(self) -> str:
        """One cell of the decision table: `pass`, `skip`, or the reasons."""
        if self.code == SUCCESS:
            return "pass"
        if self.code == SKIP:
            return "skip"
        return self.message() or self.code


#: the success every passing Filter returns: Status is frozen, so one shared instance serves every node
PASS = Status()


@dataclass
class Diagnosis:
    """framework.Diagnosis: each rejected node's status, the plugins that rejected, PreFilter's and PostFilter's
    messages (pending plugins are not modelled; the nomination preemption makes travels in ScheduleResult)."""

    node_to_status: dict[str, Status] = field(default_factory=dict)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""


@dataclass(eq=False)
class FitError(Exception):
    """framework.FitError: why no node fits, as the FailedScheduling event and PodScheduled condition say it."""

    num_all_nodes: int
    diagnosis: Diagnosis

    def histogram(self) -> list[str]:
        """`"<count> <reason>"` entries, sorted as strings (sort.Strings: "10 x" before "2 y")."""
        counts: dict[str, int] = {}
        for status in self.diagnosis.node_to_status.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return sorted(f"{n} {reason}" for reason, n in counts.items())

    def error(self) -> str:
        """FitError.Error(): `0/N nodes are available: <reasons>. <postfilter message>` (the PostFilter plugins'
        reasons joined with ", "; DefaultPreemption's ends in its inner FitError's period)."""
        msg = f"0/{self.num_all_nodes} nodes are available:"
        if self.diagnosis.pre_filter_msg:
            msg += f" {self.diagnosis.pre_filter_msg}."
        else:
            histogram = self.histogram()
            if histogram:
                msg += f" {', '.join(histogram)}."
        if self.diagnosis.post_filter_msg:
            msg += f" {self.diagnosis.post_filter_msg}"     # no period of its own (PR #117588)
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


# --- plugins (framework/interface.go, cycle_state.go) -------------------------------------------------------------


@dataclass
class CycleState:
    """framework.CycleState: what PreFilter and PreScore computed once for this pod and this cycle."""

    pod: dict
    values: dict[str, Any] = field(default_factory=dict)


class Plugin:
    """A plugin; a missing extension point returns None (pre_filter) or is simply not listed."""

    name = ""
    weight = 0

    def pre_filter(self, state: CycleState, pod: dict) -> Status | None:
        return None

    def filter(self, state: CycleState, pod: dict, ni: NodeInfo) -> Status:
        return PASS

    def filter_rejects(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> dict[int, Status]:
        """Filter over many nodes: {index: status} for every status that is not the plain PASS."""
        return {k: status for k, ni in enumerate(nodes) if (status := self.filter(state, pod, ni)) is not PASS}

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        return Status()

    def score(self, state: CycleState, pod: dict, ni: NodeInfo) -> tuple[int, Explain]:
        return 0, ""

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores

    def score_all(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> tuple[list[int], Sequence[Explain]]:
        """Score every feasible node: the raw scores and their explanations, in `nodes` order."""
        raw, explain = [], []
        for ni in nodes:
            score, why = self.score(state, pod, ni)
            raw.append(score)
            explain.append(why)
        return raw, explain

    def normalize_list(self, names: list[str], raw: list[int]) -> list[int]:
        """NormalizeScore over the scores in node order (what `normalize` does to a dict)."""
        if type(self).normalize is Plugin.normalize:
            return raw
        by_node = self.normalize(dict(zip(names, raw)))
        return [by_node[n] for n in names]

    def fail(self, code: str, reason: str, **detail: Any) -> Status:
        """A rejection with one reason; `detail` (with `why`) are the facts the trace shows."""
        return Status(code, (reason,), self.name, (detail,) if detail else ())


class ExplainRows(Sequence):
    """Explanations for a column of nodes, written on demand from each node's `(score, *numbers)` row."""

    def __init__(self, fn: Callable[..., str], rows: list[tuple]):
        self.fn, self.rows = fn, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Explain:   # type: ignore[override]
        return (self.fn, *self.rows[i][1:])


class ExplainColumn(Sequence):
    """Explanations for a column of nodes, written on demand from the numbers kept per node."""

    def __init__(self, fn: Callable[..., str], columns: tuple[list[int], ...]):
        self.fn, self.columns = fn, columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, i: int) -> Explain:   # type: ignore[override]
        return (self.fn, *(c[i] for c in self.columns))


def _pop_order(scores: list[int], top_needed: int) -> tuple[list[int], int]:
    """The indices heap.Pop yields, for as many pops as selectHost makes, and how many share the top score.

    container/heap's Init and Pop, step for step (so ties come out in Go's order), with Less = higher score, on
    indices into a plain list of scores (a 1000-node cluster pops hundreds of tied nodes per pod)."""
    h = list(range(len(scores)))         # the heap holds indices; Less(i, j) is scores[h[i]] > scores[h[j]]
    n = len(h)

    def down(i: int, n: int) -> None:
        hi = h[i]
        s_i = scores[hi]
        while True:
            j = 2 * i + 1
            if j >= n:
                break
            j2 = j + 1
            sj = scores[h[j]]
            if j2 < n:
                sj2 = scores[h[j2]]
                if sj2 > sj:
                    j, sj = j2, sj2
            if not sj > s_i:
                break
            h[i] = h[j]
            i = j
        h[i] = hi

    for i in range(n // 2 - 1, -1, -1):
        down(i, n)
    order: list[int] = []
    best = scores[h[0]]
    tied = 0
    while n:
        n -= 1
        h[0], h[n] = h[n], h[0]
        down(0, n)
        idx = h.pop()
        if scores[idx] != best and len(order) >= top_needed:
            break
        order.append(idx)
        tied += scores[idx] == best
    return order, tied


def select_host(node_scores: list[tuple[str, int]], count: int, rnd: Randomness) -> tuple[str, list[str], int]:
    """selectHost: a max-heap on TotalScore, reservoir sampling among the top scores (`rand.Intn(k) == 0`).

    Returns the host, the nodes that share the top score in the order the heap yielded them, and how many
    times the sampler drew. Go draws from math/rand; we draw from the cluster's seeded source.
    """
    return select_host_of([name for name, _ in node_scores], [score for _, score in node_scores], count, rnd)


def select_host_of(names: list[str], scores: Sequence[int], count: int, rnd: Randomness
                   ) -> tuple[str, list[str], int]:
    """select_host over the node names and their total scores, in two aligned lists."""
    order, cnt_of_max_score = _pop_order(scores, count)
    selected_index = rnd.reservoir(cnt_of_max_score)
    return names[order[selected_index]], [names[i] for i in order[:cnt_of_max_score]], cnt_of_max_score - 1


class Totals(Mapping):
    """Node -> total score, kept as the node names (shared with `Decision.feasible`) and an int array: a
    1000-node cluster keeps hundreds of totals per pod, in the decision and in the trace record."""

    def __init__(self, names: list[str], totals: list[int]):
        self.names, self.scores = names, array("q", totals)
        self._index: dict[str, int] | None = None

    def __getitem__(self, node: str) -> int:
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self.names)}
        return self.scores[self._index[node]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def items(self) -> Iterator[tuple[str, int]]:  # type: ignore[override]
        return zip(self.names, self.scores)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class PluginScore:
    """One plugin's score for one node: raw, after NormalizeScore, the weight, and the arithmetic.

    `explain` may be given as `(function, *args)`: the sentence is then written only when someone reads it (a
    1000-node cluster scores hundreds of nodes per pod, and nobody reads most of those sentences).
    """

    __slots__ = ("raw", "normalized", "weight", "_explain")

    def __init__(self, raw: int, normalized: int, weight: int, explain: Explain = ""):
        self.raw, self.normalized, self.weight, self._explain = raw, normalized, weight, explain

    @property
    def weighted(self) -> int:
        return self.normalized * self.weight

    @property
    def explain(self) -> str:
        e = self._explain
        if not isinstance(e, str):
            e = self._explain = e[0](*e[1:])
        return e

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PluginScore):
            return NotImplemented
        return (self.raw, self.normalized, self.weight, self.explain) == \
            (other.raw, other.normalized, other.weight, other.explain)

    def __repr__(self) -> str:
        return (f"PluginScore(raw={self.raw!r}, normalized={self.normalized!r}, weight={self.weight!r}, "
                f"explain={self.explain!r})")


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
    rejected: dict[str, Status] = field(default_factory=dict)    # nodes Filter rejected, in visiting order
    feasible: list[str] = field(default_factory=list)
    skipped_score_plugins: list[str] = field(default_factory=list)
    #: per active score plugin: (name, weight, raw scores, normalized scores, explanations), aligned with `feasible`
    score_columns: list[tuple[str, int, list[int], list[int], Sequence[Explain]]] = field(default_factory=list)
    totals: Mapping[str, int] = field(default_factory=dict)
    winner: str = ""
    tied: list[str] = field(default_factory=list)
    tie_break: dict[str, Any] = field(default_factory=dict)    # how the host was picked, as facts (`how`: ...)
    message: str = ""
    outcome: str = ""          # "bound", "Unschedulable", "SchedulerError"
    compacted: bool = False    # the per-node tables were dropped to bound memory (see Scheduler.keep_tables)
    visited_before_compaction: int = 0
    _scores: dict[str, dict[str, PluginScore]] | None = field(default=None, repr=False, compare=False)

    @property
    def feasible_count(self) -> int:
        return len(self.feasible)

    @property
    def scores(self) -> dict[str, dict[str, PluginScore]]:
        """`scores[node][plugin]`: the score table, built from the columns when first read."""
        if self._scores is None:
            self._scores = {n: {} for n in self.feasible} if self.score_columns else {}
            for name, weight, raw, normalized, explain in self.score_columns:
                for i, node in enumerate(self.feasible):
                    self._scores[node][name] = PluginScore(raw[i], normalized[i], weight, explain[i])
        return self._scores

    def compact(self) -> None:
        """Drop the per-node tables (filters, scores); the outcome, totals, winner and visited count stay."""
        self.visited_before_compaction = len(self.filters)
        self.filters, self.rejected, self.score_columns, self._scores, self.compacted = {}, {}, [], None, True

    @property
    def visited(self) -> list[str]:
        """The nodes Filter looked at, in the round-robin order it visited them."""
        return list(self.filters)
