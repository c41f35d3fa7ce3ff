"""How a variant's L0 is controlled (interface 2), read in this one place for the run harness.

A variant class declares `l0_control`: "per_row" or "batch_mean" (k = `TrainConfig.k` sets it),
"coefficient" (its `sparsity_field` does, with `denser_when` = "lower" or "higher" saying which
way gives a higher L0) or "none". Until the SAE classes carry those declarations, this module
derives them from the older `uses_k` / `sparsity_coefficient` attributes; when they do, each
function here reduces to reading the declaration (or to the helpers beside the classes).
This module does not plan, train or calibrate anything.
"""

from baselines.base import closed_form

CONTROLS = ("per_row", "batch_mean", "coefficient", "none")


def l0_control(cls: type) -> str:
    """One of CONTROLS."""
    declared = getattr(cls, "l0_control", None)
    if declared is not None:
        return declared
    if getattr(cls, "uses_k", False):
        return "per_row"
    return "coefficient" if getattr(cls, "sparsity_coefficient", None) else "none"


def reads_k(cls: type) -> bool:
    """True when `TrainConfig.k` sets the variant's L0 (per row or on a batch's mean)."""
    return l0_control(cls) in ("per_row", "batch_mean")


def calibrated(cls: type) -> bool:
    """True when a coefficient sets the variant's L0, so a matched-L0 run calibrates it."""
    return l0_control(cls) == "coefficient"


def sparsity_field(cls: type) -> str:
    """The field that sets a calibrated variant's sparsity."""
    return getattr(cls, "sparsity_field", None) or cls.sparsity_coefficient


def denser_when(cls: type) -> str:
    """Which value of `sparsity_field` gives a higher L0: "lower" or "higher"."""
    return getattr(cls, "denser_when", "lower")


def trained(cls: type) -> bool:
    """True for a variant trained by the training loop (False: a closed-form reference)."""
    return not closed_form(cls)
