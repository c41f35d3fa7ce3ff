"""Lyapunov exponents of our four systems, from their equations (Benettin's method).

Each function propagates tangent vectors with the exact derivative of the map or of the RK4
step the generator uses (not a data-based estimator), re-orthonormalises them with QR and
averages the log stretching factors. Functions are pure (all randomness comes from `rng`) and
vectorised over n trajectories, so the spread across trajectories gives an error bar. This
module does not settle states onto the attractor beyond `largest_exponent`'s call to
`System.settle`, and does not estimate dimensions.
"""

import numpy as np

from bench.errors import BenchError
from systems.base import System
from systems.henon import Henon
from systems.logistic import Logistic
from systems.lorenz96 import Lorenz96, tangent, tendency
from systems.mackey_glass import MID, MackeyGlass, feedback, feedback_slope, rk4_coefficients


def _qr_log(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormalise tangent vectors v (n, d, k): returns Q (n, d, k), log|diag R| (n, k)."""
    q, r = np.linalg.qr(v)
    sign = np.sign(np.diagonal(r, axis1=1, axis2=2))  # keep Q continuous between steps
    return q * sign[:, None, :], np.log(np.abs(np.diagonal(r, axis1=1, axis2=2)))


def logistic_exponent(r: float, x0: np.ndarray, steps: int) -> np.ndarray:
    """λ of x' = r x (1 − x) per iteration, from x0 (n,): mean of ln|r (1 − 2x)|, (n,)."""
    x, total = np.array(x0, dtype=np.float64), np.zeros(len(x0))
    for _ in range(steps):
        total += np.log(np.abs(r * (1.0 - 2.0 * x)))
        x = r * x * (1.0 - x)
    return total / steps


def henon_spectrum(a: float, b: float, state: np.ndarray, steps: int) -> np.ndarray:
    """Both exponents of the Hénon map per iteration from states (n, 2): (n, 2), λ₁ ≥ λ₂.

    λ₁ + λ₂ = ln b up to rounding, since |det J| = b at every step.
    """
    x, y = state[:, 0].copy(), state[:, 1].copy()
    n = len(x)
    q, total = np.broadcast_to(np.eye(2), (n, 2, 2)).copy(), np.zeros((n, 2))
    jac = np.zeros((n, 2, 2))
    jac[:, 0, 1], jac[:, 1, 0] = 1.0, b
    for _ in range(steps):
        jac[:, 0, 0] = -2.0 * a * x  # J = [[-2 a x, 1], [b, 0]]
        q, logs = _qr_log(jac @ q)
        total += logs
        x, y = 1.0 - a * x * x + y, b * x
    return total / steps


def lorenz96_spectrum(
    system: Lorenz96,
    state: np.ndarray,
    time: float,
    rng: np.random.Generator,
    k: int = 1,
    discard: float = 5.0,
) -> np.ndarray:
    """The k largest exponents per time unit from states (n, D), along the system's RK4.

    Tangent vectors follow the derivative of the RK4 step (stage by stage), are
    re-orthonormalised every observation interval, and the first `discard` time units (while
    they align with the unstable directions) are not averaged. Returns (n, k).
    """
    f, dt, every = system.forcing, system.dt, system.steps_per_obs
    x = np.array(state, dtype=np.float64).T.copy()  # (D, n)
    d, n = x.shape
    v, _ = _qr_log(rng.standard_normal((n, d, k)))
    v = v.transpose(1, 0, 2)  # (D, n, k)

    def rhs(y: np.ndarray) -> np.ndarray:
        return tendency(y, f, np.empty_like(y), np.empty((d + 3, n)))

    rounds, skip = round(time / system.obs_dt), round(discard / system.obs_dt)
    total = np.zeros((n, k))
    for i in range(skip + rounds):
        for _ in range(every):
            k1, t1 = rhs(x), tangent(x, v)
            y, w = x + dt / 2 * k1, v + dt / 2 * t1
            k2, t2 = rhs(y), tangent(y, w)
            y, w = x + dt / 2 * k2, v + dt / 2 * t2
            k3, t3 = rhs(y), tangent(y, w)
            y, w = x + dt * k3, v + dt * t3
            k4, t4 = rhs(y), tangent(y, w)
            x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            v = v + dt / 6 * (t1 + 2 * t2 + 2 * t3 + t4)
        q, logs = _qr_log(v.transpose(1, 0, 2))
        v = q.transpose(1, 0, 2)
        if i >= skip:
            total += logs
    return total / (rounds * system.obs_dt)


def mackey_glass_exponent(
    system: MackeyGlass,
    state: np.ndarray,
    time: float,
    rng: np.random.Generator,
    discard: float = 200.0,
) -> np.ndarray:
    """Largest exponent per time unit from history buffers (n, τ/h + 2): (n,).

    The tangent state is a perturbation of the whole history buffer (the discretised DDE's
    phase space), pushed through the exact derivative of the generator's RK4 step with the
    same cubic half-step interpolation, and renormalised (Euclidean norm over the buffer)
    every observation interval. The first `discard` time units are not averaged.
    """
    size = system.delay_steps + 2
    buf = np.array(state, dtype=np.float64).T.copy()  # (m + 2, n) ring buffers, oldest at p
    dbuf = rng.standard_normal(buf.shape)
    dbuf /= np.linalg.norm(dbuf, axis=0)
    a, b0, bm, b1 = map(float, rk4_coefficients(system.gamma, system.h))
    beta, hill = system.beta, system.n
    x, dx, p = buf[-1].copy(), dbuf[-1].copy(), 0
    rounds, skip = round(time / system.obs_dt), round(discard / system.obs_dt)
    total = np.zeros(buf.shape[1])
    for i in range(skip + rounds):
        for _ in range(system.steps_per_obs):
            i0, i1, i2, i3 = p, (p + 1) % size, (p + 2) % size, (p + 3) % size
            mid = MID[0] * buf[i0] + MID[1] * (buf[i1] + buf[i2]) + MID[3] * buf[i3]
            dmid = MID[0] * dbuf[i0] + MID[1] * (dbuf[i1] + dbuf[i2]) + MID[3] * dbuf[i3]
            dx = (
                a * dx
                + b0 * feedback_slope(buf[i1], beta, hill) * dbuf[i1]
                + bm * feedback_slope(mid, beta, hill) * dmid
                + b1 * feedback_slope(buf[i2], beta, hill) * dbuf[i2]
            )
            x = (
                a * x
                + b0 * feedback(buf[i1], beta, hill)
                + bm * feedback(mid, beta, hill)
                + b1 * feedback(buf[i2], beta, hill)
            )
            buf[p], dbuf[p], p = x, dx, i1
        norm = np.linalg.norm(dbuf, axis=0)  # (n,)
        dbuf /= norm
        dx /= norm
        if i >= skip:
            total += np.log(norm)
    return total / (rounds * system.obs_dt)


def largest_exponent(system: System, n: int, length: float, rng: np.random.Generator) -> np.ndarray:
    """λ₁ of `system` from n settled states over `length` iterations / time units: (n,)."""
    state = system.settle(n, rng)
    if isinstance(system, Logistic):
        return logistic_exponent(system.r, state[:, 0], round(length))
    if isinstance(system, Henon):
        return henon_spectrum(system.a, system.b, state, round(length))[:, 0]
    if isinstance(system, Lorenz96):
        return lorenz96_spectrum(system, state, length, rng)[:, 0]
    if isinstance(system, MackeyGlass):
        return mackey_glass_exponent(system, state, length, rng)
    raise BenchError(f"{system.name}: no tangent dynamics implemented for Lyapunov exponents")
