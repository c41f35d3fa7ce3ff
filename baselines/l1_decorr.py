"""L1 + decorrelation SAE (seed 001) as a registered SAE (its sae-lens classes live in
`baselines.l1_decorr_sae`, imported only when a model is built)."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("l1_decorr")
@dataclass
class L1Decorr(SAEVariant):
    """ReLU + L1 + squared off-diagonal batch covariance of the latents (seed 001)."""

    l1_coefficient: float = 1.0
    decorr_coefficient: float = 1.0

    group = "classic"
    l0_control = "coefficient"
    sparsity_coefficient = "l1_coefficient"

    def build(self, d_in, cfg, device):
        from baselines.l1_decorr_sae import L1DecorrTrainingSAE, L1DecorrTrainingSAEConfig

        sae_cfg = L1DecorrTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            l1_coefficient=self.l1_coefficient,
            decorr_coefficient=self.decorr_coefficient,
            device=device,
        )
        return L1DecorrTrainingSAE(sae_cfg)
