"""A sparse superposition of chaotic sources: x_t = Σ_i a_i(t) f_i with known unit features f_i.

Each feature i owns two logistic-map orbits (r = 3.9, the `logistic` system's map), advanced
one step per observation: a firing orbit v_i and a magnitude orbit m_i. Feature i fires when
v_i < τ_i, where τ_i is the p_i-quantile of the map's invariant distribution (measured once on
a fixed reference ensemble), so it fires with probability ≈ p_i; the p_i follow sae-lens'
Zipf law (`zipfian_firing_probabilities`). A firing feature has magnitude a_i = 0.5 + m_i ∈
[0.6, 1.5], else a_i = 0. The features are sae-lens' orthogonalised random unit vectors
(`orthogonalize_embeddings`, as `FeatureDictionary` makes them), fixed by `feature_seed`.

Everything chaotic (the orbits, the firing test, the sum over features in a fixed order) uses
only IEEE +, −, ×, <, so data are bit-identical across CPUs; the features and thresholds are
built once and rounded to float32 (see `ground_truth.unit_rows`).

Why these defaults: d_in = 64 and 128 features make it a true superposition (2× more features
than dimensions) while the default SAE (d_sae = 128) has one latent per feature. Zipf
probabilities from 0.1 down to 0.02 give ≈ 3 active features per sample (sparse, as dictionary
recovery needs) and ≈ 40 firings of the rarest feature in 2000 training windows; denser data
(≈ 9–17 active) or a steeper law (0.3 → 0.02) recovered less in a sweep. Measured at the seed
paper's budget (2000 windows, 10 epochs, d_sae = 128, seed 0): TopK k = 32 mcc 0.46, L1 0.58,
against an untrained decoder's 0.33; recovery was partial there, and the larger default budget
recovers far more (the README's results compare the two runs). Sources = the magnitudes
a (n, F), 0 when not firing.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.checks import _check_positive
from systems.ground_truth import GroundTruthSystem, unit_rows
from systems.sampling import chunked

MAGNITUDE_OFFSET = 0.5  # a firing feature's magnitude is 0.5 + its orbit's value
_REFERENCE = (1000, 100, 200)  # reference ensemble: orbits, discarded steps, recorded steps


@register_system("superposition")
@dataclass
class Superposition(GroundTruthSystem):
    """Sparse superposition of 128 known unit features in 64-D, logistic-map magnitudes."""

    n_features: int = 128
    zipf_exponent: float = 1.0
    max_prob: float = 0.1
    min_prob: float = 0.02
    r: float = 3.9  # logistic-map parameter of every orbit
    feature_seed: int = 0
    orthogonalise: bool = True  # sae-lens' orthogonaliser on the random features

    dim = 64
    window = 1
    sources_fire = True  # a = 0 exactly when feature i does not fire
    lyapunov = 0.496  # each orbit's exponent (logistic map, r = 3.9) per iteration
    time_unit = "iteration"
    transient = 200

    @property
    def n_sources(self) -> int:  # type: ignore[override]
        return self.n_features

    def validate(self) -> None:
        if self.n_features < 1:
            raise BenchError(f"superposition: n_features must be ≥ 1, got {self.n_features}")
        if not 0 < self.min_prob < self.max_prob <= 1:
            raise BenchError(
                f"superposition: need 0 < min_prob < max_prob ≤ 1, got {self.min_prob}, "
                f"{self.max_prob}"
            )
        if self.zipf_exponent <= 0:
            raise BenchError(f"superposition: zipf_exponent must be > 0, got {self.zipf_exponent}")
        if not 3.6 <= self.r < 4:
            raise BenchError(
                f"superposition: r must be in [3.6, 4) (chaotic, bounded), got {self.r}"
            )

    @override
    def preflight(self, window: int) -> None:
        """The parameters only: validated r keeps every orbit in (0, 1), so nothing can blow
        up, and a trial run would import sae-lens (~5 s) for the features."""
        _check_positive(self, window=window)
        self.validate()

    @cached_property
    def firing_probabilities(self) -> np.ndarray:
        """(F,) Zipf firing probabilities, most frequent first (sae-lens)."""
        from sae_lens.synthetic import zipfian_firing_probabilities

        self.validate()
        p = zipfian_firing_probabilities(
            self.n_features, self.zipf_exponent, self.max_prob, self.min_prob
        )
        return p.double().numpy()

    @cached_property
    def thresholds(self) -> np.ndarray:
        """(F,) τ_i: the firing orbit fires when below τ_i, with probability ≈ p_i."""
        n_orbits, skip, keep = _REFERENCE
        u = np.linspace(0.1, 0.9, n_orbits)  # fixed starts: no randomness
        samples = np.empty((keep, n_orbits))
        for t in range(skip + keep):
            u = self.r * u * (1.0 - u)
            if t >= skip:
                samples[t - skip] = u
        return np.quantile(samples.ravel(), self.firing_probabilities)

    def step_features(self) -> np.ndarray:
        return self._features

    @cached_property
    def _features(self) -> np.ndarray:
        """(F, D) unit features in raw space, fixed by `feature_seed`."""
        f = np.random.default_rng(self.feature_seed).standard_normal((self.n_features, self.dim))
        if self.orthogonalise:
            import torch
            from sae_lens.synthetic import orthogonalize_embeddings

            f = orthogonalize_embeddings(torch.from_numpy(f)).numpy()
        return unit_rows(f)

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 2F): firing orbits v then magnitude orbits m."""
        return rng.uniform(0.05, 0.95, size=(n, 2 * self.n_features))

    @override
    def skip(self, state: np.ndarray, steps: int) -> np.ndarray:
        """Orbits only (the transient, the gaps between windows): no observations to sum."""
        return chunked(self, self._iterate, state, steps)[0]

    def _iterate(self, u: np.ndarray, steps: int) -> tuple[np.ndarray]:
        for _ in range(steps):
            u = self.r * u * (1.0 - u)
        return (u,)

    def advance_labelled(self, state, steps):
        n, n_feat = state.shape[0], self.n_features
        f, tau = self._features, self.thresholds  # (F, D), (F,)
        u = state.astype(np.float64)  # (n, 2F)
        obs = np.zeros((n, steps, self.dim))
        sources = np.empty((n, steps, n_feat))
        for t in range(steps):
            u = self.r * u * (1.0 - u)
            a = np.where(u[:, :n_feat] < tau, MAGNITUDE_OFFSET + u[:, n_feat:], 0.0)  # (n, F)
            sources[:, t] = a
            x = obs[:, t]  # (n, D) view
            for i in range(n_feat):  # fixed summation order, no BLAS
                x += a[:, i : i + 1] * f[i]
        return obs, sources, u
