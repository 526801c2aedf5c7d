"""Scale benchmarks (issue #8, targets 3 and 4): `python benchmarks/scale.py` or `make bench`.

Target 3: `Cluster(nodes=1000)`, 100 Deployments x 100 replicas created by one `kubectl create -f`, `run()` until
all 10,000 pods are Running: at most 60 s and 2 GiB peak memory; the same with 100 nodes and 10 x 100 pods, and
the time grows at most 12x for 10x the pods. Target 4: scheduler throughput at 5,000 nodes, in pods per second
(schedule_one + bind). Each case runs in its own process, so its peak memory (ru_maxrss) is its own.

Prints a table and writes the figures into docs/benchmarks.md (the target 3 and 4 rows of the table, and the
"Cluster scale" and "Scheduler throughput" sections), with the machine and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
IMAGES = ["nginx:1.25", "httpd:2.4", "redis:7.2"]
SCALE_CASES = [(100, 10, 100), (1000, 100, 100)]        # nodes, Deployments, replicas each
SCHED_CASE = (5000, 2000)                               # nodes, pods
LIMIT_SECONDS, LIMIT_MIB, LIMIT_GROWTH = 60.0, 2048, 12.0


def manifest(deployments: int, replicas: int) -> str:
    """The benchmark's manifest: `deployments` Deployments `app-000`… of `replicas` pods (50m CPU, 64Mi)."""
    docs = []
    for i in range(deployments):
        name = f"app-{i:03d}"
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: main
        image: {IMAGES[i % len(IMAGES)]}
        resources:
          requests: {{cpu: 50m, memory: 64Mi}}
""")
    return "---\n".join(docs)


def _usage() -> tuple[float, int]:
    """CPU seconds (user + system) and peak resident memory (MiB) of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss // 1024


def scale_case(nodes: int, deployments: int, replicas: int) -> dict:
    """Build the cluster, create the manifest with one kubectl call, run until settled; the figures."""
    import kubeteach as kt
    from kubeteach.loop import ProgressBar

    t0 = time.perf_counter()
    c = kt.Cluster(nodes=nodes, seed=1)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deployments.yaml"
        path.write_text(manifest(deployments, replicas))
        cpu0, _ = _usage()
        t2 = time.perf_counter()
        created = c.kubectl(f"create -f {path}")
        c.progress = ProgressBar()
        result = c.run()
        t3 = time.perf_counter()
    cpu1, peak = _usage()
    pods = c.list("pods")
    running = sum(1 for p in pods if p["status"].get("phase") == "Running")
    return {"nodes": nodes, "pods": deployments * replicas, "deployments": deployments,
            "created": created.returncode == 0, "running": running, "settled": result.settled,
            "steps": result.steps, "virtual": round(result.time, 3), "trace": len(c.trace),
            "build_s": round(t1 - t0, 2), "run_s": round(t3 - t2, 2), "cpu_s": round(cpu1 - cpu0, 2),
            "peak_mib": peak}


def sched_case(nodes: int, pods: int) -> dict:
    """Only the scheduler runs: `pods` pending pods, timed from the first scheduleOne to the last bind."""
    import kubeteach as kt

    t0 = time.perf_counter()
    c = kt.Cluster(nodes=nodes, seed=1, components=[])
    c.start("kube-scheduler")                 # built and started now, wired as the cluster wires it
    s = c.inspect("kube-scheduler")
    admin = c.client("admin")
    for i in range(pods):
        admin.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p-{i:05d}"},
                              "spec": {"containers": [{"name": "main", "image": IMAGES[i % len(IMAGES)],
                                                       "resources": {"requests": {"cpu": "50m",
                                                                                  "memory": "64Mi"}}}]}},
                     "default")
    t1 = time.perf_counter()
    cpu0, _ = _usage()
    result = c.run()
    t2 = time.perf_counter()
    cpu1, peak = _usage()
    bound = sum(1 for d in s.decisions.values() if d[-1].outcome == "bound")
    return {"nodes": nodes, "pods": pods, "bound": bound, "steps": result.steps, "setup_s": round(t1 - t0, 2),
            "run_s": round(t2 - t1, 2), "cpu_s": round(cpu1 - cpu0, 2), "pods_per_s": round(bound / (t2 - t1), 1),
            "to_find": s.decisions[next(iter(s.decisions))][-1].num_feasible_nodes_to_find, "peak_mib": peak}


