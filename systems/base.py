"""The contract every chaotic system follows, and the window sampling built on it.

A system is a dataclass whose fields are its parameters. It supplies raw initial states in
its basin (`initial_states`), an integrator that records observations (`advance`) and what
an observation of a state is (`observe`). This base turns those into on-attractor
trajectories `(n, T, D)` (after discarding a transient), into windows, and refuses
non-finite output; the twin orbits of the dynamics probe come from `systems.twins`.

What the harness asks of a system, each answered here by default and overridden where a
system differs (never told apart by `hasattr` or `isinstance`):
- how it samples: `samples` (windows with their next observation; ground-truth systems give
  true sources instead) and `split_samples` (train / held-out; a recording cuts its own split);
- whether it has ground truth: `has_ground_truth`, `features(window)`;
- whether it has equations to differentiate: `has_tangent` and `tangent_step`, the exact
  derivative of the generator's own step (dysts' `_rhs` / `_jac` pair is the model), which
  `systems.lyapunov` runs Benettin's method over;
- what the dynamics metrics need: `delay_lag` (steps), `obs_dt` (time units per observation
  step), `can_twin`, `has_delay_pairs(window)`;
- `preflight(window)`: a short run that refuses a system that blows up, before anything trains.
It does not know about SAEs, standardisation or training.

Reproducibility: the built-in generators use only correctly rounded IEEE operations (+ − ×
÷ sqrt), so the same seed and numpy version give bit-identical data on every machine
(exceptions: a non-integer Mackey-Glass exponent n, and dysts flows, whose right-hand sides
are dysts' own code; see tests/test_data_hashes.py). Integrations run under
`np.errstate` so a blow-up surfaces as one `BenchError`, not as numpy warnings.
"""

from abc import ABC, abstractmethod
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, ClassVar

import numpy as np

from bench.errors import BenchError
from systems.checks import _check_positive, _finite, check_sampling
from systems.sampling import chunked, draw
from systems.twins import TwinOrbits

__all__ = ["Samples", "System", "_check_positive", "_finite", "check_sampling"]

PREFLIGHT_STARTS = 2  # trajectories of `preflight`'s short run


@dataclass(frozen=True)
class Samples:
    """n samples of a system, as one draw gives them to the data pipeline."""

    windows: np.ndarray  # (n, window · D) float64, each window's observations flattened
    next: np.ndarray | None  # (n, D) the observation right after each window; None: not drawn
    sources: np.ndarray | None  # (n, window · S) true sources; None: no ground truth

    def __len__(self) -> int:
        return len(self.windows)


