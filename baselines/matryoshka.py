"""Matryoshka BatchTopK SAE: nested prefixes of the latents each reconstruct the input:
sae-lens `matryoshka_batchtopk` (saved, like BatchTopK, as a JumpReLU SAE)."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("matryoshka")
@dataclass
class Matryoshka(SAEVariant):
    """Matryoshka BatchTopK SAE, nested widths d_sae/4, d_sae/2, d_sae (sae-lens)."""

    uses_k = True
    group = "extended"
    l0_control = "batch_mean"

    def build(self, d_in, cfg, device):
        from sae_lens import (
            MatryoshkaBatchTopKTrainingSAE,
            MatryoshkaBatchTopKTrainingSAEConfig,
        )

        widths = sorted({max(1, cfg.d_sae // 4), max(1, cfg.d_sae // 2), cfg.d_sae})
        sae_cfg = MatryoshkaBatchTopKTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, k=cfg.k, matryoshka_widths=widths, device=device
        )
        return MatryoshkaBatchTopKTrainingSAE(sae_cfg)
