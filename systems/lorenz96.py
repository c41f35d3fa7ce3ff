"""Lorenz-96 (dXᵢ/dt = (Xᵢ₊₁ − Xᵢ₋₂) Xᵢ₋₁ − Xᵢ + F, cyclic in i), integrated with RK4.

Integrates all n trajectories at once with a fixed-step classical RK4 (numpy, state laid out
(D, n) internally so every shifted copy is a contiguous block) and observes X every `obs_dt`.
The tangent step (`Lorenz96.tangent_step`) runs the same RK4 object on the state and its
tangent vectors together, (x, v) with dv/dt = J(x) v: RK4 applied to this variational system
is exactly the derivative of RK4's step, and the x part is the generator's trajectory bit for
bit. It does not estimate exponents itself (see `systems.lyapunov`), nor use adaptive steps.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import System, check_sampling

MAX_DT = 0.05  # RK4 on the attractor is accurate up to here; dt = 0.2 blows up
MIN_TRANSIENT_TIME = 20.0  # time units discarded before recording


def tendency(x: np.ndarray, forcing: float, out: np.ndarray, pad: np.ndarray) -> np.ndarray:
    """dX/dt for states x (D, ...), written into out (D, ...); pad is scratch (D + 3, ...)."""
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
    """Jacobian of the tendency at x (D, n) applied to perturbations v (D, n, k): (D, n, k).
    Every term is a product or a difference of two numbers: correctly rounded."""
    d = x.shape[0]
    xp = np.concatenate([x[d - 2 :], x, x[:1]])  # xp[j] = X_{j-2} cyclically
    vp = np.concatenate([v[d - 2 :], v, v[:1]])
    # d/dt v_i = (v_{i+1} - v_{i-2}) X_{i-1} + (X_{i+1} - X_{i-2}) v_{i-1} - v_i
    return (
        (vp[3:] - vp[:d]) * xp[1 : d + 1, :, None]
        + (xp[3:] - xp[:d])[..., None] * vp[1 : d + 1]
        - v
    )


Rhs = Callable[[np.ndarray, np.ndarray], np.ndarray]  # rhs(y, out) writes dy/dt into out


class RK4:
    """Classical RK4 with preallocated buffers for dy/dt = rhs(y), states of a fixed shape."""

    def __init__(self, rhs: Rhs, dt: float, shape: tuple[int, ...]):
        self.rhs, self.dt = rhs, dt
        self.k = [np.empty(shape) for _ in range(4)]
        self.y = np.empty(shape)

    def step(self, x: np.ndarray) -> np.ndarray:
        """One step from x; returns a new array of x's shape."""
        k1, k2, k3, k4 = self.k
        y, dt, rhs = self.y, self.dt, self.rhs
        rhs(x, k1)
        np.multiply(k1, dt / 2, out=y)
        y += x
        rhs(y, k2)
        np.multiply(k2, dt / 2, out=y)
        y += x
        rhs(y, k3)
        np.multiply(k3, dt, out=y)
        y += x
        rhs(y, k4)
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
    has_tangent = True
    lyapunov_discard = 5.0  # ≈ 8 Lyapunov times for tangent vectors to align

    def __post_init__(self) -> None:
        self.dim = self.size  # D follows the size parameter (the class default is 40)

    @override
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

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, D): unit Gaussian noise around the unstable fixed point X = F."""
        return self.forcing + rng.standard_normal((n, self.size))

    def rhs(self, shape: tuple[int, ...]) -> Rhs:
        """The tendency as RK4's right-hand side for states of shape (D, ...)."""
        pad = np.empty((shape[0] + 3, *shape[1:]))
        return lambda y, out: tendency(y, self.forcing, out, pad)

    @override
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        x = np.array(state, dtype=np.float64).T.copy()  # (D, n)
        rk4 = RK4(self.rhs(x.shape), self.dt, x.shape)
        obs = np.empty((steps, *x.shape))  # (steps, D, n), transposed at the end
        for t in range(steps):
            for _ in range(self.steps_per_obs):
                x = rk4.step(x)
            obs[t] = x
        return obs.transpose(2, 0, 1).copy(), x.T.copy()

    @override
    def tangent_step(
        self, state: np.ndarray, tangents: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """RK4 on (x, v) together: layer 0 of the joint (D, n, 1 + k) array is the state, the
        others the tangent vectors; the state layer takes the generator's very operations."""
        n, d, k = tangents.shape
        joint = np.empty((d, n, 1 + k))
        joint[:, :, 0] = np.asarray(state, dtype=np.float64).T
        joint[:, :, 1:] = tangents.transpose(1, 0, 2)
        state_rhs = self.rhs((d, n))

        def variational(y: np.ndarray, out: np.ndarray) -> np.ndarray:
            state_rhs(y[:, :, 0], out[:, :, 0])
            out[:, :, 1:] = tangent(y[:, :, 0], y[:, :, 1:])
            return out

        rk4 = RK4(variational, self.dt, joint.shape)
        for _ in range(steps * self.steps_per_obs):
            joint = rk4.step(joint)
        return joint[:, :, 0].T.copy(), joint[:, :, 1:].transpose(1, 0, 2).copy()
