"""Lyapunov exponents of a system from its equations: Benettin's method with QR.

One loop for every system with `has_tangent`: it advances settled states and k tangent
vectors one observation step at a time with `System.tangent_step` (the exact derivative of the
step the generator itself takes: same integrator code, no copy here), re-orthonormalises the
vectors with QR and averages the log stretching factors, after `discard` time units of
alignment. Pure (all randomness from `rng`) and vectorised over n trajectories, so the spread
across trajectories gives an error bar. It does not estimate dimensions nor work from data.
"""

import math

import numpy as np

from bench.errors import BenchError
from systems.base import System


def _qr_log(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormalise tangent vectors v (n, d, k): returns Q (n, d, k), log|diag R| (n, k)."""
    q, r = np.linalg.qr(v)
    sign = np.sign(np.diagonal(r, axis1=1, axis2=2))  # keep Q continuous between steps
    return q * sign[:, None, :], np.log(np.abs(np.diagonal(r, axis1=1, axis2=2)))


def lyapunov_spectrum(
    system: System,
    state: np.ndarray,
    length: float,
    rng: np.random.Generator,
    *,
    k: int = 1,
    discard: float | None = None,
) -> np.ndarray:
    """The k largest exponents per time unit (per iteration for maps), (n, k), from states
    (n, *state) over `length` time units after `discard` (default: the system's
    `lyapunov_discard`). Tangent vectors start as a random orthonormal set drawn from `rng`
    as (n, state size, k) Gaussians and are re-orthonormalised every observation step."""
    if not system.has_tangent:
        raise BenchError(f"{system.name}: no tangent dynamics to compute Lyapunov exponents")
    n, shape = len(state), state.shape[1:]
    size = math.prod(shape)
    q, _ = _qr_log(rng.standard_normal((n, size, k)))
    tangents = q.reshape(n, *shape, k)
    discard = system.lyapunov_discard if discard is None else discard
    rounds, skip = round(length / system.obs_dt), round(discard / system.obs_dt)
    total = np.zeros((n, k))
    for i in range(skip + rounds):
        state, tangents = system.tangent_step(state, tangents, 1)
        q, logs = _qr_log(tangents.reshape(n, size, k))
        tangents = q.reshape(n, *shape, k)
        if i >= skip:
            total += logs
    return total / (rounds * system.obs_dt)


def largest_exponent(system: System, n: int, length: float, rng: np.random.Generator) -> np.ndarray:
    """λ₁ of `system` from n settled states over `length` iterations / time units: (n,)."""
    return lyapunov_spectrum(system, system.settle(n, rng), length, rng)[:, 0]
