"""The contract every chaotic system follows, and the window sampling built on it.

A system is a dataclass whose fields are its parameters. It supplies raw initial states in
its basin (`initial_states`) and an integrator that records observations (`advance`); this
base turns those into on-attractor trajectories `(n, T, D)` (after discarding a transient),
into twin trajectories for the divergence probe, and refuses non-finite output. It does not
know about SAEs, windows' standardisation or training.
"""

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from bench.errors import BenchError


@dataclass
class System(ABC):
    """Base class: subclasses are dataclasses registered with `@register_system`."""

    name: ClassVar[str]
    dim: ClassVar[int]  # D: numbers observed per step
    window: ClassVar[int]  # default window length in steps; window * dim ≈ 784
    lyapunov: ClassVar[float]  # reference largest Lyapunov exponent (per `time_unit`)
    time_unit: ClassVar[str]  # "iteration" for maps, "time unit" for flows
    transient: ClassVar[int]  # observation steps discarded before recording

    @abstractmethod
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Raw random initial states in the basin of attraction, shape (n, *state)."""

    @abstractmethod
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Evolve `state` (n, *state) for `steps` observation steps.

        Returns the observations (n, steps, D) float64 and the final state.
        """

    def validate(self) -> None:
        """Raise `BenchError` naming the system and the parameter when a parameter is invalid."""
        return  # a system with no constraints on its parameters

    def params(self) -> dict[str, Any]:
        return asdict(self)

    def settle(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n independent states on the attractor: random starts run through the transient."""
        _check_positive(self, n=n)
        self.validate()
        _, state = self.advance(self.initial_states(n, rng), self.transient)
        return state

    def trajectories(self, n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
        """n on-attractor trajectories of `steps` observations each: (n, steps, D) float64."""
        _check_positive(self, n=n, steps=steps)
        obs, _ = self.advance(self.settle(n, rng), steps)
        return _finite(self, obs)

    def perturb(self, state: np.ndarray, eps: float, rng: np.random.Generator) -> np.ndarray:
        """A copy of `state` (1, *state) moved by a random vector of Euclidean norm `eps`."""
        direction = rng.standard_normal(state.shape)
        return state + eps * direction / np.linalg.norm(direction)

    def twin_trajectories(self, steps: int, eps: float, rng: np.random.Generator) -> np.ndarray:
        """Two trajectories whose initial states differ by `eps`: (2, steps, D) float64."""
        _check_positive(self, steps=steps)
        state = self.settle(1, rng)
        pair = np.concatenate([state, self.perturb(state, eps, rng)])
        obs, _ = self.advance(pair, steps)
        return _finite(self, obs)

    def windows(self, n: int, rng: np.random.Generator, window: int | None = None) -> np.ndarray:
        """n samples, each `window` consecutive observations from its own random start,
        flattened: (n, window * D) float64."""
        window = window or self.window
        return self.trajectories(n, window, rng).reshape(n, window * self.dim)


def check_sampling(system: System, step_field: str, min_transient_time: float) -> None:
    """For flows: `obs_dt` must be a positive multiple of the integration step (the field
    `step_field`), and the transient must last at least `min_transient_time` time units."""
    step, obs_dt = getattr(system, step_field), system.obs_dt
    if obs_dt <= 0 or abs(obs_dt / step - round(obs_dt / step)) > 1e-9:
        raise BenchError(
            f"{system.name}: obs_dt={obs_dt} must be a positive multiple of {step_field}={step}"
        )
    if system.transient * obs_dt < min_transient_time - 1e-9:
        raise BenchError(
            f"{system.name}: obs_dt={obs_dt} makes the {system.transient}-step transient "
            f"shorter than {min_transient_time:g} time units; use obs_dt >= "
            f"{min_transient_time / system.transient:g}"
        )


def _check_positive(system: System, **sizes: int) -> None:
    for key, value in sizes.items():
        if not isinstance(value, int | np.integer) or value <= 0:
            raise BenchError(f"{system.name}: {key} must be a positive integer, got {value!r}")


def _finite(system: System, obs: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(obs)):
        raise BenchError(
            f"{system.name}: trajectory left the attractor (non-finite values) with "
            f"parameters {system.params()}; check the step size and the initial state"
        )
    return obs
