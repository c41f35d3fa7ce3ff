"""Matched-L0 calibration: find the sparsity coefficient that reaches a target L0.

For SAEs whose sparsity a coefficient sets (`l0_control = "coefficient"`: l1, gated, jumprelu,
l1_decorr, wta), a geometric search trains the SAE on the training split with the cell's own
settings and seed and measures L0 on fresh calibration windows (L0 on the training windows
themselves ran 12–42 % below the held-out L0: the SAEs overfit 2000 windows). It moves the
coefficient 4× at a time toward the target until the target is bracketed (which way is denser
is the variant's `denser_when`: "lower" for a penalty such as l1's, "higher" for wta's lifetime
sparsity), never past the field's valid range (the variant's `check` decides: a step that
leaves it is shortened), then interpolates log(coef) linearly in L0 inside the bracket (regula
falsi), until L0 is within `TOLERANCE` of target. The SAE of the accepted trial is the cell's
model (training is deterministic, so retraining would reproduce it). The held-out split is
never looked at here.
"""

import math
from dataclasses import replace
from typing import Any

from bench.config import TrainConfig
from bench.errors import BenchError
from bench.metrics import l0 as mean_l0
from bench.metrics.inference import encode_decode
from bench.train import fit_tracked

TOLERANCE = 0.05  # on the calibration windows; the leaderboard shows the held-out L0 beside it
MAX_TRIALS = 12
STEP = 4.0  # the factor of a step before the target is bracketed
MIN_STEP = 1.01  # a step shortened below this factor means the valid range ends here


def calibrate(variant, train, val, *, cfg: TrainConfig, device: str, seed: int):
    """(calibrated variant, its trained inference SAE, its learning curve, a record of the
    search). train (n_train, d_in) fits each trial; val (n_val, d_in) measures its L0 (and
    the learning curve)."""
    field, target = variant.sparsity_field, cfg.target_l0
    lower_is_denser = variant.denser_when == "lower"
    coef = getattr(variant, field)
    too_dense, too_sparse = None, None  # (coef, L0) known to give L0 above / below target
    trials: list[dict[str, Any]] = []
    for _ in range(MAX_TRIALS):
        candidate = replace(variant, **{field: coef})
        sae, curve = fit_tracked(candidate, train, val, cfg, device, seed)
        l0 = mean_l0(encode_decode(sae, val)[0])
        trials.append({field: coef, "val_l0": l0})
        if abs(l0 - target) <= TOLERANCE * target:
            record = {"field": field, "coefficient": coef, "target_l0": target, "val_l0": l0}
            return candidate, sae, curve, record | {"trials": trials}
        if l0 > target:
            too_dense = (coef, l0)
        else:
            too_sparse = (coef, l0)
        if too_dense is None or too_sparse is None:
            sparser = too_sparse is None  # only too dense so far: move toward sparser
            grow = sparser == lower_is_denser  # a larger value is the way to go
            coef = _step(candidate, field, factor=STEP if grow else 1 / STEP, cfg=cfg)
            if coef is None:
                raise _unreachable(variant, trials, target=target, edge=True)
        else:
            (c_d, l_d), (c_s, l_s) = too_dense, too_sparse
            w = min(max((l_d - target) / (l_d - l_s), 0.1), 0.9)  # stay inside the bracket
            coef = math.exp((1 - w) * math.log(c_d) + w * math.log(c_s))
    raise _unreachable(variant, trials, target=target, edge=False)


def _step(variant, field: str, *, factor: float, cfg: TrainConfig) -> float | None:
    """The variant's `field` × factor, or a shorter step (factor's square root, …) where that
    leaves the field's valid range; None when no step longer than `MIN_STEP` stays inside it."""
    coef = getattr(variant, field)
    while abs(math.log(factor)) > math.log(MIN_STEP):
        value = coef * factor
        try:
            replace(variant, **{field: value}).check(cfg)
            return value
        except BenchError:
            factor = math.sqrt(factor)
    return None


def _unreachable(variant, trials: list, *, target: float, edge: bool) -> BenchError:
    field = variant.sparsity_field
    last = f"last: {field}={trials[-1][field]:.3g} gave L0 {trials[-1]['val_l0']:.1f}"
    if edge:
        return BenchError(
            f"{variant.name}: no valid {field} reaches L0 {target:g} ({last}, at the edge of "
            "its valid range)"
        )
    return BenchError(
        f"{variant.name}: no {field} reached L0 {target:g} ± {TOLERANCE:.0%} in {MAX_TRIALS} "
        f"trials ({last})"
    )
