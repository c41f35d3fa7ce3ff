"""Winner-take-all SAE with lifetime sparsity (Makhzani & Frey 2015) as sae-lens classes: its
configs, inference class and training class, registered with sae-lens, and the bench's entry.

Training (batch-dependent):
    pre = W_enc (x − b_dec) + b_enc,  a = ReLU(pre)             (n, d_sae)
    z[:, j] = a[:, j] on the c = max(1, round(p · n)) rows where a[:, j] is largest, else 0
    loss = Σ_d (x − x̂)²   (no penalty: sparsity is enforced by the winner-take-all rule)
Each step also updates θ_j, a running average of the smallest kept value of latent j (the
batch's (1 − p) quantile): a plain mean over the first 1/threshold_lr steps, then an
exponential average with rate threshold_lr.

Inference (batch-independent): z_j = ReLU(pre_j) · [pre_j > θ_j], a JumpReLU gate with the
learned θ. It is its own architecture `wta` (a JumpReLU SAE underneath), so
`save_inference_model` / `SAE.load_from_disk` keep θ. The training class's `encode` is this
inference form too; only `training_forward_pass` (via `encode_with_hidden_pre`) uses the
batch. A higher p gives a higher L0 (the variant's `denser_when` is "higher"). The bench's
variant is the `WTA` entry at the end of this file. Importing this module imports
sae-lens (seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from sae_lens import JumpReLUSAE, SAEConfig, TrainingSAE, TrainingSAEConfig
from typing_extensions import override

from baselines.base import SaeLensVariant
from baselines.sae_lens_adapter import LinearEncoder, register_architecture
from bench.errors import BenchError
from bench.registry import register_sae

if TYPE_CHECKING:
    from baselines.sae_lens_adapter import TrainStepInput, TrainStepOutput

ARCHITECTURE = "wta"


def lifetime_topk(acts: torch.Tensor, fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep, in each column of acts (n, m), its max(1, round(fraction · n)) largest entries.

    Returns the sparse acts (n, m) and each column's smallest kept value (m,).
    """
    count = max(1, round(fraction * acts.shape[0]))
    top = acts.topk(count, dim=0)  # values, indices: (count, m)
    kept = torch.zeros_like(acts).scatter(0, top.indices, top.values)
    return kept, top.values[-1]


# --- inference


@dataclass
class WTASAEConfig(SAEConfig):
    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class WTASAE(JumpReLUSAE):
    """Inference WTA SAE: ReLU gated by the learned per-latent threshold θ (JumpReLU form)."""


# --- training


@dataclass(kw_only=True)
class WTATrainingSAEConfig(TrainingSAEConfig):
    lifetime_sparsity: float = 0.05  # p: fraction of the batch each latent keeps
    threshold_lr: float = 0.01  # rate of θ's exponential average

    @override
    @classmethod
    def architecture(cls) -> str:
        return ARCHITECTURE


class WTATrainingSAE(LinearEncoder, TrainingSAE[WTATrainingSAEConfig]):
    """Training WTA SAE: lifetime top-p per latent in each batch; tracks θ for inference."""

    threshold: torch.Tensor  # (d_sae,) buffer
    threshold_updates: torch.Tensor  # scalar buffer: how many batches θ has averaged

    def __init__(self, cfg: WTATrainingSAEConfig, use_error_term: bool = False):
        super().__init__(cfg, use_error_term)
        device = self.W_dec.device
        self.register_buffer("threshold", torch.zeros(cfg.d_sae, dtype=self.dtype, device=device))
        self.register_buffer(
            "threshold_updates", torch.zeros((), dtype=torch.float64, device=device)
        )

    @override
    def get_coefficients(self) -> dict[str, float]:
        return {}

    @override
    def encode_with_hidden_pre(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training form: lifetime winner-take-all over the batch x (n, d_in)."""
        hidden_pre = self.pre_activation(x)  # (n, d_sae)
        kept, _ = lifetime_topk(hidden_pre.relu(), self.cfg.lifetime_sparsity)
        return self.hook_sae_acts_post(kept), hidden_pre

    @override
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Inference form: ReLU(pre) · [pre > θ], row by row."""
        hidden_pre = self.pre_activation(x)
        return self.hook_sae_acts_post(hidden_pre.relu() * (hidden_pre > self.threshold))

    @override
    def calculate_aux_loss(self, step_input, feature_acts, hidden_pre, sae_out):
        return {}

    @override
    def training_forward_pass(self, step_input: TrainStepInput) -> TrainStepOutput:
        output = super().training_forward_pass(step_input)
        self.update_threshold(output.hidden_pre)
        output.metrics["wta_threshold_mean"] = self.threshold.mean()
        return output

    @torch.no_grad()
    def update_threshold(self, hidden_pre: torch.Tensor) -> None:
        """θ ← θ + rate · (smallest kept value − θ), rate = max(threshold_lr, 1/updates)."""
        _, smallest = lifetime_topk(hidden_pre.relu(), self.cfg.lifetime_sparsity)
        self.threshold_updates += 1
        rate = max(self.cfg.threshold_lr, 1.0 / self.threshold_updates.item())
        self.threshold += rate * (smallest.to(self.threshold.dtype) - self.threshold)

    @override
    def process_state_dict_for_saving_inference(self, state_dict: dict[str, Any]) -> None:
        super().process_state_dict_for_saving_inference(state_dict)
        state_dict.pop("threshold_updates")


register_architecture(
    ARCHITECTURE,
    inference=(WTASAE, WTASAEConfig),
    training=(WTATrainingSAE, WTATrainingSAEConfig),
)


@register_sae("wta")
@dataclass
class WTA(SaeLensVariant):
    """Winner-take-all: each latent keeps its top p of the batch; inference gate θ learned."""

    lifetime_sparsity: float = 0.05  # p; a higher p keeps more, so L0 grows with it
    threshold_lr: float = 0.01

    group = "classic"
    architecture = ARCHITECTURE
    l0_control, sparsity_field, denser_when = "coefficient", "lifetime_sparsity", "higher"

    @override
    def check(self, cfg):
        super().check(cfg)
        if not 0 < self.lifetime_sparsity <= 1:
            raise BenchError(
                f"wta: lifetime_sparsity must be in (0, 1], got {self.lifetime_sparsity}"
            )
        if not 0 < self.threshold_lr <= 1:
            raise BenchError(f"wta: threshold_lr must be in (0, 1], got {self.threshold_lr}")
