"""`make bench-scaling`: how the benchmark's cost grows, measured side by side in one run.

Three sections, printed and written to results/benchmarks/scaling.md:
1. the quick matrix (`chaos-sae-bench run --profile quick`, every system × core SAE) with
   `--jobs 1` against `--jobs auto`, each a fresh subprocess timed end to end (imports and
   worker start-up included), and whether their records agree key by key;
2. one cell's time against n_train, d_sae and the window length (logistic map, `topk` SAE,
   the quick profile otherwise), with the fitted log-log slope of each: the whole cell (data
   cached, as for every cell after the first of a system and seed) and its training alone.
   TopK keeps L0 = k at every width; an SAE whose L0 grows with d_sae would measure the OMP
   of the amortisation gap instead, whose cost grows steeply with L0;
3. sae-lens' training step (`SAETrainer`, as `bench.train` runs it) against a bare torch step
   with the same shapes, initial weights, loss (sae-lens `standard`: summed MSE + decoder-norm
   weighted L1), gradient clipping and Adam: the harness's overhead over the floor.
Torch and BLAS run on CHAOS_BENCH_THREADS threads (default 1, as the matrix runs cells);
times are medians of `--repeats`; ratios come from one run. The machine's load average is
stated, since a shared machine's other work inflates every time. This module changes no results.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from timing import pin_threads, timed  # this folder: run as a script, it is on the path

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


# --- 1. the quick matrix, --jobs 1 against --jobs auto ---


def matrix_run(out: Path, jobs: str) -> tuple[float, float, dict[str, dict]]:
    """(wall s, CPU s of the run and its workers, records by key) of one quick matrix run."""
    cmd = [sys.executable, "-m", "bench", "run", "--profile", "quick", "--out", str(out)]
    cmd += ["--threads", str(THREADS), "--jobs", jobs]
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


def matrix_section(repeats: int) -> list[str]:
    from bench.run.pool import resolve_jobs

    auto = resolve_jobs("auto", THREADS, "cpu")
    capacity = free_cores(auto)
    walls: dict[str, list[float]] = {"1": [], "auto": []}
    cpus: dict[str, list[float]] = {"1": [], "auto": []}
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):  # alternated, so a change in the machine's load hits both
            for jobs in ("1", "auto") if i % 2 == 0 else ("auto", "1"):
                wall, cpu, runs[jobs] = matrix_run(Path(tmp) / f"{jobs}-{i}", jobs)
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
        f"`chaos-sae-bench run --profile quick --threads {THREADS}`: {len(one)} cells, "
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


# --- 2. one cell against n_train, d_sae, window ---


def sweep_section(repeats: int) -> list[str]:
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
    for factor, values in SWEEPS.items():
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


def step_section(steps: int, repeats: int, d_in: int = 784, d_sae: int = 128, batch: int = 32):
    import torch

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
        ref = variant.build(d_in, cfg, "cpu")  # the same initial weights
        params = [
            p.detach().clone().requires_grad_()
            for p in (ref.W_enc, ref.b_enc, ref.W_dec, ref.b_dec)
        ]
        w_enc, b_enc, w_dec, b_dec = params
        opt = torch.optim.Adam(params, lr=cfg.lr, betas=(0.9, 0.999))
        coef = variant.l1_coefficient
        for x in data.split(batch):
            loss = bare_loss(x, w_enc, b_enc, w_dec, b_dec, coef)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            opt.zero_grad()
        return loss

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


def bare_loss(x, w_enc, b_enc, w_dec, b_dec, coef: float):
    """sae-lens `standard` training loss: Σ_d (x̂ − x)² averaged over the batch, plus
    coef · mean over the batch of Σ_j z_j ‖W_dec[j]‖ (z = ReLU((x − b_dec) W_enc + b_enc))."""
    import torch

    z = torch.relu((x - b_dec) @ w_enc + b_enc)  # (batch, d_sae)
    x_hat = z @ w_dec + b_dec  # (batch, d_in)
    mse = (x_hat - x).pow(2).sum(dim=-1).mean()
    return mse + (coef * (z * w_dec.norm(dim=1)).norm(p=1, dim=-1)).mean()


def check_same_loss(variant, d_in: int, cfg, x) -> None:
    """The bare loss equals sae-lens' training loss on one batch from the same weights."""
    import torch

    from baselines.sae_lens_adapter import step_input

    torch.manual_seed(0)
    sae = variant.build(d_in, cfg, "cpu")
    theirs = sae.training_forward_pass(step_input(sae, x)).loss  # l1 at variant.l1_coefficient
    ours = bare_loss(x, sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec, variant.l1_coefficient)
    assert torch.allclose(theirs, ours, rtol=1e-5), (theirs.item(), ours.item())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=500, help="training steps in section 3")
    parser.add_argument("--out", default="results/benchmarks/scaling.md")
    parser.add_argument("--matrix-repeats", type=int, default=2, help="runs of each, section 1")
    parser.add_argument("--skip-matrix", action="store_true", help="sections 2 and 3 only")
    args = parser.parse_args(argv)

    import torch

    from bench.run.runner import warm_up

    torch.set_num_threads(THREADS)
    warm_up()
    load = os.getloadavg()
    started = time.perf_counter()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; torch threads {THREADS}")
    sections = []
    if not args.skip_matrix:
        print("1. quick matrix, --jobs 1 then --jobs auto ...", flush=True)
        sections.append(matrix_section(args.matrix_repeats))
        print("\n".join(sections[-1]), flush=True)
    print("2. sweeps ...", flush=True)
    sections.append(sweep_section(args.repeats))
    print("3. training step ...", flush=True)
    sections.append(step_section(args.steps, args.repeats))
    print("\n".join(sections[-1]))
    end_load = os.getloadavg()
    header = [
        "# Scaling: where the time goes",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-scaling` "
        f"(`python tests/benchmarks/scaling.py`) in {time.perf_counter() - started:.0f} s on "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), torch "
        f"{torch.__version__} on {THREADS} thread(s). Load average (1, 5, 15 min) at the "
        f"start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at the end {end_load[0]:.2f} "
        f"{end_load[1]:.2f} {end_load[2]:.2f} (this run's own work counts in it): other work "
        f"inflates absolute times, so the ratios and slopes within this one run are what to read.",
        "",
    ]
    text = "\n".join(header + [line for s in sections for line in [*s, ""]])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
