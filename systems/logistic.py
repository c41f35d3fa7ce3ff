"""The logistic map x' = r x (1 - x), observed directly (D = 1)."""

from dataclasses import dataclass

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.maps import MapSystem


@register_system("logistic")
@dataclass
class Logistic(MapSystem):
    """Logistic map x' = r·x·(1 − x), r = 3.9; 784 iterates per window (the seed's 28×28)."""

    r: float = 3.9

    dim = 1
    window = 784
    lyapunov = 0.496
    time_unit = "iteration"
    transient = 1000

    @override
    def validate(self) -> None:
        if not 0 < self.r <= 4:
            raise BenchError(f"logistic: r must be in (0, 4], got {self.r}")

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.05, 0.95, size=(n, 1))

    @override
    def step(self, state: np.ndarray) -> np.ndarray:
        # float64 only: float32 orbits fall into short cycles within a few thousand steps.
        return self.r * state * (1.0 - state)  # (n, 1)

    @override
    def tangent_map(self, state: np.ndarray, tangents: np.ndarray) -> np.ndarray:
        return (self.r * (1.0 - 2.0 * state))[:, :, None] * tangents  # f'(x) v, (n, 1, k)
