"""The leaderboard as Markdown: per system one table per metric family, marks, notes and
Welch's tests; then the matched-L0 tables, the fronts and the failed cells.

Formatting only: it reads the frames that `bench.report.frames` and `bench.report.fronts`
build and returns text. It computes no statistic and writes no file.
"""

from collections.abc import Iterator

import numpy as np
import pandas as pd

from bench.errors import BenchError
from bench.metrics import FAMILIES, METRICS
from bench.registry import get_system
from bench.report.frames import FLOOR, registry_rank
from bench.report.stats import TESTED, p_text

MARK = {"higher": " ↑", "lower": " ↓", "one": " →1", None: ""}
NOT_CONVERGED, OVERFIT = "†", "‡"
FLOOR_NOTE = "data row = a second independent sample of the system: the noise floor."


def cell_text(mean: float, std: float = np.nan) -> str:
    if mean is None or np.isnan(mean):
        return "—"
    return f"{mean:.4g}" if np.isnan(std) else f"{mean:.4g} ± {std:.2g}"


def header(metric: str) -> str:
    return metric + MARK[METRICS[metric].better if metric in METRICS else None]


def columns(agg: pd.DataFrame, system: str, family: str) -> list[str]:
    """The family's per-SAE metrics for this system's table (one that does not apply here, such
    as the twin-orbit probe on a recorded series, shows "—"), or none when nothing in the
    family applies here (no ground-truth table for a chaotic system). The `data` row alone
    does not make a table."""
    names = [m.name for m in METRICS.values() if m.family == family and not m.per_system]
    if family == "core" and "coefficient_mean" in agg:
        names.append("coefficient")
    names = [m for m in names if f"{m}_mean" in agg]
    rows = agg[(agg.system == system) & (agg.sae != FLOOR)]
    return names if any(rows[f"{m}_mean"].notna().any() for m in names) else []


def _flagged(share: object, none_set: bool) -> bool:
    """A share "n/m" where not every cell (none_set=False) / some cell (True) has the flag."""
    if not isinstance(share, str) or "/" not in share:
        return False
    n, m = map(int, share.split("/"))
    return n > 0 if none_set else n < m


def marks(row: pd.Series) -> str:
    return (NOT_CONVERGED if _flagged(row.get("converged_share"), False) else "") + (
        OVERFIT if _flagged(row.get("overfit_share"), True) else ""
    )


def row_label(row: pd.Series) -> str:
    mark = marks(row)
    return row.label + (" (ref)" if row.group == "reference" else "") + (f" {mark}" if mark else "")


def rows_for(
    agg: pd.DataFrame, system: str, metrics: list[str], bold: tuple[str, str]
) -> Iterator[tuple[str, int, list[str]]]:
    """(label with marks, n, formatted cells) per row of one system, best cells in `bold`;
    the `data` row only in tables where it has a value."""
    from bench.report.frames import best_labels

    best = best_labels(agg, system)
    for _, row in agg[agg.system == system].iterrows():
        if row.sae == FLOOR and not any(pd.notna(row[f"{m}_mean"]) for m in metrics):
            continue  # the data row only where it has a value
        cells = []
        for m in metrics:
            text = cell_text(row[f"{m}_mean"], row[f"{m}_std"])
            cells.append(f"{bold[0]}{text}{bold[1]}" if row.label in best.get(m, ()) else text)
        yield row_label(row), row.n_seeds, cells


