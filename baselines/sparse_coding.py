"""Sparse-coding reference row: classical dictionary learning with OMP inference at exactly k.

Fit: scikit-learn `MiniBatchDictionaryLearning` with cfg.d_sae unit-norm atoms on the centred
training windows (seeded). Its own training codes are Lasso codes by coordinate descent
(alpha = 1, `fit_algorithm="cd"`: LARS costs ~100 s per cell at 2000 × 784 against ~3-8 s for
cd); 5 passes over the data (`max_iter`) in mini-batches of 256. On default logistic windows 10
passes changed the held-out FVU by 1e-4 against 5, so 5 keep a cell to seconds on one core.
Inference: `baselines.omp.OMPModel`, OMP at exactly cfg.k non-zeros, and
x̂ = z @ atoms + mean. Not trained by `bench.train`: `fit` returns the model.
"""

from dataclasses import dataclass

from typing_extensions import override

from baselines.base import SAEVariant
from bench.errors import BenchError
from bench.registry import register_sae


@register_sae("sparse_coding")
@dataclass
class SparseCoding(SAEVariant):
    """Reference: dictionary learning (scikit-learn) with OMP inference at exactly k."""

    alpha: float = 1.0  # Lasso penalty of the dictionary fit's own codes
    max_iter: int = 5  # passes over the training windows
    batch_size: int = 256

    group = "reference"
    l0_control = "per_row"

    @override
    def check(self, cfg):
        super().check(cfg)
        if self.alpha <= 0 or self.max_iter <= 0 or self.batch_size <= 0:
            raise BenchError("sparse_coding: alpha, max_iter and batch_size must be positive")

    @override
    def build(self, d_in, cfg, device):
        raise BenchError("sparse_coding is fitted by `fit` (dictionary learning), not trained")

    @override
    def fit(self, train, cfg, device, seed):
        """The fitted model (atoms from train (n, d_in)) on `device`."""
        import warnings

        import torch
        from sklearn.decomposition import MiniBatchDictionaryLearning
        from sklearn.exceptions import ConvergenceWarning

        from baselines.omp import OMPModel

        x = train.detach().double().cpu().numpy()  # (n, d_in)
        mean = x.mean(axis=0)
        learner = MiniBatchDictionaryLearning(
            n_components=cfg.d_sae,
            alpha=self.alpha,
            max_iter=self.max_iter,
            batch_size=min(self.batch_size, x.shape[0]),
            fit_algorithm="cd",
            random_state=seed,
        )
        with warnings.catch_warnings():  # cd's per-batch Lasso stops at its own max_iter
            warnings.simplefilter("ignore", ConvergenceWarning)
            learner.fit(x - mean)
        atoms = torch.from_numpy(learner.components_)  # (d_sae, d_in), unit rows
        model = OMPModel(atoms, torch.from_numpy(mean), cfg.k)
        return model.to(device).eval()
