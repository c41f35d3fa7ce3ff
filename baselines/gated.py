"""Gated SAE: a binary gate path and a magnitude path sharing W_enc: sae-lens `gated`."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("gated")
@dataclass
class Gated(SAEVariant):
    """Gated SAE, L1 on the gate path plus its auxiliary reconstruction (sae-lens `gated`)."""

    l1_coefficient: float = 1.0

    sparsity_coefficient = "l1_coefficient"
    group = "core"
    l0_control = "coefficient"

    def build(self, d_in, cfg, device):
        from sae_lens import GatedTrainingSAE, GatedTrainingSAEConfig

        sae_cfg = GatedTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, l1_coefficient=self.l1_coefficient, device=device
        )
        return GatedTrainingSAE(sae_cfg)
