"""Synthetic records for the leaderboard tests: every field a real record has, values chosen
by the test."""

from typing import Any

from bench.metrics import METRICS


def record(
    sae: str,
    seed: int,
    *,
    system: str = "logistic",
    k: int = 32,
    target_l0: float = 0.0,
    coefficient: float | None = None,
    key: str | None = None,
    config: dict[str, Any] | None = None,
    sae_params: dict[str, Any] | None = None,
    status: str = "ok",
    extra: dict[str, Any] | None = None,
    **metrics: float,
) -> dict[str, Any]:
    """One record; every metric 0.5 unless given. `extra`: fields added as they are (profile,
    curve, converged, overfit, noise_floor, ...)."""
    values = {m: 0.5 for m in METRICS} | metrics
    cfg = {"k": k, "target_l0": target_l0, "n_train": 2000, "n_test": 500, "epochs": 10}
    cfg |= {"batch_size": 32, "lr": 0.001, "d_sae": 128, "window": 0, "probe_orbits": 32}
    return {
        "key": key or f"{system}-{sae}-{seed}-{target_l0}-{k}",
        "system": system,
        "sae": sae,
        "seed": seed,
        "status": status,
        "error": None if status == "ok" else "BenchError: diverged",
        "config": cfg | (config or {}),
        "system_params": {},
        "sae_params": sae_params or {},
        "calibration": {"coefficient": coefficient} if coefficient is not None else None,
        "metrics": values if status == "ok" else {},
        "finished_at": f"2026-01-01T00:00:{seed:02d}+00:00",
        "wall_s": 1.0,
        **(extra or {}),
    }
