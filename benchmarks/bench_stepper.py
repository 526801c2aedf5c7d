"""Median time of one Stepper Step click, drawing included, over the default lesson.

The lesson: `Cluster()`, `kubectl create -f data/deployment.yaml`, then Step clicks until the cluster is settled;
repeated `--repeat` times on fresh clusters. A click is timed from `step_button.click()` to its return, so it
includes the undo snapshot, the unit of work, the ownership graph, `dot` and the records view.

    .venv/bin/python benchmarks/bench_stepper.py [--repeat 5]

Run from the repository root (the manifest path is relative to it).
"""

from __future__ import annotations

import argparse
import statistics
import time

from kubeteach.cluster import Cluster
from kubeteach.widgets import Stepper

TARGET_MS = 100.0


def lesson_clicks() -> list[float]:
    """Seconds per Step click of one lesson, up to and including the click that finds the cluster settled."""
    c = Cluster()
    c.kubectl("create -f data/deployment.yaml")
    stepper = Stepper(c)
    times = []
    while True:
        start = time.perf_counter()
        stepper.step_button.click()
        times.append(time.perf_counter() - start)
        if stepper.status.value.startswith("— settled"):
            return times


def main() -> None:
    """Run the lesson `--repeat` times and print the median click time (and a few more figures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="lessons to run (default 5)")
    args = parser.parse_args()
    clicks: list[float] = []
    for _ in range(args.repeat):
        clicks += lesson_clicks()
    ms = sorted(t * 1000 for t in clicks)
    median = statistics.median(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    print(f"Stepper Step click over the default lesson: {len(ms)} clicks in {args.repeat} lessons")
    print(f"median {median:.1f} ms, p90 {p90:.1f} ms, max {ms[-1]:.1f} ms "
          f"(target: median <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