def _child(args: list[str]) -> dict:
    """Run one case in a fresh interpreter, so its peak memory is its own."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"case {args} failed:\n{out.stderr}")
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """nproc, CPU model, RAM and Python version of this machine."""
    model = "unknown CPU"
    try:
        info = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.*)", info).group(1).strip()
        mem_kib = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{mem_kib / 2**20:.0f} GiB RAM"
    except (OSError, AttributeError):
        ram = "unknown RAM"
    return f"{os.cpu_count()} CPUs ({model}), {ram}, Python {platform.python_version()}, {platform.system()}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(scale: list[dict], sched: dict) -> tuple[str, dict[str, str], str, str]:
    """The console table, the table rows for targets 3 and 4, and the two doc sections."""
    small, big = scale
    growth = big["run_s"] / small["run_s"] if small["run_s"] else float("inf")
    cpu_growth = big["cpu_s"] / small["cpu_s"] if small["cpu_s"] else float("inf")
    # the machine is shared: CPU time is the steadier measure of growth (wall time also counts the neighbours)
    ok_time = big["run_s"] <= LIMIT_SECONDS and big["peak_mib"] <= LIMIT_MIB and \
        all(c["running"] == c["pods"] for c in scale)
    ok3 = ok_time and cpu_growth <= LIMIT_GROWTH
    verdict = _verdict(ok3) if ok3 or not ok_time else "time and memory met; growth **not met**"
    rows = {
        "3": f"| 3 | Cluster scale: 1000 nodes, 10,000 pods Running | <= 60 s, <= 2 GiB, <= 12x growth | "
             f"{big['run_s']} s ({big['cpu_s']} s CPU), {big['peak_mib']} MiB, {cpu_growth:.1f}x CPU "
             f"({growth:.1f}x wall) | {verdict} |",
        "4": f"| 4 | Scheduler throughput at {sched['nodes']} nodes | pods/s (report) | {sched['pods_per_s']} pods/s "
             f"| reported |",
    }
    lines = ["| nodes | pods | Running | steps | trace records | virtual s | wall s | CPU s | peak MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in scale:
        lines.append(f"| {c['nodes']} | {c['pods']} | {c['running']} | {c['steps']} | {c['trace']} | {c['virtual']} "
                     f"| {c['run_s']} | {c['cpu_s']} | {c['peak_mib']} |")
    table = "\n".join(lines)
    scale_md = (f"Command: `make bench` (`python benchmarks/scale.py`). Machine: {machine()}.\n\n"
                f"`Cluster(nodes=N, seed=1)`, one `kubectl create -f` of D Deployments x 100 replicas (50m CPU, "
                f"64Mi; nginx, httpd and redis images in turn), then `run()` until settled. Wall and CPU time "
                f"cover the `kubectl create` and the `run()`; building the cluster is not counted "
                f"({small['build_s']} s and {big['build_s']} s). Peak memory is the process's ru_maxrss.\n\n"
                f"{table}\n\nGrowth for 10x the pods (and nodes): {growth:.1f}x wall, {cpu_growth:.1f}x CPU "
                f"(target <= {LIMIT_GROWTH:g}x). Target 3: {verdict}.\n")
    sched_md = (f"Command: `make bench`. Machine: {machine()}.\n\n"
                f"`Cluster(nodes={sched['nodes']}, components=[])` with only the scheduler running and "
                f"{sched['pods']} pending pods (50m CPU, 64Mi): {sched['pods_per_s']} pods/s "
                f"({sched['bound']} bound in {sched['run_s']} s wall, {sched['cpu_s']} s CPU; every attempt is "
                f"PreFilter, Filter over numFeasibleNodesToFind = {sched['to_find']} of {sched['nodes']} nodes, "
                f"Score, selectHost, assume and the Binding POST, with its Scheduled event). Peak memory "
                f"{sched['peak_mib']} MiB.\n")
    console = table + f"\n\ngrowth {growth:.1f}x wall, {cpu_growth:.1f}x CPU; scheduler " \
                      f"{sched['pods_per_s']} pods/s at {sched['nodes']} nodes"
    return console, rows, scale_md, sched_md


TABLE = """| # | Target | Limit | Measured | Verdict |
|---|---|---|---|---|
| 1 | Stepper click (see the Stepper section) | | | |
| 2 | Notebooks | | | |
{row3}
{row4}
"""

TEMPLATE = """# Benchmarks

Figures from the benchmark scripts, on the machine named in each section. They are benchmarks, not timed tests.

""" + TABLE + """
## Cluster scale

{scale}
## Scheduler throughput

{sched}"""


def write_doc(rows: dict[str, str], scale_md: str, sched_md: str) -> None:
    """Create docs/benchmarks.md, or replace only the rows and sections this script owns."""
    DOC.parent.mkdir(exist_ok=True)
    if not DOC.exists():
        DOC.write_text(TEMPLATE.format(row3=rows["3"], row4=rows["4"], scale=scale_md, sched=sched_md))
        return
    text = DOC.read_text()
    if "\n| # | Target |" not in text:          # the targets table goes after the title's paragraph
        head, sep, rest = text.partition("\n\n## ")
        text = head.rstrip("\n") + "\n\n" + TABLE.format(row3=rows["3"], row4=rows["4"]).rstrip("\n") + sep + rest
    for key, row in rows.items():
        text = re.sub(rf"^\| {key} \|.*$", lambda _m, r=row: r, text, count=1, flags=re.M)
    for title, body in (("Cluster scale", scale_md), ("Scheduler throughput", sched_md)):
        pattern = rf"(^## {title}\n\n)(.*?)(?=^## |\Z)"
        if re.search(pattern, text, flags=re.M | re.S):
            text = re.sub(pattern, lambda m, b=body: m.group(1) + b + "\n", text, count=1, flags=re.M | re.S)
        else:
            text = text.rstrip("\n") + f"\n\n## {title}\n\n{body}"
    DOC.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=3, type=int, metavar=("NODES", "DEPLOYMENTS", "REPLICAS"),
                        help="run one cluster-scale case in this process and print its figures as JSON")
    parser.add_argument("--sched", nargs=2, type=int, metavar=("NODES", "PODS"),
                        help="run the scheduler-throughput case in this process and print its figures as JSON")
    parser.add_argument("--no-doc", action="store_true", help="print the table only; leave docs/benchmarks.md")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(scale_case(*args.case)))
        return
    if args.sched:
        print(json.dumps(sched_case(*args.sched)))
        return
    scale = [_child(["--case", *map(str, case)]) for case in SCALE_CASES]
    sched = _child(["--sched", *map(str, SCHED_CASE)])
    console, rows, scale_md, sched_md = report(scale, sched)
    print(console)
    if not args.no_doc:
        write_doc(rows, scale_md, sched_md)
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
