"""Checks every system shares: sizes, finite output, a flow's sampling.

Each raises one `BenchError` line naming the system. They know nothing of a system's equations.
"""

from typing import Protocol

import numpy as np

from bench.errors import BenchError


class Named(Protocol):
    """What these checks (and `systems.sampling`) read of a system: they take any
    `systems.base.System` without importing it (base imports them)."""

    name: str
    dim: int
    obs_dt: float
    transient: int
    lyapunov: float

    def changed_params(self) -> str: ...


def check_sampling(system: Named, step_field: str, min_transient_time: float) -> None:
    """For flows: `obs_dt` must be a positive multiple of the integration step (the field
    `step_field`), and the transient must last at least `min_transient_time` time units."""
    step, obs_dt = getattr(system, step_field), system.obs_dt
    if obs_dt <= 0 or abs(obs_dt / step - round(obs_dt / step)) > 1e-9:
        raise BenchError(
            f"{system.name}: obs_dt={obs_dt} must be a positive multiple of {step_field}={step}"
        )
    if system.transient * obs_dt < min_transient_time - 1e-9:
        raise BenchError(
            f"{system.name}: obs_dt={obs_dt} makes the {system.transient}-step transient "
            f"shorter than {min_transient_time:g} time units; use obs_dt >= "
            f"{min_transient_time / system.transient:g}"
        )


def _check_positive(system: Named, **sizes: int) -> None:
    for key, value in sizes.items():
        if not isinstance(value, int | np.integer) or value <= 0:
            raise BenchError(f"{system.name}: {key} must be a positive integer, got {value!r}")


def _finite(system: Named, obs: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(obs)):
        raise BenchError(
            f"{system.name}: trajectory left the attractor (non-finite values) with "
            f"{system.changed_params()}; check the parameters, the step size and the start"
        )
    return obs
