"""`make bench-scaling`: how the benchmark's cost grows, measured side by side in one run.

Six sections, printed and written to results/benchmarks/scaling.md:
1. the quick matrix with `--jobs 1` against `--jobs auto` (jobs_matrix.py);
2. one cell's time against n_train, d_sae and the window length (logistic map, `topk` SAE,
   the quick profile otherwise), with the fitted log-log slope of each: the whole cell (data
   cached, as for every cell after the first of a system and seed) and its training alone.
   TopK keeps L0 = k at every width; an SAE whose L0 grows with d_sae would measure the OMP
   of the amortisation gap instead, whose cost grows steeply with L0;
3. sae-lens' training step (`SAETrainer`, as `bench.train` runs it) against a bare torch step
   (bare_step.py) with the same shapes, initial weights, loss (sae-lens `standard`: summed
   MSE + decoder-norm weighted L1), gradient clipping and Adam, at the default profile's
   batch: the harness's overhead over the floor;
4. where the time of a cell goes at the default profile: data, training, calibration, each
   metric family (cell_costs.py);
5. training throughput in GFLOP/s of the step's matmuls against a measured one-core
   `torch.matmul` peak (cell_costs.py, from the trainings of sections 4 and 6);
6. lockstep training of 4 same-shape SAEs against one at a time: sae-lens' `MultiSAETrainer`,
   and stacked bare steps (`torch.func.stack_module_state` + vmap, batched matmuls)
   (lockstep.py).
Torch and BLAS run on CHAOS_BENCH_THREADS threads (default 1, as the matrix runs cells; the
counts in force are measured and stated); times are medians of `--repeats`; ratios come from
one run. The machine's load average is stated at the start and at each section, since a shared
machine's other work inflates every time. `--smoke` runs sections 2–6 at tiny sizes and writes
nothing (a check that the script runs, not a measurement). This module changes no results.
"""

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from timing import load_average, pin_threads, thread_counts, timed  # this folder: on the path

THREADS = pin_threads()  # before torch is imported (inside the functions below)
SWEEPS = {  # factor: values (the quick profile's other settings stay)
    "n_train": [500, 1000, 2000, 4000],
    "d_sae": [128, 512, 2048],
    "window": [98, 196, 392, 784],
}
SYSTEM, SWEEP_SAE, SAE = "logistic", "topk", "l1"  # sweeps: TopK (L0 = k); step: l1


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y against log x: cost ∝ x^slope."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


# --- 2. one cell against n_train, d_sae, window ---


def sweep_section(repeats: int, sweeps: dict[str, list[int]]) -> list[str]:
    import torch

    from bench.config import profile
    from bench.data import make_dataset
    from bench.registry import get_sae, get_system
    from bench.run.cell import plan
    from bench.run.runner import run_cell
    from bench.train import fit

    base, _ = profile("quick")
    lines = [
        "## 2. One cell against n_train, d_sae and the window",
        "",
        f"`{SYSTEM}` windows, `{SWEEP_SAE}` SAE (k = {base.k}), the quick profile otherwise "
        f"({base.epochs} epochs, "
        f"batch {base.batch_size}, n_test {base.n_test}; d_sae {base.d_sae}, n_train "
        f"{base.n_train} and the default window 784 where not varied). cell = `run_cell` with "
        f"the data already built; train = `bench.train.fit` alone; data = building the "
        f"windows once. Medians of {repeats}.",
        "",
    ]
    slopes = []
    for factor, values in sweeps.items():
        rows, cells, trains = [], [], []
        for value in values:
            [cell] = plan([SYSTEM], [SWEEP_SAE], 1, config=base, assignments=[f"{factor}={value}"])
            system = get_system(SYSTEM)(**cell.system_params)
            start = time.perf_counter()
            data = make_dataset(system, cell.config, cell.seed)
            data_s = time.perf_counter() - start
            cell_s, record = timed(lambda c=cell: run_cell(c, "cpu", THREADS), repeats)
            assert record["status"] == "ok", record["error"]
            variant = get_sae(SWEEP_SAE)(**cell.sae_params)
            train_s, _ = timed(
                lambda v=variant, c=cell, d=data: fit(v, d.train, c.config, "cpu", 0), repeats
            )
            torch.set_num_threads(THREADS)
            cells.append(cell_s)
            trains.append(train_s)
            rows.append(f"| {value} | {cell_s:.3f} | {train_s:.3f} | {data_s:.3f} |")
            print(f"  {factor}={value}: cell {cell_s:.3f} s, train {train_s:.3f} s", flush=True)
        s_cell, s_train = slope(values, cells), slope(values, trains)
        slopes.append(f"| {factor} | {values[0]} → {values[-1]} | {s_cell:.2f} | {s_train:.2f} |")
        lines += [
            f"### {factor}",
            "",
            f"| {factor} | cell s | train s | data s |",
            "|---|---|---|---|",
        ]
        lines += [*rows, "", f"log-log slope: cell {s_cell:.2f}, train {s_train:.2f}.", ""]
    return lines + [
        "### Slopes (cost ∝ factor^slope)",
        "",
        "| factor | range | cell | train |",
        "|---|---|---|---|",
        *slopes,
    ]


