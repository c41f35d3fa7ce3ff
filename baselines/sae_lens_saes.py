"""Every SAE trained through a sae-lens training class, one entry each, in listing order: the
nine sae-lens architectures and the project's own four (ksparse_chaos, l1_decorr, kl_sparse,
wta), whose sae-lens classes live in their own files (`sae_lens_module`).

An entry declares what the bench needs to know: the SAE's name, group, how its L0 is
controlled, its own hyperparameters (dataclass fields: `--set name.field=v`) and the sae-lens
`architecture` it trains. `SaeLensVariant.build` turns the run's sizes and those fields into
that architecture's training config. Importing this module does not import sae-lens (so
`list` and `--help` stay fast); building does.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import override

from baselines.base import SAEVariant, reads_k
from bench.errors import BenchError
from bench.registry import register_sae

if TYPE_CHECKING:
    from sae_lens import TrainingSAE

    from bench.config import TrainConfig


@dataclass
class SaeLensVariant(SAEVariant):
    """An SAE built as sae-lens' training class of `architecture`."""

    architecture: ClassVar[str]  # the name sae-lens registers its training class under

    def sae_lens_fields(self, cfg: "TrainConfig") -> dict[str, Any]:
        """The training config's own fields: k when the SAE reads it, then every dataclass
        field under its own name (an entry whose names differ from sae-lens' overrides this)."""
        return ({"k": cfg.k} if reads_k(self) else {}) | self.params()

    @override
    def build(self, d_in: int, cfg: "TrainConfig", device: str) -> "TrainingSAE":
        from baselines.sae_lens_adapter import training_classes

        sae_class, config_class = training_classes(self.architecture, self.sae_lens_module)
        fields = self.sae_lens_fields(cfg)
        return sae_class(config_class(d_in=d_in, d_sae=cfg.d_sae, device=device, **fields))


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


@register_sae("ksparse_chaos")
@dataclass
class KSparseChaos(SaeLensVariant):
    """K-Sparse Chaos: sin(8x)+0.5·tanh(4x), top-k by value, target-variance regulariser."""

    target_variance: float = 0.1
    variance_coefficient: float = 0.01

    group = "core"
    architecture = "ksparse_chaos"
    sae_lens_module = "baselines.ksparse_chaos"  # registers the architecture
    l0_control = "per_row"


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


@register_sae("l1_decorr")
@dataclass
class L1Decorr(SaeLensVariant):
    """ReLU + L1 + squared off-diagonal batch covariance of the latents (seed 001)."""

    l1_coefficient: float = 1.0
    decorr_coefficient: float = 1.0

    group = "classic"
    architecture = "l1_decorr"
    sae_lens_module = "baselines.l1_decorr"  # registers the architecture
    l0_control, sparsity_field, denser_when = "coefficient", "l1_coefficient", "lower"


@register_sae("kl_sparse")
@dataclass
class KLSparse(SaeLensVariant):
    """Sigmoid latents, β·Σ_j KL(ρ ‖ ρ̂_j) on each latent's batch-mean activation (Ng 2011).

    Sigmoid latents are never 0, so no coefficient can be calibrated to an L0."""

    rho: float = 0.05
    beta: float = 1.0

    group = "classic"
    architecture = "kl_sparse"
    sae_lens_module = "baselines.kl_sparse"  # registers the architecture

    @override
    def check(self, cfg):
        super().check(cfg)
        if not 0 < self.rho < 1:
            raise BenchError(f"kl_sparse: rho must be in (0, 1), got {self.rho}")


@register_sae("wta")
@dataclass
class WTA(SaeLensVariant):
    """Winner-take-all: each latent keeps its top p of the batch; inference gate θ learned."""

    lifetime_sparsity: float = 0.05  # p; a higher p keeps more, so L0 grows with it
    threshold_lr: float = 0.01

    group = "classic"
    architecture = "wta"
    sae_lens_module = "baselines.wta"  # registers the architecture
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
