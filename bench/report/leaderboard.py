"""Leaderboard tables from `runs.jsonl`: per system, SAEs as rows, metrics as mean ± std.

The best mean of every ranked metric (direction from `bench.metrics.METRICS`) is marked per
system; Welch's t-tests of K-Sparse Chaos against each baseline sit beside it, then the
matched-L0 table (coefficient SAEs calibrated to the TopK-style SAEs' L0) and the figures.
Printed with rich; written as Markdown, CSV and PNG. Failed cells are listed, not ranked.
This module reads records only: it never trains.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from bench.metrics import METRICS
from bench.report.figures import write_figures
from bench.report.stats import REFERENCE, TESTED, p_text, welch_tests

# The terminal shows these, under short names; the files hold every metric.
CONSOLE_METRICS = {
    "l0": "l0",
    "dead_frac": "dead",
    "variance": "var",
    "decoded_variance": "dec.var",
    "fvu": "fvu",
    "score": "score",
}


def setting_of(record: dict[str, Any]) -> str:
    """Hash of everything that defines a cell except its seed: rows with equal settings pool."""
    parts = {k: record.get(k) for k in ("system", "sae", "config", "system_params", "sae_params")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:6]


def frame(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(finished cells: one row per key, latest wins; failed cells that never finished)."""
    rows = [
        {
            "key": r["key"],
            "system": r["system"],
            "sae": r["sae"],
            "seed": r["seed"],
            "status": r.get("status"),
            "error": r.get("error"),
            "setting": setting_of(r),
            "k": r["config"]["k"],
            "target_l0": r["config"].get("target_l0", 0.0),
            "l0_control": r.get("l0_control"),
            "coefficient": (r.get("calibration") or {}).get("coefficient"),
            **r.get("metrics", {}),
        }
        for r in records
    ]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["key", "status"])
    ok = df[df.status == "ok"].drop_duplicates("key", keep="last")
    failed = df[(df.status != "ok") & ~df.key.isin(ok.key)].drop_duplicates("key", keep="last")
    return ok, failed


def matched_rows(ok: pd.DataFrame) -> pd.DataFrame:
    """Calibrated cells, and the TopK-style cells whose k equals a calibration target."""
    calibrated = ok[ok.l0_control == "calibrated"]
    targets = set(calibrated.target_l0.round().astype(int))
    return pd.concat([ok[(ok.l0_control == "k") & ok.k.isin(targets)], calibrated])


