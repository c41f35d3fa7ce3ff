"""Windows of a chaotic system as SAE inputs: generated, split, standardised.

A sample is `window` consecutive observations from its own random start on the attractor,
flattened to d_in = window · D. Each input dimension is standardised with the train split's
mean and std; the held-out split, the divergence probe's windows and (matched-L0 runs only)
the calibration windows, fresh ones neither trained on nor scored, use the same statistics.
This module does not train or score anything.
"""

import json
import zlib
from dataclasses import dataclass

import numpy as np
import torch

from bench.config import TrainConfig
from systems.base import System


@dataclass(frozen=True)
class Dataset:
    train: torch.Tensor  # (n_train, d_in) float32, standardised
    test: torch.Tensor  # (n_test, d_in) float32, standardised
    twins: torch.Tensor  # (2, divergence_windows, d_in): successive windows of twin trajectories
    val: torch.Tensor | None  # (n_test, d_in) unseen windows for matched-L0 calibration, if any


def data_rng(system_name: str, seed: int) -> np.random.Generator:
    """The data stream of (system, seed): the same for every SAE, different per system."""
    return np.random.default_rng([seed, zlib.crc32(system_name.encode())])


_cache: dict[tuple, Dataset] = {}  # cells of one (system, seed) share their data in a process


def make_dataset(system: System, cfg: TrainConfig, seed: int) -> Dataset:
    sizes = (cfg.n_train, cfg.n_test, cfg.window, cfg.divergence_windows, cfg.divergence_eps)
    key = (system.name, json.dumps(system.params(), sort_keys=True), sizes, cfg.target_l0 > 0, seed)
    if key not in _cache:
        if len(_cache) >= 8:
            _cache.pop(next(iter(_cache)))
        _cache[key] = _build(system, cfg, seed)
    return _cache[key]


def _build(system: System, cfg: TrainConfig, seed: int) -> Dataset:
    rng = data_rng(system.name, seed)
    window = cfg.window or system.window
    windows = system.windows(cfg.n_train + cfg.n_test, rng, window)  # (n, d_in) float64
    train, test = windows[: cfg.n_train], windows[cfg.n_train :]
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)

    steps = cfg.divergence_windows * window
    pair = system.twin_trajectories(steps, cfg.divergence_eps, rng)  # (2, steps, D)
    twins = pair.reshape(2, cfg.divergence_windows, window * system.dim)

    def standardise(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy((a - mean) / std).float()

    val = None
    if cfg.target_l0:  # its own stream: train, test and twins stay those of a plain run
        val_rng = data_rng(f"{system.name}:calibration", seed)
        val = standardise(system.windows(cfg.n_test, val_rng, window))
    return Dataset(standardise(train), standardise(test), standardise(twins), val)
