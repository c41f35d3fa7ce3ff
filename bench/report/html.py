"""The leaderboard as one self-contained web page, `index.html`, readable offline from a file.

Everything is inline: styles and script from `html_assets/`, the data as JSON, the figures as
data: URIs; the page fetches nothing (no CDN, no web fonts). Per system: a table sortable by
any column (`html_tables`), best cells marked by direction, groups filterable, an L0–FVU front
drawn as SVG with hover; then matched L0, significance, the run's extra sections, figures and
provenance. The page describes one run: its tables come from that run's records, and an extra
section only from a file in that run's own folder (`run_sections`); each section names its
source. Wide tables and figures scroll in their own boxes, so the page never scrolls sideways.
This module only formats what it is given: it computes no metric, test or aggregate of its own.
"""

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from bench.errors import BenchError
from bench.metrics import METRICS
from bench.report.html_tables import (
    MISSING,
    UNRANKED,
    attr,
    group_order,
    number,
    per_system_note,
    require,
    system_tables,
    tests_block,
)

ASSETS = Path(__file__).with_name("html_assets")
MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
# Files another command writes into a run's folder, shown as sections when present there:
# file name → (section title, the command that writes it).
SECTION_FILES = {
    "randomness.md": ("Randomness of bits drawn from the latents", "chaos-sae-bench randomness"),
}


@dataclass(frozen=True)
class Section:
    """An extra section of the page: Markdown (raw HTML passes through) read from `path`, whose
    local images are inlined; `made_by` says what wrote the file (shown with its name)."""

    title: str
    path: Path
    made_by: str = ""


def run_sections(folder: Path) -> list[Section]:
    """The SECTION_FILES present in the run's own `folder`, never in any folder above it."""
    folder = Path(folder)
    return [
        Section(title, folder / name, made_by)
        for name, (title, made_by) in SECTION_FILES.items()
        if (folder / name).is_file()
    ]


def data_uri(path: Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"figure {path} does not exist")
    mime = MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def image_box(img: str) -> str:
    """An <img> at its natural size in a scroll box; a click toggles fitting it to the width."""
    hint = "click: fit to the page width / natural size"
    return f'<div class="figure-box" title="{hint}">{img}</div>'


def markdown_html(text: str, base: Path) -> str:
    """Markdown (raw HTML passes through) to HTML; local images become data: URIs in scroll
    boxes, tables get their own horizontal scroll box."""
    from markdown_it import MarkdownIt  # rich's own dependency

    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)

    def inline(match: re.Match) -> str:
        before, src, after = match.group(1), match.group(2), match.group(3)
        if not src.startswith("data:"):
            if re.match(r"^[a-z]+:", src) or not (base / src).is_file():
                raise BenchError(f"section image {src!r} is not a local file; the page is offline")
            src = data_uri(base / src)
        return image_box(f"{before}{src}{after}")

    html = re.sub(r'(<img[^>]*\bsrc=")([^"]*)("[^>]*>)', inline, html)
    html = re.sub(r"<table\b", '<div class="scroll"><table', html)
    return html.replace("</table>", "</table></div>")


def provenance_html(value: Any) -> str:
    """Nested dicts as definition lists, lists of dicts and frames as tables (each in its own
    scroll box), the rest as text."""
    if isinstance(value, pd.DataFrame):
        table = value.to_html(index=False, na_rep=MISSING, border=0, classes="provenance")
        return f'<div class="scroll">{table}</div>'
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


def flag(value: Any) -> bool | None:
    return None if value is None or (isinstance(value, float) and value != value) else bool(value)


def front_data(per_seed: pd.DataFrame, references: pd.DataFrame | None) -> dict[str, Any]:
    """JSON-ready points (one per SAE × seed; `converged` where records say) and reference
    curves (one point per k), per system."""
    metrics = [m.name for m in METRICS.values() if m.name in per_seed and not m.per_system]
    fronts: dict[str, Any] = {}
    for system, rows in per_seed.groupby("system", sort=False):
        points = [
            {k: r[k] for k in ("sae", "label", "group")}
            | {"seed": int(r["seed"]), "l0": number(r["l0"]), "fvu": number(r["fvu"])}
            | {"converged": flag(r.get("converged"))}
            | {"metrics": {m: v for m in metrics if (v := number(r[m])) is not None}}
            for r in rows.to_dict("records")
        ]
        fronts[system] = {"points": points, "references": []}
    if references is not None and len(references):
        if "reference" not in references and "sae" in references:
            references = references.rename(columns={"sae": "reference"})
        require(references, ["system", "reference", "k", "l0", "fvu"], "reference curves")
        mean = references.groupby(["system", "reference", "k"], sort=False)[["l0", "fvu"]].mean()
        for (system, name), rows in mean.reset_index().groupby(["system", "reference"], sort=False):
            curve = [{c: number(r[c]) for c in ("k", "l0", "fvu")} for _, r in rows.iterrows()]
            fronts.setdefault(system, {"points": [], "references": []})
            fronts[system]["references"].append({"name": name, "points": curve})
    return fronts


