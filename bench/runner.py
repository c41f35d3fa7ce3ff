"""The matrix: plan (system, SAE, seed) cells, run each, append its record, skip what is done.

A cell is pure data (names, parameters, seed, settings) with a content hash, so a rerun
resumes and any executor (in-process here, Ray in `bench.ray_executor`) can run it with
`run_cell`. A cell that raises is recorded as failed with its error; the matrix goes on.
"""

import hashlib
import json
import platform
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import torch

from bench.config import TrainConfig, override, split_assignments
from bench.errors import BenchError
from bench.registry import get_sae, get_system


@dataclass(frozen=True)
class Cell:
    system: str
    sae: str
    seed: int
    config: TrainConfig
    system_params: dict[str, Any] = field(default_factory=dict)
    sae_params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "sae": self.sae,
            "seed": self.seed,
            "config": asdict(self.config),
            "system_params": self.system_params,
            "sae_params": self.sae_params,
        }

    @property
    def key(self) -> str:
        text = json.dumps(self.describe(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan(
    systems: list[str],
    saes: list[str],
    seeds: int,
    cfg: TrainConfig,
    assignments: list[str],
    matched_l0: bool = False,
) -> list[Cell]:
    """Every (system, SAE, seed) cell, with `--set` assignments applied and checked.

    With `matched_l0` (target: `target_l0`, default k) coefficient SAEs are calibrated to the
    target, TopK-style SAEs run with k = target, and SAEs with no sparsity control are left out.
    """
    if seeds <= 0:
        raise BenchError(f"--seeds must be positive, got {seeds}")
    system_objs = {name: get_system(name)() for name in systems}
    sae_objs = {name: get_sae(name)() for name in saes}
    for scope, key, value in split_assignments(assignments):
        if not scope:
            cfg = override(cfg, key, value)
        elif scope in system_objs:
            system_objs[scope] = override(system_objs[scope], key, value)
        elif scope in sae_objs:
            sae_objs[scope] = override(sae_objs[scope], key, value)
        else:
            valid = ", ".join([*system_objs, *sae_objs])
            raise BenchError(f"--set {scope}.{key}: {scope!r} is not in this run; valid: {valid}")
    if matched_l0 and not cfg.target_l0:
        cfg = replace(cfg, target_l0=float(cfg.k))
    cfg.check()
    for obj in system_objs.values():
        obj.trajectories(2, obj.window, np.random.default_rng(0))  # refuses a blow-up up front
    sae_cfgs = {name: cell_config(sae, cfg) for name, sae in sae_objs.items()}
    for name, sae in sae_objs.items():
        if sae_cfgs[name]:
            sae.check(sae_cfgs[name])
    return [
        Cell(sys_name, sae_name, seed, sae_cfgs[sae_name], system.params(), sae.params())
        for sys_name, system in system_objs.items()
        for sae_name, sae in sae_objs.items()
        if sae_cfgs[sae_name]
        for seed in range(seeds)
    ]


def cell_config(sae, cfg: TrainConfig) -> TrainConfig | None:
    """The settings one SAE runs with (None: it has no place in a matched-L0 run)."""
    if not cfg.target_l0:
        return cfg
    if sae.uses_k:  # the same cell as a plain run with k = target, so results are shared
        return replace(cfg, k=round(cfg.target_l0), target_l0=0.0)
    return cfg if sae.sparsity_coefficient else None


def resolve_device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise BenchError("--device cuda: CUDA is not available here; use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise BenchError(f"unknown device {name!r}; valid: auto, cpu, cuda")
    return name


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("chaos-sae-bench", "torch", "sae-lens", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    return out


def train_and_score(cell: Cell, device: str) -> dict[str, Any]:
    """Train one SAE on one system's windows; its held-out metrics (and calibration, if any)."""
    from bench.calibrate import calibrate
    from bench.data import make_dataset
    from bench.metrics import divergence_ratio, evaluate
    from bench.train import encode_decode, fit

    system = get_system(cell.system)(**cell.system_params)
    variant = get_sae(cell.sae)(**cell.sae_params)
    data = make_dataset(system, cell.config, cell.seed)
    calibration = None
    if cell.config.target_l0 and variant.sparsity_coefficient:
        variant, sae, calibration = calibrate(
            variant, data.train, data.val, cell.config, device, cell.seed
        )
    else:
        sae = fit(variant, data.train, cell.config, device, cell.seed)
    z, x_hat, w_dec = encode_decode(sae, data.test)
    metrics = evaluate(data.test, x_hat, z, w_dec)
    z_a, z_b = (encode_decode(sae, twin)[0] for twin in data.twins)  # (W, m) each
    metrics["divergence_ratio"] = divergence_ratio(z_a, z_b)
    metrics["input_divergence_ratio"] = divergence_ratio(data.twins[0], data.twins[1])
    control = "calibrated" if calibration else "k" if variant.uses_k else None
    return {"metrics": metrics, "calibration": calibration, "l0_control": control}


def run_cell(cell: Cell, device: str, threads: int) -> dict[str, Any]:
    """The record of one cell: its description, metrics or error, wall time, environment."""
    torch.set_num_threads(threads)
    start = time.perf_counter()
    record: dict[str, Any] = {"key": cell.key, **cell.describe()}
    try:
        record |= {"status": "ok", **train_and_score(cell, device), "error": None}
    except Exception as e:  # noqa: BLE001 - a failed cell is a result, not a crash
        record |= {"status": "failed", "metrics": {}, "error": f"{type(e).__name__}: {e}"}
    record |= {
        "wall_s": round(time.perf_counter() - start, 3),
        "device": device,
        "threads": threads,
        "versions": versions(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return record


Executor = Callable[[list[Cell], str, int], Iterator[dict[str, Any]]]


def local_executor(cells: list[Cell], device: str, threads: int) -> Iterator[dict[str, Any]]:
    """Run cells one after another in this process, yielding each record as it finishes."""
    for cell in cells:
        yield run_cell(cell, device, threads)


def pending(cells: Iterable[Cell], done: set[str]) -> list[Cell]:
    return [c for c in cells if c.key not in done]
