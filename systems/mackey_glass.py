"""Mackey-Glass delay equation dx/dt = β x(t−τ) / (1 + x(t−τ)ⁿ) − γ x, integrated with RK4.

Fixed-step RK4 (h = 0.1) on all n trajectories at once. The state is the history buffer
x(t − τ − h), …, x(t) on the h grid; RK4's delayed value at the half step, x(t − τ + h/2), is
the 4-point cubic interpolation (−1, 9, 9, −1)/16 of the buffer (error O(h⁴), like RK4 itself).
It observes x every `obs_dt`. The tangent step pushes perturbations of the whole buffer
through the exact derivative of that RK4 step, in the same loop (`MackeyGlass._integrate`), so
the trajectory it differentiates is the generator's. Only correctly rounded IEEE operations:
xⁿ for an integer n is a fixed chain of multiplications (`hill_power`), never `pow`, whose
rounding can depend on the CPU's instruction set (a one-ulp difference grows to a different
trajectory). It does not handle delays that are not a multiple of h, nor compute Lyapunov
exponents (see `systems.lyapunov`).
"""

from dataclasses import dataclass

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import System, check_sampling

MIN_TRANSIENT_TIME = 1000.0  # time units discarded before recording
MID = np.array([-1.0, 9.0, 9.0, -1.0]) / 16  # cubic interpolation at the midpoint of 4 points


Array = np.ndarray | float


def rk4_stages(x: Array, g0: Array, gm: Array, g1: Array, gamma: float, h: float) -> Array:
    """One classical RK4 step of dx/dt = −γ x + g, with g = g0, gm, g1 at t, t + h/2, t + h
    (g is the delayed feedback, known from the history). Arrays broadcast; this is the
    textbook form, kept as the reference for `rk4_coefficients`."""
    k1 = g0 - gamma * x
    k2 = gm - gamma * (x + h / 2 * k1)
    k3 = gm - gamma * (x + h / 2 * k2)
    k4 = g1 - gamma * (x + h * k3)
    return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def rk4_coefficients(gamma: float, h: float) -> np.ndarray:
    """(a, b0, bm, b1) with `rk4_stages(x, g0, gm, g1)` = a x + b0 g0 + bm gm + b1 g1.

    The step is linear in (x, g0, gm, g1), so the four stages collapse to these constants:
    algebraically the same step (rounding aside), four array operations instead of twenty.
    """
    return np.array([rk4_stages(*unit, gamma, h) for unit in np.eye(4)])


def midpoint(v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, v3: np.ndarray) -> np.ndarray:
    """The value halfway between v1 and v2 of four equally spaced values (cubic, `MID`)."""
    return MID[0] * v0 + MID[1] * (v1 + v2) + MID[3] * v3


def rk4_combine(coefficients: tuple[float, ...], x: Array, g0: Array, gm: Array, g1: Array):
    """a x + b0 g0 + bm gm + b1 g1: one RK4 step (`rk4_coefficients`); linear, so it also
    steps a tangent vector given the feedback's tangents."""
    a, b0, bm, b1 = coefficients
    return a * x + b0 * g0 + bm * gm + b1 * g1


def hill_power(x: np.ndarray, n: float) -> np.ndarray:
    """xⁿ elementwise. An integer n in [1, 64] is computed by repeated squaring, only
    multiplications in a fixed order (n = 10: x2 = x·x, x4 = x2·x2, x8 = x4·x4, x8·x2), so
    the result is bit-identical on every machine. Any other n falls back to `np.power`, whose
    last bit may differ between CPUs: such data is reproducible on one machine only."""
    if not (float(n).is_integer() and 1 <= n <= 64):
        return np.power(x, n)
    k, base, result = int(n), x, None
    while k:
        if k & 1:
            result = base if result is None else result * base
        k >>= 1
        if k:
            base = base * base
    return result


def feedback(x: np.ndarray, beta: float, n: float) -> np.ndarray:
    """g(x) = β x / (1 + xⁿ), elementwise."""
    return beta * x / (1.0 + hill_power(x, n))


def feedback_slope(x: np.ndarray, beta: float, n: float) -> np.ndarray:
    """g'(x) = β (1 + (1 − n) xⁿ) / (1 + xⁿ)², elementwise."""
    xn = hill_power(x, n)
    return beta * (1.0 + (1.0 - n) * xn) / ((1.0 + xn) * (1.0 + xn))


