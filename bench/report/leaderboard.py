"""Leaderboard from `runs.jsonl`: per system, SAEs as rows, metrics as mean ± std.

`write` builds the frames (`frames`, `fronts`), prints the console tables, and writes the
Markdown (`markdown`), the CSVs, the findings (`findings`), the figures and the web page. The
console shows a few metrics under short names and keeps the core ones (l0, dead, var, fvu)
visible at any width: long labels wrap, and the metrics that do not fit are named in one
line. This module reads records only: it never trains.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from bench.errors import BenchError
from bench.registry import sae_names
from bench.report.findings import findings_markdown
from bench.report.frames import (
    aggregate,
    floor_rows,
    frame,
    label_rows,
    main_profile,
    sort_rows,
)
from bench.report.fronts import front_points, gap_summary, partition
from bench.report.markdown import header, markdown, rows_for
from bench.report.stats import welch_tests

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
ALWAYS_SHOWN = ("l0", "dead_frac", "variance", "fvu")
MIN_LABEL = 12  # a label column never narrower than this (it wraps instead)


def console_columns(
    rows: list[tuple[str, int, list[str]]], shown: list[str], heads: dict[str, str], width: int
) -> tuple[int, list[str]]:
    """(label column width, metrics that fit): the always-shown metrics stay; the label
    gives way down to MIN_LABEL (it wraps); then optional metrics join while they fit."""

    def metric_width(i: int, m: str) -> int:
        return max([len(heads[m]), *(len(r[2][i]) for r in rows)]) + 3

    widths = {m: metric_width(i, m) for i, m in enumerate(shown)}
    n_width = max([1, *(len(str(r[1])) for r in rows)]) + 3
    longest = max([3, *(len(r[0]) for r in rows)])
    fixed = 1 + n_width + sum(widths[m] for m in shown if m in ALWAYS_SHOWN)
    label = max(MIN_LABEL, min(longest, width - fixed - 3))
    kept, used = [], fixed + label + 3
    for m in shown:
        if m in ALWAYS_SHOWN:
            kept.append(m)
        elif used + widths[m] <= width:
            kept.append(m)
            used += widths[m]
    return label, kept


def print_tables(agg: pd.DataFrame, failed: pd.DataFrame, console: Console) -> None:
    metrics = [m for m in CONSOLE_METRICS if f"{m}_mean" in agg.columns]
    dropped: list[str] = []
    for system in agg.system.unique():
        rows_here = agg[agg.system == system]
        shown = [m for m in metrics if rows_here[f"{m}_mean"].notna().any()]
        heads = {m: header(m).replace(m, CONSOLE_METRICS[m]) for m in shown}
        rows = [
            (label, n, [c.split(" ± ")[0] for c in cells])
            for label, n, cells in rows_for(agg, system, shown, ("", ""))
        ]
        label_width, kept = console_columns(rows, shown, heads, console.width)
        dropped += [m for m in shown if m not in kept and m not in dropped]
        table = Table(title=system, title_justify="left")
        table.add_column("sae", overflow="fold", max_width=label_width)
        table.add_column("n", justify="right", no_wrap=True)
        for m in kept:
            table.add_column(heads[m], justify="right", no_wrap=True)
        marked = rows_for(agg, system, kept, ("[bold green]", "[/]"))
        for label, n, cells in marked:
            table.add_row(label, str(n), *[c.split(" ± ")[0] for c in cells])
        console.print(table)
    if dropped:
        names = ", ".join(CONSOLE_METRICS[m] for m in dropped)
        console.print(f"not shown at {console.width} columns: {names} (leaderboard.md has all)")
    print_failures(failed, console)


def print_failures(failed: pd.DataFrame, console: Console) -> None:
    if not len(failed):
        return
    table = Table(title=f"failed cells ({len(failed)})", title_justify="left")
    for name in ("system", "sae", "seed"):
        table.add_column(name, no_wrap=True)
    table.add_column("error", overflow="fold", style="red")
    for r in failed.itertuples():
        table.add_row(str(r.system), str(r.sae), str(r.seed), str(r.error))
    console.print(table)


def check_reference(reference: str | None, plain: pd.DataFrame) -> None:
    """A `--reference` that names no SAE of the registry and no row of this run is a typo."""
    if reference is None or reference in set(plain.get("label", [])):
        return
    if reference not in sae_names(["all"]):
        labels = ", ".join(sorted(set(plain.get("label", [])))) or "none"
        raise BenchError(f"--reference {reference!r} is no SAE; rows of this run: {labels}")


@dataclass(frozen=True)
class Tables:
    """Everything the leaderboard shows, computed from the records once (the README's claims
    test reads the committed run through this too)."""

    ok: pd.DataFrame  # finished cells, one row per key
    failed: pd.DataFrame  # failed cells that never finished
    plain: pd.DataFrame  # per-seed rows of the main table (plain runs, labelled)
    agg: pd.DataFrame  # one row per (system, label): mean and std, the data row included
    matched: pd.DataFrame  # the matched-L0 table, aggregated
    matched_cells: pd.DataFrame  # its per-seed rows
    points: pd.DataFrame  # the fronts' points (every SAE at each L0 level)
    gaps: pd.DataFrame  # each SAE's mean FVU gap to the PCA front
    tests: pd.DataFrame  # Welch's t-tests against `reference`
    curves: pd.DataFrame  # the reference rows' curve points over k
    main_profile: str


def tables(records: list[dict[str, Any]], *, reference: str | None = None) -> Tables:
    """The leaderboard's tables of `records`; `reference`: the SAE that Welch's t-tests compare
    every other row with (None: no tests)."""
    ok, failed = frame(records)
    main = main_profile(ok)
    parts = partition(ok, main)
    plain = label_rows(parts.main, main)
    check_reference(reference, plain)
    floor = floor_rows(ok)
    agg = aggregate(plain)
    if len(floor):
        agg = sort_rows(pd.concat([agg, aggregate(label_rows(floor, main))], ignore_index=True))
    matched_cells = label_rows(parts.matched, main)
    points = front_points(parts.front)
    ranked = plain[plain.ranked] if len(plain) else plain
    tests = welch_tests(ranked, reference) if reference and len(ranked) else pd.DataFrame()
    front = parts.front
    curves = front[(front.group == "reference") & front.level.notna()] if len(front) else front
    return Tables(
        ok=ok,
        failed=failed,
        plain=plain,
        agg=agg,
        matched=aggregate(matched_cells),
        matched_cells=matched_cells,
        points=points,
        gaps=gap_summary(points),
        tests=tests,
        curves=curves,
        main_profile=main,
    )


def write(
    records: list[dict[str, Any]], out: Path, console: Console, *, reference: str | None = None
) -> list[Path]:
    """Print the leaderboard; write its Markdown, CSVs, findings, figures and page. Returns
    the files. `reference`: the SAE that Welch's t-tests compare every other row with."""
    from bench.report.figures import write_figures
    from bench.report.html import run_sections, write_html

    t = tables(records, reference=reference)
    agg, plain, matched, failed, points, gaps = (
        t.agg,
        t.plain,
        t.matched,
        t.failed,
        t.points,
        t.gaps,
    )
    print_tables(agg, failed, console)

    out.mkdir(parents=True, exist_ok=True)
    names = ("leaderboard.md", "leaderboard.csv", "leaderboard_matched_l0.csv", "significance.csv")
    files = [out / name for name in (*names, "fronts.csv", "fronts_gap.csv", "findings.md")]
    text = markdown(
        agg,
        plain,
        matched=matched,
        matched_cells=t.matched_cells,
        tests=t.tests,
        failed=failed,
        points=points,
        gaps=gaps,
        main_profile=t.main_profile,
        reference=reference,
    )
    files[0].write_text(text)
    for frame_, path in zip((agg, matched, t.tests, points, gaps), files[1:6], strict=True):
        frame_.to_csv(path, index=False, float_format="%.6g")
    files[6].write_text(findings_markdown(agg, matched, gaps, subject=reference))
    if len(agg):
        files += write_figures(plain, agg, matched=matched, points=points, out=out / "figures")
    if not len(plain):
        return files
    files.append(
        write_html(
            out,
            per_seed=plain,
            agg=agg,
            matched=matched,
            tests=t.tests,
            sections=run_sections(out),  # only files of this run's folder, never results/
            figures=[f for f in files if f.suffix == ".png"],
            references=t.curves,
            provenance=provenance(records, t.ok, failed),
        )
    )
    return files


def provenance(records: list[dict[str, Any]], ok: pd.DataFrame, failed: pd.DataFrame) -> dict:
    """Where the numbers come from: versions, settings, cells, failures, time, dates."""
    finished = sorted(r["finished_at"] for r in records if r.get("finished_at"))
    configs = {json.dumps(r.get("config", {}), sort_keys=True) for r in records}
    profiles = sorted({str(r.get("profile", "unrecorded")) for r in records})
    return {
        "package versions": records[-1].get("versions", {}),
        "profiles": profiles,
        "settings (config) of the cells": [json.loads(c) for c in sorted(configs)],
        "cells": {"finished": len(ok), "failed": len(failed), "records": len(records)},
        "failures": [
            f"{r.system} / {r.sae} / seed {r.seed}: {r.error}" for r in failed.itertuples()
        ],
        "cell time (sum of wall_s)": f"{pd.to_numeric(ok.get('wall_s')).sum():.0f} s"
        if len(ok)
        else "0 s",
        "devices and threads": sorted({f"{r.get('device')} × {r.get('threads')}" for r in records}),
        "first and last cell finished": [finished[0], finished[-1]] if finished else [],
    }
