"""`make bench-systems`: our generators against dysts at matched accuracy, in one run.

Like for like: both integrate from the same on-attractor starts (settled by ours, outside the
timers), no transient on either side, the same number of observed samples, on one thread.
Each case is timed in two shapes: batched (100 trajectories of samples / 100 steps: ours
vectorised over them, dysts one integration per trajectory, its own loop) and one long
trajectory, at 10k and 100k samples. A sample is one observed state (Lorenz-96: 40 numbers
every 0.05 time units; Mackey-Glass: x every 1 time unit).

Accuracy: Lorenz-96 runs dysts' DOP853 at rtol = atol = 1e-6 (the loosest that keeps the
attractor's statistics: same mean and std as ours and as 1e-12) and at 1e-12 (dysts'
default); the table gives each method's error after 1 time unit against a DOP853 reference at
1e-13 on 10 starts, so "matched accuracy" is measured, not assumed. Mackey-Glass runs dysts'
only path (its `ddeint`: scipy's vode at default tolerances, the delayed value interpolated
linearly, continued from our history buffer); its accuracy shows in the long-run mean and std
against the references (0.93, 0.23). Prints the table and writes it to
results/benchmarks/systems.md. Without dysts it times ours alone and says so.
"""

import argparse
import os
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from timing import pin_threads, timed  # this folder: run as a script, it is on the path

from bench.errors import BenchError
from systems.dysts_bridge import import_flows
from systems.lorenz96 import Lorenz96
from systems.mackey_glass import MackeyGlass

THREADS = pin_threads()  # single-threaded, like for like
BATCH = 100
L96_RTOLS = (1e-6, 1e-12)
Make = Callable[[], np.ndarray]  # produces (n, steps, D) or (steps, D) observations


def quiet(make: Make) -> Make:
    def run() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return make()

    return run


# --- Lorenz-96 ---


def l96_dysts(system: Lorenz96, starts: np.ndarray, steps: int, rtol: float) -> Make:
    """dysts' Lorenz96 from starts (n, 40): n DOP853 integrations, `steps` samples each."""
    model = import_flows().Lorenz96(parameters={"f": system.forcing})
    model.dt = system.obs_dt  # sampling interval (and DOP853's first step)
    return quiet(
        lambda: model.make_trajectory(
            steps, init_cond=starts, resample=False, method="DOP853", rtol=rtol, atol=rtol
        )
    )


def l96_rhs(system: Lorenz96) -> Callable:
    def rhs(_, x):
        return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + system.forcing

    return rhs


def l96_errors(system: Lorenz96, have_dysts: bool) -> dict[str, float]:
    """Max |error| after 1 time unit on 10 starts, against DOP853 at rtol = atol = 1e-13."""
    starts = system.settle(10, np.random.default_rng(1))
    steps = round(1.0 / system.obs_dt)
    ref = np.stack(
        [
            solve_ivp(l96_rhs(system), (0, 1.0), s, method="DOP853", rtol=1e-13, atol=1e-13).y[
                :, -1
            ]
            for s in starts
        ]
    )
    ours = system.run(starts, steps)[0][:, -1]
    errors = {"ours": float(np.abs(ours - ref).max())}
    if have_dysts:
        for rtol in L96_RTOLS:
            # steps + 1 samples: the first is the start itself, the last is t = 1
            out = l96_dysts(system, starts, steps + 1, rtol)()[:, -1]
            errors[f"dysts rtol={rtol:g}"] = float(np.abs(out - ref).max())
    return errors


# --- Mackey-Glass ---


def mg_dysts(system: MackeyGlass, starts: np.ndarray, steps: int) -> Make:
    """dysts' MackeyGlass continued from each of our history buffers (n, m + 2), one call per
    trajectory (its delay integrator takes one initial condition)."""
    keys = ("beta", "gamma", "n", "tau")
    model = import_flows().MackeyGlass(parameters={k: getattr(system, k) for k in keys})
    model.dt = system.obs_dt
    grid = -system.h * np.arange(starts.shape[1])[::-1]  # buffer times, oldest first, last 0

    def one(buffer: np.ndarray) -> np.ndarray:
        def history(t: float) -> float:  # a scalar, like dysts' default history
            return float(np.interp(t, grid, buffer))

        return model.make_trajectory(
            steps,
            init_cond=buffer[-1:],
            resample=False,
            embedding_dim=1,
            history_function=history,
        )

    return quiet(lambda: np.stack([one(b) for b in starts]))


