"""A cell of the matrix and the plan that lists them.

A cell is pure data (system, SAE, seed, shared settings, the system's and the SAE's own
parameters) with a content hash as its key, so a rerun resumes and any executor can run it.
`plan` applies `--set` assignments and refuses bad input before anything trains. This module
neither trains nor scores.
"""

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

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

    A comma-separated value is a sweep: `k=8,16,64` plans the matrix once per value (several
    sweeps: every combination), in that order, each cell once. With `matched_l0` (target:
    `target_l0`, default k) coefficient SAEs are calibrated to the target, TopK-style SAEs run
    with k = target, and SAEs with no sparsity control are left out.
    """
    if seeds <= 0:
        raise BenchError(f"--seeds must be positive, got {seeds}")
    cells = {}  # by key, in planned order
    for combination in sweep(assignments):
        for cell in _plan_one(systems, saes, seeds, cfg, combination, matched_l0):
            cells.setdefault(cell.key, cell)
    return list(cells.values())


def sweep(assignments: list[str]) -> list[list[str]]:
    """["k=8,16", "l1.l1_coefficient=2"] → [["k=8", "l1.l1_coefficient=2"], ["k=16", …]]."""
    choices = []
    for item in assignments:
        key, _, values = item.partition("=")
        if "," not in values:
            choices.append([item])
            continue
        parts = values.split(",")
        if not all(parts):
            raise BenchError(f"--set {item}: a sweep lists values like k=8,16,64")
        choices.append([f"{key}={value}" for value in parts])
    return [list(combination) for combination in itertools.product(*choices)]


def _plan_one(
    systems: list[str],
    saes: list[str],
    seeds: int,
    cfg: TrainConfig,
    assignments: list[str],
    matched_l0: bool,
) -> list[Cell]:
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


def pending(cells: list[Cell], done: set[str]) -> list[Cell]:
    return [c for c in cells if c.key not in done]
