"""The leaderboard as one self-contained web page, `index.html`, readable offline from a file.

Everything is inline: styles and script from `html_assets/`, the data as JSON, the figures as
data: URIs; the page fetches nothing (no CDN, no web fonts). Per system: a table sortable by
any column, best cells marked by direction, groups filterable, an L0–FVU front drawn as SVG with
hover; then matched L0, significance, extra sections, figures and provenance. This module only
formats tables it is given: it computes no metric, test or aggregate of its own.
"""

import base64
import json
import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from bench.errors import BenchError
from bench.metrics import METRICS

ASSETS = Path(__file__).with_name("html_assets")
GROUPS = ("core", "extended", "classic", "reference")
ALPHA = 0.05
DIRECTION = {
    "higher": "higher is better",
    "lower": "lower is better",
    "one": "closer to 1 is better",
    None: "reported, not ranked",
}
COLUMNS = {  # headers of the non-metric columns: (shown name, hover text)
    "label": ("sae", "SAE (with its setting hash when two settings share a name)"),
    "group": ("group", "core / extended / classic / reference"),
    "n_seeds": ("seeds", "number of seeds pooled into mean ± std"),
}
EXTRA_HELP = {"coefficient": "calibrated sparsity coefficient (matched-L0 rows)"}
MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def metric_help(name: str) -> str:
    """Hover text of a metric column: its formula and direction, from METRICS."""
    if name in METRICS:
        m = METRICS[name]
        return f"{name} = {m.formula} ({DIRECTION.get(m.better, f'better: {m.better}')})"
    return EXTRA_HELP.get(name, name)


def metric_columns(agg: pd.DataFrame) -> list[str]:
    """Metrics with a `<m>_mean` column: METRICS order first, then any others in frame order."""
    others = [c[: -len("_mean")] for c in agg.columns if c.endswith("_mean")]
    return [m for m in METRICS if m in others] + [m for m in others if m not in METRICS]


def group_order(*frames: pd.DataFrame | None) -> list[str]:
    present = {g for f in frames if f is not None and "group" in f for g in f.group.dropna()}
    return [g for g in GROUPS if g in present] + sorted(present - set(GROUPS))


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise BenchError(f"{what} lacks column(s) {', '.join(missing)}")


