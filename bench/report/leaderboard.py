"""Leaderboard tables from `runs.jsonl`: per system, SAEs as rows, metrics as mean ± std.

Per system one table per metric family (sparsity and reconstruction, SAEBench parity, dynamics,
ground truth where the system has it), the best competitor per ranked column marked (direction
from `bench.metrics.METRICS`; reference rows ranked apart), the per-system dynamics values
beside them, Welch's t-tests of K-Sparse Chaos against each SAE, the matched-L0 table, the
failed cells, figures and the web page. Printed with rich; written as Markdown, CSV, PNG and
HTML. This module reads records only: it never trains.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from bench.errors import BenchError
from bench.metrics import FAMILIES, METRICS
from bench.registry import get_system
from bench.report.frames import (
    aggregate,
    best_labels,
    frame,
    label_rows,
    matched_rows,
    split_curves,
)
from bench.report.html import run_sections, write_html
from bench.report.stats import REFERENCE, TESTED, p_text, welch_tests

# The terminal shows these, under short names; the files hold every metric.
CONSOLE_METRICS = {
    "l0": "l0",
    "dead_frac": "dead",
    "variance": "var",
    "fvu": "fvu",
    "state_space_divergence": "D_stsp",
    "sensitivity": "sens",
    "forecast_r2": "fc.r2",
}
MARK = {"higher": " ↑", "lower": " ↓", "one": " →1", None: ""}


def cell_text(mean: float, std: float) -> str:
    if np.isnan(mean):
        return "—"
    return f"{mean:.4g}" if np.isnan(std) else f"{mean:.4g} ± {std:.2g}"


def header(metric: str) -> str:
    return metric + MARK[METRICS[metric].better if metric in METRICS else None]


def columns(agg: pd.DataFrame, system: str, family: str) -> list[str]:
    """The family's per-SAE metrics for this system's table (one that does not apply here, such
    as the twin-orbit probe on a recorded series, shows "—"), or none when nothing in the
    family applies here (no ground-truth table for a chaotic system)."""
    names = [m.name for m in METRICS.values() if m.family == family and not m.per_system]
    if family == "core" and "coefficient_mean" in agg:
        names.append("coefficient")
    names = [m for m in names if f"{m}_mean" in agg]
    rows = agg[agg.system == system]
    return names if any(rows[f"{m}_mean"].notna().any() for m in names) else []


def rows_for(agg: pd.DataFrame, system: str, metrics: list[str], bold: tuple[str, str]):
    """(label, n, formatted cells) per row of one system, best cells wrapped in `bold`."""
    best = best_labels(agg, system)
    for _, row in agg[agg.system == system].iterrows():
        cells = []
        for m in metrics:
            text = cell_text(row[f"{m}_mean"], row[f"{m}_std"])
            cells.append(f"{bold[0]}{text}{bold[1]}" if row.label in best.get(m, ()) else text)
        label = f"{row.label} (ref)" if row.group == "reference" else row.label
        yield label, row.n_seeds, cells


def md_table(agg: pd.DataFrame, system: str, metrics: list[str]) -> list[str]:
    lines = [
        "| sae | seeds | " + " | ".join(map(header, metrics)) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for label, n, cells in rows_for(agg, system, metrics, ("**", "**")):
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    return lines


def system_values(per_seed: pd.DataFrame, system: str) -> str:
    """The per-system dynamics values: λ₁ through the windows against the reference, and the
    forecast probe on the raw windows."""
    rows = per_seed[per_seed.system == system].drop_duplicates("seed")
    parts = []
    if "input_lyapunov" in rows and rows.input_lyapunov.notna().any():
        try:
            cls = get_system(system)
            ref = f" (reference {cls.lyapunov:g} per {cls.time_unit})"
        except BenchError:
            ref = ""
        values = rows.input_lyapunov.astype(float)
        parts.append(f"λ₁ through the windows `input_lyapunov` = {values.mean():.4g}{ref}")
    if "forecast_r2_input" in rows and rows.forecast_r2_input.notna().any():
        parts.append(f"`forecast_r2_input` = {rows.forecast_r2_input.astype(float).mean():.4g}")
    return ("Per system (mean over seeds): " + "; ".join(parts) + ".") if parts else ""


def md_tests(tests: pd.DataFrame, system: str) -> list[str]:
    rows = tests[tests.system == system] if len(tests) else tests
    if not len(rows):
        return []
    tested = [m for m in TESTED if m in set(rows.metric)]
    lines = [
        f"Welch's t-test, `{REFERENCE}` against each SAE ({len(rows)} tests on this "
        "system, no correction; * p < 0.05). Cells: difference of means "
        f"({REFERENCE} − other), p-value.",
        "",
        "| vs | " + " | ".join(tested) + " |",
        "|---|" + "---|" * len(tested),
    ]
    for sae, group in rows.groupby("sae", sort=False):
        by_metric = group.set_index("metric")
        cells = [
            f"{r[f'{REFERENCE}_mean'] - r.other_mean:+.3g} (p {p_text(r.p)})"
            for _, r in by_metric.loc[tested].iterrows()
        ]
        lines.append(f"| {sae} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def system_section(agg, per_seed, tests, system: str) -> list[str]:
    lines = [f"## {system}", ""]
    for family, title in FAMILIES.items():
        metrics = columns(agg, system, family)
        if metrics:
            lines += [f"### {title}", "", *md_table(agg, system, metrics), ""]
    note = system_values(per_seed, system)
    return [*lines, *([note, ""] if note else []), *md_tests(tests, system)]


def curve_lines(curves: pd.DataFrame) -> list[str]:
    if not len(curves) or curves.k.nunique() < 2:
        return []
    table = curves.groupby(["system", "sae", "k"]).fvu.mean().unstack("k")
    ks = list(table.columns)
    lines = [
        "# Reference curves (FVU by k)",
        "",
        "| system | reference | " + " | ".join(f"k = {k}" for k in ks) + " |",
        "|---|---|" + "---|" * len(ks),
    ]
    for (system, sae), row in table.iterrows():
        lines.append(
            f"| {system} | {sae} | " + " | ".join(cell_text(v, np.nan) for v in row) + " |"
        )
    return [*lines, ""]


def markdown(agg, per_seed, matched, tests, failed, curves) -> str:
    lines = [
        "# Leaderboard",
        "",
        "Mean ± std over seeds on the held-out split; **bold** = best competitor per system "
        "(↑ higher is better, ↓ lower is better, →1 closer to 1 is better; unmarked columns are "
        "reported, not ranked). Rows marked (ref) are references (PCA, sparse coding), ranked "
        "apart; — = does not apply. Figures: `figures/`; the same tables as a page: "
        "`index.html`.",
        "",
    ]
    for system in agg.system.unique():
        lines += system_section(agg, per_seed, tests, system)
    lines += curve_lines(curves)
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
            lines += [f"## {system} (matched L0)", ""]
            lines += [*md_table(matched, system, columns(matched, system, "core")), ""]
    if len(failed):
        lines += ["# Failed cells", "", "| system | sae | seed | error |", "|---|---|---|---|"]
        lines += [f"| {r.system} | {r.sae} | {r.seed} | {r.error} |" for r in failed.itertuples()]
        lines.append("")
    return "\n".join(lines)


def print_tables(agg: pd.DataFrame, failed: pd.DataFrame, console: Console) -> None:
    metrics = [m for m in CONSOLE_METRICS if f"{m}_mean" in agg.columns]
    width = max([len(f"{label} (ref)") for label in agg.label] + [3])
    for system in agg.system.unique():
        shown = [m for m in metrics if agg[agg.system == system][f"{m}_mean"].notna().any()]
        heads = {m: header(m).replace(m, CONSOLE_METRICS[m]) for m in shown}
        # a narrow terminal shows fewer columns rather than cut names (the files hold them all)
        while shown and width + 8 + sum(max(len(heads[m]), 6) + 3 for m in shown) > console.width:
            shown.pop()
        table = Table(title=system, title_justify="left")
        table.add_column("sae", no_wrap=True, min_width=width)
        table.add_column("n", justify="right", no_wrap=True)
        for m in shown:
            table.add_column(heads[m], justify="right", no_wrap=True)
        for label, n, cells in rows_for(agg, system, shown, ("[bold green]", "[/]")):
            table.add_row(label, str(n), *[c.split(" ± ")[0] for c in cells])
        console.print(table)
    for r in failed.itertuples():
        console.print(f"[red]failed[/] {r.system} / {r.sae} / seed {r.seed}: {r.error}")


def write(records: list[dict[str, Any]], out: Path, console: Console) -> list[Path]:
    """Print the leaderboard; write its Markdown, CSVs, figures and page. Returns the files."""
    from bench.report.figures import write_figures

    ok, failed = frame(records)
    plain, curves = split_curves(label_rows(ok[ok.target_l0 == 0]))
    agg = aggregate(plain)
    calibrated = (ok.l0_control == "calibrated").any()
    matched = aggregate(label_rows(matched_rows(ok))) if calibrated else agg[:0]
    tests = welch_tests(plain[plain.group != "reference"])
    print_tables(agg, failed, console)
    out.mkdir(parents=True, exist_ok=True)
    files = [
        out / name
        for name in (
            "leaderboard.md",
            "leaderboard.csv",
            "leaderboard_matched_l0.csv",
            "significance.csv",
        )
    ]
    files[0].write_text(markdown(agg, plain, matched, tests, failed, curves))
    agg.to_csv(files[1], index=False, float_format="%.6g")
    matched.to_csv(files[2], index=False, float_format="%.6g")
    tests.to_csv(files[3], index=False, float_format="%.6g")
    if len(agg):
        files += write_figures(plain, agg, curves, out / "figures")
    figures = [f for f in files if f.suffix == ".png"]
    files.append(
        write_html(
            out,
            per_seed=plain,
            agg=agg,
            matched=matched,
            tests=tests,
            sections=run_sections(out),  # only files of this run's folder, never results/
            figures=figures,
            references=curves,
            provenance=provenance(records, ok, failed),
        )
    )
    return files


def provenance(records: list[dict[str, Any]], ok: pd.DataFrame, failed: pd.DataFrame) -> dict:
    """Where the numbers come from: versions, settings, cells, failures, time, dates."""
    finished = sorted(r["finished_at"] for r in records if r.get("finished_at"))
    configs = {json.dumps(r["config"], sort_keys=True) for r in records}
    return {
        "package versions": records[-1].get("versions", {}),
        "settings (config) of the cells": [json.loads(c) for c in sorted(configs)],
        "cells": {"finished": len(ok), "failed": len(failed), "records": len(records)},
        "failures": [
            f"{r.system} / {r.sae} / seed {r.seed}: {r.error}" for r in failed.itertuples()
        ],
        "cell time (sum of wall_s)": f"{pd.to_numeric(ok.wall_s).sum():.0f} s",
        "devices and threads": sorted({f"{r.get('device')} × {r.get('threads')}" for r in records}),
        "first and last cell finished": [finished[0], finished[-1]] if finished else [],
    }