def md_table(agg: pd.DataFrame, system: str, metrics: list[str]) -> list[str]:
    lines = [
        "| sae | seeds | " + " | ".join(map(header, metrics)) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for label, n, cells in rows_for(agg, system, metrics, ("**", "**")):
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    return lines


def flag_notes(agg: pd.DataFrame, system: str) -> list[str]:
    """One line per mark used in this system's tables, naming the rows and their shares."""
    rows = agg[agg.system == system]
    out = []
    for column, symbol, none_set, text in (
        ("converged_share", NOT_CONVERGED, False, "did not converge in every seed (validation "
         "FVU still fell ≥ 1 % over the last quarter of training); converged"),
        ("overfit_share", OVERFIT, True, "overfit in some seed (final validation FVU > 2 % "
         "above its minimum); overfit"),
    ):  # fmt: skip
        if column not in rows:
            continue
        hit = rows[[_flagged(s, none_set) for s in rows[column]]]
        if len(hit):
            names = ", ".join(f"{r.label} ({r[column]})" for _, r in hit.iterrows())
            out.append(f"{symbol} {text}: {names}.")
    return out


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


def md_tests(tests: pd.DataFrame, system: str, reference: str) -> list[str]:
    rows = tests[tests.system == system] if len(tests) else tests
    if not len(rows):
        return []
    tested = [m for m in TESTED if m in set(rows.metric)]
    lines = [
        f"Welch's t-test, `{reference}` against each SAE ({len(rows)} tests on this "
        "system, no correction; * p < 0.05). Cells: difference of means "
        f"({reference} − other), p-value.",
        "",
        "| vs | " + " | ".join(tested) + " |",
        "|---|" + "---|" * len(tested),
    ]
    for sae, group in rows.groupby("sae", sort=False):
        by_metric = group.set_index("metric")
        cells = [
            f"{r[f'{reference}_mean'] - r.other_mean:+.3g} (p {p_text(r.p)})"
            for _, r in by_metric.loc[tested].iterrows()
        ]
        lines.append(f"| {sae} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def system_section(agg, per_seed, tests, system: str, reference: str | None) -> list[str]:
    lines = [f"## {system}", ""]
    has_floor = (agg[agg.system == system].sae == FLOOR).any()
    for family, title in FAMILIES.items():
        metrics = columns(agg, system, family)
        if metrics:
            lines += [f"### {title}", "", *md_table(agg, system, metrics), ""]
            if family == "dynamics" and has_floor:
                lines += [FLOOR_NOTE, ""]
    notes = [*flag_notes(agg, system), system_values(per_seed, system)]
    lines += [line for note in notes if note for line in (note, "")]
    return [*lines, *(md_tests(tests, system, reference) if reference else [])]


def l0_control_text(matched: pd.DataFrame) -> str:
    """Which rows of the matched table hold k per row and which on average, from the SAEs'
    own `l0_control` declaration."""
    parts = []
    for control, text in (
        ("per_row", "k per row ({})"),
        ("batch_mean", "k on average over a training batch ({}: their threshold lands near k, "
         "not on it)"),
    ):  # fmt: skip
        names = sorted(set(matched.sae[matched.l0_control == control]))
        if names:
            parts.append(text.format(", ".join(names)))
    return ("The k-controlled rows hold " + " or ".join(parts) + ". ") if parts else ""


def matched_lines(matched: pd.DataFrame, matched_cells: pd.DataFrame) -> list[str]:
    if not len(matched):
        return []
    lines = [
        "# Matched L0",
        "",
        "Coefficient SAEs calibrated on fresh windows to an L0 target, beside the k-controlled "
        "SAEs at k = target; `coefficient` is the calibrated value. "
        + l0_control_text(matched_cells)
        + "SAEs whose L0 nothing sets are not matched.",
        "",
    ]
    for system in matched.system.unique():
        lines += [f"## {system} (matched L0)", ""]
        lines += [*md_table(matched, system, columns(matched, system, "core")), ""]
    return lines


def fronts_lines(points: pd.DataFrame, gaps: pd.DataFrame) -> list[str]:
    """Per system: the gap-to-PCA table (FVU per level) and the metrics along the front."""
    if not len(points) or not points.level.notna().any():
        return []
    lines = [
        "# Fronts",
        "",
        "Every SAE at each L0 level it ran at (k for the k-controlled SAEs, the calibrated target "
        "for coefficient SAEs; one point for SAEs whose L0 nothing sets), mean over seeds. "
        "`gap` = mean over the levels of (FVU − PCA's FVU at k = level): negative = better "
        "than PCA.",
        "",
    ]
    for system in points.system.unique():
        rows = gaps[gaps.system == system] if len(gaps) else gaps
        rows = rows.assign(_rank=registry_rank(rows.sae)).sort_values("_rank", kind="stable")
        levels = sorted(points[(points.system == system)].level.dropna().unique())
        lines += [f"## {system} (fronts)", ""]
        if len(rows):
            heads = [f"FVU @{lv:g}" for lv in levels]
            lines += [
                "| sae | gap to PCA | levels | " + " | ".join(heads) + " |",
                "|---|---|---|" + "---|" * len(heads),
            ]
            for _, r in rows.iterrows():
                fvus = [cell_text(r.get(f"fvu@{lv:g}", np.nan)) for lv in levels]
                gap = "—" if np.isnan(r.mean_gap) else f"{r.mean_gap:+.4g}"
                label = r.label + (" (ref)" if r.group == "reference" else "")
                lines.append(f"| {label} | {gap} | {r.levels or '—'} | " + " | ".join(fvus) + " |")
            lines.append("")
        lines += front_metric_table(points[points.system == system])
    return lines


def front_metric_table(points: pd.DataFrame) -> list[str]:
    """The dynamics and ground-truth metrics along one system's fronts, one row per point."""
    metrics = [c for c in points.columns if c in METRICS and points[c].notna().any()]
    lines = [
        "| sae | level | seeds | " + " | ".join(map(header, metrics)) + " |",
        "|---|---|---|" + "---|" * len(metrics),
    ]
    rank = registry_rank(points.sae)
    for _, r in points.assign(_rank=rank).sort_values(["_rank", "label", "level"]).iterrows():
        level = "—" if np.isnan(r.level) else f"{r.level:g}"
        cells = [cell_text(r[m]) for m in metrics]
        lines.append(f"| {r.label} | {level} | {r.n_seeds} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def failed_lines(failed: pd.DataFrame) -> list[str]:
    if not len(failed):
        return []
    lines = ["# Failed cells", "", "| system | sae | seed | error |", "|---|---|---|---|"]
    lines += [f"| {r.system} | {r.sae} | {r.seed} | {r.error} |" for r in failed.itertuples()]
    return [*lines, ""]


def preamble(agg: pd.DataFrame, main_profile: str, reference: str | None) -> list[str]:
    lines = [
        "# Leaderboard",
        "",
        "Mean ± std over seeds on the held-out split; **bold** = best competitor per system "
        "(↑ higher is better, ↓ lower is better, →1 closer to 1 is better; unmarked columns are "
        "reported, not ranked). Rows marked (ref) are references (PCA, sparse coding, the "
        "`data` noise floor), ranked apart; — = does not apply. "
        f"{NOT_CONVERGED} = not converged in every seed, {OVERFIT} = overfit in some seed. "
        "Figures: `figures/`; the same tables as a page: `index.html`.",
        "",
    ]
    others = sorted(set(agg.profile) - {main_profile}) if "profile" in agg else []
    if others:
        tags = ", ".join(f"[{p}]" for p in others)
        lines += [
            f"Rows tagged {tags} ran under another profile than this run's main one "
            f"(`{main_profile}`): listed after the others, ranked apart, never marked best.",
            "",
        ]
    if reference is None or not (agg.label == reference).any():
        what = "no reference SAE given" if reference is None else f"`{reference}` has no row"
        lines += [f"No Welch's t-tests: {what}.", ""]
    return lines


def markdown(
    agg, per_seed, *, matched, matched_cells, tests, failed, points, gaps, main_profile, reference
) -> str:
    lines = preamble(agg, main_profile, reference) if len(agg) else ["# Leaderboard", ""]
    if not len(agg):
        lines += ["No cell finished: the failed cells are listed below.", ""]
    for system in agg.system.unique():
        lines += system_section(agg, per_seed, tests, system, reference)
    lines += matched_lines(matched, matched_cells)
    lines += fronts_lines(points, gaps)
    lines += failed_lines(failed)
    return "\n".join(lines)
