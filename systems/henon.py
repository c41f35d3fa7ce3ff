"""The Hénon map x' = 1 − a x² + y, y' = b x, observed as (x, y) (D = 2)."""

from dataclasses import dataclass

import numpy as np

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import System

_BASIN_CENTRE = np.array([0.6314, 0.1894])  # a point on the attractor


@register_system("henon")
@dataclass
class Henon(System):
    """Hénon map (a = 1.4, b = 0.3), observing (x, y); 392 steps per window."""

    a: float = 1.4
    b: float = 0.3
    start_spread: float = 0.01  # starts are drawn within this distance of the attractor point

    dim = 2
    window = 392
    lyapunov = 0.4192
    references = {"lambda2": -1.6232}  # λ₁ + λ₂ = ln b
    time_unit = "iteration"
    transient = 1000

    def validate(self) -> None:
        if not 0 < self.start_spread <= 0.1:
            raise BenchError(
                f"henon: start_spread={self.start_spread} puts starts outside the basin of "
                "attraction; use a value in (0, 0.1]"
            )

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return _BASIN_CENTRE + rng.uniform(-self.start_spread, self.start_spread, size=(n, 2))

    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = state[:, 0].copy(), state[:, 1].copy()  # (n,), (n,)
        obs = np.empty((x.shape[0], steps, 2))
        for t in range(steps):
            x, y = 1.0 - self.a * x * x + y, self.b * x
            obs[:, t, 0], obs[:, t, 1] = x, y
        return obs, np.stack([x, y], axis=1)
