"""How windows are drawn from a system: several per settled start, a decorrelation gap apart.

A window's own random start costs a whole transient (Lorenz-96: 400 observation steps for a
21-step window; 92 % of a dataset build), so `draw` settles fewer starts and records
`System.windows_per_start` windows along each, separated by `System.decorrelation_gap`
observation steps that are integrated but not kept:

    start ─ transient ─ [window 0] ─ gap ─ [window 1] ─ gap ─ … ─ [window per − 1]

The gap is `DECORRELATION_LYAPUNOV_TIMES` = 15 Lyapunov times (Lorenz-96: 178 steps = 8.9
time units; logistic 31, Hénon 36, superposition's orbits 31 iterations): a difference between
two states grows e^15 ≈ 3·10⁶-fold over it, and the measured correlations between one
window's last observation and the next window's first (any components) are at the sampling
noise (tests/test_systems.py checks it for every system that draws several windows per
start). A system whose gap would cost as much as a fresh transient (Mackey-Glass: λ₁ Δt =
0.005, so 3000 steps against a 1000-step transient; its correlations outlast 1500 steps)
or whose λ₁ is unknown or zero keeps one window per start, as before. Windows come out
trajectory-major (start i's windows are rows i·per … i·per + per − 1). `chunked` integrates
trajectories in blocks of about `CHUNK_VALUES` observed values, which keeps numpy's
temporaries in cache (about 2× faster for Lorenz-96) and changes no number: trajectories are
integrated independently. This module does not know about splits or standardisation.
"""

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from systems.checks import _check_positive

if TYPE_CHECKING:
    from systems.base import System

DECORRELATION_LYAPUNOV_TIMES = 15.0  # gap between two windows of one trajectory
TRANSIENT_SHARE = 8  # windows per start: the transient is at most ~1/8 of what they cost
CHUNK_VALUES = 16384  # observed values integrated together: numpy's temporaries stay in cache

Integrator = Callable[[np.ndarray, int], tuple[np.ndarray, ...]]  # (state, steps) → (…, final)


def decorrelation_gap(system: "System") -> int | None:
    """Observation steps between two windows of one start; None: one window per start (λ₁
    unknown or not positive, or a gap no cheaper than a fresh start's transient)."""
    rate = system.lyapunov * system.obs_dt  # growth per observation step
    if not (np.isfinite(rate) and rate > 0):
        return None
    gap = math.ceil(DECORRELATION_LYAPUNOV_TIMES / rate)
    return gap if gap < system.transient else None


def windows_per_start(system: "System", steps: int) -> int:
    """How many `steps`-long windows one settled start gives."""
    gap = decorrelation_gap(system)
    return 1 if gap is None else math.ceil(TRANSIENT_SHARE * system.transient / (steps + gap))


def chunked(system: "System", integrate: Integrator, state: np.ndarray, steps: int):
    """`integrate(state, steps)` over blocks of trajectories, its arrays concatenated, with
    numpy's overflow / invalid warnings silenced (the finite check reports a blow-up)."""
    size = max(1, CHUNK_VALUES // system.dim)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if len(state) <= size:
            return integrate(state, steps)
        parts = [integrate(state[i : i + size], steps) for i in range(0, len(state), size)]
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))


def draw(
    system: "System", n: int, steps: int, rng: np.random.Generator, integrate: Integrator
) -> list[np.ndarray]:
    """n stretches of `steps` observation steps: what `integrate` (the system's `advance` or
    `advance_labelled`) records, each array (n, steps, ...), trajectory-major. Draws from `rng`
    exactly what `settle` draws for ⌈n / per⌉ starts."""
    _check_positive(system, n=n, steps=steps)
    per = min(n, windows_per_start(system, steps))
    state = system.settle(-(-n // per), rng)
    pieces = []
    for j in range(per):
        if j:
            state = system.skip(state, decorrelation_gap(system))
        *arrays, state = chunked(system, integrate, state, steps)
        pieces.append(arrays)
    return [
        np.stack(group, axis=1).reshape(-1, *group[0].shape[1:])[:n]
        for group in zip(*pieces, strict=True)
    ]