def _float(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _fmt(x: Any, spec: str = ".4g") -> str:
    value = _float(x)
    return "–" if value is None else format(value, spec)


def _attr(x: Any) -> str:
    return escape(str(x), quote=True)


def _th(col: str, text: str, title: str, numeric: bool, better: str | None = None) -> str:
    extra = f' data-better="{_attr(better)}"' if better else ""
    kind = "number" if numeric else "text"
    return (
        f'<th class="sortable{"" if numeric else " text"}" data-col="{_attr(col)}" '
        f'data-type="{kind}" title="{_attr(title)}"{extra}>{escape(text)}</th>'
    )


def leaderboard_table(agg: pd.DataFrame, system: str, kind: str) -> str:
    """One system's rows of an aggregated frame as a sortable table; `kind` main or matched."""
    metrics = metric_columns(agg)
    head = [
        _th(c, COLUMNS[c][0], COLUMNS[c][1], c == "n_seeds") for c in ("label", "group", "n_seeds")
    ]
    head += [
        _th(m, m, metric_help(m), True, METRICS[m].better if m in METRICS else None)
        for m in metrics
    ]
    body = []
    for r in agg[agg.system == system].to_dict("records"):
        cells = [
            f'<td class="text" data-col="label" data-value="{_attr(r["label"])}">'
            f"{escape(str(r['label']))}</td>",
            f'<td class="text" data-col="group" data-value="{_attr(r["group"])}"><span '
            f'class="group group-{_attr(r["group"])}">{escape(str(r["group"]))}</span></td>',
            f'<td data-col="n_seeds" data-value="{_attr(r["n_seeds"])}">{r["n_seeds"]}</td>',
        ]
        for m in metrics:
            mean, std = _float(r[f"{m}_mean"]), _float(r.get(f"{m}_std"))
            spread = f' <span class="std">± {_fmt(std, ".2g")}</span>' if std is not None else ""
            value = "" if mean is None else repr(mean)
            cells.append(
                f'<td data-col="{_attr(m)}" data-value="{value}">{_fmt(mean)}{spread}</td>'
            )
        body.append(
            f'<tr data-sae="{_attr(r["sae"])}" data-label="{_attr(r["label"])}" '
            f'data-group="{_attr(r["group"])}">' + "".join(cells) + "</tr>"
        )
    return (
        f'<div class="scroll"><table class="leaderboard" data-system="{_attr(system)}" '
        f'data-kind="{kind}"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def tests_block(tests: pd.DataFrame, system: str) -> str:
    """Welch's tests of one system as SAE × metric: difference of means and p (from stats)."""
    rows = tests[tests.system == system]
    if not len(rows):
        return ""
    refs = [c for c in rows.columns if c.endswith("_mean") and c != "other_mean"]
    _require(
        rows, ["sae", "metric", "other_mean", "p", *(refs[:1] or ["<reference>_mean"])], "tests"
    )
    ref_col = refs[0]
    ref = ref_col[: -len("_mean")]
    metrics = list(dict.fromkeys(rows.metric))
    head = [_th("sae", "vs", "the SAE compared with " + ref, False)]
    head += [
        _th(m, m, metric_help(m) + " Cell: difference of means, p-value.", True) for m in metrics
    ]
    body = []
    for sae, group in rows.groupby("sae", sort=False):
        cells = [f'<td class="text" data-col="sae" data-value="{_attr(sae)}">{escape(sae)}</td>']
        by_metric = group.set_index("metric")
        for m in metrics:
            if m not in by_metric.index:
                cells.append(f'<td data-col="{_attr(m)}" data-value="">–</td>')
                continue
            t = by_metric.loc[m]
            p = _float(t.p)
            sig = ' class="sig"' if p is not None and p < ALPHA else ""
            cells.append(
                f'<td{sig} data-col="{_attr(m)}" data-value="{"" if p is None else p!r}">'
                f"{_fmt(t[ref_col] - t.other_mean, '+.3g')} (p {_fmt(p, '.2g')})</td>"
            )
        body.append(f'<tr data-sae="{_attr(sae)}">{"".join(cells)}</tr>')
    n_sig = int((rows.p < ALPHA).sum())
    return (
        f'<details class="significance" data-system="{_attr(system)}"><summary>Welch\'s t-tests, '
        f"<code>{escape(ref)}</code> against each SAE: {len(rows)} tests on this system, {n_sig} "
        f"with p &lt; {ALPHA} (no correction)</summary><p>Cells: difference of means ({escape(ref)}"
        " − other), two-sided p; sorting a column sorts by p.</p>"
        f'<div class="scroll"><table class="tests"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></details>"
    )


def data_uri(path: Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"figure {path} does not exist")
    mime = MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def markdown_html(text: str, base: Path) -> str:
    """Markdown (raw HTML passes through) to HTML; local images become data: URIs."""
    from markdown_it import MarkdownIt  # rich's own dependency

    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)

    def inline(match: re.Match) -> str:
        src = match.group(2)
        if src.startswith("data:"):
            return match.group(0)
        if re.match(r"^[a-z]+:", src) or not (base / src).is_file():
            raise BenchError(f"section image {src!r} is not a local file; the page must be offline")
        return f"{match.group(1)}{data_uri(base / src)}{match.group(3)}"

    return re.sub(r'(<img[^>]*\bsrc=")([^"]*)(")', inline, html)


def provenance_html(value: Any) -> str:
    """Nested dicts as definition lists, lists of dicts and frames as tables, the rest as text."""
    if isinstance(value, pd.DataFrame):
        return value.to_html(index=False, na_rep="–", border=0, classes="provenance")
    if isinstance(value, Mapping):
        items = "".join(
            f"<dt>{escape(str(k))}</dt><dd>{provenance_html(v)}</dd>" for k, v in value.items()
        )
        return f'<dl class="prov">{items}</dl>'
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        if all(isinstance(v, Mapping) for v in value):
            return provenance_html(pd.DataFrame(list(value)))
        return ", ".join(escape(str(v)) for v in value)
    return escape(str(value))


def front_data(per_seed: pd.DataFrame, references: pd.DataFrame | None) -> dict[str, Any]:
    """JSON-ready points (one per SAE × seed) and reference curves, per system."""
    metrics = [m for m in METRICS if m in per_seed.columns]
    fronts: dict[str, Any] = {}
    for system, rows in per_seed.groupby("system", sort=False):
        points = [
            {k: r[k] for k in ("sae", "label", "group")}
            | {"seed": int(r["seed"]), "l0": _float(r["l0"]), "fvu": _float(r["fvu"])}
            | {"metrics": {m: _float(r[m]) for m in metrics}}
            for r in rows.to_dict("records")
        ]
        fronts[system] = {"points": points, "references": []}
    if references is not None and len(references):
        _require(references, ["system", "reference", "k", "l0", "fvu"], "reference curves")
        for (system, name), rows in references.groupby(["system", "reference"], sort=False):
            curve = [{c: _float(r[c]) for c in ("k", "l0", "fvu")} for _, r in rows.iterrows()]
            fronts.setdefault(system, {"points": [], "references": []})
            fronts[system]["references"].append({"name": name, "points": curve})
    return fronts


def section(anchor: str, title: str, body: str, cls: str = "") -> str:
    return f'<section id="{_attr(anchor)}" class="{cls}"><h2>{escape(title)}</h2>{body}</section>'


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_html(
    out: Path,
    per_seed: pd.DataFrame,
    agg: pd.DataFrame,
    matched: pd.DataFrame | None = None,
    tests: pd.DataFrame | None = None,
    sections: Sequence[tuple[str, str]] = (),
    figures: Sequence[Path] = (),
    references: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
    title: str = "chaos-sae-bench leaderboard",
) -> Path:
    """Write `out/index.html` and return its path.

    per_seed: one row per finished cell: system, sae, group, seed, label, one column per metric
      (l0 and fvu at least, for the fronts). agg and matched: one row per (system, label):
      system, sae, label, group, n_seeds, `<metric>_mean`, `<metric>_std` (matched may be
      None or empty). tests: `stats.welch_tests` output (system, sae, metric, `<ref>_mean`,
      other_mean, p, ...). sections: (title, Markdown or HTML) pairs; their local images are
      inlined. figures: image files to embed. references: system, reference, k, l0, fvu (one
      row per point of a reference curve). provenance: any nested dict/list/DataFrame.
    """
    _require(per_seed, ["system", "sae", "group", "seed", "label", "l0", "fvu"], "per-seed frame")
    _require(agg, ["system", "sae", "label", "group", "n_seeds"], "aggregated frame")
    if matched is not None and len(matched):
        _require(matched, ["system", "sae", "label", "group", "n_seeds"], "matched-L0 frame")
    out = Path(out)
    systems = list(dict.fromkeys([*agg.system, *per_seed.system]))
    groups = group_order(per_seed, agg, matched)
    fronts = front_data(per_seed, references)
    nav, body = [], []
    for system in systems:
        anchor = f"system-{slug(system)}"
        nav.append((anchor, system))
        parts = [leaderboard_table(agg, system, "main")]
        if system in fronts:
            parts.append(
                f'<figure class="front" data-system="{_attr(system)}"><svg viewBox="0 0 820 380" '
                f'width="820" height="380" role="img" aria-label="L0–FVU front of {_attr(system)}">'
                '</svg><div class="legend"></div><figcaption>L0–FVU front: one mark per SAE and '
                "seed (shape = group), dashed = reference curves.</figcaption></figure>"
            )
        if tests is not None and len(tests):
            parts.append(tests_block(tests, system))
        body.append(section(anchor, system, "".join(parts), "system"))
    if matched is not None and len(matched):
        tables = [
            f"<h3>{escape(s)} (matched L0)</h3>" + leaderboard_table(matched, s, "matched")
            for s in dict.fromkeys(matched.system)
        ]
        nav.append(("matched-l0", "Matched L0"))
        body.append(section("matched-l0", "Matched L0", "".join(tables)))
    for name, text in sections:
        anchor = f"section-{slug(name)}"
        nav.append((anchor, name))
        body.append(section(anchor, name, markdown_html(text, out), "extra"))
    if figures:
        images = "".join(
            f'<figure><img alt="{_attr(Path(f).stem)}" src="{data_uri(f)}">'
            f"<figcaption>{escape(Path(f).name)}</figcaption></figure>"
            for f in figures
        )
        nav.append(("figures", "Figures"))
        body.append(section("figures", "Figures", images, "figures"))
    if provenance:
        nav.append(("provenance", "Provenance"))
        body.append(section("provenance", "Provenance", provenance_html(provenance)))
    boxes = "".join(
        f'<label><input type="checkbox" class="group-filter" value="{_attr(g)}" checked> '
        f'<span class="group group-{_attr(g)}">{escape(g)}</span></label>'
        for g in groups
    )
    payload = {"saes": list(dict.fromkeys(per_seed.sae)), "groups": groups, "fronts": fronts}
    data = json.dumps(payload, allow_nan=False).replace("</", "<\\/")
    links = "".join(f'<a href="#{_attr(a)}">{escape(t)}</a>' for a, t in nav)
    page = Template((ASSETS / "page.html").read_text()).substitute(
        title=escape(title),
        nav=links,
        groups=boxes,
        body="".join(body),
        data=data,
        css=(ASSETS / "page.css").read_text(),
        js=(ASSETS / "page.js").read_text(),
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
