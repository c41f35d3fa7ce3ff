"""How windows are drawn from a system: several per settled start, a decorrelation gap apart.

A window's own random start costs a whole transient (Lorenz-96: 400 observation steps for a
21-step window; 92 % of a dataset build), so `draw` settles fewer starts and records
`windows_per_start` windows along each, separated by `decorrelation_gap` observation steps
that are integrated but not kept:

    start ─ transient ─ [window 0] ─ gap ─ [window 1] ─ gap ─ … ─ [window per − 1]

The gap is `DECORRELATION_LYAPUNOV_TIMES` = 15 Lyapunov times (Lorenz-96: 178 steps = 8.9
time units; logistic 31, Hénon 36, superposition's orbits 31 iterations): a difference between
two states grows e^15 ≈ 3·10⁶-fold over it. Measured over 16 × 2000 steps, the largest
correlation between any two components gap + 1 steps apart (one window's next observation
and the next window's first) is no larger than four gaps apart, where nothing is left but
sampling noise (Lorenz-96: 0.047 against 0.050; at a quarter gap 0.17);
tests/test_systems.py checks this for every system that uses a gap. A system whose gap would
cost as much as a fresh transient (Mackey-Glass: λ₁ Δt = 0.005, so 3000 steps against a
1000-step transient; its autocorrelation is still 0.65 at 1500 steps) or whose λ₁ is unknown
or zero keeps one window per start, as before.

How many per start: fewer starts means less arithmetic (fewer transients) but narrower numpy
operations, whose fixed cost (about `OVERHEAD_VALUES` values' worth of arithmetic each) then
weighs more. For n windows of L steps (window + gap) after a T-step transient, W = 4096 / D
trajectories' arithmetic per step costing about one step's overhead, the time
(T + per · L) · (overhead + n / per · cost) is least at per = √(T · n / (L · W)):
Lorenz-96 6 at n = 2000, 25 at 32000; the logistic map 1 at 2000 (its steps are so cheap that
width matters more). It is a deterministic function of (system, n, window): the data stay
deterministic. Windows come out trajectory-major (start i's are rows i·per … i·per + per − 1).

`chunked` integrates trajectories in blocks of about `CHUNK_VALUES` observed values, which
keeps numpy's temporaries in cache (about 2× faster for Lorenz-96) and changes no number:
trajectories are integrated independently. This module does not know about splits or
standardisation.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from systems.checks import Named, _check_positive

DECORRELATION_LYAPUNOV_TIMES = 15.0  # gap between two windows of one trajectory
OVERHEAD_VALUES = 4096  # a numpy operation's fixed cost, in values it could compute instead
CHUNK_VALUES = 16384  # observed values integrated together: numpy's temporaries stay in cache

Integrator = Callable[[np.ndarray, int], tuple[np.ndarray, ...]]  # (state, steps) → (…, final)


def decorrelation_gap(system: Named) -> int | None:
    """Observation steps between two windows of one start; None: one window per start (λ₁
    unknown or not positive, or a gap no cheaper than a fresh start's transient)."""
    rate = system.lyapunov * system.obs_dt  # growth per observation step
    if not (np.isfinite(rate) and rate > 0):
        return None
    gap = math.ceil(DECORRELATION_LYAPUNOV_TIMES / rate)
    return gap if gap < system.transient else None


def windows_per_start(system: Named, steps: int, n: int) -> int:
    """How many `steps`-long windows one settled start gives when n are drawn (at most n)."""
    gap = decorrelation_gap(system)
    if gap is None:
        return 1
    width = max(1, OVERHEAD_VALUES // system.dim)
    best = math.sqrt(system.transient * n / ((steps + gap) * width))
    return max(1, min(n, round(best)))


def chunked(system: Named, integrate: Integrator, state: np.ndarray, steps: int):
    """`integrate(state, steps)` over blocks of trajectories, its arrays concatenated, with
    numpy's overflow / invalid warnings silenced (the finite check reports a blow-up)."""
    size = max(1, CHUNK_VALUES // system.dim)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if len(state) <= size:
            return integrate(state, steps)
        parts = [integrate(state[i : i + size], steps) for i in range(0, len(state), size)]
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))


def draw(
    system: Any,
    n: int,
    steps: int,
    rng: np.random.Generator,
    integrate: Integrator,  # a System
) -> list[np.ndarray]:
    """n stretches of `steps` observation steps: what `integrate` (the system's `advance` or
    `advance_labelled`) records, each array (n, steps, ...), trajectory-major. Draws from `rng`
    exactly what `settle` draws for ⌈n / per⌉ starts."""
    _check_positive(system, n=n, steps=steps)
    per = windows_per_start(system, steps, n)
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
