"""Windows of a system as SAE inputs: generated, split, standardised, with what metrics need.

A sample is `window` consecutive observations on the attractor, flattened to d_in =
window · D, and its forecast target is the observation right after it (drawn in the same
trajectory, so the windows are exactly those of `System.windows`); a settled start gives
several windows a decorrelation gap apart (`systems.sampling`), and the held-out windows come
from other starts than the training windows. Each
input dimension is standardised with the train split's mean and std. Beside the splits, each
from its own random stream so that the splits stay the same: the validation windows (`val`,
for learning curves and matched-L0 calibration, never the test split), a second held-out set
of raw windows (`floor`, the noise floor of the distribution metrics), the twin orbits of the
dynamics probe (raw units), and ground truth where the system declares it. What to draw is
the system's to say (`System.split_samples`, `samples`, `features`, `can_twin`,
`has_delay_pairs`): a recorded series supplies its own split. Within a process, the last
`CACHE_SIZE` datasets are kept, so cells of one (system, seed) share their data;
`share_through(dir)` (the `--jobs` workers) also shares it between processes: each dataset is
built once, by whichever worker needs it first, and the others load its pickle. This module
does not train or score anything.
"""

import fcntl
import hashlib
import json
import os
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bench.config import TrainConfig
from systems.base import System


@dataclass(frozen=True)
class Dataset:
    train: torch.Tensor  # (n_train, d_in) float32, standardised
    test: torch.Tensor  # (n_test, d_in) float32, standardised
    train_next: np.ndarray | None  # (n_train, D) raw: the observation after each window
    test_next: np.ndarray | None  # (n_test, D)
    val: torch.Tensor  # (n_test, d_in) standardised validation windows (own stream)
    mean: np.ndarray  # (d_in,) train mean
    std: np.ndarray  # (d_in,) train std (zeros replaced by 1)
    window: int
    dim: int  # D
    twins: np.ndarray | None  # (2, P, window + H, D) raw twin orbits; None: no equations
    test_sources: np.ndarray | None  # (n_test, S) true sources of the held-out samples
    features: np.ndarray | None  # (F, d_in) true features, unit rows in the standardised space
    floor: np.ndarray | None  # (n_test, window, D) raw second held-out set; None: no delay pairs

    def standardise(self, raw: np.ndarray) -> torch.Tensor:
        """Raw windows (n, d_in) → standardised float32 (as the SAE sees them)."""
        return torch.from_numpy((raw - self.mean) / self.std).float()

    def raw(self, x: torch.Tensor) -> np.ndarray:
        """Standardised windows (n, d_in) → raw units, un-flattened (n, window, D) float64."""
        out = x.double().cpu().numpy() * self.std + self.mean
        return out.reshape(len(out), self.window, self.dim)


def data_rng(system_name: str, seed: int) -> np.random.Generator:
    """The data stream of (system, seed): the same for every SAE, different per system."""
    return np.random.default_rng([seed, zlib.crc32(system_name.encode())])


CACHE_SIZE = 8  # datasets kept in a process (the pool's scheduling hint mirrors it)
_cache: dict[tuple, Dataset] = {}  # cells of one (system, seed) share their data in a process
_shared_dir: Path | None = None  # where processes share built datasets (None: they do not)


def share_through(directory: Path | None) -> None:
    """Share built datasets with other processes through pickles in `directory`."""
    global _shared_dir
    _shared_dir = directory


def dataset_key(system: str, params: dict, cfg: TrainConfig, seed: int) -> tuple:
    """What makes two cells' data the same: cells with one key share one Dataset."""
    sizes = (cfg.n_train, cfg.n_test, cfg.window, cfg.probe_orbits)
    return (system, json.dumps(params, sort_keys=True), sizes, seed)


def make_dataset(system: System, cfg: TrainConfig, seed: int) -> Dataset:
    key = dataset_key(system.name, system.params(), cfg, seed)
    if key not in _cache:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = _build_once(key, lambda: _build(system, cfg, seed))
    return _cache[key]


def _build_once(key: tuple, build: Callable[[], Dataset]) -> Dataset:
    """`build()`, or with a shared directory the pickle of whoever built it first: a process
    that finds the key's lock held waits for the builder, then loads (bit for bit the same)."""
    if _shared_dir is None:
        return build()
    path = _shared_dir / _shared_name(key)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even on an error
        if path.exists():
            with open(path, "rb") as f:
                return pickle.load(f)
        data = build()
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
        return data


def _shared_name(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:24]


def _build(system: System, cfg: TrainConfig, seed: int) -> Dataset:
    rng = data_rng(system.name, seed)
    window = cfg.window or system.window
    train, test = system.split_samples(cfg.n_train, cfg.n_test, window, rng)
    mean, std = train.windows.mean(axis=0), train.windows.std(axis=0)
    std = np.where(std > 0, std, 1.0)

    twins = None
    if system.can_twin:  # its own stream: train and test stay as they were
        probe_rng = data_rng(f"{system.name}:probe", seed)
        horizon = system.probe_horizon()
        twins = system.twin_orbits(cfg.probe_orbits, window, horizon, system.probe_eps, probe_rng)

    features = system.features(window)
    if features is not None:
        from systems.ground_truth import standardised_features

        features = standardised_features(features, std)

    # the stream matched-L0 calibration has always drawn its windows from
    val = system.samples(cfg.n_test, window, data_rng(f"{system.name}:calibration", seed))
    dim = test.windows.shape[1] // window
    floor = None
    if system.has_delay_pairs(window):
        floor_rng = data_rng(f"{system.name}:floor", seed)
        floor = system.samples(cfg.n_test, window, floor_rng, held_out=True).windows
        floor = floor.reshape(cfg.n_test, window, dim)
    return Dataset(
        train=torch.from_numpy((train.windows - mean) / std).float(),
        test=torch.from_numpy((test.windows - mean) / std).float(),
        train_next=train.next,
        test_next=test.next,
        val=torch.from_numpy((val.windows - mean) / std).float(),
        mean=mean,
        std=std,
        window=window,
        dim=dim,
        twins=twins,
        test_sources=test.sources,
        features=features,
        floor=floor,
    )
