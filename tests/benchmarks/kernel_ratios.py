"""`python tests/benchmarks/kernel_ratios.py`: activation-kernel speed ratios and peak memory.

A benchmark script, not a test. On a 4096×1024 fp32 tensor with 2 torch threads it times every
kernel of baselines/chaos_kernels.py and of kernel_variants.py, forward and forward+backward,
interleaved round by round (so machine noise hits all kernels alike), and prints with `rich`
the median time of each, its speed-up over eager (`chaos_eager`, or `chaos_topk_eager` for the
activation+top-k rows) and its time in units of a plain copy of the same tensor (`x.clone()`,
the memory-bound floor). It also prints the copy's median/min time as a noise gauge: well
above 1 means other processes shared the cores.

Peak memory of forward+backward: torch.profiler with profile_memory=True records every CPU
allocator allocation and free (the "[memory]" events); sorted by time, their running sum is the
memory held by the step, and its maximum is the peak above what existed before (the input x and
upstream gradient g are allocated beforehand, so not counted; the output y and dL/dx are).
It does not measure allocator caching or RSS. pytest-benchmark timings: tests/benchmarks/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator

import kernel_variants as V  # this folder: run as a script, it is on the path
import torch
from rich.console import Console
from rich.table import Table

from baselines import chaos_kernels as K

SHAPE = (4096, 1024)
THREADS = 2
K_TOP = 32
Fn = Callable[[torch.Tensor], torch.Tensor]


def _kernels() -> dict[str, tuple[str, Fn]]:
    """name → (eager reference name, kernel), for (n, m) → (n, m) kernels."""
    out: dict[str, tuple[str, Fn]] = {
        "chaos_eager": ("chaos_eager", K.chaos_eager),
        "chaos_fused": ("chaos_eager", V.chaos_fused),
        "chaos_compiled": ("chaos_eager", V.chaos_compiled),
        "best_chaos_activation": ("chaos_eager", V.best_chaos_activation()),
    }
    if K.compiled_available():
        out["torch.compile(chaos_eager)"] = ("chaos_eager", torch.compile(K.chaos_eager))
    out["chaos_topk_eager"] = ("chaos_topk_eager", lambda x: V.chaos_topk_eager(x, K_TOP))
    out["chaos_topk"] = ("chaos_topk_eager", lambda x: K.chaos_topk(x, K_TOP))
    out["chaos_topk(compiled=False)"] = (
        "chaos_topk_eager",
        lambda x: K.chaos_topk(x, K_TOP, compiled=False),
    )
    return out


def _fwd(fn: Fn, x: torch.Tensor, g: torch.Tensor) -> None:
    with torch.no_grad():
        fn(x)


def _fwd_bwd(fn: Fn, x: torch.Tensor, g: torch.Tensor) -> None:
    xr = x.detach().requires_grad_()
    fn(xr).backward(g)


def time_interleaved(calls: dict[str, Callable[[], None]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call, one call of each per round, in round-robin order."""
    for call in calls.values():
        call()  # warm-up: compile, allocator
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            t0 = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t0)
    return times


