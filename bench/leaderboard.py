"""Leaderboard tables from `runs.jsonl`: per system, SAEs as rows, metrics as mean ± std.

The best mean of every ranked metric (direction from `bench.metrics.METRICS`) is marked per
system. Printed with rich; written as Markdown and CSV. Failed cells are listed, not ranked.
This module reads records only: it never trains.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from bench.metrics import METRICS


def frame(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(finished cells: one row per key, latest wins; failed cells never finished)."""
    rows = [
        {
            "key": r["key"],
            "system": r["system"],
            "sae": r["sae"],
            "seed": r["seed"],
            "status": r.get("status"),
            "error": r.get("error"),
            **r.get("metrics", {}),
        }
        for r in records
    ]
    columns = ["key", "system", "sae", "seed", "status", "error"]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    ok = df[df.status == "ok"].drop_duplicates("key", keep="last")
    failed = df[(df.status != "ok") & ~df.key.isin(ok.key)].drop_duplicates("key", keep="last")
    return ok, failed


def aggregate(ok: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, sae): n_seeds and `<metric>_mean`, `<metric>_std` columns."""
    metrics = [m for m in METRICS if m in ok.columns]
    grouped = ok.groupby(["system", "sae"], sort=False)[metrics]
    agg = grouped.agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    return agg.reset_index()


def best_saes(agg: pd.DataFrame, system: str) -> dict[str, set[str]]:
    """For each ranked metric, the SAEs whose mean is best on `system`."""
    rows = agg[agg.system == system]
    out = {}
    for m in METRICS.values():
        col = f"{m.name}_mean"
        if m.better and col in rows and rows[col].notna().any():
            target = rows[col].max() if m.better == "higher" else rows[col].min()
            out[m.name] = set(rows.sae[np.isclose(rows[col], target, rtol=1e-9, atol=0)])
    return out


def cell_text(mean: float, std: float) -> str:
    return f"{mean:.4g}" if np.isnan(std) else f"{mean:.4g} ± {std:.2g}"


def metric_columns(agg: pd.DataFrame) -> list[str]:
    return [m for m in METRICS if f"{m}_mean" in agg.columns]


def header(metric: str) -> str:
    better = METRICS[metric].better
    return metric + {"higher": " ↑", "lower": " ↓", None: ""}[better]


def markdown(agg: pd.DataFrame, failed: pd.DataFrame) -> str:
    metrics = metric_columns(agg)
    lines = [
        "# Leaderboard",
        "",
        "Mean ± std over seeds on the held-out split; **bold** = best "
        "per system (↑ higher is better, ↓ lower is better; unmarked columns are reported, "
        "not ranked).",
        "",
    ]
    for system in agg.system.unique():
        best = best_saes(agg, system)
        lines += [
            f"## {system}",
            "",
            "| sae | seeds | " + " | ".join(map(header, metrics)) + " |",
            "|---|---|" + "---|" * len(metrics),
        ]
        for _, row in agg[agg.system == system].iterrows():
            cells = []
            for m in metrics:
                text = cell_text(row[f"{m}_mean"], row[f"{m}_std"])
                cells.append(f"**{text}**" if row.sae in best.get(m, ()) else text)
            lines.append(f"| {row.sae} | {row.n_seeds} | " + " | ".join(cells) + " |")
        lines.append("")
    if len(failed):
        lines += ["## Failed cells", "", "| system | sae | seed | error |", "|---|---|---|---|"]
        lines += [f"| {r.system} | {r.sae} | {r.seed} | {r.error} |" for r in failed.itertuples()]
        lines.append("")
    return "\n".join(lines)


# The terminal shows these, under short names; the files hold every metric.
CONSOLE_METRICS = {
    "l0": "l0",
    "dead_frac": "dead",
    "variance": "var",
    "decoded_variance": "dec.var",
    "fvu": "fvu",
    "score": "score",
}


def print_tables(agg: pd.DataFrame, failed: pd.DataFrame, console: Console) -> None:
    metrics = [m for m in metric_columns(agg) if m in CONSOLE_METRICS]
    for system in agg.system.unique():
        best = best_saes(agg, system)
        table = Table(title=system, title_justify="left")
        table.add_column("sae")
        table.add_column("n", justify="right")
        for m in metrics:
            table.add_column(header(m).replace(m, CONSOLE_METRICS[m]), justify="right")
        for _, row in agg[agg.system == system].iterrows():
            cells = []
            for m in metrics:
                text = cell_text(row[f"{m}_mean"], row[f"{m}_std"])
                cells.append(f"[bold green]{text}[/]" if row.sae in best.get(m, ()) else text)
            table.add_row(row.sae, str(row.n_seeds), *cells)
        console.print(table)
    for r in failed.itertuples():
        console.print(f"[red]failed[/] {r.system} / {r.sae} / seed {r.seed}: {r.error}")


def write(records: list[dict[str, Any]], out: Path, console: Console) -> pd.DataFrame:
    """Print the leaderboard and write `leaderboard.md` and `leaderboard.csv` under `out`."""
    ok, failed = frame(records)
    agg = aggregate(ok)
    print_tables(agg, failed, console)
    out.mkdir(parents=True, exist_ok=True)
    (out / "leaderboard.md").write_text(markdown(agg, failed))
    agg.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    return agg
