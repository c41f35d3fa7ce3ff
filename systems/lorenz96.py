"""Lorenz-96 (dXᵢ/dt = (Xᵢ₊₁ − Xᵢ₋₂) Xᵢ₋₁ − Xᵢ + F, cyclic in i), integrated with RK4.

Integrates all n trajectories at once with a fixed-step classical RK4 (numpy, state laid out
(D, n) internally so every shifted copy is a contiguous block) and observes X every `obs_dt`.
Also gives the tangent (Jacobian-vector) map that `systems.lyapunov` integrates. It does not
estimate exponents itself, nor use adaptive steps.
"""

from dataclasses import dataclass

import numpy as np

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import System, check_sampling

MAX_DT = 0.05  # RK4 on the attractor is accurate up to here; dt = 0.2 blows up
MIN_TRANSIENT_TIME = 20.0  # time units discarded before recording


def tendency(x: np.ndarray, forcing: float, out: np.ndarray, pad: np.ndarray) -> np.ndarray:
    """dX/dt for states x (D, n), written into out (D, n); pad is scratch of shape (D + 3, n)."""
    d = x.shape[0]
    pad[2 : d + 2] = x  # pad[j] = X_{j-2} cyclically
    pad[:2] = x[d - 2 :]
    pad[d + 2] = x[0]
    np.subtract(pad[3:], pad[:d], out=out)  # X_{i+1} - X_{i-2}
    out *= pad[1 : d + 1]  # * X_{i-1}
    out -= x
    out += forcing
    return out


def tangent(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Jacobian of the tendency at x (D, n) applied to perturbations v (D, n, k): (D, n, k)."""
    d = x.shape[0]
    xp = np.concatenate([x[d - 2 :], x, x[:1]])  # xp[j] = X_{j-2} cyclically
    vp = np.concatenate([v[d - 2 :], v, v[:1]])
    # d/dt v_i = (v_{i+1} - v_{i-2}) X_{i-1} + (X_{i+1} - X_{i-2}) v_{i-1} - v_i
    return (
        (vp[3:] - vp[:d]) * xp[1 : d + 1, :, None]
        + (xp[3:] - xp[:d])[..., None] * vp[1 : d + 1]
        - v
    )


class RK4:
    """Classical RK4 for Lorenz-96 with preallocated buffers, for states of shape (D, n)."""

    def __init__(self, forcing: float, dt: float, shape: tuple[int, int]):
        self.forcing, self.dt = forcing, dt
        self.k = [np.empty(shape) for _ in range(4)]
        self.y = np.empty(shape)
        self.pad = np.empty((shape[0] + 3, shape[1]))

    def step(self, x: np.ndarray) -> np.ndarray:
        """One step from x (D, n); returns a new array (D, n)."""
        k1, k2, k3, k4 = self.k
        y, dt, f, pad = self.y, self.dt, self.forcing, self.pad
        tendency(x, f, k1, pad)
        np.multiply(k1, dt / 2, out=y)
        y += x
        tendency(y, f, k2, pad)
        np.multiply(k2, dt / 2, out=y)
        y += x
        tendency(y, f, k3, pad)
        np.multiply(k3, dt, out=y)
        y += x
        tendency(y, f, k4, pad)
        k2 += k3  # x + dt/6 (k1 + 2 k2 + 2 k3 + k4)
        k2 *= 2.0
        k1 += k4
        k1 += k2
        k1 *= dt / 6
        return x + k1


@register_system("lorenz96")
@dataclass
class Lorenz96(System):
    """Lorenz-96 (F = 8, D = 40), RK4 dt = 0.01, observed every 0.05 time units; 20 per window.

    Observation interval: 0.05 time units (Lorenz's "6 hours", ~0.085 Lyapunov times), so a
    20-step window spans 1 time unit ≈ 1.7 Lyapunov times; d_in = 20 × 40 = 800.
    Transient: 400 observation steps = 20 time units from X = F + N(0, 1) noise.
    Step: dt = 0.01 keeps RK4's error at ~7e-5 per time unit (dt = 0.05, the allowed maximum,
    is 5× faster with ~5e-2 per time unit and the same statistics).
    """

    forcing: float = 8.0  # F
    size: int = 40  # D, number of sites
    dt: float = 0.01  # RK4 step
    obs_dt: float = 0.05  # time between observations; a multiple of dt

    dim = 40
    window = 20
    lyapunov = 1.69
    references = {"mean": 2.34, "std": 3.64}  # long-run statistics of X at F = 8, D = 40
    time_unit = "time unit"
    transient = 400

    def __post_init__(self) -> None:
        self.dim = self.size  # D follows the size parameter (the class default is 40)

    def validate(self) -> None:
        if not isinstance(self.size, int | np.integer) or self.size < 4:
            raise BenchError(f"lorenz96: size must be an integer >= 4, got {self.size!r}")
        if not np.isfinite(self.forcing):
            raise BenchError(f"lorenz96: forcing must be finite, got {self.forcing}")
        if not 0 < self.dt <= MAX_DT:
            raise BenchError(f"lorenz96: dt={self.dt} blows up RK4; use 0 < dt <= {MAX_DT}")
        check_sampling(self, "dt", MIN_TRANSIENT_TIME)

    @property
    def steps_per_obs(self) -> int:
        return round(self.obs_dt / self.dt)

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, D): unit Gaussian noise around the unstable fixed point X = F."""
        return self.forcing + rng.standard_normal((n, self.size))

    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        x = np.array(state, dtype=np.float64).T.copy()  # (D, n)
        rk4 = RK4(self.forcing, self.dt, x.shape)
        obs = np.empty((steps, *x.shape))  # (steps, D, n), transposed at the end
        for t in range(steps):
            for _ in range(self.steps_per_obs):
                x = rk4.step(x)
            obs[t] = x
        return obs.transpose(2, 0, 1).copy(), x.T.copy()
