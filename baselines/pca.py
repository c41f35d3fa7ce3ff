"""PCA reference row: the k leading principal components as a closed-form sae-lens SAE.

From the training windows (n, d_in): mean μ and the k leading right singular vectors V (k, d_in)
of the centred windows (numpy SVD). The model is sae-lens' inference `StandardSAE` with ± pairs
of components, d_sae = 2k (not cfg.d_sae): W_enc = [Vᵀ, −Vᵀ] (d_in, 2k), b_enc = 0,
W_dec = [V; −V] (2k, d_in), b_dec = μ (subtracted from the input before encoding). With the
ReLU, latent i is max(p_i, 0) and latent k+i is max(−p_i, 0) for p = (x − μ)Vᵀ, so at most k
latents are active and x̂ = μ + p V: the best linear code with k dense coefficients. When k
exceeds the number of components, min(n_train, d_in) (e.g. the 8-D mixed sources at k = 32),
all components are kept: the exact linear code, FVU 0 up to rounding.
No training: `fit` returns the model and `build` refuses.
"""

from dataclasses import dataclass

import numpy as np
from typing_extensions import override

from baselines.base import SAEVariant
from bench.errors import BenchError
from bench.registry import register_sae


def pca_components(train: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d_in,) and the k leading principal directions (k, d_in) of train (n, d_in)."""
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)  # vt (min(n, d_in), d_in)
    return mean, vt[:k]


@register_sae("pca")
@dataclass
class PCA(SAEVariant):
    """Reference: k leading principal components as ± pairs (closed form, 2k latents)."""

    group = "reference"
    l0_control = "per_row"

    @override
    def check(self, cfg):
        if cfg.k <= 0:
            raise BenchError(f"pca: k must be positive, got k={cfg.k}")

    @override
    def build(self, d_in, cfg, device):
        raise BenchError("pca is closed-form: it is fitted by `fit`, not trained")

    @override
    def fit(self, train, cfg, device, seed):
        """The fitted sae-lens `StandardSAE` (float32, on `device`); seed is unused (exact)."""
        import torch
        from sae_lens import StandardSAE, StandardSAEConfig

        x = train.detach().double().cpu().numpy()  # (n, d_in)
        n, d_in = x.shape
        k = min(cfg.k, n, d_in)  # more components than exist: keep them all
        mean, v = pca_components(x, k)  # (d_in,), (k, d_in)
        w_dec = np.concatenate([v, -v])  # (2k, d_in)
        sae = StandardSAE(StandardSAEConfig(d_in=d_in, d_sae=2 * k, device=device))
        state = {
            "W_enc": torch.from_numpy(w_dec.T.copy()),
            "b_enc": torch.zeros(2 * k),
            "W_dec": torch.from_numpy(w_dec),
            "b_dec": torch.from_numpy(mean),
        }
        sae.load_state_dict({name: t.float() for name, t in state.items()})
        return sae.eval()
