"""K-Sparse Chaos, the project's own SAE, as sae-lens classes: its configs, inference class and
training class (laid out as sae-lens' own `saes/topk_sae.py`), registered with sae-lens, and
the bench's entry.

    pre = W_enc (x − b_dec) + b_enc                            (n, d_sae)
    a   = sin(8·pre) + 0.5·tanh(4·pre)                          chaos activation
    z   = a where a is among the k largest values of its row, else 0   (top-k by value)
    loss = Σ_d (x − x̂)² + λ·|mean_j Var_batch(pre_j) − v*|      v* = 0.1, λ = 0.01

The reconstruction term is sae-lens' (squared error summed over d_in, mean over the batch),
so λ weighs the regulariser against a sum, not the paper's mean: see docs/saes.md. The bench's
variant (hyperparameters, L0 control) is the `KSparseChaos` entry at the end of this file.
Importing this module imports sae-lens (seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from sae_lens import SAE, SAEConfig, TrainingSAE, TrainingSAEConfig
from torch import nn
from typing_extensions import override

from baselines.base import SaeLensVariant
from baselines.chaos_kernels import chaos_topk
from baselines.sae_lens_adapter import ActivationEncoder, LinearDecoder, register_architecture
from bench.registry import register_sae

if TYPE_CHECKING:
    from baselines.sae_lens_adapter import TrainStepInput

ARCHITECTURE = "ksparse_chaos"


def target_variance_loss(pre: torch.Tensor, target: float) -> torch.Tensor:
    """|mean_j Var_batch(pre_j) − target| for pre (n, d_sae), population variance: scalar."""
    return (pre.var(dim=0, unbiased=False).mean() - target).abs()


class ChaosTopK(nn.Module):
    """Chaos activation, then keep the k largest values of each row: (n, m) → (n, m)."""

    def __init__(self, k: int):
        super().__init__()
        self.k = k

    @override
    def forward(self, pre: torch.Tensor) -> torch.Tensor:
        return chaos_topk(pre, self.k)


class _ChaosTopKEncoder(ActivationEncoder):
    """The encoder of both classes: ChaosTopK(W_enc (x − b_dec) + b_enc)."""

    def get_activation_fn(self) -> nn.Module:
        return ChaosTopK(self.cfg.k)


# --- inference


@dataclass
class KSparseChaosSAEConfig(SAEConfig):
    k: int = 32

    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class KSparseChaosSAE(_ChaosTopKEncoder, LinearDecoder, SAE[KSparseChaosSAEConfig]):
    """Inference K-Sparse Chaos SAE (what `SAE.load_from_disk` returns for this architecture)."""


# --- training


@dataclass(kw_only=True)
class KSparseChaosTrainingSAEConfig(TrainingSAEConfig):
    k: int = 32
    target_variance: float = 0.1
    variance_coefficient: float = 0.01

    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class KSparseChaosTrainingSAE(_ChaosTopKEncoder, TrainingSAE[KSparseChaosTrainingSAEConfig]):
    """Training K-Sparse Chaos SAE: the target-variance regulariser is its auxiliary loss."""

    @override
    def get_coefficients(self) -> dict[str, float]:
        return {"variance": self.cfg.variance_coefficient}

    @override
    def calculate_aux_loss(
        self,
        step_input: TrainStepInput,
        feature_acts: torch.Tensor,
        hidden_pre: torch.Tensor,
        sae_out: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        loss = target_variance_loss(hidden_pre, self.cfg.target_variance)
        return {"variance_loss": step_input.coefficients["variance"] * loss}


register_architecture(
    ARCHITECTURE,
    inference=(KSparseChaosSAE, KSparseChaosSAEConfig),
    training=(KSparseChaosTrainingSAE, KSparseChaosTrainingSAEConfig),
)


@register_sae("ksparse_chaos")
@dataclass
class KSparseChaos(SaeLensVariant):
    """K-Sparse Chaos: sin(8x)+0.5·tanh(4x), top-k by value, target-variance regulariser."""

    target_variance: float = 0.1
    variance_coefficient: float = 0.01

    group = "core"
    architecture = ARCHITECTURE
    l0_control = "per_row"
