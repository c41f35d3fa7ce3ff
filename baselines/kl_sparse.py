"""KL-sparse SAE (Ng 2011) as a registered SAE (its sae-lens classes live in
`baselines.kl_sparse_sae`, imported only when a model is built).

No `sparsity_coefficient`: sigmoid latents are never 0, so β cannot be calibrated to an L0.
"""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.errors import BenchError
from bench.registry import register_sae


@register_sae("kl_sparse")
@dataclass
class KLSparse(SAEVariant):
    """Sigmoid latents, β·Σ_j KL(ρ ‖ ρ̂_j) on each latent's batch-mean activation (Ng 2011)."""

    rho: float = 0.05
    beta: float = 1.0

    group = "classic"

    def check(self, cfg) -> None:
        super().check(cfg)
        if not 0 < self.rho < 1:
            raise BenchError(f"kl_sparse: rho must be in (0, 1), got {self.rho}")

    def build(self, d_in, cfg, device):
        from baselines.kl_sparse_sae import KLSparseTrainingSAE, KLSparseTrainingSAEConfig

        sae_cfg = KLSparseTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, rho=self.rho, beta=self.beta, device=device
        )
        return KLSparseTrainingSAE(sae_cfg)
