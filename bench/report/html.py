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
from bench.metrics import DIRECTION, FAMILIES, METRICS

ASSETS = Path(__file__).with_name("html_assets")
GROUPS = ("core", "extended", "classic", "reference")
UNRANKED = ("reference",)  # groups shown beside the competitors, never marked best
ALPHA = 0.05
COLUMNS = {  # headers of the non-metric columns: (shown name, hover text)
    "label": ("sae", "SAE (with its setting hash when two settings share a name)"),
    "group": ("group", "core / extended / classic / reference"),
    "n_seeds": ("seeds", "number of seeds pooled into mean ± std"),
}
EXTRA_HELP = {"coefficient": "calibrated sparsity coefficient (matched-L0 rows)"}
MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def metric_help(name: str) -> str:
    """Hover text of a metric column: definition and direction as the README's table has them."""
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
        f'<span title="{_attr(metric_help(m.name))}"><code>{m.name}</code> = '
        f"{_fmt(rows[f'{m.name}_mean'].mean())}</span>"
        for m in METRICS.values()
        if m.per_system and f"{m.name}_mean" in rows and rows[f"{m.name}_mean"].notna().any()
    ]
    return f'<p class="per-system">Per system: {"; ".join(items)}.</p>' if items else ""


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


def _td(col: str, value: Any, text: str, cls: str = "") -> str:
    """A cell: `value` is what sorting reads (a number, a string or None), `text` is HTML."""
    value = "" if value is None else repr(value) if isinstance(value, float) else value
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass} data-col="{_attr(col)}" data-value="{_attr(value)}">{text}</td>'


def _table(attrs: str, head: list[str], body: list[str]) -> str:
    return (
        f'<div class="scroll"><table {attrs}><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def leaderboard_table(agg: pd.DataFrame, system: str, kind: str, family: str, metrics) -> str:
    """One system's rows of an aggregated frame with `metrics` as columns; kind: main, matched."""
    head = [_th(c, *COLUMNS[c], c == "n_seeds") for c in ("label", "group", "n_seeds")]
    head += [
        _th(m, m, metric_help(m), True, getattr(METRICS.get(m), "better", None)) for m in metrics
    ]
    body = []
    for r in agg[agg.system == system].to_dict("records"):
        sae, label, group = (str(r[c]) for c in ("sae", "label", "group"))
        pill = f'<span class="group group-{_attr(group)}">{escape(group)}</span>'
        cells = [_td("label", label, escape(label), "text"), _td("group", group, pill, "text")]
        cells.append(_td("n_seeds", r["n_seeds"], str(r["n_seeds"])))
        for m in metrics:
            mean, std = _float(r[f"{m}_mean"]), _float(r.get(f"{m}_std"))
            spread = f' <span class="std">± {_fmt(std, ".2g")}</span>' if std is not None else ""
            cells.append(_td(m, mean, _fmt(mean) + spread))
        body.append(
            f'<tr data-sae="{_attr(sae)}" data-label="{_attr(label)}" data-group="{_attr(group)}">'
            + "".join(cells) + "</tr>"
        )  # fmt: skip
    attrs = f'data-system="{_attr(system)}" data-kind="{kind}" data-family="{_attr(family)}"'
    return _table(f'class="leaderboard" {attrs}', head, body)


def tests_block(tests: pd.DataFrame, system: str) -> str:
    """Welch's tests of one system as SAE × metric: difference of means and p (from stats)."""
    rows = tests[tests.system == system]
    if not len(rows):
        return ""
    refs = [c for c in rows.columns if c.endswith("_mean") and c != "other_mean"]
    need = ["sae", "metric", "other_mean", "p", *(refs[:1] or ["<reference>_mean"])]
    _require(rows, need, "significance frame")
    ref = refs[0][: -len("_mean")]
    metrics = list(dict.fromkeys(rows.metric))
    head = [_th("sae", "vs", f"the SAE {ref} is compared with", False)]
    head += [_th(m, m, metric_help(m) + ". Cell: difference of means, p", True) for m in metrics]
    body = []
    for sae, group in rows.groupby("sae", sort=False):
        by_metric = group.set_index("metric")
        cells = [_td("sae", sae, escape(sae), "text")]
        for m in metrics:
            t = by_metric.loc[m] if m in by_metric.index else None
            p = None if t is None else _float(t.p)
            text = (
                "–"
                if t is None
                else f"{_fmt(t[refs[0]] - t.other_mean, '+.3g')} (p {_fmt(p, '.2g')})"
            )
            cells.append(_td(m, p, text, "sig" if p is not None and p < ALPHA else ""))
        body.append(f'<tr data-sae="{_attr(sae)}">{"".join(cells)}</tr>')
    summary = (
        f"Welch's t-tests, <code>{escape(ref)}</code> against each SAE: {len(rows)} tests on this "
        f"system, {int((rows.p < ALPHA).sum())} with p &lt; {ALPHA} (no correction)"
    )
    table = _table('class="tests"', head, body)
    return (
        f'<details class="significance" data-system="{_attr(system)}"><summary>{summary}</summary>'
        f"<p>Cells: difference of means ({escape(ref)} − other), two-sided p; sorting a column "
        f"sorts by p.</p>{table}</details>"
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
    """JSON-ready points (one per SAE × seed) and reference curves (one point per k), per system."""
    metrics = [m.name for m in METRICS.values() if m.name in per_seed and not m.per_system]
    fronts: dict[str, Any] = {}
    for system, rows in per_seed.groupby("system", sort=False):
        points = [
            {k: r[k] for k in ("sae", "label", "group")}
            | {"seed": int(r["seed"]), "l0": _float(r["l0"]), "fvu": _float(r["fvu"])}
            | {"metrics": {m: v for m in metrics if (v := _float(r[m])) is not None}}
            for r in rows.to_dict("records")
        ]
        fronts[system] = {"points": points, "references": []}
    if references is not None and len(references):
        if "reference" not in references and "sae" in references:
            references = references.rename(columns={"sae": "reference"})
        _require(references, ["system", "reference", "k", "l0", "fvu"], "reference curves")
        mean = references.groupby(["system", "reference", "k"], sort=False)[["l0", "fvu"]].mean()
        for (system, name), rows in mean.reset_index().groupby(["system", "reference"], sort=False):
            curve = [{c: _float(r[c]) for c in ("k", "l0", "fvu")} for _, r in rows.iterrows()]
            fronts.setdefault(system, {"points": [], "references": []})
            fronts[system]["references"].append({"name": name, "points": curve})
    return fronts


def system_tables(agg: pd.DataFrame, system: str, kind: str) -> str:
    return "".join(
        f"<h3>{escape(FAMILIES.get(family, family))}</h3>"
        + leaderboard_table(agg, system, kind, family, metrics)
        for family, metrics in family_columns(agg, system)
    )


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
      inlined. figures: image files to embed. references: system, reference (or sae), k, l0,
      fvu; rows sharing (system, reference, k), e.g. seeds, are averaged into one point.
      provenance: any nested dict/list/DataFrame.
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
        parts = [system_tables(agg, system, "main"), per_system_note(agg, system)]
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
            f'<h3 class="matched">{escape(s)} (matched L0)</h3>'
            + system_tables(matched, s, "matched")
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
    payload = {"saes": [*dict.fromkeys(per_seed.sae)], "unranked": UNRANKED, "fronts": fronts}
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
