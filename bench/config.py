"""Run settings as one dataclass, the named profiles, and `--set key=value` overrides.

`TrainConfig` holds what every cell shares (data sizes, optimisation, SAE width, k). Each SAE
variant's own hyperparameters stay on its dataclass and are set with `--set sae.field=value`;
each system's parameters with `--set system.field=value`. No YAML: this module is the schema.
"""

import math
from dataclasses import dataclass, fields, replace
from typing import Any, get_type_hints

from bench.errors import BenchError


@dataclass(frozen=True)
class TrainConfig:
    """The `default` profile's settings: 16× the seed paper's windows at batch 256. It is not
    converged everywhere: the budget study (`make bench-budget`, results/benchmarks/budget.md)
    and the records' `converged` flags say how far. Other profiles override some of them."""

    n_train: int = 32000  # training windows, fresh from the generator
    n_test: int = 500  # held-out windows (and as many validation windows, and a floor sample)
    epochs: int = 10
    batch_size: int = 256
    lr: float = 2e-3
    d_sae: int = 128
    k: int = 32  # active latents for TopK-style SAEs
    window: int = 0  # steps per window; 0 = the system's default (d_in ≈ 784)
    probe_orbits: int = 32  # twin orbits of the dynamics probe (P)
    target_l0: float = 0.0  # matched-L0 mode: calibrate coefficient SAEs to this L0 (0 = off)

    def check(self) -> None:
        for name in ("n_train", "n_test", "epochs", "batch_size", "d_sae", "k"):
            if getattr(self, name) <= 0:
                raise BenchError(f"{name} must be positive, got {getattr(self, name)}")
        if self.n_test < 2:  # FVU divides by the held-out windows' variance about their mean
            raise BenchError(
                f"n_test must be ≥ 2 (FVU needs the held-out variance), got {self.n_test}"
            )
        if self.lr <= 0:
            raise BenchError(f"lr must be positive, got {self.lr}")
        if self.window < 0:
            raise BenchError(f"window must be ≥ 0 (0 = the system's default), got {self.window}")
        if self.probe_orbits < 2:
            raise BenchError(f"probe_orbits must be ≥ 2, got {self.probe_orbits}")
        if not 0 <= self.target_l0 <= self.d_sae:
            raise BenchError(f"target_l0 must be in [0, d_sae={self.d_sae}], got {self.target_l0}")
        if self.batch_size > self.n_train:
            raise BenchError(f"batch_size={self.batch_size} exceeds n_train={self.n_train}")


# The seed paper's sizes: 2000 / 500 windows, 10 epochs, batch 32, Adam 1e-3 (620 steps: the
# last, partial batch of an epoch is dropped).
PAPER = TrainConfig(n_train=2000, n_test=500, epochs=10, batch_size=32, lr=1e-3)

PROFILES: dict[str, tuple[TrainConfig, int]] = {
    # name: (settings, default number of seeds)
    "quick": (
        TrainConfig(n_train=256, n_test=128, epochs=2, batch_size=32, lr=1e-3, probe_orbits=8),
        1,
    ),
    "paper": (PAPER, 3),
    "default": (TrainConfig(), 3),
    "full": (TrainConfig(n_train=128000, n_test=2000), 10),  # for a GPU
}


def profile(name: str) -> tuple[TrainConfig, int]:
    if name not in PROFILES:
        raise BenchError(f"unknown profile {name!r}; valid: {', '.join(PROFILES)}")
    return PROFILES[name]


EXPECTED = {bool: "true or false", int: "an integer", float: "a number"}


def parse_value(text: str, kind: Any, key: str) -> Any:
    """`text` converted to the dataclass field type `kind` (int, float, bool, str); `key` is
    the setting as the user wrote it (`jumprelu.ste_to_input`), for the error message."""
    kind = {"int": int, "float": float, "bool": bool, "str": str}.get(kind, kind)
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind is int:
            return int(text)
        if kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise BenchError(f"--set {key}={text}: must be a finite number")
            return value
        return text
    except ValueError:
        expected = EXPECTED.get(kind, getattr(kind, "__name__", str(kind)))
        raise BenchError(f"--set {key}={text}: expected {expected}") from None


def override(obj: Any, key: str, text: str, *, scope: str = "") -> Any:
    """A copy of dataclass `obj` with field `key` set from `text`; `scope` is the system or SAE
    name the user put before the key (empty for the shared settings)."""
    hints = get_type_hints(type(obj))  # resolves string annotations (`from __future__ ...`)
    types = {f.name: hints[f.name] for f in fields(obj)}
    label = f"{scope}.{key}" if scope else key
    if key not in types:
        valid = ", ".join(types) or "(none)"
        owner = scope or "the shared settings"
        raise BenchError(f"--set {label}: unknown key {key!r} for {owner}; valid: {valid}")
    return replace(obj, **{key: parse_value(text, types[key], label)})


def split_assignments(items: list[str]) -> list[tuple[str, str, str]]:
    """["k=16", "l1.l1_coefficient=2"] → [("", "k", "16"), ("l1", "l1_coefficient", "2")]."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise BenchError(f"--set expects key=value, got {item!r}")
        scope, _, name = key.rpartition(".")
        out.append((scope, name, value))
    return out