# --- 3. sae-lens' training step against a bare torch step ---


def step_section(steps: int, repeats: int, *, batch: int, d_in: int = 784, d_sae: int = 128):
    import torch
    from bare_step import bare_train, check_same_loss, sae_params

    from bench.config import TrainConfig
    from bench.registry import get_sae
    from bench.train import train_sae

    torch.manual_seed(0)
    data = torch.randn(steps * batch, d_in)
    cfg = TrainConfig(n_train=steps * batch, epochs=1, batch_size=batch, d_sae=d_sae)
    variant = get_sae(SAE)()

    def harness() -> object:
        torch.manual_seed(0)
        return train_sae(variant.build(d_in, cfg, "cpu"), data, cfg, "cpu", 0)

    def bare() -> torch.Tensor:
        torch.manual_seed(0)
        params = sae_params(variant.build(d_in, cfg, "cpu"))  # the same initial weights
        return bare_train(params, data, batch=batch, coef=variant.l1_coefficient, lr=cfg.lr)

    check_same_loss(variant, d_in, cfg, data[:batch])
    harness_s, _ = timed(harness, repeats)
    bare_s, _ = timed(bare, repeats)
    per = lambda s: 1e3 * s / steps  # noqa: E731  ms per step
    return [
        "## 3. sae-lens' training step against a bare torch step",
        "",
        f"`{SAE}` (sae-lens `standard`), d_in {d_in}, d_sae {d_sae}, batch {batch}, {steps} "
        f"steps, Adam lr {cfg.lr}, gradient clipping at 1. sae-lens: `bench.train.train_sae` "
        f"(trainer set-up included, as in every cell). Bare: the same initial weights, loss "
        f"(checked equal on the first batch), clipping and Adam in a plain loop. Medians of "
        f"{repeats}.",
        "",
        "| step | total s | ms per step | ratio |",
        "|---|---|---|---|",
        f"| sae-lens `SAETrainer` | {harness_s:.3f} | {per(harness_s):.3f} | "
        f"{harness_s / bare_s:.2f} |",
        f"| bare torch | {bare_s:.3f} | {per(bare_s):.3f} | 1.00 |",
    ]


SMOKE = {  # --smoke: tiny sizes, every section but the matrix, to check the script runs
    "sweeps": {"n_train": [128, 256], "d_sae": [32, 64], "window": [98, 196]},
    "steps": 10,
    "cell": {"n_train": 2048, "n_test": 64, "epochs": 2, "batch_size": 64, "probe_orbits": 4},
    "lockstep_steps": 8,
    "square": 256,
}