# --- the comparison ---


def cases(have_dysts: bool, samples_list: list[int]):
    """(system name, samples, shape, [(generator label, make)]) for every comparison."""
    l96, mg = Lorenz96(), MackeyGlass()
    for system in (l96, mg):
        for samples in samples_list:
            for n in (BATCH, 1):
                steps = samples // n
                starts = system.settle(n, np.random.default_rng(0))
                shape = f"{n} × {steps}" if n > 1 else f"1 × {steps}"
                rows = [
                    ("ours (RK4, vectorised)", lambda s=system, x=starts, k=steps: s.run(x, k)[0])
                ]
                if have_dysts and system is l96:
                    rows += [
                        (f"dysts DOP853 rtol={r:g}", l96_dysts(system, starts, steps, r))
                        for r in L96_RTOLS
                    ]
                elif have_dysts:
                    rows.append(("dysts ddeint (vode)", mg_dysts(system, starts, steps)))
                yield system.name, samples, shape, rows


def run(samples_list: list[int], repeats: int, dysts_repeats: int, out: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import_flows()
        have_dysts = f"dysts {version('dysts')}"
    except BenchError as exc:
        have_dysts = ""
        print(f"dysts missing: timing ours alone ({exc})")
    load = os.getloadavg()
    started = time.perf_counter()
    table = [
        "| system | samples | trajectories × steps | generator | median s | dysts / ours | "
        "mean | std |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, samples, shape, rows in cases(bool(have_dysts), samples_list):
        ours_s = None
        for label, make in rows:
            med, obs = timed(make, repeats if label.startswith("ours") else dysts_repeats)
            ours_s = ours_s or med
            ratio = "1.0" if label.startswith("ours") else f"{med / ours_s:.1f}×"
            line = (
                f"| {name} | {samples // 1000}k | {shape} | {label} | {med:.3f} | {ratio} | "
                f"{np.mean(obs):.4f} | {np.std(obs):.4f} |"
            )
            table.append(line)
            print(line, flush=True)
    errors = l96_errors(Lorenz96(), bool(have_dysts))
    accuracy = [
        "Lorenz-96 accuracy: max |error| after 1 time unit from 10 on-attractor starts against "
        "DOP853 at rtol = atol = 1e-13: "
        + "; ".join(f"{label} {err:.1e}" for label, err in errors.items())
        + ". Mackey-Glass references: mean 0.93, std 0.23 (long run)."
    ]
    print(accuracy[0])
    end_load = os.getloadavg()
    header = [
        "# Generators against dysts, at matched accuracy",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-systems` "
        f"(`python tests/benchmarks/systems_benchmark.py`) in "
        f"{time.perf_counter() - started:.0f} s: "
        f"numpy {np.__version__}, {have_dysts or 'no dysts'}, OMP/OPENBLAS/MKL threads "
        f"{THREADS}; medians of {repeats} (ours) and {dysts_repeats} (dysts). Load average "
        f"(1, 5, 15 min) at the start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at the end "
        f"{end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f} (a shared machine: read the "
        f"ratios, which come from one run).",
        "",
        "Both sides integrate from the same on-attractor starts (no transient on either side). "
        "Batched: 100 trajectories (ours vectorised over them; dysts integrates them one by "
        "one, as its `make_trajectory` does). dysts / ours > 1: ours is faster.",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join([*header, *table, "", *accuracy, ""]))
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5, help="repeats of ours")
    parser.add_argument("--dysts-repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/systems.md"))
    args = parser.parse_args(argv)
    run(args.samples, args.repeats, args.dysts_repeats, args.out)


if __name__ == "__main__":
    main()
