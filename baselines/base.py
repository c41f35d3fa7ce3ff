"""The contract every SAE variant follows: a dataclass of its own hyperparameters that builds
a sae-lens `TrainingSAE`, so one training loop (`bench.train`) serves them all.

A variant reads the shared sizes (`d_sae`, `k`) from the run's `TrainConfig` and keeps only
what is its own (coefficients, thresholds) as dataclass fields, which `--set name.field=v`
overrides. It does not train, evaluate or store anything.
"""

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from bench.errors import BenchError

if TYPE_CHECKING:  # sae-lens costs seconds to import: only the build step needs it
    import torch
    from sae_lens import TrainingSAE

    from bench.config import TrainConfig


@dataclass
class SAEVariant(ABC):
    """Base class: subclasses are dataclasses registered with `@register_sae`."""

    name: ClassVar[str]
    # Every SAE declares its group, a plugin too (registration refuses one without): "core"
    # runs by default; "extended" and "classic" on request (--saes all or the group's name);
    # "reference" rows (closed-form floors and ceilings) are ranked apart from the others.
    group: ClassVar[str]
    # how L0 is set: "per_row" | "batch_mean" (k) | "coefficient" (calibrated) | "none"
    l0_control: ClassVar[str] = "none"
    uses_k: ClassVar[bool] = False  # True when sparsity is set by k (TopK-style)
    sparsity_coefficient: ClassVar[str | None] = None  # the field that sets sparsity, if any

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
        if self.uses_k and not 0 < cfg.k <= cfg.d_sae:
            raise BenchError(f"{self.name}: k must be in 1..d_sae={cfg.d_sae}, got k={cfg.k}")
        for key, value in self.params().items():
            if "coefficient" in key and isinstance(value, int | float) and value < 0:
                raise BenchError(f"{self.name}.{key} must be ≥ 0, got {value}")

    def params(self) -> dict[str, Any]:
        return asdict(self)


def closed_form(cls: type) -> bool:
    """True for a variant fitted without the training loop (a reference row: it overrides `fit`)."""
    return cls.fit is not SAEVariant.fit
