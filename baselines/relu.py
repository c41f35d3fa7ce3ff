"""Dense ReLU SAE with no sparsity penalty: sae-lens `standard` with l1_coefficient = 0."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("relu")
@dataclass
class Relu(SAEVariant):
    """Dense ReLU SAE, no sparsity penalty (sae-lens `standard`, l1_coefficient = 0)."""

    group = "core"

    def build(self, d_in, cfg, device):
        from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig

        sae_cfg = StandardTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, l1_coefficient=0.0, device=device
        )
        return StandardTrainingSAE(sae_cfg)