def sections_arg(text: str) -> set[int]:
    """--only's value, "4,5,6" → {4, 5, 6}."""
    try:
        numbers = {int(n) for n in text.split(",")}
    except ValueError:
        numbers = set()
    if not numbers or not numbers <= set(range(1, 7)):
        raise argparse.ArgumentTypeError(f"expected section numbers 1–6, e.g. 4,5,6; got {text!r}")
    return numbers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=125, help="training steps in section 3")
    parser.add_argument("--lockstep-steps", type=int, default=125, help="each, section 6")
    parser.add_argument("--square", type=int, default=2048, help="square matmul, section 5")
    parser.add_argument("--profile", default="default", help="the cells' profile, section 4")
    parser.add_argument("--out", help="default results/benchmarks/scaling.md; none with --smoke")
    parser.add_argument("--matrix-repeats", type=int, default=2, help="runs of each, section 1")
    parser.add_argument("--only", type=sections_arg, default="1,2,3,4,5,6", help="e.g. 4,5,6")
    parser.add_argument("--skip-matrix", action="store_true", help="leave out section 1")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no section 1")
    args = parser.parse_args(argv)
    only = args.only - ({1} if args.skip_matrix or args.smoke else set())
    out = args.out or (None if args.smoke else "results/benchmarks/scaling.md")

    import torch
    from cell_costs import cell_section, throughput_section
    from lockstep import lockstep_section

    from bench.config import profile
    from bench.errors import BenchError
    from bench.run.runner import warm_up

    try:
        cfg = profile(args.profile)[0]
    except BenchError as error:
        parser.error(str(error))
    torch.set_num_threads(THREADS)
    warm_up()
    sweeps, steps, lockstep_steps, square = SWEEPS, args.steps, args.lockstep_steps, args.square
    if args.smoke:
        cfg = replace(cfg, **SMOKE["cell"])
        sweeps, steps, square = SMOKE["sweeps"], SMOKE["steps"], SMOKE["square"]
        lockstep_steps = SMOKE["lockstep_steps"]
    load, started, threads = load_average(), time.perf_counter(), thread_counts()
    print(f"load average {load}; threads: {threads}", flush=True)
    sections: dict[int, list[str]] = {}
    works = []

    def run(number: int, title: str, measure) -> None:
        """Section `number`'s lines from measure(), with the load average at its start."""
        print(f"{number}. {title} ...", flush=True)
        at_start = load_average()
        lines = measure()
        sections[number] = [
            lines[0],
            "",
            f"Load average at this section's start: {at_start}.",
            *lines[1:],
        ]
        print("\n".join(sections[number]), flush=True)

    if 1 in only:
        from jobs_matrix import matrix_section

        matrix = lambda: matrix_section(args.matrix_repeats, THREADS)  # noqa: E731
        run(1, "quick matrix, --jobs 1 then --jobs auto", matrix)
    if 2 in only:
        run(2, "sweeps", lambda: sweep_section(args.repeats, sweeps))
    if 3 in only:
        run(3, "training step", lambda: step_section(steps, args.repeats, batch=cfg.batch_size))
    if 4 in only:

        def cells() -> list[str]:
            lines, costs = cell_section(cfg, repeats=args.repeats)
            works.extend(c.work for c in costs if c.calibration is None)
            return lines

        run(4, "where the time of a cell goes", cells)
    if 6 in only:

        def lockstep() -> list[str]:
            lines, measured = lockstep_section(steps=lockstep_steps, repeats=args.repeats)
            works.extend(measured)
            return lines

        run(6, "lockstep", lockstep)
    if 5 in only:
        shape = {"batch": cfg.batch_size, "d_in": 800, "d_sae": cfg.d_sae, "square": square}
        run(5, "throughput", lambda: throughput_section(works, repeats=args.repeats, **shape))
    header = [
        "# Scaling: where the time goes",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-scaling` "
        f"(`python tests/benchmarks/scaling.py {' '.join(argv or sys.argv[1:])}`) in "
        f"{time.perf_counter() - started:.0f} s on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), torch {torch.__version__}; threads "
        f"in force: {threads}. Load average (1, 5, 15 min) at the start {load}, at the end "
        f"{load_average()} (this run's own work counts in it; each section states it at its "
        "start): other work inflates absolute times, so the ratios and slopes within this one "
        "run are what to read.",
        "",
    ]
    text = "\n".join(header + [line for n in sorted(sections) for line in [*sections[n], ""]])
    if out is None:
        print("--smoke: nothing written")
        return
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