@contextlib.contextmanager
def _quiet_fd2() -> Iterator[None]:
    """Silence C-level stderr (kineto prints start/stop lines) for the profiled block."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def peak_memory_fwd_bwd(fn: Fn, x: torch.Tensor, g: torch.Tensor) -> int:
    """Peak bytes allocated by one forward+backward above the starting point (see docstring)."""
    from torch.profiler import ProfilerActivity, profile

    _fwd_bwd(fn, x, g)  # warm-up outside the profile
    with _quiet_fd2(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        _fwd_bwd(fn, x, g)
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    held = peak = 0
    for e in sorted(events, key=lambda e: e.start_ns()):
        held += e.nbytes()
        peak = max(peak, held)
    return peak


def measure(rounds: int, shape: tuple[int, int] = SHAPE) -> dict[str, dict[str, float]]:
    """Median seconds (fwd, fwd+bwd), ratios and peak MiB per kernel; 'copy' is the floor."""
    torch.set_num_threads(THREADS)
    gen = torch.Generator().manual_seed(0)
    x, g = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    kernels = _kernels()
    calls: dict[str, Callable[[], None]] = {"copy|fwd": x.clone}
    for name, (_, fn) in kernels.items():
        calls[f"{name}|fwd"] = lambda fn=fn: _fwd(fn, x, g)
        calls[f"{name}|fwd+bwd"] = lambda fn=fn: _fwd_bwd(fn, x, g)
    times = time_interleaved(calls, rounds)
    med = {k: statistics.median(v) for k, v in times.items()}
    copy = med["copy|fwd"]
    # noise: the copy's median over its best time (≈1 on an idle machine)
    noise = copy / min(times["copy|fwd"])
    rows: dict[str, dict[str, float]] = {"copy": {"fwd_s": copy, "fwd_x_copy": 1.0, "noise": noise}}
    for name, (ref, fn) in kernels.items():
        row: dict[str, float] = {}
        for p in ("fwd", "fwd+bwd"):
            row[f"{p}_s"] = med[f"{name}|{p}"]
            row[f"{p}_x_copy"] = med[f"{name}|{p}"] / copy
            row[f"{p}_speedup"] = med[f"{ref}|{p}"] / med[f"{name}|{p}"]
        row["peak_mib"] = peak_memory_fwd_bwd(fn, x, g) / 2**20
        rows[name] = row
    return rows


def _table(rows: dict[str, dict[str, float]], title: str) -> Table:
    table = Table(title=title)
    for col in ("kernel", "fwd ms", "fwd ×copy", "fwd speed-up", "f+b ms", "f+b ×copy"):
        table.add_column(col, justify="left" if col == "kernel" else "right")
    table.add_column("f+b speed-up", justify="right")
    table.add_column("f+b peak MiB", justify="right")
    for name, r in rows.items():
        if name == "chaos_topk_eager":
            table.add_section()
        cells = [f"{r['fwd_s'] * 1e3:.2f}", f"{r['fwd_x_copy']:.1f}"]
        if name == "copy":
            table.add_row(name, *cells, *[""] * 5)
            continue
        cells += [f"{r['fwd_speedup']:.2f}×", f"{r['fwd+bwd_s'] * 1e3:.2f}"]
        cells += [f"{r['fwd+bwd_x_copy']:.1f}", f"{r['fwd+bwd_speedup']:.2f}×"]
        table.add_row(name, *cells, f"{r['peak_mib']:.0f}")
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31, help="timed calls per kernel")
    parser.add_argument("--json", default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 132))
    status = K.compile_status()
    load = os.getloadavg()[0]
    rows = measure(args.rounds)
    title = (
        f"chaos kernels, {SHAPE[0]}×{SHAPE[1]} fp32, {THREADS} threads, k={K_TOP}, "
        f"median of {args.rounds} interleaved rounds"
    )
    console.print(_table(rows, title))
    console.print(
        f"speed-up = eager time / kernel time (vs chaos_eager above the line, chaos_topk_eager "
        f"below); ×copy = kernel time / x.clone() time. chaos_fused: custom Function, plain-torch "
        f"kernels; chaos_compiled: same Function, inductor kernels; peak: torch.profiler memory "
        f"events. torch {torch.__version__}, compile: {status}, load average at start {load:.2f}."
    )
    noise = rows["copy"]["noise"]
    console.print(
        f"noise: copy median / copy min = {noise:.2f}"
        + (" — the machine was busy, re-run for cleaner ratios" if noise > 1.5 else "")
    )
    for name in ("chaos_fused", "chaos_compiled"):
        r = rows[name]
        console.print(
            f"{name}: forward {r['fwd_speedup']:.2f}× eager (target ≥ 3×: "
            f"{'met' if r['fwd_speedup'] >= 3 else 'missed'}), forward+backward "
            f"{r['fwd+bwd_speedup']:.2f}× (target ≥ 2×: "
            f"{'met' if r['fwd+bwd_speedup'] >= 2 else 'missed'})"
        )
    if args.json:
        meta = {"shape": SHAPE, "threads": THREADS, "k": K_TOP, "rounds": args.rounds}
        meta |= {"compile_status": status, "torch": torch.__version__, "load_average": load}
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "kernels": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
