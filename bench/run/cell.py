"""A cell of the matrix and the plan that lists them.

A cell is pure data (system, SAE, seed, shared settings, the system's and the SAE's own
parameters). Its key hashes only what the cell reads: of the shared settings, `k` only for an
SAE whose L0 k sets, `target_l0` only for a calibrated SAE in a matched-L0 run, the
optimisation settings only for a trained (not closed-form) SAE and `probe_orbits` only for a
system that makes twin orbits. So `--set k=16` after a plain run finds relu's and l1's cells
done, and a sweep over `lr` fits a closed-form reference once. A rerun resumes by key and any
executor can run a cell. `plan` applies `--set` assignments and refuses bad input before
anything trains. This module neither trains nor scores.
"""

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from baselines.base import calibrated, closed_form, reads_k
from bench.config import TrainConfig, override, split_assignments
from bench.errors import BenchError
from bench.registry import get_sae, get_system

OPTIMISATION = ("epochs", "batch_size", "lr")  # read by the training loop alone


@dataclass(frozen=True)
class Cell:
    system: str
    sae: str
    seed: int
    config: TrainConfig  # the whole run's settings: kept in the record for provenance
    system_params: dict[str, Any] = field(default_factory=dict)
    sae_params: dict[str, Any] = field(default_factory=dict)
    reads: tuple[str, ...] | None = None  # the settings of `config` it reads (None: all)
    profile: str | None = None  # the profile it was planned under (not part of the key)

    def key_config(self) -> dict[str, Any]:
        """The settings the key hashes: those of `config` that the cell reads."""
        full = asdict(self.config)
        return full if self.reads is None else {k: full[k] for k in self.reads}

    def describe(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "sae": self.sae,
            "seed": self.seed,
            "config": asdict(self.config),
            "key_config": self.key_config(),
            "system_params": self.system_params,
            "sae_params": self.sae_params,
            "profile": self.profile,
        }

    @property
    def key(self) -> str:
        keyed = {
            "system": self.system,
            "sae": self.sae,
            "seed": self.seed,
            "config": self.key_config(),
            "system_params": self.system_params,
            "sae_params": self.sae_params,
        }
        return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:16]


def settings_read(system: Any, variant: type, cfg: TrainConfig) -> tuple[str, ...]:
    """The names of the `TrainConfig` settings a cell of `system` and `variant` reads."""
    skip = set()
    if not reads_k(variant):
        skip.add("k")
    if not (calibrated(variant) and cfg.target_l0):
        skip.add("target_l0")
    if closed_form(variant):
        skip.update(OPTIMISATION)
    if not system.can_twin:
        skip.add("probe_orbits")
    return tuple(f.name for f in fields(cfg) if f.name not in skip)


def plan(
    systems: Sequence[str],
    saes: Sequence[str],
    seeds: int,
    *,
    config: TrainConfig,
    assignments: Sequence[str] = (),
    matched_l0: bool = False,
    profile: str | None = None,
) -> list[Cell]:
    """Every (system, SAE, seed) cell, with `--set` assignments applied and checked.

    A comma-separated value is a sweep: `k=8,16,64` plans the matrix once per value (several
    sweeps: every combination), in that order, each cell once (so a cell that does not read
    the swept setting is planned once). With `matched_l0` (target: `target_l0`, default k)
    calibrated SAEs are calibrated to the target, k-controlled SAEs run with k = target, and
    SAEs with no L0 control are left out. `profile` is recorded in each cell, not keyed.
    """
    if seeds <= 0:
        raise BenchError(f"--seeds must be positive, got {seeds}")
    if matched_l0 and len(no_l0_control(saes)) == len(saes):
        raise BenchError(
            f"--matched-l0 plans no cell: {', '.join(saes)} have no L0 control "
            "(neither k nor a sparsity coefficient sets their L0)"
        )
    cells: dict[str, Cell] = {}  # by key, in planned order
    checked: set[str] = set()  # systems (with their parameters and window) already preflown
    for combination in sweep(assignments):
        for cell in _plan_one(
            systems,
            saes,
            seeds,
            cfg=config,
            assignments=combination,
            matched_l0=matched_l0,
            checked=checked,
        ):
            cells.setdefault(cell.key, replace(cell, profile=profile))
    return list(cells.values())


def no_l0_control(saes: Sequence[str]) -> list[str]:
    """The SAEs among `saes` that nothing sets the L0 of (a matched-L0 run leaves them out)."""
    return [name for name in saes if get_sae(name).l0_control == "none"]


def sweep(assignments: Sequence[str]) -> list[list[str]]:
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
    systems: Sequence[str],
    saes: Sequence[str],
    seeds: int,
    *,
    cfg: TrainConfig,
    assignments: list[str],
    matched_l0: bool,
    checked: set[str],
) -> list[Cell]:
    system_objs = {name: get_system(name)() for name in systems}
    sae_objs = {name: get_sae(name)() for name in saes}
    for scope, key, value in split_assignments(assignments):
        if not scope:
            cfg = override(cfg, key, value)
        elif scope in system_objs:
            system_objs[scope] = override(system_objs[scope], key, value, scope=scope)
        elif scope in sae_objs:
            sae_objs[scope] = override(sae_objs[scope], key, value, scope=scope)
        else:
            valid = ", ".join([*system_objs, *sae_objs])
            raise BenchError(f"--set {scope}.{key}: {scope!r} is not in this run; valid: {valid}")
    if matched_l0 and not cfg.target_l0:
        cfg = replace(cfg, target_l0=float(cfg.k))
    cfg.check()
    for system in system_objs.values():
        window = cfg.window or system.window
        seen = json.dumps([system.name, system.params(), window], sort_keys=True, default=str)
        if seen not in checked:
            _check_input_width(system, window)
            system.preflight(window)  # refuses, e.g., parameters that blow up, before training
            checked.add(seen)
    sae_cfgs = {name: cell_config(type(sae), cfg) for name, sae in sae_objs.items()}
    for name, sae in sae_objs.items():
        if sae_cfgs[name]:
            sae.check(sae_cfgs[name])
    return [
        Cell(
            sys_name,
            sae_name,
            seed,
            sae_cfgs[sae_name],
            system.params(),
            sae.params(),
            reads=settings_read(system, type(sae), sae_cfgs[sae_name]),
        )
        for sys_name, system in system_objs.items()
        for sae_name, sae in sae_objs.items()
        if sae_cfgs[sae_name]
        for seed in range(seeds)
    ]


def _check_input_width(system: Any, window: int) -> None:
    """Refuse windows of fewer than 2 numbers: sae-lens' TopK auxiliary loss divides by the
    d_in // 2 dead latents it may revive, which is 0 at d_in = 1."""
    d_in = window * system.dim
    if d_in < 2:
        raise BenchError(
            f"{system.name}: a window of {window} step(s) × {system.dim} number(s) gives "
            f"d_in = {d_in}; SAEs need d_in ≥ 2 (use window ≥ {-(-2 // system.dim)})"
        )


def cell_config(variant: type, cfg: TrainConfig) -> TrainConfig | None:
    """The settings one SAE runs with (None: it has no place in a matched-L0 run)."""
    if not cfg.target_l0:
        return cfg
    if reads_k(variant):  # the same cell as a plain run with k = target, so results are shared
        return replace(cfg, k=round(cfg.target_l0), target_l0=0.0)
    return cfg if calibrated(variant) else None


def pending(cells: list[Cell], done: set[str]) -> list[Cell]:
    return [c for c in cells if c.key not in done]
