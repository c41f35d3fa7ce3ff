"""AbsTopK SAE: the k pre-activations largest in magnitude keep their sign: sae-lens `abstopk`."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("abstopk")
@dataclass
class AbsTopK(SAEVariant):
    """AbsTopK SAE, top-k by |pre-activation|, signed latents (sae-lens `abstopk`)."""

    uses_k = True
    group = "extended"
    l0_control = "per_row"

    def build(self, d_in, cfg, device):
        from sae_lens import AbsTopKTrainingSAE, AbsTopKTrainingSAEConfig

        sae_cfg = AbsTopKTrainingSAEConfig(d_in=d_in, d_sae=cfg.d_sae, k=cfg.k, device=device)
        return AbsTopKTrainingSAE(sae_cfg)
