"""Scoring one cell: build its data, fit its SAE (trained, calibrated or closed-form), measure.

`trained_model` gives the fitted inference model and the cell's data; `train_and_score` adds
every held-out metric. Executors call `train_and_score` through `bench.run.record.record_of`.
This module neither plans cells nor stores records.
"""

from typing import Any

from bench.errors import BenchError
from bench.registry import get_sae, get_system
from bench.run.cell import Cell

DIVERGED_FVU = 10.0  # a held-out FVU above this (10× the mean window's) is a diverged training


def trained_model(cell: Cell, device: str):
    """(the cell's fitted inference model, its Dataset, its calibration record or None)."""
    from bench.data import make_dataset
    from bench.run.calibrate import calibrate
    from bench.train import fit

    system = get_system(cell.system)(**cell.system_params)
    variant = get_sae(cell.sae)(**cell.sae_params)
    data = make_dataset(system, cell.config, cell.seed)
    calibration = None
    if cell.config.target_l0 and variant.sparsity_coefficient:
        variant, sae, calibration = calibrate(
            variant, data.train, data.val, cell.config, device, cell.seed
        )
    else:
        sae = variant.fit(data.train, cell.config, device, cell.seed)
        if sae is None:
            sae = fit(variant, data.train, cell.config, device, cell.seed)
    return variant, sae, data, calibration


def train_and_score(cell: Cell, device: str) -> dict[str, Any]:
    """Train one SAE on one system's windows; its held-out metrics (and calibration, if any)."""
    from bench.metrics import divergence_ratio, evaluate
    from bench.train import encode_decode

    variant, sae, data, calibration = trained_model(cell, device)
    z, x_hat, w_dec = encode_decode(sae, data.test)
    metrics = evaluate(data.test, x_hat, z, w_dec)
    if metrics["fvu"] > DIVERGED_FVU:
        raise BenchError(f"training diverged: FVU {metrics['fvu']:.3g} on the held-out windows")
    z_a, z_b = (encode_decode(sae, twin)[0] for twin in data.twins)  # (W, m) each
    metrics["divergence_ratio"] = divergence_ratio(z_a, z_b)
    metrics["input_divergence_ratio"] = divergence_ratio(data.twins[0], data.twins[1])
    control = "calibrated" if calibration else "k" if variant.uses_k else None
    return {"metrics": metrics, "calibration": calibration, "l0_control": control}