@register_system("mackey_glass")
@dataclass
class MackeyGlass(System):
    """Mackey-Glass (β = 0.2, γ = 0.1, n = 10, τ = 17), RK4 h = 0.1, x every 1; 784 per window.

    History: constant `history` plus one uniform offset in ±`history_spread` per trajectory;
    ±0.3 because with ±0.05 the starts are still visibly clustered after 1000 time units
    (λ₁ ≈ 0.005 only grows differences ~150×), while ±0.3 matches far-apart windows of one run.
    Transient: 1000 observation steps = 1000 time units. State: (n, τ/h + 2) buffer, oldest
    first, last column x(t). The seed paper's twins (`perturb`) differ in x(t) only; the
    twin-orbit probe displaces the whole buffer along the leading Lyapunov vector.
    """

    beta: float = 0.2
    gamma: float = 0.1
    n: float = 10.0  # Hill exponent (the equation's n, not a trajectory count)
    tau: float = 17.0
    h: float = 0.1  # RK4 step; tau must be a multiple of h
    obs_dt: float = 1.0  # time between observations; a multiple of h
    history: float = 1.2
    history_spread: float = 0.3  # why 0.3: see the class docstring

    dim = 1
    window = 784
    lyapunov = 0.005
    references = {"mean": 0.93, "std": 0.23, "min": 0.42, "max": 1.32}  # long-run x(t)
    time_unit = "time unit"
    transient = 1000
    has_tangent = True
    lyapunov_discard = 200.0  # time units for the tangent vector to align

    @override
    def validate(self) -> None:
        for key in ("beta", "gamma", "n", "tau", "h", "history"):
            value = getattr(self, key)
            if not (np.isfinite(value) and value > 0):
                raise BenchError(f"mackey_glass: {key} must be positive and finite, got {value}")
        if self.h > 0.5:
            raise BenchError(f"mackey_glass: h={self.h} is too coarse for RK4; use h <= 0.5")
        if self.delay_steps < 2 or abs(self.tau / self.h - self.delay_steps) > 1e-9:
            raise BenchError(
                f"mackey_glass: tau={self.tau} must be a multiple of h={self.h}, at least 2 h"
            )
        check_sampling(self, "h", MIN_TRANSIENT_TIME)
        if not 0 <= self.history_spread < self.history:
            raise BenchError(
                f"mackey_glass: history_spread must be in [0, history={self.history}), "
                f"got {self.history_spread}"
            )

    @property
    def delay_steps(self) -> int:
        """m = τ / h."""
        return round(self.tau / self.h)

    @property
    def steps_per_obs(self) -> int:
        return max(round(self.obs_dt / self.h), 1)

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, m + 2) constant histories history ± history_spread, one level per trajectory."""
        level = self.history + rng.uniform(-self.history_spread, self.history_spread, (n, 1))
        return np.repeat(level, self.delay_steps + 2, axis=1)

    @property
    @override
    def delay_lag(self) -> int:
        """τ in observation steps (17 by default): the delay plane (x(t), x(t − τ))."""
        return max(1, round(self.tau / self.obs_dt))

    @override
    def observe(self, state: np.ndarray) -> np.ndarray:
        """x(t), the newest value of each history buffer (n, m + 2): (n, 1)."""
        return np.array(state, dtype=np.float64)[:, -1:]

    @override
    def perturb(self, state: np.ndarray, eps: float, rng: np.random.Generator) -> np.ndarray:
        """Move only the present value x(t) by ±eps (random sign), keeping the past.

        The twin's history is the same function of time except at t: a perturbation whose size
        does not depend on h (a random vector over the whole buffer would spread eps over
        τ/h + 2 grid values as white noise, a size and shape tied to the discretisation).
        """
        moved = np.array(state, dtype=np.float64)
        moved[:, -1] += eps * rng.choice([-1.0, 1.0])
        return moved

    @override
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        obs, final, _ = self._integrate(state, steps, None)
        return obs, final

    @override
    def tangent_step(
        self, state: np.ndarray, tangents: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        _, final, tangents = self._integrate(state, steps, tangents)
        return final, tangents

    def _integrate(
        self, state: np.ndarray, steps: int, tangents: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """RK4 on history buffers state (n, m + 2), oldest first, for `steps` observation steps;
        with tangents (n, m + 2, k), also their exact derivative along the same steps.
        Returns observations (n, steps, 1), the final buffers and tangents (or None)."""
        size = self.delay_steps + 2
        buf = np.array(state, dtype=np.float64).T.copy()  # (m + 2, n) ring buffer
        dbuf = None if tangents is None else tangents.transpose(1, 0, 2).copy()  # (m + 2, n, k)
        coefficients = tuple(map(float, rk4_coefficients(self.gamma, self.h)))
        beta, hill = self.beta, self.n
        x = buf[-1].copy()  # x(t), (n,)
        p = 0  # ring index of the oldest value, x(t − τ − h); the newest is at p − 1
        obs = np.empty((steps, buf.shape[1]))
        # g and g' at this step's i1 are the last step's at its i2 (that value is not
        # overwritten in between): computed once, the same numbers
        g_i1 = s_i1 = None
        for t in range(steps):
            for _ in range(self.steps_per_obs):
                i0, i1, i2, i3 = p, (p + 1) % size, (p + 2) % size, (p + 3) % size
                mid = midpoint(buf[i0], buf[i1], buf[i2], buf[i3])
                g0 = feedback(buf[i1], beta, hill) if g_i1 is None else g_i1
                g_i1 = feedback(buf[i2], beta, hill)
                if dbuf is not None:  # g(v)'s tangent is g'(v) dv
                    s0 = feedback_slope(buf[i1], beta, hill) if s_i1 is None else s_i1
                    s_i1 = feedback_slope(buf[i2], beta, hill)
                    sm = feedback_slope(mid, beta, hill)
                    dmid = midpoint(dbuf[i0], dbuf[i1], dbuf[i2], dbuf[i3])
                    dbuf[p] = rk4_combine(
                        coefficients,
                        dbuf[p - 1],
                        s0[:, None] * dbuf[i1],
                        sm[:, None] * dmid,
                        s_i1[:, None] * dbuf[i2],
                    )
                x = rk4_combine(coefficients, x, g0, feedback(mid, beta, hill), g_i1)
                buf[p] = x  # overwrite the value no longer needed
                p = i1
            obs[t] = x
        final = np.roll(buf, -p, axis=0).T.copy()  # back to oldest-first order, (n, m + 2)
        if dbuf is not None:
            dbuf = np.roll(dbuf, -p, axis=0).transpose(1, 0, 2).copy()
        return obs.T[:, :, None].copy(), final, dbuf
