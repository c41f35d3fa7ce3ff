"""Iterated maps x_{t+1} = f(x_t), observed every iteration: one step and its Jacobian.

A `MapSystem` gives the map (`step`) and its Jacobian applied to tangent vectors
(`tangent_map`), the pair dysts' maps call `_rhs` and `_jac`. This base builds from them both
the generator (`advance`) and the tangent dynamics (`tangent_step`), so Lyapunov exponents
follow exactly the iterates the data are made of. It does not integrate flows (see
`systems.lorenz96`) or delay equations.
"""

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from typing_extensions import override

from systems.base import System


@dataclass
class MapSystem(System):
    """Base of the maps: subclasses give `step` and `tangent_map`."""

    has_tangent: ClassVar[bool] = True

    @abstractmethod
    def step(self, state: np.ndarray) -> np.ndarray:
        """f(state): the next states (n, *state) float64 of states (n, *state)."""

    @abstractmethod
    def tangent_map(self, state: np.ndarray, tangents: np.ndarray) -> np.ndarray:
        """J_f(state) applied to tangent vectors (n, *state, k) at states (n, *state)."""

    @override
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        state = np.asarray(state, dtype=np.float64)
        obs = np.empty((len(state), steps, self.dim))
        for t in range(steps):
            state = self.step(state)
            obs[:, t] = self.observe(state)
        return obs, state

    @override
    def tangent_step(
        self, state: np.ndarray, tangents: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        state = np.asarray(state, dtype=np.float64)
        for _ in range(steps):
            tangents = self.tangent_map(state, tangents)
            state = self.step(state)
        return state, tangents
