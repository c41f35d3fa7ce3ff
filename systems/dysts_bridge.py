"""Optional bridge: any autonomous `dysts` flow as a System, registered as "dysts:<Name>".

`register_dysts("Lorenz")` builds a System dataclass whose fields are the flow's dysts
parameters (plus integration settings), integrating all n trajectories as one ODE with
scipy's `solve_ivp` (DOP853 by default, dysts' equations via its right-hand side, vectorised
over trajectories when dysts' function allows it). `bench.registry.get_system("dysts:Lorenz")`
calls it on demand. It needs the extra `[dysts]`; without it every entry point raises one
`BenchError`. It does not support delay equations, maps or non-autonomous flows, nor dysts'
resampling, standardisation or post-processing: observations are the raw state.

For the dynamics metrics a bridged flow declares `obs_dt` (its sampling field, period / 100
by default), `delay_lag` = 1 observation step (the base default; delay equations are
excluded, so no flow has a delay to inherit) and λ₁ = dysts' `maximum_lyapunov_estimated`
(which sizes the twin-orbit probe's horizon and warm-up; NaN if dysts has none).
"""

import warnings
from dataclasses import field, make_dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from bench.errors import BenchError
from bench.registry import SYSTEMS, register_system
from systems.base import System

PREFIX = "dysts:"
INSTALL_HINT = "install the optional extra: pip install 'chaos-sae-bench[dysts]'"


def import_flows() -> Any:
    """The `dysts.flows` module, or a BenchError saying how to install it."""
    try:
        with warnings.catch_warnings():  # "Numba not installed" and similar import chatter
            warnings.simplefilter("ignore")
            import dysts.flows as flows
    except ImportError as exc:
        raise BenchError(f"dysts systems need the package dysts ({exc}); {INSTALL_HINT}") from exc
    return flows


def flow_class(name: str) -> type:
    """The dysts flow class called `name`, checked to be an autonomous ODE."""
    flows = import_flows()
    import dysts.base as dysts_base

    delay = getattr(dysts_base, "DynSysDelay", None)  # a subclass of DynSys in some versions
    cls = getattr(flows, name, None)
    is_delay = delay is not None and isinstance(cls, type) and issubclass(cls, delay)
    if is_delay or not (isinstance(cls, type) and issubclass(cls, dysts_base.DynSys)):
        raise BenchError(f"{PREFIX}{name}: not a dysts flow (delay equations and maps excluded)")
    if cls().metadata.get("nonautonomous"):
        raise BenchError(f"{PREFIX}{name}: non-autonomous flows are not supported by the bridge")
    return cls


def _batched_rhs(model: Any, dim: int) -> Any:
    """f(Y) -> dY/dt for states Y (n, D). Tries dysts' `_rhs` on all rows at once, then
    `rhs` on Y transposed (D, n), and keeps the first that gives the same numbers as a loop
    over rows on probe states; otherwise the loop."""

    def looped(y: np.ndarray) -> np.ndarray:
        return np.stack([np.asarray(model.rhs(row, 0.0), dtype=np.float64) for row in y])

    def vectorised(y: np.ndarray) -> np.ndarray:
        out = model._rhs(*y.T, 0.0, *model.param_list)
        return np.stack(np.broadcast_arrays(*out), axis=1).astype(np.float64)

    def transposed(y: np.ndarray) -> np.ndarray:
        return np.asarray(model.rhs(y.T, 0.0), dtype=np.float64).T

    ic = np.asarray(model.ic, dtype=np.float64)
    probe = ic * (1 + 0.1 * np.random.default_rng(0).standard_normal((3, dim)))
    expected = looped(probe)
    for candidate in (vectorised, transposed):
        try:
            if np.allclose(candidate(probe), expected, rtol=1e-12, atol=1e-12):
                return candidate
        except Exception:  # noqa: BLE001 - a dysts function that only takes one state
            continue
    return looped


class DystsFlow(System):
    """Base of the generated classes; `_flow` is the dysts class, fields its parameters."""

    _flow: type
    method: str
    rtol: float
    atol: float
    obs_dt: float
    start_noise: float

    def model(self) -> Any:
        names = self._flow().params
        return self._flow(parameters={key: np.asarray(getattr(self, key)) for key in names})

    def validate(self) -> None:
        for key in ("obs_dt", "rtol", "atol", "start_noise"):
            if not getattr(self, key) > 0:
                raise BenchError(f"{self.name}: {key} must be positive, got {getattr(self, key)}")

    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, D): dysts' stored initial condition plus start_noise × its std, Gaussian."""
        model = self.model()
        noise = rng.standard_normal((n, self.dim)) * self.start_noise * np.asarray(model.std)
        return np.asarray(model.ic, dtype=np.float64) + noise

    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        n = state.shape[0]
        rhs = _batched_rhs(self.model(), self.dim)
        times = self.obs_dt * np.arange(1, steps + 1)
        with np.errstate(all="ignore"):
            sol = solve_ivp(
                lambda _t, y: rhs(y.reshape(n, self.dim)).ravel(),
                (0.0, times[-1]),
                np.asarray(state, dtype=np.float64).ravel(),
                method=self.method,
                t_eval=times,
                rtol=self.rtol,
                atol=self.atol,
            )
        if sol.status != 0 or sol.y.shape[1] != steps:
            raise BenchError(f"{self.name}: integration failed ({sol.message}) at {self.params()}")
        obs = sol.y.reshape(n, self.dim, steps).transpose(0, 2, 1).copy()
        return obs, obs[:, -1].copy()


def _freeze(value: Any) -> Any:
    """A dysts parameter as an immutable default: a Python scalar or nested tuples."""
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else tuple(_freeze(row) for row in array)


def register_dysts(name: str) -> type:
    """Register dysts flow `name` as "dysts:<name>" (once) and return the System class.

    Defaults: dysts' parameters; observation every period / 100 (dysts' default sampling);
    window ≈ 784 / D steps; transient 1000 observations (10 periods); DOP853 at rtol = atol =
    1e-9; starts at dysts' initial condition plus 1 % of its std as noise.
    """
    key = PREFIX + name
    if key in SYSTEMS:
        return SYSTEMS[key]
    flow = flow_class(name)
    model = flow()
    dim = len(np.atleast_1d(model.ic))
    params = [(k, Any, field(default=_freeze(v))) for k, v in sorted(model.params.items())]
    settings = [
        ("obs_dt", float, field(default=float(model.period) / 100)),
        ("method", str, field(default="DOP853")),
        ("rtol", float, field(default=1e-9)),
        ("atol", float, field(default=1e-9)),
        ("start_noise", float, field(default=0.01)),
    ]
    cls = make_dataclass(f"Dysts{name}", params + settings, bases=(DystsFlow,))
    cls.__module__ = __name__
    cls.__doc__ = f"dysts flow {name} (D = {dim}), DOP853 on dysts' equations."
    cls._flow, cls.dim, cls.window = flow, dim, max(1, round(784 / dim))
    cls.lyapunov = float(model.maximum_lyapunov_estimated or np.nan)
    cls.time_unit, cls.transient = "time unit", 1000
    return register_system(key)(cls)