@dataclass
class System(TwinOrbits, ABC):
    """Base class: subclasses are dataclasses registered with `@register_system`."""

    name: ClassVar[str]
    dim: ClassVar[int]  # D: numbers observed per step
    window: ClassVar[int]  # default window length in steps; window * dim ≈ 784
    lyapunov: ClassVar[float]  # reference largest Lyapunov exponent (per `time_unit`)
    references: ClassVar[dict[str, float]] = {}  # other literature values the tests check
    time_unit: ClassVar[str]  # "iteration" for maps, "time unit" for flows
    transient: ClassVar[int]  # observation steps discarded before recording
    can_twin: ClassVar[bool] = True  # False for a recorded series: no twin-orbit probe
    has_ground_truth: ClassVar[bool] = False  # samples carry true sources (`features` may too)
    has_tangent: ClassVar[bool] = False  # `tangent_step` differentiates the generator's step
    lyapunov_discard: ClassVar[float] = 0.0  # time units of Benettin alignment not averaged
    probe_eps: ClassVar[float] = 1e-9  # twin displacement (state units), far above rounding
    # Time units per observation step: 1 for maps. Flows redefine it as a dataclass field; not
    # annotated here, which would make it the first field of every subclass that does.
    obs_dt = 1.0

    @abstractmethod
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Raw random initial states in the basin of attraction, shape (n, *state)."""

    @abstractmethod
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Evolve `state` (n, *state) for `steps` observation steps.

        Returns the observations (n, steps, D) float64 and the final state.
        """

    def observe(self, state: np.ndarray) -> np.ndarray:
        """The observation (n, D) of states (n, *state); by default the state itself."""
        return np.asarray(state, dtype=np.float64).reshape(len(state), self.dim)

    @property
    def delay_lag(self) -> int:
        """ℓ, the lag of the delay plane (o_t, o_{t+ℓ}) in observation steps."""
        return 1

    def validate(self) -> None:
        """Raise `BenchError` naming the system and the parameter when a parameter is invalid."""
        return  # a system with no constraints on its parameters

    def params(self) -> dict[str, Any]:
        return asdict(self)

    def run(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """`advance` in cache-sized blocks of trajectories (the same numbers), with numpy's
        overflow / invalid warnings silenced (`_finite` reports a blow-up)."""
        return chunked(self, self.advance, state, steps)

    def skip(self, state: np.ndarray, steps: int) -> np.ndarray:
        """The states (n, *state) `steps` observation steps on; the observations are not kept."""
        return self.run(state, steps)[1]

    def settle(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n independent states on the attractor: random starts run through the transient."""
        _check_positive(self, n=n)
        self.validate()
        return self.skip(self.initial_states(n, rng), self.transient)

    def trajectories(self, n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
        """n on-attractor trajectories of `steps` observations each: (n, steps, D) float64."""
        _check_positive(self, n=n, steps=steps)
        obs, _ = self.run(self.settle(n, rng), steps)
        return _finite(self, obs)

    def windows(self, n: int, rng: np.random.Generator, window: int | None = None) -> np.ndarray:
        """n samples of `window` consecutive observations, flattened: (n, window * D) float64;
        the windows of `samples` (several per settled start, `systems.sampling`)."""
        return self.samples(n, window or self.window, rng).windows

    # --- what the data pipeline draws ---

    def samples(
        self, n: int, window: int, rng: np.random.Generator, *, held_out: bool = False
    ) -> Samples:
        """n windows and the observation right after each, recorded together (`window` + 1
        steps) from settled starts, several per start a decorrelation gap apart
        (`systems.sampling.draw`).

        `held_out` asks for windows a model was not fitted on: a generator's windows are fresh
        either way; a recording (`systems.file_series`) reads them from its held-out part."""
        [obs] = draw(self, n, window + 1, rng, self.advance)  # (n, window + 1, D)
        obs = _finite(self, obs)
        return Samples(obs[:, :window].reshape(n, window * self.dim), obs[:, window], None)

    def split_samples(
        self, n_train: int, n_test: int, window: int, rng: np.random.Generator
    ) -> tuple[Samples, Samples]:
        """(training samples, held-out samples), drawn one after the other from `rng`: no
        held-out window shares a start with a training window."""
        return self.samples(n_train, window, rng), self.samples(n_test, window, rng)

    def features(self, window: int | None = None) -> np.ndarray | None:
        """True feature directions of a window, unit rows in raw input space (F, window · D);
        None when unknown (every system without ground truth)."""
        return None

    def has_delay_pairs(self, window: int) -> bool:
        """Whether a window holds delay pairs (o_t, o_{t+ℓ}) and a spectrum."""
        return window > self.delay_lag

    # --- equations: the tangent dynamics and a preflight run ---

    def tangent_step(
        self, state: np.ndarray, tangents: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance states (n, *state) `steps` observation steps, as `advance` does, and carry
        tangent vectors (n, *state, k) with the exact derivative of that step. Returns both.
        Systems with `has_tangent` override it."""
        raise BenchError(f"{self.name}: no tangent dynamics (its equations are not known here)")

    def preflight(self, window: int) -> None:
        """Refuse, with one `BenchError` line naming the system and its changed parameters, a
        system that blows up: its parameters are checked, then `PREFLIGHT_STARTS` starts run
        through the transient and one window (the data's own code), and, for a system that
        makes twin orbits, through the probe's Benettin warm-up (`twin_orbits`), which also
        catches an orbit stuck at a fixed point. Costs about two windows of data."""
        _check_positive(self, window=window)
        rng = np.random.default_rng(0)
        self.trajectories(PREFLIGHT_STARTS, window + 1, rng)
        if self.can_twin:
            self.twin_orbits(PREFLIGHT_STARTS, window, 1, self.probe_eps, rng)

    def changed_params(self) -> str:
        """The parameters that differ from the class defaults, for error messages:
        "forcing=1e+300 (default 8.0)", or "its default parameters"."""
        changed = [
            f"{f.name}={getattr(self, f.name)!r} (default {f.default!r})"
            for f in fields(self)
            if f.default is not MISSING and getattr(self, f.name) != f.default
        ]
        return ", ".join(changed) or "its default parameters"
