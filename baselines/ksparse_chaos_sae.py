"""K-Sparse Chaos as sae-lens SAE classes (inference and training), registered with sae-lens.

    pre = W_enc (x − b_dec) + b_enc                            (n, d_sae)
    a   = sin(8·pre) + 0.5·tanh(4·pre)                          chaos activation
    z   = a where a is among the k largest values of its row, else 0   (top-k by value)
    loss = Σ_d (x − x̂)² + λ·|mean_j Var_batch(pre_j) − v*|      v* = 0.1, λ = 0.01

The reconstruction term is sae-lens' (squared error summed over d_in, mean over the batch),
so λ weighs the regulariser against a sum, not the paper's mean: see the README. Importing
this module imports sae-lens (seconds); `baselines.ksparse_chaos` imports it only to build.
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

from baselines.chaos_kernels import chaos_topk
from baselines.sae_parts import ActivationEncoder, LinearDecoder

ARCHITECTURE = "ksparse_chaos"


def target_variance_loss(pre: torch.Tensor, target: float) -> torch.Tensor:
    """|mean_j Var_batch(pre_j) − target| for pre (n, d_sae), population variance: scalar."""
    return (pre.var(dim=0, unbiased=False).mean() - target).abs()


class ChaosTopK(nn.Module):
    """Chaos activation, then keep the k largest values of each row: (n, m) → (n, m)."""

    def __init__(self, k: int):
        super().__init__()
        self.k = k

    def forward(self, pre: torch.Tensor) -> torch.Tensor:
        return chaos_topk(pre, self.k)


@dataclass
class KSparseChaosSAEConfig(SAEConfig):
    k: int = 32

    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


@dataclass(kw_only=True)
class KSparseChaosTrainingSAEConfig(TrainingSAEConfig):
    k: int = 32
    target_variance: float = 0.1
    variance_coefficient: float = 0.01

    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class _KSparseChaosEncoder(ActivationEncoder):
    """Encoder shared by the inference and training classes."""

    def get_activation_fn(self) -> nn.Module:
        return ChaosTopK(self.cfg.k)


class KSparseChaosSAE(_KSparseChaosEncoder, LinearDecoder, SAE[KSparseChaosSAEConfig]):
    """Inference K-Sparse Chaos SAE (what `SAE.load_from_disk` returns for this architecture)."""


class KSparseChaosTrainingSAE(_KSparseChaosEncoder, TrainingSAE[KSparseChaosTrainingSAEConfig]):
    """Training K-Sparse Chaos SAE: the target-variance regulariser is its auxiliary loss."""

    def get_coefficients(self) -> dict[str, float]:
        return {"variance": self.cfg.variance_coefficient}

    def calculate_aux_loss(
        self,
        step_input: TrainStepInput,
        feature_acts: torch.Tensor,
        hidden_pre: torch.Tensor,
        sae_out: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        loss = target_variance_loss(hidden_pre, self.cfg.target_variance)
        return {"variance_loss": step_input.coefficients["variance"] * loss}


register_sae_class(ARCHITECTURE, KSparseChaosSAE, KSparseChaosSAEConfig)
register_sae_training_class(ARCHITECTURE, KSparseChaosTrainingSAE, KSparseChaosTrainingSAEConfig)
