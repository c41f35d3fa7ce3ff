"""KL-sparse SAE (Ng 2011, "Sparse autoencoder" lecture notes) as sae-lens classes: its
configs, inference class and training class, registered with sae-lens, and the bench's entry.

    z    = sigmoid(W_enc (x − b_dec) + b_enc) ∈ (0, 1)          (n, d_sae)
    ρ̂_j  = mean over the batch of z_j
    loss = Σ_d (x − x̂)² + β · Σ_j KL(ρ ‖ ρ̂_j),
           KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂))

The decoder is linear (our inputs are standardised, not in [0, 1] as in the notes), and there
is no weight decay (sae-lens' trainer has none). Sigmoid latents are never exactly 0, so L0 is
d_sae: sparsity here means a small mean activation, not zeros, and nothing calibrates β to an
L0 (the variant's `l0_control` is "none"). Inference: the same sigmoid encoder. The bench's
variant is the `KLSparse` entry at the end of this file. Importing this module imports
sae-lens (seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from sae_lens import SAE, SAEConfig, TrainingSAE, TrainingSAEConfig
from torch import nn
from typing_extensions import override

from baselines.base import SaeLensVariant
from baselines.sae_lens_adapter import ActivationEncoder, LinearDecoder, register_architecture
from bench.errors import BenchError
from bench.registry import register_sae

if TYPE_CHECKING:
    from baselines.sae_lens_adapter import TrainStepInput

ARCHITECTURE = "kl_sparse"
_CLAMP = 1e-6  # ρ̂ is kept in [1e-6, 1 − 1e-6] so the logs stay finite


def kl_sparsity(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) for the mean activations rho_hat (m,): scalar, 0 iff every ρ̂_j = ρ."""
    q = rho_hat.clamp(_CLAMP, 1 - _CLAMP)
    return (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()


class _SigmoidEncoder(ActivationEncoder):
    """The encoder of both classes: sigmoid(W_enc (x − b_dec) + b_enc)."""

    def get_activation_fn(self) -> nn.Module:
        return nn.Sigmoid()


# --- inference


@dataclass
class KLSparseSAEConfig(SAEConfig):
    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class KLSparseSAE(_SigmoidEncoder, LinearDecoder, SAE[KLSparseSAEConfig]):
    """Inference KL-sparse SAE: sigmoid encoder, linear decoder."""


# --- training


@dataclass(kw_only=True)
class KLSparseTrainingSAEConfig(TrainingSAEConfig):
    rho: float = 0.05  # target mean activation of every latent
    beta: float = 1.0  # weight of the KL penalty

    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class KLSparseTrainingSAE(_SigmoidEncoder, TrainingSAE[KLSparseTrainingSAEConfig]):
    """Training KL-sparse SAE: the KL penalty on each latent's batch-mean activation."""

    @override
    def get_coefficients(self) -> dict[str, float]:
        return {"kl": self.cfg.beta}

    @override
    def calculate_aux_loss(
        self,
        step_input: TrainStepInput,
        feature_acts: torch.Tensor,
        hidden_pre: torch.Tensor,
        sae_out: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        penalty = kl_sparsity(self.cfg.rho, feature_acts.mean(dim=0))
        return {"kl_loss": step_input.coefficients["kl"] * penalty}


register_architecture(
    ARCHITECTURE,
    inference=(KLSparseSAE, KLSparseSAEConfig),
    training=(KLSparseTrainingSAE, KLSparseTrainingSAEConfig),
)


@register_sae("kl_sparse")
@dataclass
class KLSparse(SaeLensVariant):
    """Sigmoid latents, β·Σ_j KL(ρ ‖ ρ̂_j) on each latent's batch-mean activation (Ng 2011).

    Sigmoid latents are never 0, so no coefficient can be calibrated to an L0."""

    rho: float = 0.05
    beta: float = 1.0

    group = "classic"
    architecture = ARCHITECTURE

    @override
    def check(self, cfg):
        super().check(cfg)
        if not 0 < self.rho < 1:
            raise BenchError(f"kl_sparse: rho must be in (0, 1), got {self.rho}")
