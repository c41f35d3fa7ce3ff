"""The contract every SAE variant follows: a dataclass of its own hyperparameters that builds
a sae-lens `TrainingSAE` (or fits a closed-form model), so one training loop (`bench.train`)
serves them all, and that declares how its L0 is controlled.

A variant reads the shared sizes (`d_sae`, `k`) from the run's `TrainConfig` and keeps only
what is its own (coefficients, thresholds) as dataclass fields, which `--set name.field=v`
overrides. It does not train, evaluate or store anything.
"""

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from typing_extensions import override

from bench.errors import BenchError

if TYPE_CHECKING:  # sae-lens costs seconds to import: only the build step needs it
    import torch
    from sae_lens import TrainingSAE

    from bench.config import TrainConfig

# How an SAE's L0 is controlled (`SAEVariant.l0_control`):
#   per_row      at most / exactly k active latents per row, k = TrainConfig.k
#   batch_mean   k active latents per row on average over a training batch
#   coefficient  the field `sparsity_field` sets sparsity (`denser_when` says which way)
#   none         nothing sets it
L0_CONTROLS = ("per_row", "batch_mean", "coefficient", "none")
DENSER_WHEN = ("lower", "higher")  # a lower / a higher coefficient gives a higher L0


@dataclass
class SAEVariant(ABC):
    """Base class: subclasses are dataclasses registered with `@register_sae`."""

    name: ClassVar[str]
    # Every SAE declares its group, a plugin too (registration refuses one without): "core"
    # runs by default; "extended" and "classic" on request (--saes all or the group's name);
    # "reference" rows (closed-form floors and ceilings) are ranked apart from the others.
    group: ClassVar[str]
    l0_control: ClassVar[str] = "none"  # one of L0_CONTROLS
    sparsity_field: ClassVar[str | None] = None  # with l0_control "coefficient": the field
    denser_when: ClassVar[str | None] = None  # with l0_control "coefficient": DENSER_WHEN

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.l0_control not in L0_CONTROLS:
            raise TypeError(f"{cls.__name__}.l0_control must be one of {L0_CONTROLS}")
        coefficient = cls.l0_control == "coefficient"
        if coefficient != (cls.sparsity_field is not None) or coefficient != (
            cls.denser_when in DENSER_WHEN
        ):
            raise TypeError(
                f"{cls.__name__}: l0_control 'coefficient' goes with sparsity_field and "
                f"denser_when (one of {DENSER_WHEN}), and only it"
            )

    @abstractmethod
    def build(self, d_in: int, cfg: "TrainConfig", device: str) -> "TrainingSAE":
        """A freshly initialised sae-lens training SAE for inputs of width `d_in`."""

    def fit(self, train: "torch.Tensor", cfg: "TrainConfig", device: str, seed: int):
        """A model fitted without the training loop (reference rows), or None to be trained.

        train: (n_train, d_in) standardised windows. The model must behave like a sae-lens
        inference SAE: an `nn.Module` with `encode(x) -> z`, `decode(z) -> x_hat`, `device`.
        """
        return None

    def check(self, cfg: "TrainConfig") -> None:
        """Raise `BenchError` when the hyperparameters cannot work with `cfg`."""
        if reads_k(self) and not 0 < cfg.k <= cfg.d_sae:
            raise BenchError(f"{self.name}: k must be in 1..d_sae={cfg.d_sae}, got k={cfg.k}")
        for key, value in self.params().items():
            if "coefficient" in key and isinstance(value, int | float) and value < 0:
                raise BenchError(f"{self.name}.{key} must be ≥ 0, got {value}")

    def params(self) -> dict[str, Any]:
        return asdict(self)


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

        sae_class, config_class = training_classes(self.architecture)
        fields = self.sae_lens_fields(cfg)
        return sae_class(config_class(d_in=d_in, d_sae=cfg.d_sae, device=device, **fields))


def reads_k(cls: "type[SAEVariant] | SAEVariant") -> bool:
    """True when `TrainConfig.k` sets the SAE's L0 (per row, or on average over a batch)."""
    return cls.l0_control in ("per_row", "batch_mean")


def calibrated(cls: "type[SAEVariant] | SAEVariant") -> bool:
    """True when a coefficient sets the SAE's L0, so a matched-L0 run calibrates it."""
    return cls.l0_control == "coefficient"


def closed_form(cls: type) -> bool:
    """True for a variant fitted without the training loop (a reference row: it overrides `fit`)."""
    return cls.fit is not SAEVariant.fit
