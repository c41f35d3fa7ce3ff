"""The logistic map x' = r x (1 - x), observed directly (D = 1)."""

from dataclasses import dataclass

import numpy as np

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import System


@register_system("logistic")
@dataclass
class Logistic(System):
    """Logistic map x' = r·x·(1 − x), r = 3.9; 784 iterates per window (the seed's 28×28)."""

    r: float = 3.9

    dim = 1
    window = 784
    lyapunov = 0.496
    time_unit = "iteration"
    transient = 1000

    def validate(self) -> None:
        if not 0 < self.r <= 4:
            raise BenchError(f"logistic: r must be in (0, 4], got {self.r}")

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.05, 0.95, size=(n, 1))

    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        # float64 only: float32 orbits fall into short cycles within a few thousand steps.
        x = state[:, 0].astype(np.float64)  # (n,)
        obs = np.empty((x.shape[0], steps, 1))
        for t in range(steps):
            x = self.r * x * (1.0 - x)
            obs[:, t, 0] = x
        return obs, x[:, None]
