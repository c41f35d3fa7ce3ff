"""`python -m bench.timing.systems_benchmark`: our generators against dysts, side by side, one run.

A sample here is one observed state (Lorenz-96: 40 numbers every 0.05 time units;
Mackey-Glass: x every 1 time unit), so 100k samples is 5000 (Lorenz-96) or 100k (Mackey-Glass)
time units of dynamics. Ours run through the public API in two shapes: long trajectories
(100 × 1000 steps) and SAE windows (each window from its own start, so each pays its own
transient). dysts integrates one trajectory with its defaults (Lorenz-96: DOP853 at
rtol = atol = 1e-12; Mackey-Glass: its `ddeint`). Prints median wall time over repeats, the
ratio dysts / ours and the mean/std of every output so the statistics can be compared. It does
not write files; without dysts it times ours alone and says so.
"""

import os

THREADS = os.environ.setdefault("CHAOS_BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS  # before numpy is imported: single-threaded, like for like

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from importlib.metadata import version  # noqa: E402

import numpy as np  # noqa: E402

from bench.errors import BenchError  # noqa: E402
from systems.dysts_bridge import import_flows  # noqa: E402
from systems.lorenz96 import Lorenz96  # noqa: E402
from systems.mackey_glass import MackeyGlass  # noqa: E402


def timed(make: Callable[[], np.ndarray], repeats: int) -> tuple[list[float], np.ndarray]:
    """Wall times of `repeats` calls and the last output."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = make()
        times.append(time.perf_counter() - start)
    return times, out


def ours(system, samples: int, seed: int) -> dict[str, Callable[[], np.ndarray]]:
    """Our two ways to produce `samples` observed states: long trajectories, SAE windows."""
    n_windows = -(-samples // system.window)
    return {
        f"ours, 100 trajectories × {samples // 100} steps": lambda: system.trajectories(
            100, samples // 100, np.random.default_rng(seed)
        ),
        f"ours, {n_windows} windows × {system.window} steps": lambda: system.trajectories(
            n_windows, system.window, np.random.default_rng(seed)
        ),
    }


def dysts_lorenz96(system: Lorenz96, samples: int, seed: int, rtol: float):
    flows = import_flows()
    model = flows.Lorenz96(parameters={"f": system.forcing})
    model.dt = system.obs_dt  # sampling interval (and DOP853's first step)
    start = system.settle(1, np.random.default_rng(seed))[0]  # on the attractor, D = 40
    return lambda: model.make_trajectory(
        samples, init_cond=start, resample=False, method="DOP853", rtol=rtol, atol=rtol
    )


def dysts_mackey_glass(system: MackeyGlass, samples: int, seed: int):
    flows = import_flows()
    keys = ("beta", "gamma", "n", "tau")
    model = flows.MackeyGlass(parameters={k: getattr(system, k) for k in keys})
    model.dt = system.obs_dt
    discard = round(system.transient * system.obs_dt / model.dt)  # same transient as ours
    history = np.array([system.history])

    def make() -> np.ndarray:
        out = model.make_trajectory(
            samples + discard, init_cond=history, resample=False, embedding_dim=1
        )
        return out[discard:]

    return make


def run(samples: int, repeats: int, dysts_repeats: int, rtol: float, seed: int) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import_flows()
        have_dysts = f"dysts {version('dysts')}"
    except BenchError as exc:
        have_dysts = ""
        print(f"dysts missing: timing ours alone ({exc})")
    print(
        f"threads: OMP/OPENBLAS/MKL_NUM_THREADS={THREADS}; numpy {np.__version__}; "
        f"{have_dysts or 'no dysts'}; {samples} samples; median of {repeats} "
        f"(dysts: {dysts_repeats}) repeats"
    )
    l96, mg = Lorenz96(), MackeyGlass()
    cases = [
        (f"lorenz96 D={l96.size} F={l96.forcing:g} RK4 dt={l96.dt}, obs every {l96.obs_dt}", l96),
        (f"mackey_glass tau={mg.tau:g} RK4 h={mg.h}, obs every {mg.obs_dt}", mg),
    ]
    for title, system in cases:
        rows = [
            (label, *timed(make, repeats)) for label, make in ours(system, samples, seed).items()
        ]
        if have_dysts:
            if isinstance(system, Lorenz96):
                make, label = dysts_lorenz96(system, samples, seed, rtol), f"DOP853 rtol={rtol:g}"
            else:
                make, label = dysts_mackey_glass(system, samples, seed), "ddeint"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows.append((f"dysts, 1 trajectory, {label}", *timed(make, dysts_repeats)))
        print(f"\n{title}")
        print(f"  {'generator':46s} {'median s':>9s} {'min s':>7s} {'mean':>7s} {'std':>7s}  ratio")
        reference = statistics.median(rows[-1][1]) if have_dysts else None
        for label, times, out in rows:
            med = statistics.median(times)
            ratio = f"{reference / med:6.1f}x" if reference else "   n/a"
            print(
                f"  {label:46s} {med:9.3f} {min(times):7.3f} {np.mean(out):7.4f} "
                f"{np.std(out):7.4f} {ratio}"
            )
    if have_dysts:
        print("\nratio = dysts median time / ours (higher is faster than dysts)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of ours")
    parser.add_argument("--dysts-repeats", type=int, default=3)
    parser.add_argument("--rtol", type=float, default=1e-12, help="dysts DOP853 rtol = atol")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(args.samples, args.repeats, args.dysts_repeats, args.rtol, args.seed)


if __name__ == "__main__":
    main()
