"""KL-sparse SAE (Ng 2011, "Sparse autoencoder" lecture notes) as sae-lens SAE classes.

    z    = sigmoid(W_enc (x − b_dec) + b_enc) ∈ (0, 1)          (n, d_sae)
    ρ̂_j  = mean over the batch of z_j
    loss = Σ_d (x − x̂)² + β · Σ_j KL(ρ ‖ ρ̂_j),
           KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂))

The decoder is linear (our inputs are standardised, not in [0, 1] as in the notes), and there
is no weight decay (sae-lens' trainer has none). Sigmoid latents are never exactly 0, so L0 is
d_sae: sparsity here means a small mean activation, not zeros. Inference: the same sigmoid
encoder. Importing this module imports sae-lens (seconds).
"""

from dataclasses import dataclass

import torch
from sae_lens import (
    SAE,
    SAEConfig,
    TrainingSAE,
    TrainingSAEConfig,
    register_sae_class,
    register_sae_training_class,
)
from sae_lens.saes.sae import TrainStepInput
from torch import nn

from baselines.sae_parts import ActivationEncoder, LinearDecoder

ARCHITECTURE = "kl_sparse"
_CLAMP = 1e-6  # ρ̂ is kept in [1e-6, 1 − 1e-6] so the logs stay finite


def kl_sparsity(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) for the mean activations rho_hat (m,): scalar, 0 iff every ρ̂_j = ρ."""
    q = rho_hat.clamp(_CLAMP, 1 - _CLAMP)
    return (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()


@dataclass
class KLSparseSAEConfig(SAEConfig):
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


@dataclass(kw_only=True)
class KLSparseTrainingSAEConfig(TrainingSAEConfig):
    rho: float = 0.05  # target mean activation of every latent
    beta: float = 1.0  # weight of the KL penalty

    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class _SigmoidEncoder(ActivationEncoder):
    """Encoder shared by the inference and training classes."""

    def get_activation_fn(self) -> nn.Module:
        return nn.Sigmoid()


class KLSparseSAE(_SigmoidEncoder, LinearDecoder, SAE[KLSparseSAEConfig]):
    """Inference KL-sparse SAE: sigmoid encoder, linear decoder."""


class KLSparseTrainingSAE(_SigmoidEncoder, TrainingSAE[KLSparseTrainingSAEConfig]):
    """Training KL-sparse SAE: the KL penalty on each latent's batch-mean activation."""

    def get_coefficients(self) -> dict[str, float]:
        return {"kl": self.cfg.beta}

    def calculate_aux_loss(
        self,
        step_input: TrainStepInput,
        feature_acts: torch.Tensor,
        hidden_pre: torch.Tensor,
        sae_out: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        penalty = kl_sparsity(self.cfg.rho, feature_acts.mean(dim=0))
        return {"kl_loss": step_input.coefficients["kl"] * penalty}


register_sae_class(ARCHITECTURE, KLSparseSAE, KLSparseSAEConfig)
register_sae_training_class(ARCHITECTURE, KLSparseTrainingSAE, KLSparseTrainingSAEConfig)
