"""Findings: the statements a reader wants, computed from the aggregated tables.

Per system: which SAEs beat PCA at matched L0 and which fall below it; who is best and worst
on each ranked metric; every superlative about the subject SAE (the leaderboard's
`--reference`, K-Sparse Chaos by default); where the SAEs stand against the `data` noise
floor; which SAEs beat the PCA front on average. Each superlative names the set it ranges over
("of the 13 trained SAEs", "of the 6 core SAEs"), and each number is rounded once, here, from
the unrounded means. The statement functions are pure (tables in, `Finding`s out); only
`findings_markdown` joins them into text. Nothing here reads records or writes files.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bench.metrics import FAMILIES, METRICS
from bench.report.frames import FLOOR

WORDS = {  # (best, worst) as a superlative, by the metric's direction
    "higher": ("the highest", "the lowest"),
    "lower": ("the lowest", "the highest"),
    "one": ("the closest to 1", "the farthest from 1"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # pca_matched, extremes, subject, floor, front
    system: str
    text: str
    values: dict[str, float] = field(default_factory=dict)  # the unrounded numbers quoted


def num(x: float) -> str:
    """The one rounding of a quoted number: 4 significant digits."""
    return f"{x:.4g}"


def competitors(agg: pd.DataFrame, system: str) -> pd.DataFrame:
    """The ranked rows of a system: trained SAEs of the main profile (no reference, no data)."""
    rows = agg[(agg.system == system) & (agg.group != "reference") & (agg.sae != FLOOR)]
    return rows[rows.ranked.astype(bool)] if "ranked" in rows else rows


def set_name(rows: pd.DataFrame) -> str:
    """ "of the 13 trained SAEs", or "of the 6 core SAEs" when they share one group."""
    groups = set(rows.group)
    kind = f"{groups.pop()} " if len(groups) == 1 else "trained "
    return f"of the {len(rows)} {kind}SAE{'s' if len(rows) != 1 else ''}"


def sets(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """The sets a superlative ranges over: every competitor, and the core SAEs when they are
    a proper subset with at least two members."""
    core = rows[rows.group == "core"]
    return [rows, core] if 2 <= len(core) < len(rows) else [rows]


def ranked_metrics(agg: pd.DataFrame, family: str | None = None) -> list[str]:
    return [
        m.name
        for m in METRICS.values()
        if m.better
        and not m.per_system
        and (family is None or m.family == family)
        and f"{m.name}_mean" in agg
    ]


def goodness(metric: str, values: pd.Series) -> pd.Series:
    """Higher = better, whatever the metric's direction."""
    better = METRICS[metric].better
    return {"higher": values, "lower": -values, "one": -(values - 1).abs()}[better]


def _names(rows: pd.DataFrame, metric: str, mask) -> str:
    hit = rows[mask]
    return ", ".join(f"{r.label} ({num(r[f'{metric}_mean'])})" for _, r in hit.iterrows())


def pca_matched(matched: pd.DataFrame, system: str, reference: str = "pca") -> list[Finding]:
    """Which SAEs reach a lower FVU than PCA at matched L0, and which do not."""
    rows = matched[matched.system == system]
    pca = rows[rows.sae == reference]
    others = competitors(matched, system).dropna(subset=["fvu_mean"])
    if not len(pca) or not len(others):
        return []
    floor = float(pca.fvu_mean.iloc[0])
    below = others.fvu_mean < floor
    text = (
        f"At matched L0, {int(below.sum())} {set_name(others)} reach a lower FVU than PCA "
        f"({num(floor)}): {_names(others, 'fvu', below) or 'none'}; not below it: "
        f"{_names(others, 'fvu', ~below) or 'none'}."
    )
    values = {"pca": floor} | dict(zip(others.label, others.fvu_mean, strict=True))
    return [Finding("pca_matched", system, text, values)]


def extremes(agg: pd.DataFrame, system: str, metric: str) -> list[Finding]:
    """Best and worst of each set on one ranked metric (ties named together)."""
    out = []
    for rows in sets(competitors(agg, system)):
        rows = rows.dropna(subset=[f"{metric}_mean"])
        if len(rows) < 2:
            continue
        score = goodness(metric, rows[f"{metric}_mean"])
        best = np.isclose(score, score.max(), rtol=1e-9, atol=0)
        worst = np.isclose(score, score.min(), rtol=1e-9, atol=0)
        if best.all():
            value = num(rows[f"{metric}_mean"].iloc[0])
            text = f"`{metric}` {set_name(rows)}: all tie at {value}."
        else:
            text = (
                f"`{metric}` {set_name(rows)}: best {_names(rows, metric, best)}; "
                f"worst {_names(rows, metric, worst)}."
            )
        values = dict(zip(rows.label, rows[f"{metric}_mean"], strict=True))
        out.append(Finding("extremes", system, text, values))
    return out


