"""Matched-L0 calibration: find the sparsity coefficient that reaches a target L0.

For SAEs whose sparsity a coefficient sets (`l0_control = "coefficient"`: l1, gated, jumprelu,
l1_decorr, wta), a search trains the SAE on the training split with the cell's own settings and
seed and measures L0 on the validation windows (never the held-out split). L0 is close to a
power of the coefficient, so the search works in log(coefficient) against log(L0): from one
trial it steps with a prior slope of magnitude 1 (which way is denser is the variant's
`denser_when`: "lower" for a penalty such as l1's, "higher" for wta's lifetime sparsity); from
two it takes the secant through the last two (the prior slope again when theirs points the
wrong way); once the target is bracketed it interpolates between the bracket's ends (regula
falsi, kept 10 % inside the bracket). A step is at most 16× and never leaves the field's valid
range (the variant's `check` decides: a step that leaves it is shortened). It stops when L0 is
within `TOLERANCE` of the target. The SAE of the accepted trial is the cell's model.
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
MAX_STEP = 16.0  # the largest factor of one step
MIN_SLOPE = 0.05  # a secant flatter than this (or pointing the wrong way) is not trusted
MIN_STEP = 1.01  # a step shortened below this factor means the valid range ends here


def calibrate(variant, train, val, *, cfg: TrainConfig, device: str, seed: int):
    """(calibrated variant, its trained inference SAE, its learning curve, a record of the
    search). train (n_train, d_in) fits each trial; val (n_val, d_in) measures its L0 (and
    the learning curve)."""
    field, target = variant.sparsity_field, cfg.target_l0
    sign = -1.0 if variant.denser_when == "lower" else 1.0  # the prior d log L0 / d log coef
    coef = getattr(variant, field)
    trials: list[dict[str, Any]] = []
    for _ in range(MAX_TRIALS):
        candidate = replace(variant, **{field: coef})
        sae, curve = fit_tracked(candidate, train, val, cfg, device, seed)
        l0 = mean_l0(encode_decode(sae, val)[0])
        trials.append({field: coef, "val_l0": l0})
        if abs(l0 - target) <= TOLERANCE * target:
            record = {"field": field, "coefficient": coef, "target_l0": target, "val_l0": l0}
            return candidate, sae, curve, record | {"trials": trials}
        points = [(math.log(t[field]), math.log(max(t["val_l0"], 0.5))) for t in trials]
        proposed = math.exp(_next_log_coef(points, math.log(target), sign=sign))
        coef = _step(candidate, field, factor=proposed / coef, cfg=cfg)
        if coef is None:
            raise _unreachable(variant, trials, target=target, edge=True)
    raise _unreachable(variant, trials, target=target, edge=False)


def _next_log_coef(points: list[tuple[float, float]], goal: float, *, sign: float) -> float:
    """The next log(coefficient) from the trials' (log coef, log L0) points, none at the goal
    log(target): regula falsi inside a bracket, else the secant through the last two points
    (or the prior slope `sign` when there is one point or their slope has the wrong sign),
    at most log(MAX_STEP) from the last point."""
    x, y = points[-1]
    denser = [p for p in points if p[1] > goal]
    sparser = [p for p in points if p[1] < goal]
    if denser and sparser:  # bracketed: the bracket's closest ends
        (x_d, y_d) = min(denser, key=lambda p: p[1])
        (x_s, y_s) = max(sparser, key=lambda p: p[1])
        w = min(max((y_d - goal) / (y_d - y_s), 0.1), 0.9)
        return (1 - w) * x_d + w * x_s
    slope = sign
    if len(points) > 1 and points[-2][0] != x:
        secant = (y - points[-2][1]) / (x - points[-2][0])
        if secant * sign > MIN_SLOPE:  # it points the way the variant declares
            slope = secant
    step = (goal - y) / slope
    limit = math.log(MAX_STEP)
    return x + min(max(step, -limit), limit)


def _step(variant, field: str, *, factor: float, cfg: TrainConfig) -> float | None:
    """The variant's `field` × factor, or a shorter step (factor's square root, …) where that
    leaves the field's valid range; None when no step longer than `MIN_STEP` stays inside it."""
    coef, first = getattr(variant, field), True
    while first or abs(math.log(factor)) > math.log(MIN_STEP):
        value, first = coef * factor, False
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
