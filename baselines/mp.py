"""Matching Pursuit SAE: sae-lens `matching_pursuit` (tied: the encoder is greedy matching
pursuit over the decoder rows), at most k pursuit iterations, so at most k active latents.

sae-lens' own stopping rules stay on: a row stops early when its support repeats or its
residual norm falls below `residual_threshold` (sae-lens' default 0.01; in the standardised
space a window's norm is ~√d_in, so this rarely fires). Trained by `bench.train` like the others.
"""

from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("mp")
@dataclass
class MatchingPursuit(SAEVariant):
    """Matching Pursuit SAE, at most k pursuit steps (sae-lens `matching_pursuit`)."""

    residual_threshold: float = 1e-2

    group = "extended"
    l0_control = "per_row"
    uses_k = True

    def build(self, d_in, cfg, device):
        from sae_lens import MatchingPursuitTrainingSAE, MatchingPursuitTrainingSAEConfig

        sae_cfg = MatchingPursuitTrainingSAEConfig(
            d_in=d_in,
            d_sae=cfg.d_sae,
            max_iterations=cfg.k,
            decoder_init_norm=1.0,  # sae-lens requires it (and warns otherwise)
            residual_threshold=self.residual_threshold,
            device=device,
        )
        return MatchingPursuitTrainingSAE(sae_cfg)
