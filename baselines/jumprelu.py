"""JumpReLU SAE with a learned per-latent threshold and an L0 penalty: sae-lens `jumprelu`."""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("jumprelu")
@dataclass
class JumpRelu(SAEVariant):
    """JumpReLU SAE, straight-through L0 penalty (sae-lens `jumprelu`, DeepMind's "step")."""

    l0_coefficient: float = 1.0
    init_threshold: float = 0.01
    bandwidth: float = 0.05

    sparsity_coefficient = "l0_coefficient"

    def build(self, d_in, cfg, device):
        from sae_lens import JumpReLUTrainingSAE, JumpReLUTrainingSAEConfig

        sae_cfg = JumpReLUTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            l0_coefficient=self.l0_coefficient,
            jumprelu_init_threshold=self.init_threshold,
            jumprelu_bandwidth=self.bandwidth,
            device=device,
        )
        return JumpReLUTrainingSAE(sae_cfg)
