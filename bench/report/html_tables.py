"""The page's tables as HTML: one system's leaderboard per metric family, and Welch's tests.

Cells carry the value sorting reads (`data-value`) beside the text shown; the page's script
sorts, filters and marks best cells from them. Reference rows (the `reference` group: pca,
sparse_coding, the noise floor `data`) are shown but never marked best; a metric that does not
apply to a row shows "—", and a row with nothing in a table is left out of it. A row whose
seeds did not all converge is flagged, from the aggregated table's optional `converged_share`
column. This module formats frames it is given: it computes no metric, test or aggregate.
"""

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd

from bench.errors import BenchError
from bench.metrics import DIRECTION, FAMILIES, METRICS

GROUPS = ("core", "extended", "classic", "reference")
UNRANKED = ("reference",)  # groups shown beside the competitors, never marked best
ALPHA = 0.05
MISSING = "—"  # a metric that does not apply to a row, as in leaderboard.md
COLUMNS = {  # headers of the non-metric columns: (shown name, hover text)
    "label": ("sae", "SAE, plus the settings that set it apart from its other rows (k=16)"),
    "group": ("group", "core / extended / classic / reference (references are never ranked)"),
    "n_seeds": ("seeds", "number of seeds pooled into mean ± std"),
    "converged": (
        "converged",
        "seeds whose validation FVU improved by < 1 % relative over the last 25 % of training",
    ),
}
EXTRA_HELP = {"coefficient": "calibrated sparsity coefficient (matched-L0 rows)"}


def metric_help(name: str) -> str:
    """Hover text of a metric column: definition and direction as docs/metrics.md has them."""
    if name not in METRICS:
        return EXTRA_HELP.get(name, name)
    m = METRICS[name]
    scope = " (per system)" if m.per_system else ""
    return f"{name}: {m.formula}{scope}. Better: {DIRECTION.get(m.better, m.better)}"


def family_columns(agg: pd.DataFrame, system: str) -> list[tuple[str, list[str]]]:
    """(family, metrics) with a value on `system`, per-SAE metrics only, in METRICS order;
    columns outside METRICS (the calibrated coefficient) join the core family."""
    rows = agg[agg.system == system]
    names = [c[: -len("_mean")] for c in rows if c.endswith("_mean") and rows[c].notna().any()]
    order = {m: i for i, m in enumerate(METRICS)}
    names.sort(key=lambda m: order.get(m, len(order)))
    out: dict[str, list[str]] = {}
    for name in names:
        m = METRICS.get(name)
        if not (m and m.per_system):
            out.setdefault(m.family if m else "core", []).append(name)
    return [(f, out[f]) for f in [*FAMILIES, *sorted(set(out) - set(FAMILIES))] if f in out]


def per_system_note(agg: pd.DataFrame, system: str) -> str:
    """The per-system metrics (one value for every SAE of a system) as one line."""
    rows = agg[agg.system == system]
    items = [
        f'<span title="{attr(metric_help(m.name))}"><code>{m.name}</code> = '
        f"{fmt(rows[f'{m.name}_mean'].mean())}</span>"
        for m in METRICS.values()
        if m.per_system and f"{m.name}_mean" in rows and rows[f"{m.name}_mean"].notna().any()
    ]
    return f'<p class="per-system">Per system: {"; ".join(items)}.</p>' if items else ""


def group_order(*frames: pd.DataFrame | None) -> list[str]:
    present = {g for f in frames if f is not None and "group" in f for g in f.group.dropna()}
    return [g for g in GROUPS if g in present] + sorted(present - set(GROUPS))


def require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise BenchError(f"{what} lacks column(s) {', '.join(missing)}")


def number(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def fmt(x: Any, spec: str = ".4g") -> str:
    value = number(x)
    return MISSING if value is None else format(value, spec)


def attr(x: Any) -> str:
    return escape(str(x), quote=True)


def th(col: str, text: str, title: str, numeric: bool, better: str | None = None) -> str:
    extra = f' data-better="{attr(better)}"' if better else ""
    kind = "number" if numeric else "text"
    return (
        f'<th class="sortable{"" if numeric else " text"}" data-col="{attr(col)}" '
        f'data-type="{kind}" title="{attr(title)}"{extra}>{escape(text)}</th>'
    )


def td(col: str, value: Any, text: str, cls: str = "") -> str:
    """A cell: `value` is what sorting reads (a number, a string or None), `text` is HTML."""
    value = "" if value is None else repr(value) if isinstance(value, float) else value
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass} data-col="{attr(col)}" data-value="{attr(value)}">{text}</td>'


