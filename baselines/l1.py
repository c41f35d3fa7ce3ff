"""ReLU SAE with an L1 penalty weighted by decoder norms: sae-lens `standard`."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("l1")
@dataclass
class L1(SAEVariant):
    """ReLU + L1 penalty, decoder-norm weighted (sae-lens `standard`)."""

    l1_coefficient: float = 1.0

    sparsity_coefficient = "l1_coefficient"
    group = "core"
    l0_control = "coefficient"

    def build(self, d_in, cfg, device):
        from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig

        sae_cfg = StandardTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, l1_coefficient=self.l1_coefficient, device=device
        )
        return StandardTrainingSAE(sae_cfg)
