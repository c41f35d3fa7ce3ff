"""Scoring one cell: build its data, fit its SAE (trained, calibrated or closed-form), measure.

`trained_model` gives the fitted inference model and the cell's data; `train_and_score`
refuses a diverged training, then measures every held-out metric by looping over the metric
families (`bench.metrics.FAMILY_MODULES`: sparsity and reconstruction, SAEBench parity and the
amortisation gap, dynamics, ground truth), each reading one `ScoringInput`, and records beside
them `noise_floor` (each distribution metric between the held-out windows and a second sample
of the system; {} where there is none). A metric that does not apply is NaN ("—" in the
tables). Executors call `train_and_score` through `bench.run.record.record_of`. This module
neither plans cells nor stores records, and names no metric.
"""

from pathlib import Path
from typing import Any, NamedTuple

from baselines.base import calibrated, reads_k
from bench.errors import BenchError
from bench.registry import get_sae, get_system
from bench.run.cell import Cell

DIVERGED_FVU = 10.0  # a held-out FVU above this (10× the mean window's) is a diverged training


class Fitted(NamedTuple):
    """A cell's fitted model and what came with it."""

    variant: Any  # the SAE variant (calibrated, for a matched-L0 cell)
    model: Any  # the inference model (a sae-lens SAE, or a reference's fitted model)
    data: Any  # the cell's `bench.data.Dataset`
    curve: Any  # `bench.train.Curve` of its training; None for closed-form references
    calibration: dict | None  # the calibration search's record, for a matched-L0 cell


def trained_model(cell: Cell, device: str) -> Fitted:
    """The cell's variant fitted on its training windows (trained, calibrated or closed-form)."""
    from bench.data import make_dataset
    from bench.run.calibrate import calibrate
    from bench.train import fit_tracked

    system = get_system(cell.system)(**cell.system_params)
    variant = get_sae(cell.sae)(**cell.sae_params)
    data = make_dataset(system, cell.config, cell.seed)
    curve, calibration = None, None
    if cell.config.target_l0 and calibrated(variant):
        variant, sae, curve, calibration = calibrate(
            variant, data.train, data.val, cfg=cell.config, device=device, seed=cell.seed
        )
    else:
        sae = variant.fit(data.train, cell.config, device, cell.seed)
        if sae is None:
            sae, curve = fit_tracked(variant, data.train, data.val, cell.config, device, cell.seed)
    return Fitted(variant, sae, data, curve, calibration)


def train_and_score(cell: Cell, device: str, save_dir: Path | None = None) -> dict[str, Any]:
    """Train one SAE on one system's windows; its held-out metrics (and calibration, if any).
    With `save_dir`, the fitted model is kept in save_dir/<cell key>/ (`bench.run.save`)."""
    from bench.metrics import FAMILY_MODULES, ScoringInput, noise_floor
    from bench.metrics.core import fvu
    from bench.metrics.inference import encode_decode
    from bench.train import convergence

    variant, sae, data, curve, calibration = trained_model(cell, device)
    z, x_hat, w_dec = encode_decode(sae, data.test)
    held_out_fvu = fvu(data.test, x_hat)
    if held_out_fvu > DIVERGED_FVU:
        raise BenchError(f"training diverged: FVU {held_out_fvu:.3g} on the held-out windows")
    inputs = ScoringInput(
        x=data.test,
        x_hat=x_hat,
        z=z,
        w_dec=w_dec,
        model=sae,
        variant=variant,
        data=data,
        system=get_system(cell.system)(**cell.system_params),
        cell=cell,
        device=device,
    )
    metrics: dict[str, float] = {}
    for family in FAMILY_MODULES:
        metrics |= family.compute(inputs)
    control = "calibrated" if calibration else "k" if reads_k(variant) else None
    out = {
        "metrics": metrics,
        "noise_floor": noise_floor(inputs),
        "calibration": calibration,
        "l0_control": control,
        "curve": None if curve is None else curve.as_record(),
        "converged": None,
        "overfit": None,
    }
    if curve is not None:
        out["converged"], out["overfit"] = convergence(curve.samples, curve.val_fvu)
    if save_dir is not None:
        from bench.run.save import save_sae

        out["saved_sae"] = save_sae(sae, cell, save_dir)
    return out
