"""Winner-take-all lifetime-sparsity SAE (Makhzani & Frey 2015) as a registered SAE (its
sae-lens classes live in `baselines.wta_sae`, imported only when a model is built)."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.errors import BenchError
from bench.registry import register_sae


@register_sae("wta")
@dataclass
class WTA(SAEVariant):
    """Winner-take-all: each latent keeps its top p of the batch; inference gate θ learned."""

    lifetime_sparsity: float = 0.05
    threshold_lr: float = 0.01

    group = "classic"
    l0_control = "coefficient"

    def check(self, cfg) -> None:
        super().check(cfg)
        if not 0 < self.lifetime_sparsity <= 1:
            raise BenchError(
                f"wta: lifetime_sparsity must be in (0, 1], got {self.lifetime_sparsity}"
            )
        if not 0 < self.threshold_lr <= 1:
            raise BenchError(f"wta: threshold_lr must be in (0, 1], got {self.threshold_lr}")

    def build(self, d_in, cfg, device):
        from baselines.wta_sae import WTATrainingSAE, WTATrainingSAEConfig

        sae_cfg = WTATrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            lifetime_sparsity=self.lifetime_sparsity,
            threshold_lr=self.threshold_lr,
            device=device,
        )
        return WTATrainingSAE(sae_cfg)