def aggregate(per_seed: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, sae, setting): label, n_seeds, `<metric>_mean`, `<metric>_std`."""
    metrics = [m for m in [*METRICS, "coefficient"] if m in per_seed.columns]
    if "coefficient" in metrics and per_seed.coefficient.isna().all():
        metrics.remove("coefficient")
    grouped = per_seed.groupby(["system", "sae", "setting"], sort=False)
    agg = grouped[metrics].agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    agg = agg.reset_index()
    ambiguous = agg.duplicated(["system", "sae"], keep=False)
    agg.insert(2, "label", agg.sae.where(~ambiguous, agg.sae + " (" + agg.setting + ")"))
    return agg


def best_labels(agg: pd.DataFrame, system: str) -> dict[str, set[str]]:
    """For each ranked metric, the rows whose mean is best on `system`."""
    rows = agg[agg.system == system]
    out = {}
    for m in METRICS.values():
        col = f"{m.name}_mean"
        if m.better and col in rows and rows[col].notna().any():
            target = rows[col].max() if m.better == "higher" else rows[col].min()
            out[m.name] = set(rows.label[np.isclose(rows[col], target, rtol=1e-9, atol=0)])
    return out


def cell_text(mean: float, std: float) -> str:
    if np.isnan(mean):
        return "–"
    return f"{mean:.4g}" if np.isnan(std) else f"{mean:.4g} ± {std:.2g}"


def header(metric: str) -> str:
    better = METRICS[metric].better if metric in METRICS else None
    return metric + {"higher": " ↑", "lower": " ↓", None: ""}[better]


def rows_for(agg: pd.DataFrame, system: str, metrics: list[str], bold: tuple[str, str]):
    """(label, n, formatted cells) per row of one system, best cells wrapped in `bold`."""
    best = best_labels(agg, system)
    for _, row in agg[agg.system == system].iterrows():
        cells = []
        for m in metrics:
            text = cell_text(row[f"{m}_mean"], row[f"{m}_std"])
            cells.append(f"{bold[0]}{text}{bold[1]}" if row.label in best.get(m, ()) else text)
        yield row.label, row.n_seeds, cells


def md_table(agg: pd.DataFrame, system: str) -> list[str]:
    metrics = [m for m in [*METRICS, "coefficient"] if f"{m}_mean" in agg.columns]
    lines = [
        "| sae | seeds | " + " | ".join(map(header, metrics)) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for label, n, cells in rows_for(agg, system, metrics, ("**", "**")):
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    return lines


def md_tests(tests: pd.DataFrame, system: str) -> list[str]:
    rows = tests[tests.system == system] if len(tests) else tests
    if not len(rows):
        return []
    lines = [
        f"Welch's t-test, `{REFERENCE}` against each SAE ({len(rows)} tests on this "
        "system, no correction; * p < 0.05). Cells: difference of means "
        f"({REFERENCE} − other), p-value.",
        "",
        "| vs | " + " | ".join(TESTED) + " |",
        "|---|" + "---|" * len(TESTED),
    ]
    for sae, group in rows.groupby("sae", sort=False):
        by_metric = group.set_index("metric")
        cells = [
            f"{r[f'{REFERENCE}_mean'] - r.other_mean:+.3g} (p {p_text(r.p)})"
            for _, r in by_metric.loc[list(TESTED)].iterrows()
        ]
        lines.append(f"| {sae} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def markdown(
    agg: pd.DataFrame, matched: pd.DataFrame, tests: pd.DataFrame, failed: pd.DataFrame
) -> str:
    lines = [
        "# Leaderboard",
        "",
        "Mean ± std over seeds on the held-out split; **bold** = best "
        "per system (↑ higher is better, ↓ lower is better; unmarked columns are reported, "
        "not ranked). Figures: `figures/`.",
        "",
    ]
    for system in agg.system.unique():
        lines += [f"## {system}", "", *md_table(agg, system), "", *md_tests(tests, system)]
    if len(matched):
        lines += [
            "# Matched L0",
            "",
            "Coefficient SAEs calibrated on fresh windows to the TopK-style SAEs' L0 (k); "
            "`coefficient` is the calibrated value. TopK-style rows hold k per row (topk, "
            "abstopk, ksparse_chaos) or k per row on average over a training batch (batchtopk, "
            "matryoshka: their saved threshold lands near k, not on it).",
            "",
        ]
        for system in matched.system.unique():
            lines += [f"## {system} (matched L0)", "", *md_table(matched, system), ""]
    if len(failed):
        lines += ["# Failed cells", "", "| system | sae | seed | error |", "|---|---|---|---|"]
        lines += [f"| {r.system} | {r.sae} | {r.seed} | {r.error} |" for r in failed.itertuples()]
        lines.append("")
    return "\n".join(lines)


def print_tables(agg: pd.DataFrame, failed: pd.DataFrame, console: Console) -> None:
    metrics = [m for m in CONSOLE_METRICS if f"{m}_mean" in agg.columns]
    for system in agg.system.unique():
        table = Table(title=system, title_justify="left")
        table.add_column("sae")
        table.add_column("n", justify="right")
        for m in metrics:
            table.add_column(header(m).replace(m, CONSOLE_METRICS[m]), justify="right")
        for label, n, cells in rows_for(agg, system, metrics, ("[bold green]", "[/]")):
            table.add_row(label, str(n), *cells)
        console.print(table)
    for r in failed.itertuples():
        console.print(f"[red]failed[/] {r.system} / {r.sae} / seed {r.seed}: {r.error}")


def write(records: list[dict[str, Any]], out: Path, console: Console) -> pd.DataFrame:
    """Print the leaderboard; write leaderboard.{md,csv}, matched and significance CSVs, figures."""
    ok, failed = frame(records)
    plain = ok[ok.target_l0 == 0]
    agg = aggregate(plain)
    matched = aggregate(matched_rows(ok)) if (ok.l0_control == "calibrated").any() else agg[:0]
    tests = welch_tests(plain)
    print_tables(agg, failed, console)
    out.mkdir(parents=True, exist_ok=True)
    (out / "leaderboard.md").write_text(markdown(agg, matched, tests, failed))
    agg.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    matched.to_csv(out / "leaderboard_matched_l0.csv", index=False, float_format="%.6g")
    tests.to_csv(out / "significance.csv", index=False, float_format="%.6g")
    if len(agg):
        write_figures(plain, agg, out / "figures")
    return agg
