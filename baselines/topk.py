"""TopK SAE: keep the k largest pre-activations per row, ReLU them: sae-lens `topk`."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("topk")
@dataclass
class TopK(SAEVariant):
    """TopK SAE with the AuxK dead-latent loss (sae-lens `topk`)."""

    aux_loss_coefficient: float = 1.0

    uses_k = True
    group = "core"
    l0_control = "per_row"

    def build(self, d_in, cfg, device):
        from sae_lens import TopKTrainingSAE, TopKTrainingSAEConfig

        sae_cfg = TopKTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            k=cfg.k,
            aux_loss_coefficient=self.aux_loss_coefficient,
            device=device,
        )
        return TopKTrainingSAE(sae_cfg)