def section(anchor: str, title: str, body: str, *, source: str, cls: str = "") -> str:
    """A page section; `source` (HTML) says where its content comes from."""
    return (
        f'<section id="{attr(anchor)}" class="{cls}"><h2>{escape(title)}</h2>'
        f'<p class="source">Source: {source}</p>{body}</section>'
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def shown_path(path: Path, out: Path) -> str:
    """`path` relative to the page's folder where it lies inside it, else as given."""
    path = Path(path)
    try:
        return path.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return str(path)


def figure_html(path: Path, out: Path) -> str:
    img = f'<img alt="{attr(path.stem)}" src="{data_uri(path)}">'
    caption = f"<figcaption>{escape(shown_path(path, out))}</figcaption>"
    return f'<figure class="image">{image_box(img)}{caption}</figure>'


def front_figure(system: str) -> str:
    return (
        f'<figure class="front" data-system="{attr(system)}"><svg viewBox="0 0 820 380" '
        f'width="820" height="380" role="img" aria-label="L0–FVU front of {attr(system)}">'
        '</svg><div class="legend"></div><figcaption>L0–FVU front: one mark per SAE and seed '
        "(shape = group; hollow = not converged), dashed = reference curves.</figcaption></figure>"
    )


def write_html(
    out: Path,
    *,
    per_seed: pd.DataFrame,
    agg: pd.DataFrame,
    matched: pd.DataFrame | None = None,
    tests: pd.DataFrame | None = None,
    sections: Sequence[Section] = (),
    figures: Sequence[Path] = (),
    references: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
    records: str = "the run's records",
    title: str = "chaos-sae-bench leaderboard",
) -> Path:
    """Write `out/index.html` and return its path.

    per_seed: one row per finished cell: system, sae, group, seed, label, one column per metric
      (l0 and fvu at least, for the fronts), optionally `converged` (bool or None). agg and
      matched: one row per (system, label): system, sae, label, group, n_seeds, `<metric>_mean`,
      `<metric>_std`, optionally `converged_share` (share of the n_seeds that converged, NaN
      where no record says; matched may be None or empty). tests: `stats.welch_tests` output
      (system, sae, metric, `<ref>_mean`, other_mean, p, ...). sections: from `run_sections`.
      figures: image files to embed, each at its natural size. references: system, reference
      (or sae), k, l0, fvu; rows sharing (system, reference, k), e.g. seeds, are averaged into
      one point. provenance: any nested dict/list/DataFrame. records: the source named on the
      tables, e.g. the runs file's name.
    """
    require(per_seed, ["system", "sae", "group", "seed", "label", "l0", "fvu"], "per-seed frame")
    require(agg, ["system", "sae", "label", "group", "n_seeds"], "aggregated frame")
    if matched is not None and len(matched):
        require(matched, ["system", "sae", "label", "group", "n_seeds"], "matched-L0 frame")
    out = Path(out)
    origin = escape(records)
    systems = list(dict.fromkeys([*agg.system, *per_seed.system]))
    fronts = front_data(per_seed, references)
    nav, body = [], []
    for system in systems:
        anchor = f"system-{slug(system)}"
        nav.append((anchor, system))
        parts = [system_tables(agg, system, "main"), per_system_note(agg, system)]
        if system in fronts:
            parts.append(front_figure(system))
        if tests is not None and len(tests):
            parts.append(tests_block(tests, system))
        source = f"{origin}: mean ± std over seeds; the fronts: one mark per record"
        body.append(section(anchor, system, "".join(parts), source=source, cls="system"))
    if matched is not None and len(matched):
        tables = [
            f'<h3 class="matched">{escape(s)} (matched L0)</h3>'
            + system_tables(matched, s, "matched")
            for s in dict.fromkeys(matched.system)
        ]
        nav.append(("matched-l0", "Matched L0"))
        source = f"{origin}: the calibrated cells and the TopK-style cells at their targets"
        body.append(section("matched-l0", "Matched L0", "".join(tables), source=source))
    for extra in sections:
        anchor = f"section-{slug(extra.title)}"
        nav.append((anchor, extra.title))
        text = Path(extra.path).read_text(encoding="utf-8")
        made_by = f", written by <code>{escape(extra.made_by)}</code>" if extra.made_by else ""
        source = (
            f"<code>{escape(Path(extra.path).name)}</code> in this run's folder{made_by} "
            f"(not computed from {origin})"
        )
        content = markdown_html(text, Path(extra.path).parent)
        body.append(section(anchor, extra.title, content, source=source, cls="extra"))
    if figures:
        images = "".join(figure_html(Path(f), out) for f in figures)
        source = (
            f"drawn from {origin}, each at its natural size (scroll inside its box; click to fit "
            "it to the page width)"
        )
        nav.append(("figures", "Figures"))
        body.append(section("figures", "Figures", images, source=source, cls="figures"))
    if provenance:
        nav.append(("provenance", "Provenance"))
        source = f"{origin}: versions, settings, devices and times they record"
        body.append(section("provenance", "Provenance", provenance_html(provenance), source=source))
    boxes = "".join(
        f'<label><input type="checkbox" class="group-filter" value="{attr(g)}" checked> '
        f'<span class="group group-{attr(g)}">{escape(g)}</span></label>'
        for g in group_order(per_seed, agg, matched)
    )
    payload = {"saes": [*dict.fromkeys(per_seed.sae)], "unranked": UNRANKED, "fronts": fronts}
    data = json.dumps(payload, allow_nan=False).replace("</", "<\\/")
    links = "".join(f'<a href="#{attr(a)}">{escape(t)}</a>' for a, t in nav)
    page = Template((ASSETS / "page.html").read_text()).substitute(
        title=escape(title),
        origin=origin,
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
