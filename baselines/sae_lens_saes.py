"""The sae-lens architectures the bench trains, one entry each, in listing order: sae-lens'
own nine families as one table. (The project's own architectures, ksparse_chaos, l1_decorr,
kl_sparse and wta, are each one file: sae-lens classes and the entry together.)

An entry declares what the bench needs to know: the SAE's name, group, how its L0 is
controlled, its own hyperparameters (dataclass fields: `--set name.field=v`) and the sae-lens
`architecture` it trains. `SaeLensVariant.build` (baselines/base.py) turns the run's sizes and
those fields into that architecture's training config. Importing this module does not import
sae-lens; building does.
"""

from dataclasses import dataclass

from typing_extensions import override

from baselines.base import SaeLensVariant
from bench.errors import BenchError
from bench.registry import register_sae


@register_sae("relu")
@dataclass
class Relu(SaeLensVariant):
    """Dense ReLU SAE, no sparsity penalty (sae-lens `standard`, l1_coefficient = 0)."""

    group = "core"
    architecture = "standard"

    @override
    def sae_lens_fields(self, cfg):
        return {"l1_coefficient": 0.0}


@register_sae("l1")
@dataclass
class L1(SaeLensVariant):
    """ReLU + L1 penalty, decoder-norm weighted (sae-lens `standard`)."""

    l1_coefficient: float = 1.0

    group = "core"
    architecture = "standard"
    l0_control, sparsity_field, denser_when = "coefficient", "l1_coefficient", "lower"


@register_sae("topk")
@dataclass
class TopK(SaeLensVariant):
    """TopK SAE with the AuxK dead-latent loss (sae-lens `topk`)."""

    aux_loss_coefficient: float = 1.0

    group = "core"
    architecture = "topk"
    l0_control = "per_row"


@register_sae("jumprelu")
@dataclass
class JumpRelu(SaeLensVariant):
    """JumpReLU SAE, straight-through L0 penalty to threshold and encoder (sae-lens `jumprelu`).

    The straight-through gradient of the L0 penalty reaches the encoder too (`ste_to_input`,
    Anthropic's setup). With DeepMind's original (threshold only) the threshold moves at most
    ~lr per step, and in the `paper` profile's 620 steps L0 stayed above 110 of 128 for
    coefficients 1, 10 and 100 (docs/saes.md); `--set jumprelu.ste_to_input=false` runs it.
    """

    l0_coefficient: float = 1.0
    init_threshold: float = 0.01
    bandwidth: float = 0.05  # width of the straight-through estimator's window
    ste_to_input: bool = True

    group = "core"
    architecture = "jumprelu"
    l0_control, sparsity_field, denser_when = "coefficient", "l0_coefficient", "lower"

    @override
    def check(self, cfg):
        super().check(cfg)
        if not self.bandwidth > 0:
            raise BenchError(f"jumprelu.bandwidth must be > 0, got {self.bandwidth}")

    @override
    def sae_lens_fields(self, cfg):
        return {
            "l0_coefficient": self.l0_coefficient,
            "jumprelu_init_threshold": self.init_threshold,
            "jumprelu_bandwidth": self.bandwidth,
            "jumprelu_ste_to_input": self.ste_to_input,
        }


@register_sae("gated")
@dataclass
class Gated(SaeLensVariant):
    """Gated SAE, L1 on the gate path plus its auxiliary reconstruction (sae-lens `gated`)."""

    l1_coefficient: float = 1.0

    group = "core"
    architecture = "gated"
    l0_control, sparsity_field, denser_when = "coefficient", "l1_coefficient", "lower"


@register_sae("batchtopk")
@dataclass
class BatchTopK(SaeLensVariant):
    """BatchTopK SAE, k per row on average over the batch (sae-lens `batchtopk`).

    It trains with a batch-dependent top-k and is saved by sae-lens as a JumpReLU SAE with the
    learned global threshold; the benchmark evaluates that saved inference form.
    """

    topk_threshold_lr: float = 0.01

    group = "extended"
    architecture = "batchtopk"
    l0_control = "batch_mean"


@register_sae("matryoshka")
@dataclass
class Matryoshka(SaeLensVariant):
    """Matryoshka BatchTopK SAE, nested widths d_sae/4, d_sae/2, d_sae (sae-lens).

    Each nested prefix of the latents reconstructs the input; saved, like BatchTopK, as a
    JumpReLU SAE."""

    group = "extended"
    architecture = "matryoshka_batchtopk"
    l0_control = "batch_mean"

    @override
    def sae_lens_fields(self, cfg):
        widths = sorted({max(1, cfg.d_sae // 4), max(1, cfg.d_sae // 2), cfg.d_sae})
        return {"k": cfg.k, "matryoshka_widths": widths}


@register_sae("abstopk")
@dataclass
class AbsTopK(SaeLensVariant):
    """AbsTopK SAE, top-k by |pre-activation|, signed latents (sae-lens `abstopk`)."""

    group = "extended"
    architecture = "abstopk"
    l0_control = "per_row"


@register_sae("mp")
@dataclass
class MatchingPursuit(SaeLensVariant):
    """Matching Pursuit SAE, at most k pursuit steps (sae-lens `matching_pursuit`).

    Tied: the encoder is greedy matching pursuit over the decoder rows, at most k iterations.
    sae-lens' own stopping rules stay on: a row stops early when its support repeats or its
    residual norm falls below `residual_threshold` (sae-lens' default 0.01; in the
    standardised space a window's norm is ~√d_in, so this rarely fires).
    """

    residual_threshold: float = 1e-2

    group = "extended"
    architecture = "matching_pursuit"
    l0_control = "per_row"

    @override
    def check(self, cfg):
        super().check(cfg)
        if not self.residual_threshold >= 0:
            raise BenchError(f"mp.residual_threshold must be ≥ 0, got {self.residual_threshold}")

    @override
    def sae_lens_fields(self, cfg):
        return {
            "max_iterations": cfg.k,
            "decoder_init_norm": 1.0,  # sae-lens requires it (and warns otherwise)
            "residual_threshold": self.residual_threshold,
        }
