"""SynthSAEBench at CPU size: sae-lens' own synthetic toolkit, scaled down from SynthSAEBench-16k.

The generator is sae-lens' `SyntheticModel` (`sae_lens.synthetic`), configured like
SynthSAEBench-16k (SAELens' docs/synth_sae_bench.md) with the sizes scaled down:

                        SynthSAEBench-16k              here (defaults)
    features F          16,384                         512
    hidden dim D        768                            64
    SAE width           4096 = F/4                     128 = F/4 (the benchmark's d_sae)
    hierarchy           128 roots, branching 4,        4 roots, branching 4, depth 3:
                        depth 3: 66 % of the features  the same trees, 66 % of the features
    true L0             ≈ 34 (≈ 25 in the top F/4)     ≈ 4.7 (≈ 3.5 in the top 128)

Unchanged from 16k: Zipf firing (exponent 0.5, p from 0.4 down to 5e-4), every parent's children
mutually exclusive, probabilities compensated for the hierarchy, children scaled by their parent's
magnitude over its mean, low-rank correlation (rank 25, scale 0.1), mean magnitudes linear from 5
to 4, their std folded normal (0.5, 0.5), 100 orthogonalisation steps at lr 3e-4. Changed: no
bias (the benchmark subtracts the train mean anyway). Why these sizes: an SAE recovers an L0-sparse
code of F features in D dimensions when D ≳ c · L0 · ln(F / L0); 16k has c ≈ 3.6, and D = 64 with
the same probability law gives L0 ≈ 4.7, c ≈ 2.9 (a little harder), on 2 CPU cores.

A sample is one i.i.d. draw (window 1): sources = the F feature magnitudes (0 when off),
observation x = Σ_i a_i f_i, features f_i = the dictionary's unit vectors in raw space. Not
chaotic (λ = 0). `superposition`'s logistic-orbit magnitudes are left out on purpose: with i.i.d.
samples they would only swap the toolkit's magnitude law for the map's invariant density. Measured
(one seed; 32,000 samples, 30 epochs, batch 256, L0 = 4): Matryoshka has the best F1 (0.64) and
MCC (0.72), Matching Pursuit the best variance explained (0.85) but a low F1 (0.35), as on 16k;
10 epochs are not enough for that pattern. This module neither trains nor scores.

Reproducibility. The draws are the toolkit's (`ActivationGenerator.sample`, torch's global CPU
RNG, forked and seeded from the numpy data stream, so the caller's torch state is untouched).
torch's Gaussian kernels, its matmul and libm may differ in the last bits between CPUs, so we
sample in float64 and round the sources to float32: a firing decision or a rounded magnitude can
then differ only when a draw lies within ~1e-16 of a threshold or a float32 rounding boundary
(even if every magnitude were off by an ulp: p ≈ 2^-28 per value, < 1e-3 for a 40,000-sample
dataset); the sum over features runs in a fixed order without BLAS, and the features are rounded
like `ground_truth.unit_rows`. Still, the bytes are not the same on every CPU: a hash of seed
0's first windows pinned on one machine did not hold on another CPU model, so
`tests/test_synth_hierarchy.py` pins their values to 1e-5 relative (a changed firing decision
would move them far more) and the bytes only within one machine. A torch release that changes
its CPU RNG changes the data.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import torch
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import register_system
from systems.base import _check_positive
from systems.ground_truth import GroundTruthSystem, unit_rows

CHUNK = 4096  # samples drawn per call of the toolkit's generator (bounds memory; fixed)
KEY_LIMIT = 2**53  # keys are float64 integers, exact below this
ORTHO_STEPS, ORTHO_LR = 100, 3e-4  # SynthSAEBench-16k's orthogonalisation of the dictionary


@register_system("synth_hierarchy")
@dataclass
class SynthHierarchy(GroundTruthSystem):
    """SynthSAEBench-16k scaled down: 512 sae-lens synthetic features in 64-D, hierarchical."""

    n_features: int = 512
    roots: int = 4  # hierarchy trees
    branching: int = 4  # children per parent
    depth: int = 3  # levels below a root
    zipf_exponent: float = 0.5
    max_prob: float = 0.4
    min_prob: float = 5e-4
    correlation_rank: int = 25
    correlation_scale: float = 0.1  # 0: features fire independently (given the hierarchy)
    model_seed: int = 42  # fixes the dictionary, hierarchy, correlations and magnitude laws

    dim = 64
    window = 1
    lyapunov = 0.0  # i.i.d. samples: no dynamics
    time_unit = "sample"
    sources_fire = True  # a magnitude is 0 exactly when its feature is off
    transient = 0

    @property
    @override
    def n_sources(self) -> int:  # type: ignore[override]
        return self.n_features

    @override
    def validate(self) -> None:
        bad = {
            "n_features must be ≥ 2": self.n_features < 2,
            "roots must be ≥ 1": self.roots < 1,
            "branching must be ≥ 2": self.branching < 2,
            "depth must be ≥ 1": self.depth < 1,
            "need 0 < min_prob < max_prob ≤ 1": not 0 < self.min_prob < self.max_prob <= 1,
            "zipf_exponent must be > 0": self.zipf_exponent <= 0,
            "correlation_rank must be ≥ 1": self.correlation_rank < 1,
            # the toolkit caps rows with rank · scale² ≥ 0.99; refuse instead of capping silently
            "need 0 ≤ correlation_rank · correlation_scale² < 0.5": not (
                self.correlation_scale >= 0
                and self.correlation_rank * self.correlation_scale**2 < 0.5
            ),
        }
        for message, failed in bad.items():
            if failed:
                raise BenchError(f"synth_hierarchy: {message}; got {self.params()}")

    @property
    def model(self):
        """The toolkit's `SyntheticModel` (CPU, float64 draws) for these parameters."""
        self.validate()
        return _model(tuple(sorted(self.params().items())))

    @property
    def firing_probabilities(self) -> np.ndarray:
        """(F,) the Zipf law's probabilities, most frequent first (before the hierarchy)."""
        return self.model.cfg.firing_probability.generate(self.n_features).double().numpy()

    @override
    def step_features(self) -> np.ndarray:
        return self._features

    @cached_property
    def _features(self) -> np.ndarray:
        """(F, D) the dictionary's unit feature vectors in raw space."""
        return unit_rows(self.model.feature_dict.feature_vectors.detach().double().numpy())

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, 1) integer keys; a batch's draws are seeded by its first key."""
        return rng.integers(0, KEY_LIMIT, size=(n, 1)).astype(np.float64)

    @override
    def settle(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The keys: i.i.d. samples have no transient."""
        _check_positive(self, n=n)
        self.validate()
        return self.initial_states(n, rng)

    @override
    def advance_labelled(
        self, state: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw n · steps samples from the toolkit's generator seeded by the first key."""
        n, generator = len(state), self.model.activation_generator
        total = n * steps
        # the caller's torch stream stays as it was
        with torch.random.fork_rng(devices=[]), _one_thread():
            torch.random.default_generator.manual_seed(int(state[0, 0]))
            draws = [generator.sample(min(CHUNK, total - i)) for i in range(0, total, CHUNK)]
            final = torch.randint(0, KEY_LIMIT, (n, 1), dtype=torch.float64)
        # float32 rounding: last-bit differences of torch's kernels across CPUs vanish
        sources = torch.cat(draws).numpy().astype(np.float32).astype(np.float64)  # (n·steps, F)
        obs = _superpose(sources, self._features)  # (n·steps, D)
        shape = (n, steps)
        return obs.reshape(*shape, self.dim), sources.reshape(*shape, -1), final.numpy()


def _superpose(sources: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Σ_i a_i f_i for sources (m, F) and features (F, D): (m, D), each row summed over the
    features in ascending order (IEEE + and ×, no BLAS), only where a feature fires."""
    out = np.zeros((len(sources), features.shape[1]))
    for i in range(features.shape[0]):
        rows = np.flatnonzero(sources[:, i])
        if rows.size:
            out[rows] += sources[rows, i : i + 1] * features[i]
    return out


@lru_cache(maxsize=4)  # cells of a process share it: the orthogonaliser takes seconds
def _model(params: tuple):
    """The toolkit's `SyntheticModel` for a `SynthHierarchy`'s sorted (field, value) pairs."""
    from sae_lens.synthetic import (
        FoldedNormalMagnitudeConfig,
        HierarchyConfig,
        LinearMagnitudeConfig,
        LowRankCorrelationConfig,
        OrthogonalizationConfig,
        SyntheticModel,
        SyntheticModelConfig,
        ZipfianFiringProbabilityConfig,
    )

    p = dict(params)
    cfg = SyntheticModelConfig(
        num_features=p["n_features"],
        hidden_dim=SynthHierarchy.dim,
        firing_probability=ZipfianFiringProbabilityConfig(
            exponent=p["zipf_exponent"], max_prob=p["max_prob"], min_prob=p["min_prob"]
        ),
        hierarchy=HierarchyConfig(
            total_root_nodes=p["roots"],
            branching_factor=p["branching"],
            max_depth=p["depth"],
            mutually_exclusive_portion=1.0,
            compensate_probabilities=True,
            scale_children_by_parent=True,
        ),
        orthogonalization=OrthogonalizationConfig(num_steps=ORTHO_STEPS, lr=ORTHO_LR),
        correlation=LowRankCorrelationConfig(
            rank=p["correlation_rank"], correlation_scale=p["correlation_scale"]
        ),
        mean_firing_magnitudes=LinearMagnitudeConfig(start=5.0, end=4.0),
        std_firing_magnitudes=FoldedNormalMagnitudeConfig(mean=0.5, std=0.5),
        bias=False,
        dtype="float64",
        seed=p["model_seed"],
    )
    dictionary = _dictionary(cfg.num_features, cfg.hidden_dim, cfg.seed)
    toolkit_log = logging.getLogger("sae_lens.synthetic.synthetic_model")
    level = toolkit_log.level
    toolkit_log.setLevel(logging.ERROR)  # probability clamping by the compensation: expected
    try:
        with _one_thread():
            return SyntheticModel(cfg, feature_dict=dictionary)
    finally:
        toolkit_log.setLevel(level)


@lru_cache(maxsize=4)
def _dictionary(n_features: int, dim: int, seed: int):
    """The `FeatureDictionary` SyntheticModel itself builds (same seed, same orthogonaliser
    settings), without its progress bar; shared by configurations that differ elsewhere."""
    from sae_lens.synthetic import FeatureDictionary, orthogonal_initializer

    with _one_thread():
        return FeatureDictionary(
            num_features=n_features,
            hidden_dim=dim,
            bias=False,
            initializer=orthogonal_initializer(num_steps=ORTHO_STEPS, lr=ORTHO_LR),
            seed=seed,
        )


@contextmanager
def _one_thread() -> Iterator[None]:
    """torch on one thread for the toolkit's many small tensor ops (then back as it was):
    measured on the 2 shared cores, 2 threads cost 3× (sampling) to 20× (the orthogonaliser)
    the CPU time of 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
