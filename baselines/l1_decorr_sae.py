"""L1 + decorrelation SAE (seed 001) as sae-lens SAE classes, registered with sae-lens.

    z    = ReLU(W_enc (x − b_dec) + b_enc)                      (n, d_sae)   as sae-lens `standard`
    z̃_j  = z_j · ‖W_dec,j‖                                      decoder-norm weighted latents
    C    = batch covariance of z̃ (population, 1/n)              (d_sae, d_sae)
    loss = Σ_d (x − x̂)² + λ₁ · mean_n Σ_j z̃_j + λ_c · Σ_{i≠j} C_ij²

The L1 term is sae-lens' `standard` one; the decorrelation term is weighted by decoder norms
too, so neither can be shrunk by scaling the latents down and the decoder up. The inference
form is a plain ReLU SAE. Importing this module imports sae-lens (seconds).
"""

from dataclasses import dataclass

import torch
from sae_lens import (
    StandardSAE,
    StandardSAEConfig,
    StandardTrainingSAE,
    StandardTrainingSAEConfig,
    register_sae_class,
    register_sae_training_class,
)
from sae_lens.saes.sae import TrainStepInput

ARCHITECTURE = "l1_decorr"


def decorrelation_penalty(acts: torch.Tensor) -> torch.Tensor:
    """Σ_{i≠j} C_ij² of the population covariance C of acts (n, m) over its rows: scalar."""
    centred = acts - acts.mean(dim=0)
    cov = centred.T @ centred / acts.shape[0]  # (m, m)
    return cov.pow(2).sum() - cov.diagonal().pow(2).sum()


@dataclass
class L1DecorrSAEConfig(StandardSAEConfig):
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


@dataclass
class L1DecorrTrainingSAEConfig(StandardTrainingSAEConfig):
    decorr_coefficient: float = 1.0

    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class L1DecorrSAE(StandardSAE):
    """Inference L1 + decorrelation SAE: a ReLU SAE (what `SAE.load_from_disk` returns)."""


class L1DecorrTrainingSAE(StandardTrainingSAE):
    """Training SAE: sae-lens' L1 loss plus the decorrelation penalty."""

    cfg: L1DecorrTrainingSAEConfig  # type: ignore[assignment]

    def get_coefficients(self):
        return {**super().get_coefficients(), "decorr": self.cfg.decorr_coefficient}

    def calculate_aux_loss(
        self,
        step_input: TrainStepInput,
        feature_acts: torch.Tensor,
        hidden_pre: torch.Tensor,
        sae_out: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        losses = super().calculate_aux_loss(step_input, feature_acts, hidden_pre, sae_out)
        weighted = feature_acts * self.W_dec.norm(dim=1)  # (n, d_sae)
        losses["decorr_loss"] = step_input.coefficients["decorr"] * decorrelation_penalty(weighted)
        return losses


register_sae_class(ARCHITECTURE, L1DecorrSAE, L1DecorrSAEConfig)
register_sae_training_class(ARCHITECTURE, L1DecorrTrainingSAE, L1DecorrTrainingSAEConfig)
