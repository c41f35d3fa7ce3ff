"""`make bench-scaling` section 1: the quick matrix with `--jobs 1` against `--jobs auto`.

`chaos-sae-bench run --profile quick` (every system × core SAE) is run in fresh subprocesses
timed end to end (imports and worker start-up included), the two alternated; their records are
compared key by key, and the cores' worth of CPU the run could get just before is measured with
CPU-bound spinners. Part of tests/benchmarks/scaling.py; it changes no results.
"""

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def matrix_run(out: Path, jobs: str, threads: int) -> tuple[float, float, dict[str, dict]]:
    """(wall s, CPU s of the run and its workers, records by key) of one quick matrix run."""
    cmd = [sys.executable, "-m", "bench", "run", "--profile", "quick", "--out", str(out)]
    cmd += ["--threads", str(threads), "--jobs", jobs]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    lines = (out / "runs.jsonl").read_text().splitlines()
    return wall, cpu, {r["key"]: r for r in map(json.loads, lines)}


SPIN = "x = 0\nfor i in range(15_000_000):\n    x += i"  # pure-Python CPU work, ~1.5 s


def free_cores(n: int) -> float:
    """Cores' worth of CPU this run can get now: n × (one spinner's wall) / (wall of n
    spinners at once). n on an idle machine; about 1 when other work holds the rest."""

    def spin(k: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(k)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    return n * spin(1) / spin(n)


def matrix_section(repeats: int, threads: int) -> list[str]:
    from bench.run.pool import resolve_jobs

    auto = resolve_jobs("auto", threads, "cpu")
    capacity = free_cores(auto)
    walls: dict[str, list[float]] = {"1": [], "auto": []}
    cpus: dict[str, list[float]] = {"1": [], "auto": []}
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):  # alternated, so a change in the machine's load hits both
            for jobs in ("1", "auto") if i % 2 == 0 else ("auto", "1"):
                wall, cpu, runs[jobs] = matrix_run(Path(tmp) / f"{jobs}-{i}", jobs, threads)
                walls[jobs].append(wall)
                cpus[jobs].append(cpu)
                print(f"  --jobs {jobs}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    one, many = runs["1"], runs["auto"]

    def same(a: dict, b: dict) -> bool:
        keep = [k for k in a if k not in ("wall_s", "finished_at")]
        return json.dumps([a[k] for k in keep]) == json.dumps([b.get(k) for k in keep])

    identical = one.keys() == many.keys() and all(same(one[k], many[k]) for k in one)
    cell_s = sum(r["wall_s"] or 0 for r in one.values())
    one_s, auto_s = statistics.median(walls["1"]), statistics.median(walls["auto"])

    def listed(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in values)

    return [
        "## 1. The quick matrix: `--jobs 1` against `--jobs auto`",
        "",
        f"`chaos-sae-bench run --profile quick --threads {threads}`: {len(one)} cells, "
        f"each run a fresh process timed end to end (sae-lens import and worker start-up "
        f"included; {cell_s:.1f} s of cell time in a `--jobs 1` run), {repeats} runs of each, "
        f"alternated; medians.",
        "",
        "| run | wall s (median) | wall s, each run | ratio to --jobs 1 | CPU s (median) |",
        "|---|---|---|---|---|",
        f"| `--jobs 1` | {one_s:.1f} | {listed(walls['1'])} | 1.00 | "
        f"{statistics.median(cpus['1']):.1f} |",
        f"| `--jobs auto` ({auto} worker processes) | {auto_s:.1f} | {listed(walls['auto'])} | "
        f"{auto_s / one_s:.2f} | {statistics.median(cpus['auto']):.1f} |",
        "",
        "CPU s: user + system time of the run and its workers. The extra CPU with workers is "
        "each worker's own imports (torch, sae-lens: ~8 s each) and whatever a system builds "
        "per process (e.g. superposition's feature dictionary); the parent's planning runs "
        "before any worker starts. These fixed costs weigh on a matrix this small and vanish "
        "in a long one. The wall-time ratio can reach 1 / workers only with that many free "
        f"cores: just before these runs, {auto} CPU-bound processes together got "
        f"{capacity:.2f} cores' worth of CPU ({auto:.2f} on an idle machine).",
        "",
        f"Records identical key by key (metrics bit for bit; wall_s and finished_at aside): "
        f"**{'yes' if identical else 'NO'}**.",
    ]
