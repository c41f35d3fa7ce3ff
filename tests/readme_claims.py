"""Support for tests/test_readme_claims.py: the committed run's tables, and numbers as the
README writes them.

Every number the README quotes is recomputed here from the committed records, through the
leaderboard's own `tables` (so it is the number the leaderboard shows), and rounded once, from
the unrounded mean, as the README rounds it.
"""

from functools import cache
from pathlib import Path

import pandas as pd

from bench.report.leaderboard import Tables, tables
from bench.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "reference"
README = ROOT / "README.md"
CHAOTIC = ("logistic", "henon", "lorenz96", "mackey_glass")


@cache
def run() -> Tables:
    """The committed reference run's tables (Welch's tests against K-Sparse Chaos)."""
    return tables(RunStore(REFERENCE / "runs.jsonl").load(), reference="ksparse_chaos")


@cache
def readme() -> str:
    """The README with its white space folded (a sentence may wrap anywhere)."""
    return " ".join(README.read_text().split())


def says(text: str) -> bool:
    return " ".join(text.split()) in readme()


def value(frame: pd.DataFrame, system: str, label: str, metric: str, stat: str = "mean") -> float:
    """One aggregated cell: `metric`'s mean (or std) of row `label` on `system`."""
    rows = frame[(frame.system == system) & (frame.label == label)]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows for {label} on {system}")
    return float(rows[f"{metric}_{stat}"].iloc[0])


def fmt(x: float, digits: int = 3) -> str:
    """x rounded once to `digits` decimals, as the README writes it."""
    return f"{x:.{digits}f}"


def sig(x: float, digits: int = 2) -> str:
    """x rounded once to `digits` significant digits, as the README writes it."""
    return f"{x:.{digits}g}"
