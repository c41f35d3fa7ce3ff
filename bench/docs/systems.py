"""The generated parts of docs/systems.md: every built-in system from the registry, and the
numbers of the sampling and `file:` rules from the constants that set them.

`parts()` gives the template's `{{system_table}}` (per system: D, default window and d_in,
reference λ₁, observation step, delay lag, windows per settled start, ground truth, twin orbits
and tangent map), `{{system_details}}` (its equation, docstring, parameters with defaults and
the literature values the tests check) and the rules' numbers (`{{gap_times}}`, `{{file_*}}`).
It instantiates each system at its defaults and draws no data.
"""

import math
import sys
from typing import Any

from bench.config import PAPER, TrainConfig
from bench.docs.markdown import docstring, fields_table, source_link, table
from bench.registry import is_builtin, system_names, systems
from systems import file_series
from systems.sampling import DECORRELATION_LYAPUNOV_TIMES, decorrelation_gap, windows_per_start


def builtin_systems() -> dict[str, Any]:
    """name → instance at its defaults, for the built-in systems (not plugins), listing order."""
    table_ = systems()
    return {n: table_[n]() for n in system_names() if is_builtin(table_[n])}


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def exponent_text(system: Any) -> str:
    if math.isnan(system.lyapunov):
        return "unknown"
    if system.lyapunov == 0:
        return "0 (not chaotic)"
    return f"{system.lyapunov:g} per {system.time_unit}"


def per_start_text(system: Any) -> str:
    gap = decorrelation_gap(system)
    return "one" if gap is None else f"several, {gap} steps apart"


def system_table() -> str:
    rows = []
    for name, s in builtin_systems().items():
        rows.append(
            [
                f"`{name}`",
                str(s.dim),
                f"{s.window} ({s.window * s.dim})",
                exponent_text(s),
                f"{s.obs_dt:g}",
                str(s.delay_lag),
                per_start_text(s),
                yes(s.has_ground_truth),
                yes(s.can_twin),
                yes(s.has_tangent),
            ]
        )
    header = [
        "system",
        "D",
        "window (d_in)",
        "reference λ₁",
        "Δt",
        "delay lag",
        "windows per start",
        "ground truth",
        "twin orbits",
        "tangent map",
    ]
    return table(header, rows)


def references_text(system: Any) -> str:
    """The literature values the system declares (its `lyapunov` and `references`)."""
    values = [f"λ₁ = {exponent_text(system)}"]
    values += [f"{key} = {value:g}" for key, value in system.references.items()]
    return f"Reference values: {', '.join(values)}."


def system_details() -> str:
    """Per system: its module's first paragraph (the equation), its docstring, where it is
    defined, its reference values and its parameters."""
    sections = []
    for name, s in builtin_systems().items():
        cls = type(s)
        first = (sys.modules[cls.__module__].__doc__ or "").strip().split("\n\n")[0]
        where = f"`{cls.__name__}` in {source_link(cls.__module__)}. {references_text(s)}"
        parts = [f"### `{name}`", " ".join(first.split()), docstring(cls), where]
        sections.append("\n\n".join([*parts, fields_table(cls, name) or "No parameters."]))
    return "\n\n".join(sections)


def per_start_example(name: str = "lorenz96") -> str:
    """How many windows one settled start of `name` gives at the `paper` and the `default`
    profiles' training sizes: "6 per start at 2000 windows and 25 at 32000"."""
    system = systems()[name]()
    steps = system.window + 1  # a window and its next observation (`System.samples`)
    counts = [
        f"{windows_per_start(system, steps, n)}{' per start' if i == 0 else ''} at {n} windows"
        for i, n in enumerate((PAPER.n_train, TrainConfig().n_train))
    ]
    return " and ".join(counts)


def parts() -> dict[str, str]:
    min_held_out = file_series.HELD_OUT_WINDOWS * file_series.MIN_WINDOW
    return {
        "system_table": system_table(),
        "system_details": system_details(),
        "gap_times": f"{DECORRELATION_LYAPUNOV_TIMES:g}",
        "per_start_example": per_start_example(),
        "file_train_percent": f"{round(100 * file_series.TRAIN_FRACTION)} %",
        "file_held_out_percent": f"{round(100 * (1 - file_series.TRAIN_FRACTION))} %",
        "file_windows": str(file_series.HELD_OUT_WINDOWS),
        "file_min_window": str(file_series.MIN_WINDOW),
        "file_d_in": str(file_series.TARGET_D_IN),
        "file_min_held_out": str(min_held_out),
        "file_min_length": str(file_series._length_for(min_held_out)),
    }
