"""The contract of systems whose features and sources are known, and helpers for their features.

A ground-truth system is a `System` whose integrator also reports, at every observation step,
the true sources behind the observation (`advance_labelled`). From that it offers
`labelled_windows(n, rng, window)`: the same windows as `windows()` (same rng draws) plus,
for each, its sources; its `samples` (the data pipeline's draw) carry them. When the
observation is a linear superposition Σ_i a_i f_i of known directions, `features(window)`
returns those directions as unit rows in RAW input space.

The benchmark standardises every input dimension, x' = (x − μ)/σ with train statistics, so a
raw feature f appears in the SAE's input space as the direction f/σ (elementwise), renormalised:
`standardised_features(features, std)` gives that. It does not score or train anything.
"""

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from typing_extensions import override

from systems.base import Samples, System, _finite
from systems.sampling import draw


@dataclass
class GroundTruthSystem(System):
    """Base class of systems with known sources (and, when linear, known features)."""

    can_twin: ClassVar[bool] = False  # no Lyapunov vector: the twin-orbit probe does not apply
    has_ground_truth: ClassVar[bool] = True
    n_sources: ClassVar[int]  # S: true sources per observation step
    # True when each source is its feature's firing magnitude, 0 exactly when the feature is
    # off (the ground-truth metric `f1` classifies firing by source ≠ 0; NaN when False)
    sources_fire: ClassVar[bool] = False

    @abstractmethod
    def advance_labelled(
        self, state: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Evolve `state` (n, *state) for `steps` observation steps.

        Returns observations (n, steps, D) float64, sources (n, steps, S) float64 and the final
        state.
        """

    @override
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        obs, _, final = self.advance_labelled(state, steps)
        return obs, final

    def step_features(self) -> np.ndarray | None:
        """Unit feature directions of ONE observation step in raw space (F, D), or None."""
        return None

    @override
    def features(self, window: int | None = None) -> np.ndarray | None:
        """Unit feature directions of a whole window in raw space: (F · window, window · D).

        Feature i at step t is `step_features()[i]` placed in step t's block of the window;
        row t · F + i, matching source column t · S + i when F = S. None when unknown.
        """
        window = window or self.window
        f = self.step_features()
        return None if f is None else block_features(f, window)

    def labelled_windows(
        self, n: int, rng: np.random.Generator, window: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """n windows (n, window · D) and their sources (n, window · S), both float64, several
        per settled start a decorrelation gap apart (`systems.sampling.draw`).

        Draws from `rng` exactly as `windows(n, rng, window)` does, so the windows are the same.
        """
        window = window or self.window
        obs, src = draw(self, n, window, rng, self.advance_labelled)
        obs = _finite(self, obs)
        return obs.reshape(n, window * self.dim), src.reshape(n, window * self.n_sources)

    @override
    def windows(self, n: int, rng: np.random.Generator, window: int | None = None) -> np.ndarray:
        return self.labelled_windows(n, rng, window)[0]

    @override
    def samples(
        self, n: int, window: int, rng: np.random.Generator, *, held_out: bool = False
    ) -> Samples:
        """`labelled_windows` with their sources; no next observation (not drawn here)."""
        windows, sources = self.labelled_windows(n, rng, window)
        return Samples(windows, None, sources)


def block_features(step_features: np.ndarray, window: int) -> np.ndarray:
    """Per-step features (F, D) → window features (F · window, window · D), block-diagonal."""
    n_feat, dim = step_features.shape
    out = np.zeros((window, n_feat, window, dim))
    for t in range(window):
        out[t, :, t, :] = step_features
    return out.reshape(window * n_feat, window * dim)


def standardised_features(features: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Raw-space unit features (F, d_in) → their unit directions in the standardised space.

    With x' = (x − μ)/σ, a raw displacement a·f becomes a·(f/σ): the direction is f/σ,
    renormalised. `std` (d_in,) is the train split's per-dimension std; zeros count as 1, as
    the data pipeline does. A feature that vanishes (only zero-std dimensions) stays zero.
    """
    std = np.where(std > 0, std, 1.0)
    f = np.asarray(features, dtype=np.float64) / std  # (F, d_in)
    norms = np.sqrt((f * f).sum(axis=1, keepdims=True))
    return np.divide(f, norms, out=np.zeros_like(f), where=norms > 0)


def unit_rows(a: np.ndarray) -> np.ndarray:
    """Rows of `a` (F, D) scaled to unit length after rounding to float32.

    The rounding removes last-bit differences that BLAS/LAPACK-built directions (QR, the
    orthogonaliser's matmuls) may carry across CPUs, so every machine builds the same data.
    """
    a = np.asarray(a, dtype=np.float32).astype(np.float64)
    return a / np.sqrt((a * a).sum(axis=1, keepdims=True))
