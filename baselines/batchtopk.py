"""BatchTopK SAE: k active latents on average over the batch: sae-lens `batchtopk`.

It trains with a batch-dependent top-k and is saved by sae-lens as a JumpReLU SAE with the
learned global threshold; the benchmark evaluates that saved inference form.
"""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("batchtopk")
@dataclass
class BatchTopK(SAEVariant):
    """BatchTopK SAE, k per row on average over the batch (sae-lens `batchtopk`)."""

    topk_threshold_lr: float = 0.01

    uses_k = True
    group = "extended"
    l0_control = "batch_mean"

    def build(self, d_in, cfg, device):
        from sae_lens import BatchTopKTrainingSAE, BatchTopKTrainingSAEConfig

        sae_cfg = BatchTopKTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            k=cfg.k,
            topk_threshold_lr=self.topk_threshold_lr,
            device=device,
        )
        return BatchTopKTrainingSAE(sae_cfg)
