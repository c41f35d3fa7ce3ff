"""Seed 001's blind-source experiment: a sine and a step, linearly mixed into 8 inputs.

Over a record of 3000 samples (t = 0 … 2999, then it repeats) the two sources are

    s_1(t) = 1 + sin(2π t / sine_period)                      ∈ [0, 2]
    s_2(t) = 2 if (t mod step_period) ≥ step_period / 2 else 0 ∈ {0, 2}   (a square step)

and x(t) = M s(t) with M = Q · diag(σ) · R(θ) (8 × 2): the sources are rotated in their plane by
θ, stretched by σ ∈ [0.5, 2]², and embedded by a random orthonormal 2-frame Q of R^8, all drawn
from `mixing_seed`. The true features are M's unit columns; the sources are (s_1, s_2).

A sample is one time step (window 1) from a uniformly random t, as in the seed, where each
sample is one time point; a window of w takes w consecutive time steps (features placed per
step). Defaults: 10 sine periods and 3 step periods over the record, so the two sources are
exactly uncorrelated over it. d_in = 8: more inputs than sources, so the mixing is a genuine
embedding (a 2-D plane in 8-D, like a direction in a model's residual stream) rather than an
invertible 2 × 2 map, yet small enough for seed 001's long run (600 epochs) to take a minute.
Not chaotic (largest exponent 0): this is the seed's ground-truth check, not a chaos system.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bench.errors import BenchError
from bench.registry import register_system
from systems.ground_truth import GroundTruthSystem, unit_rows


@register_system("mixed_sources")
@dataclass
class MixedSources(GroundTruthSystem):
    """Seed 001: a sine and a step in [0, 2], mixed by a random rotation and stretch into 8-D."""

    n_samples: int = 3000  # length of the record (the signals repeat after it)
    sine_period: float = 300.0  # samples per sine period
    step_period: int = 1000  # samples per step period (low half, then high half)
    mixing_seed: int = 0

    dim = 8
    window = 1
    lyapunov = 0.0  # periodic signals: no chaos
    time_unit = "sample"
    transient = 0
    n_sources = 2

    def validate(self) -> None:
        if self.n_samples < 2:
            raise BenchError(f"mixed_sources: n_samples must be ≥ 2, got {self.n_samples}")
        if self.sine_period <= 0:
            raise BenchError(f"mixed_sources: sine_period must be > 0, got {self.sine_period}")
        if self.step_period < 2:
            raise BenchError(f"mixed_sources: step_period must be ≥ 2, got {self.step_period}")

    @cached_property
    def mixing(self) -> np.ndarray:
        """M (D, 2): raw input = M @ sources."""
        rng = np.random.default_rng(self.mixing_seed)
        q, _ = np.linalg.qr(rng.standard_normal((self.dim, 2)))  # (D, 2) orthonormal frame
        theta = rng.uniform(0.0, 2 * np.pi)
        rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        stretch = np.diag(rng.uniform(0.5, 2.0, size=2))
        # float32 rounding: QR and trig may differ in the last bit across CPUs
        return np.asarray(q @ stretch @ rotation, dtype=np.float32).astype(np.float64)

    def step_features(self) -> np.ndarray:
        return unit_rows(self.mixing.T)  # (2, D)

    def sources_at(self, t: np.ndarray) -> np.ndarray:
        """Sources at integer times t (...,): (..., 2) float64."""
        t = np.mod(t, self.n_samples)
        phase = np.mod(t, self.sine_period) / self.sine_period
        sine = np.clip(1.0 + ieee_sin(2 * np.pi * phase), 0.0, 2.0)  # rounding stays in [0, 2]
        step = np.where(np.mod(t, self.step_period) >= self.step_period / 2, 2.0, 0.0)
        return np.stack([sine, step], axis=-1)

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 1): random start times in the record."""
        return rng.integers(0, self.n_samples, size=(n, 1)).astype(np.float64)

    def advance_labelled(self, state, steps):
        t0 = np.round(state[:, 0]).astype(np.int64)  # (n,)
        times = t0[:, None] + np.arange(steps)  # (n, steps)
        sources = self.sources_at(times)  # (n, steps, 2)
        m = self.mixing  # (D, 2)
        obs = sources[..., 0:1] * m[:, 0] + sources[..., 1:2] * m[:, 1]  # (n, steps, D)
        final = np.mod(t0 + steps, self.n_samples).astype(np.float64)[:, None]
        return obs, sources, final


def ieee_sin(x: np.ndarray) -> np.ndarray:
    """sin(x) for x in [0, 2π) with + − × ÷ only (a Taylor series about π to x^29; within 2e-15
    of libm's), so the data are bit-identical on every CPU, which libm's sin does not promise."""
    y = np.pi - np.asarray(x, dtype=np.float64)  # sin(x) = sin(π − x), |π − x| ≤ π
    term, total = y.copy(), y.copy()
    for n in range(1, 15):
        term = -term * y * y / ((2 * n) * (2 * n + 1))
        total = total + term
    return total
