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
from typing import Any

from baselines.base import calibrated, reads_k
from bench.errors import BenchError
from bench.registry import get_sae, get_system
from bench.run.cell import Cell

DIVERGED_FVU = 10.0  # a held-out FVU above this (10× the mean window's) is a diverged training


def trained_model(cell: Cell, device: str):
    """(its variant, the cell's fitted inference model, its Dataset, calibration record or None)."""
    from bench.data import make_dataset
    from bench.run.calibrate import calibrate
    from bench.train import fit

    system = get_system(cell.system)(**cell.system_params)
    variant = get_sae(cell.sae)(**cell.sae_params)
    data = make_dataset(system, cell.config, cell.seed)
    calibration = None
    if cell.config.target_l0 and calibrated(variant):
        variant, sae, calibration = calibrate(
            variant, data.train, data.val, cfg=cell.config, device=device, seed=cell.seed
        )
    else:
        sae = variant.fit(data.train, cell.config, device, cell.seed)
        if sae is None:
            sae = fit(variant, data.train, cell.config, device, cell.seed)
    return variant, sae, data, calibration


def train_and_score(cell: Cell, device: str, save_dir: Path | None = None) -> dict[str, Any]:
    """Train one SAE on one system's windows; its held-out metrics (and calibration, if any).
    With `save_dir`, the fitted model is kept in save_dir/<cell key>/ (`bench.run.save`)."""
    from bench.metrics import FAMILY_MODULES, ScoringInput, noise_floor
    from bench.metrics.core import fvu
    from bench.train import encode_decode

    variant, sae, data, calibration = trained_model(cell, device)
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
    }
    if save_dir is not None:
        from bench.run.save import save_sae

        out["saved_sae"] = save_sae(sae, cell, save_dir)
    return out
