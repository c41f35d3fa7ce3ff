"""The benchmark's metrics: the families, listed once, and the table they make.

A family is a module (see `bench.metrics.base`) exporting `FAMILY`, `TITLE`, `METRICS` and
`compute(inputs)`; `FAMILY_MODULES` below is the one place a family is named. From it come
`METRICS` (every metric with its direction and formula, in family order: the leaderboard's
ranking and columns, and docs/metrics.md, written by `make docs` from `metrics_markdown`) and
`FAMILIES` (section key → title). Scoring (`bench.run.score`) loops over `FAMILY_MODULES` and
adds `noise_floor`: every distribution metric between two samples of the data.
Adding a metric: a `Metric` entry and its value in one family's `compute` (or a new family
module and its line here), plus its known-answer test. Nothing here trains, loads or stores.
"""

from types import ModuleType

from bench.metrics import core, dynamics, ground_truth, saebench
from bench.metrics.base import Metric, ScoringInput, data_side
from bench.metrics.core import EPS, dead_mask, evaluate, fvu, l0, latent_variances, sparsity

__all__ = [
    "DIRECTION",
    "EPS",
    "FAMILIES",
    "FAMILY_MODULES",
    "METRICS",
    "Metric",
    "ScoringInput",
    "dead_mask",
    "evaluate",
    "fvu",
    "l0",
    "latent_variances",
    "metrics_markdown",
    "noise_floor",
    "sparsity",
]

FAMILY_MODULES: tuple[ModuleType, ...] = (core, saebench, dynamics, ground_truth)


def _table(families: tuple[ModuleType, ...]) -> dict[str, Metric]:
    """name → Metric over the families, refusing a name twice or a metric filed elsewhere."""
    table: dict[str, Metric] = {}
    for family in families:
        for m in family.METRICS:
            if m.name in table or m.family != family.FAMILY:
                raise ValueError(f"metric {m.name!r}: a duplicate or not of {family.FAMILY!r}")
            if m.distribution != (m.between is not None):
                raise ValueError(f"metric {m.name!r}: a distribution metric needs `between`")
            table[m.name] = m
    return table


METRICS: dict[str, Metric] = _table(FAMILY_MODULES)
FAMILIES: dict[str, str] = {family.FAMILY: family.TITLE for family in FAMILY_MODULES}
DIRECTION = {"higher": "higher", "lower": "lower", "one": "closer to 1", None: "reported"}


def noise_floor(inputs: ScoringInput) -> dict[str, float]:
    """Each distribution metric between the held-out windows and `Dataset.floor`, a second
    held-out sample of the system from an independent stream (raw (n, window, D)): what a
    perfect model scores at this sample size. {} for a dataset without a floor."""
    data = inputs.data
    if data.floor is None:
        return {}

    def between_samples() -> dict[str, float]:
        held_out = data.raw(data.test)  # (n, window, D)
        return {
            m.name: m.between(held_out, data.floor, inputs.system)
            for m in METRICS.values()
            if m.distribution
        }

    return dict(data_side(data, "noise_floor", between_samples))


def metrics_markdown(family: str | None = None) -> str:
    """The metric table (of one family, or of all) as markdown, generated from METRICS."""
    lines = ["| metric | definition | better |", "|---|---|---|"]
    for m in METRICS.values():
        if family is not None and m.family != family:
            continue
        formula = m.formula.replace("|", "\\|")
        scope = " (per system)" if m.per_system else ""
        scope += " (distribution metric: read against its noise floor)" if m.distribution else ""
        lines.append(f"| `{m.name}` | {formula}{scope} | {DIRECTION[m.better]} |")
    return "\n".join(lines)