def scroll_table(attrs: str, head: list[str], body: list[str]) -> str:
    """A table in its own horizontal scroll box: a wide table never widens the page."""
    return (
        f'<div class="scroll"><table {attrs}><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def converged(row: dict[str, Any]) -> tuple[int, int] | None:
    """(seeds converged, seeds) of an aggregated row, from `converged_share`: a share in [0, 1]
    of its n_seeds, or a "2/3" text; None where the row has no flag (old records, references)."""
    share = row.get("converged_share")
    if isinstance(share, str) and "/" in share:
        done, total = share.split("/", 1)
        return int(done), int(total)
    if (value := number(share)) is None:
        return None
    total = int(row["n_seeds"])
    return round(value * total), total


def label_cell(label: str, flag: tuple[int, int] | None) -> str:
    warn = ""
    if flag is not None and flag[0] < flag[1]:
        warn = (
            f' <span class="unconverged" title="not converged: {flag[0]} of {flag[1]} seeds '
            'converged (validation FVU still falling at the end of training)">⚠</span>'
        )
    return td("label", label, escape(label) + warn, "text")


def leaderboard_table(
    agg: pd.DataFrame, system: str, *, kind: str, family: str, metrics: Sequence[str], first: bool
) -> str:
    """One system's rows of an aggregated frame with `metrics` as columns; kind: main, matched.
    A row with no value in any of them is left out (the noise floor `data` has no sparsity).
    The first table of a system also shows how many seeds converged, where the frame says."""
    rows = [
        r
        for r in agg[agg.system == system].to_dict("records")
        if any(number(r[f"{m}_mean"]) is not None for m in metrics)
    ]
    flags = [converged(r) for r in rows]
    extra = ["converged"] if first and any(f is not None for f in flags) else []
    head = [th(c, *COLUMNS[c], c not in ("label", "group")) for c in ("label", "group", "n_seeds")]
    head += [th(c, *COLUMNS[c], True) for c in extra]
    for m in metrics:
        head.append(th(m, m, metric_help(m), True, getattr(METRICS.get(m), "better", None)))
    body = []
    for r, flag in zip(rows, flags, strict=True):
        sae, label, group = (str(r[c]) for c in ("sae", "label", "group"))
        pill = f'<span class="group group-{attr(group)}">{escape(group)}</span>'
        cells = [label_cell(label, flag), td("group", group, pill, "text")]
        cells.append(td("n_seeds", r["n_seeds"], str(r["n_seeds"])))
        if extra:
            done = MISSING if flag is None else f"{flag[0]}/{flag[1]}"
            share = None if flag is None or not flag[1] else flag[0] / flag[1]
            cls = "unconverged" if flag is not None and flag[0] < flag[1] else ""
            cells.append(td("converged", share, done, cls))
        for m in metrics:
            mean, std = number(r[f"{m}_mean"]), number(r.get(f"{m}_std"))
            spread = f' <span class="std">± {fmt(std, ".2g")}</span>' if std is not None else ""
            cells.append(td(m, mean, fmt(mean) + spread))
        body.append(
            f'<tr data-sae="{attr(sae)}" data-label="{attr(label)}" data-group="{attr(group)}">'
            + "".join(cells) + "</tr>"
        )  # fmt: skip
    attrs = f'data-system="{attr(system)}" data-kind="{kind}" data-family="{attr(family)}"'
    return scroll_table(f'class="leaderboard" {attrs}', head, body)


def system_tables(agg: pd.DataFrame, system: str, kind: str) -> str:
    return "".join(
        f"<h3>{escape(FAMILIES.get(family, family))}</h3>"
        + leaderboard_table(agg, system, kind=kind, family=family, metrics=metrics, first=i == 0)
        for i, (family, metrics) in enumerate(family_columns(agg, system))
    )


def tests_block(tests: pd.DataFrame, system: str) -> str:
    """Welch's tests of one system as SAE × metric: difference of means and p (from stats)."""
    rows = tests[tests.system == system]
    if not len(rows):
        return ""
    refs = [c for c in rows.columns if c.endswith("_mean") and c != "other_mean"]
    need = ["sae", "metric", "other_mean", "p", *(refs[:1] or ["<reference>_mean"])]
    require(rows, need, "significance frame")
    ref = refs[0][: -len("_mean")]
    metrics = list(dict.fromkeys(rows.metric))
    head = [th("sae", "vs", f"the SAE {ref} is compared with", False)]
    head += [th(m, m, metric_help(m) + ". Cell: difference of means, p", True) for m in metrics]
    body = []
    for sae, group in rows.groupby("sae", sort=False):
        by_metric = group.set_index("metric")
        cells = [td("sae", sae, escape(sae), "text")]
        for m in metrics:
            t = by_metric.loc[m] if m in by_metric.index else None
            p = None if t is None else number(t.p)
            text = (
                MISSING
                if t is None
                else f"{fmt(t[refs[0]] - t.other_mean, '+.3g')} (p {fmt(p, '.2g')})"
            )
            cells.append(td(m, p, text, "sig" if p is not None and p < ALPHA else ""))
        body.append(f'<tr data-sae="{attr(sae)}">{"".join(cells)}</tr>')
    summary = (
        f"Welch's t-tests, <code>{escape(ref)}</code> against each SAE: {len(rows)} tests on this "
        f"system, {int((rows.p < ALPHA).sum())} with p &lt; {ALPHA} (no correction)"
    )
    table = scroll_table('class="tests"', head, body)
    return (
        f'<details class="significance" data-system="{attr(system)}"><summary>{summary}</summary>'
        f"<p>Cells: difference of means ({escape(ref)} − other), two-sided p; sorting a column "
        f"sorts by p.</p>{table}</details>"
    )
