"""Scoring one cell: build its data, fit its SAE (trained, calibrated or closed-form), measure.

`trained_model` gives the fitted inference model and the cell's data; `train_and_score` adds
every held-out metric: sparsity and reconstruction (`core`), SAEBench parity, the amortisation
gap, the dynamics metrics (geometry, spectrum, twin-orbit probe, forecast) and, where the
system declares ground truth, feature recovery against an untrained decoder's floor. A metric
that does not apply is NaN ("—" in the tables). Executors call `train_and_score` through
`bench.run.record.record_of`. This module neither plans cells nor stores records.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from baselines.base import calibrated, closed_form, reads_k
from bench.errors import BenchError
from bench.registry import get_sae, get_system
from bench.run.cell import Cell

DIVERGED_FVU = 10.0  # a held-out FVU above this (10× the mean window's) is a diverged training
PROBE = ("lyapunov_ratio", "sensitivity", "input_lyapunov")
GROUND_TRUTH = ("mcc", "uniqueness", "source_corr")


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
    from bench.metrics import evaluate
    from bench.metrics.saebench import saebench_metrics
    from bench.metrics.sparse_inference import amortization_gap, decoder_bias
    from bench.train import encode_decode

    variant, sae, data, calibration = trained_model(cell, device)
    z, x_hat, w_dec = encode_decode(sae, data.test)
    metrics = evaluate(data.test, x_hat, z, w_dec)
    if metrics["fvu"] > DIVERGED_FVU:
        raise BenchError(f"training diverged: FVU {metrics['fvu']:.3g} on the held-out windows")
    metrics |= saebench_metrics(data.test, x_hat, w_dec, sae)
    omp_fvu, gap = amortization_gap(
        data.test, x_hat, w_dec, decoder_bias(sae, w_dec.shape[0]), metrics["l0"]
    )
    metrics |= {"omp_fvu": omp_fvu, "amortization_gap": gap}
    metrics |= dynamics(sae, data, z, x_hat, get_system(cell.system)(**cell.system_params))
    metrics |= ground_truth(variant, sae, data, z, w_dec, cell, device)
    control = "calibrated" if calibration else "k" if reads_k(variant) else None
    out = {"metrics": metrics, "calibration": calibration, "l0_control": control}
    if save_dir is not None:
        from bench.run.save import save_sae

        out["saved_sae"] = save_sae(sae, cell, save_dir)
    return out


def dynamics(sae, data, z: torch.Tensor, x_hat: torch.Tensor, system) -> dict[str, float]:
    """Geometry, spectrum, forecast and (for systems with equations) the twin-orbit probe."""
    from bench.metrics import dynamics as dyn
    from bench.train import encode_decode

    x_raw, x_hat_raw = data.raw(data.test), data.raw(x_hat)  # (n, window, D) each
    out = dict.fromkeys(["state_space_divergence", "spectrum_distance", "forecast_r2"], math.nan)
    out |= dict.fromkeys(["forecast_r2_input", *PROBE], math.nan)
    if data.window > system.delay_lag:  # a window holds delay pairs and a spectrum
        out["state_space_divergence"] = dyn.state_space_divergence(
            x_raw, x_hat_raw, system.delay_lag
        )
        out["spectrum_distance"] = dyn.spectrum_distance(x_raw, x_hat_raw)
    if data.test_next is not None:
        z_train = encode_decode(sae, data.train)[0].double().numpy()
        out["forecast_r2"] = dyn.forecast_r2(
            z_train, data.train_next, z.double().numpy(), data.test_next
        )
        out["forecast_r2_input"] = dyn.forecast_r2(
            data.train.double().numpy(), data.train_next, data.test.double().numpy(), data.test_next
        )
    if data.twins is not None:
        encode, decode = dyn.float64_codec(sae)

        def standardise(raw: np.ndarray) -> np.ndarray:
            return (raw - data.mean) / data.std

        probe = dyn.twin_probe(data.twins, standardise, encode, decode, data.window, system.obs_dt)
        out |= {name: probe[name] for name in PROBE}
    return out


def ground_truth(variant, sae, data, z, w_dec, cell: Cell, device: str) -> dict[str, float]:
    """mcc, uniqueness, source_corr and their floors (an untrained decoder of the same SAE)."""
    if data.test_sources is None:
        return {}
    from bench.metrics.ground_truth import ground_truth_metrics
    from bench.train import encode_decode

    out = ground_truth_metrics(z, w_dec, data.test_sources, data.features)
    floor = dict.fromkeys(GROUND_TRUTH, math.nan)
    if not closed_form(type(variant)):  # a trained SAE has an untrained floor
        torch.manual_seed(cell.seed)
        untrained = variant.build(data.train.shape[1], cell.config, device)
        z0, _, w0 = encode_decode(untrained, data.test)
        floor = ground_truth_metrics(z0, w0, data.test_sources, data.features)
    return out | {f"{name}_floor": floor[name] for name in GROUND_TRUTH}
