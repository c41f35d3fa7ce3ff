"""K-Sparse Chaos, the project's own variant, as a registered SAE (the sae-lens classes live in
`baselines.ksparse_chaos_sae`, imported only when a model is built)."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("ksparse_chaos")
@dataclass
class KSparseChaos(SAEVariant):
    """K-Sparse Chaos: sin(8x)+0.5·tanh(4x), top-k by value, target-variance regulariser."""

    target_variance: float = 0.1
    variance_coefficient: float = 0.01

    uses_k = True
    group = "core"
    l0_control = "per_row"

    def build(self, d_in, cfg, device):
        from baselines.ksparse_chaos_sae import (
            KSparseChaosTrainingSAE,
            KSparseChaosTrainingSAEConfig,
        )

        sae_cfg = KSparseChaosTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            k=cfg.k,
            target_variance=self.target_variance,
            variance_coefficient=self.variance_coefficient,
            device=device,
        )
        return KSparseChaosTrainingSAE(sae_cfg)