def subject_standing(agg: pd.DataFrame, system: str, metric: str, subject: str) -> list[Finding]:
    """The subject's place on one metric in each set: a superlative when it is first or last
    (shared when others tie with it), with the nearest other row; its rank otherwise."""
    out = []
    for rows in sets(competitors(agg, system)):
        rows = rows.dropna(subset=[f"{metric}_mean"])
        if subject not in set(rows.label) or len(rows) < 2:
            continue
        value = rows.set_index("label")[f"{metric}_mean"]
        score = goodness(metric, value)
        mine, others = score[subject], score.drop(subject)
        tie = np.isclose(others, mine, rtol=1e-9, atol=0)
        better, worse = int(((others > mine) & ~tie).sum()), int(((others < mine) & ~tie).sum())
        best_word, worst_word = WORDS[METRICS[metric].better]
        where, quoted = set_name(rows), num(value[subject])
        values = {subject: float(value[subject])}
        if tie.all():
            text = f"`{subject}` ties with every other SAE on `{metric}` {where} ({quoted})."
        elif better == 0 or worse == 0:
            rest = others[~tie]
            nearest = rest.idxmax() if better == 0 else rest.idxmin()
            word = f"{best_word} (best)" if better == 0 else f"{worst_word} (worst)"
            n_ties = int(tie.sum())
            shared = f", shared with {n_ties} other{'s' if n_ties > 1 else ''}" if n_ties else ""
            text = (
                f"`{subject}` has {word} `{metric}` {where}{shared}: {quoted} "
                f"(next: {nearest} {num(value[nearest])})."
            )
            values[nearest] = float(value[nearest])
        else:
            text = f"`{subject}` ranks {better + 1} {where} on `{metric}` ({quoted})."
        out.append(Finding("subject", system, text, values))
    return out


def against_floor(agg: pd.DataFrame, system: str) -> list[Finding]:
    """Per metric of the `data` row: how the SAEs compare with the noise floor."""
    floor = agg[(agg.system == system) & (agg.sae == FLOOR)]
    if not len(floor):
        return []
    out = []
    for metric in ranked_metrics(agg):
        level = float(floor[f"{metric}_mean"].iloc[0])
        rows = competitors(agg, system).dropna(subset=[f"{metric}_mean"])
        if np.isnan(level) or not len(rows):
            continue
        score = goodness(metric, rows[f"{metric}_mean"])
        floor_score = goodness(metric, pd.Series([level])).iloc[0]
        worse = score < floor_score
        closest = rows.loc[score.idxmax()]
        ratio = closest[f"{metric}_mean"] / level if level else np.inf
        text = (
            f"`{metric}`: the data row (a second independent sample: the noise floor) scores "
            f"{num(level)}; {int(worse.sum())} {set_name(rows)} score worse. Closest: "
            f"{closest.label} ({num(closest[f'{metric}_mean'])}, {ratio:.3g}× the floor)."
        )
        if (~worse).any():
            text += f" At or past the floor: {_names(rows, metric, ~worse)}."
        values = {FLOOR: level} | dict(zip(rows.label, rows[f"{metric}_mean"], strict=True))
        out.append(Finding("floor", system, text, values))
    return out


def front_gaps(gaps: pd.DataFrame, system: str) -> list[Finding]:
    """Which SAEs lie below the PCA front on average over their levels (negative gap)."""
    rows = gaps[(gaps.system == system)].dropna(subset=["mean_gap"]) if len(gaps) else gaps
    if not len(rows):
        return []
    rows = rows.sort_values("mean_gap")
    below = rows[rows.mean_gap < 0]

    def names(part: pd.DataFrame) -> str:
        return ", ".join(
            f"{x.label}{' (ref)' if x.group == 'reference' else ''} ({x.mean_gap:+.4g})"
            for _, x in part.iterrows()
        )

    text = (
        f"Mean FVU gap to the PCA front (over the levels both ran): {len(below)} of "
        f"{len(rows)} SAEs lie below it: {names(below) or 'none'}; the rest: "
        f"{names(rows[rows.mean_gap >= 0]) or 'none'}."
    )
    return [Finding("front", system, text, dict(zip(rows.label, rows.mean_gap, strict=True)))]


def system_findings(
    agg: pd.DataFrame, matched: pd.DataFrame, gaps: pd.DataFrame, system: str, subject: str | None
) -> list[Finding]:
    found = pca_matched(matched, system) if len(matched) else []
    found += front_gaps(gaps, system)
    for family in FAMILIES:
        for metric in ranked_metrics(agg, family):
            found += extremes(agg, system, metric)
    if subject:
        for metric in ranked_metrics(agg):
            found += subject_standing(agg, system, metric, subject)
    return found + against_floor(agg, system)


def findings_markdown(
    agg: pd.DataFrame, matched: pd.DataFrame, gaps: pd.DataFrame, *, subject: str | None
) -> str:
    lines = [
        "# Findings",
        "",
        "Generated from the records by `chaos-sae-bench leaderboard`: means over seeds, "
        "rounded once to 4 significant digits. Each superlative names the set it ranges over "
        "(trained SAEs of this run's main profile; references and the data row never count).",
        "",
    ]
    if not len(agg):
        return "\n".join([*lines, "No cell finished.", ""])
    titles = {"pca_matched": "PCA at matched L0", "front": "Fronts", "extremes": "Best and worst",
              "subject": f"`{subject}`", "floor": "Against the noise floor"}  # fmt: skip
    for system in agg.system.unique():
        lines += [f"## {system}", ""]
        found = system_findings(agg, matched, gaps, system, subject)
        for kind, title in titles.items():
            texts = [f.text for f in found if f.kind == kind]
            if texts:
                lines += [f"### {title}", "", *(f"- {t}" for t in texts), ""]
    return "\n".join(lines)
