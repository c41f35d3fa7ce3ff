"""The Hénon map x' = 1 − a x² + y, y' = b x, observed as (x, y) (D = 2)."""

from dataclasses import dataclass

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.maps import MapSystem

_BASIN_CENTRE = np.array([0.6314, 0.1894])  # a point on the attractor


@register_system("henon")
@dataclass
class Henon(MapSystem):
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

    @override
    def validate(self) -> None:
        if not 0 < self.start_spread <= 0.1:
            raise BenchError(
                f"henon: start_spread={self.start_spread} puts starts outside the basin of "
                "attraction; use a value in (0, 0.1]"
            )

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return _BASIN_CENTRE + rng.uniform(-self.start_spread, self.start_spread, size=(n, 2))

    @override
    def step(self, state: np.ndarray) -> np.ndarray:
        x, y = state[:, 0], state[:, 1]  # (n,), (n,)
        return np.stack([1.0 - self.a * x * x + y, self.b * x], axis=1)

    @override
    def tangent_map(self, state: np.ndarray, tangents: np.ndarray) -> np.ndarray:
        x, u, v = state[:, 0, None], tangents[:, 0], tangents[:, 1]  # (n, 1), (n, k), (n, k)
        return np.stack([-2.0 * self.a * x * u + v, self.b * u], axis=1)  # J = [[−2ax, 1], [b, 0]]
