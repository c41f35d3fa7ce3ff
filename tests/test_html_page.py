"""The leaderboard web page, opened through Playwright in the system's own headless Chromium.

A small page is built from hand-made frames (4 SAEs and the noise floor `data` × 2 systems ×
2 seeds) whose orders are known: the tests read what the browser shows (rows, marks, tooltip,
requests, layout) and compare it with them. Without Chromium or Playwright the browser tests
skip locally and fail in CI (CI=true).
"""

import io
import os
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from bench.metrics import METRICS, Metric
from bench.report.browser import screenshot, unavailable, visit
from bench.report.html import Section, run_sections, write_html
from bench.report.stats import welch_tests

SYSTEMS = ("henon", "logistic")
# sae → (group, fvu, l0); listed in an order that is neither fvu-ascending nor descending.
SAES = {
    "ksparse_chaos": ("core", 0.9, 32.0),
    "topk": ("core", 0.5, 32.0),
    "relu": ("classic", 0.7, 90.0),
    "pca": ("reference", 0.2, 16.0),
}
# Directions the page must handle generically: closest to 1 wins; an unknown one is not ranked.
RATIO = {"ksparse_chaos": 1.5, "topk": 0.95, "relu": 1.02, "pca": 2.0}
DSTSP = {"ksparse_chaos": 0.3, "topk": 0.5, "relu": 0.2, "pca": 0.1}  # lower is better
# Also: a metric of another family (its own table) and a per-system one (a line, not a column).
EXTRA = {
    "ratio": Metric("ratio", "one", "a / b", "dynamics"),
    "oddity": Metric("oddity", "sideways", "c"),
    "rate": Metric("rate", None, "a property of the data", "dynamics", per_system=True),
}
SEEDS = (0, 1)
DISTRIBUTION = ("state_space_divergence", "spectrum_distance")  # what the noise floor has
FLOOR = 1e-4  # the noise floor's D_stsp: lower than every SAE's, yet never marked best
WIDE = 3000  # px: the wide figure, wider than the 1400 px window


def per_seed_frame() -> pd.DataFrame:
    rows = []
    for s, system in enumerate(SYSTEMS):
        for sae, (group, fvu, l0) in SAES.items():
            for seed in SEEDS:
                metrics = {m: 0.1 * (s + 1) + 0.01 * seed for m in METRICS}
                metrics.update(fvu=fvu + 0.01 * s + 0.002 * seed, l0=l0 + seed)
                metrics["variance"] = 1.0 + fvu  # higher is better: ksparse_chaos best
                metrics["explained_variance"] = 1.0 - metrics["fvu"]
                metrics["ratio"] = RATIO[sae]
                metrics["state_space_divergence"] = DSTSP[sae]
                metrics["rate"] = 0.5 * (s + 1)
                # topk's seed 1 did not converge; the closed-form pca has no flag
                converged = None if group == "reference" else not (sae == "topk" and seed == 1)
                rows.append(
                    {"system": system, "sae": sae, "group": group, "seed": seed, "label": sae}
                    | metrics
                    | {"converged": converged}
                )
            for seed in SEEDS:  # the noise floor: distribution metrics only
                floor = {m: np.nan for m in METRICS} | dict.fromkeys(DISTRIBUTION, FLOOR)
                rows.append(
                    {"system": system, "sae": "data", "group": "reference", "seed": seed}
                    | {"label": "data", "rate": 0.5 * (s + 1), "ratio": np.nan, "converged": None}
                    | floor
                )
    return pd.DataFrame(rows)


def aggregate(per_seed: pd.DataFrame) -> pd.DataFrame:
    """As the leaderboard aggregates, plus `converged_share` (NaN where no record says)."""
    grouped = per_seed.groupby(["system", "sae", "label", "group"], sort=False)
    agg = grouped[[m for m in METRICS if m in per_seed]].agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    agg["converged_share"] = grouped.converged.agg(lambda c: c.dropna().astype(float).mean())
    return agg.reset_index()


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:
        for name, metric in EXTRA.items():
            patch.setitem(METRICS, name, metric)
        per_seed = per_seed_frame()
        agg = aggregate(per_seed)
        return write_html(out, per_seed=per_seed, agg=agg, **extras(out, per_seed, agg))


def extras(out, per_seed: pd.DataFrame, agg: pd.DataFrame) -> dict:
    """Every optional input of write_html, small, with a table and a figure wider than 1400 px."""
    figures = out / "figures"
    figures.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(figures / "dot.png")
    Image.new("RGB", (WIDE, 60), (30, 30, 200)).save(figures / "wide.png")
    refs = pd.DataFrame(
        [
            {"system": s, "reference": "pca curve", "k": k, "l0": k, "fvu": 1 / (1 + k)}
            for s in SYSTEMS
            for k in (1, 4, 16)
        ]
    )
    wide_row = "| " + " | ".join(f"column_{i:02d}" for i in range(60)) + " |"
    (out / "randomness.md").write_text(
        f"Text with a figure: ![dot](figures/dot.png)\n\n{wide_row}\n"
        + "|" + "---|" * 60 + f"\n{wide_row}\n"
    )  # fmt: skip
    settings = [{f"setting_{i:02d}": f"value-{i:02d}-{j}" for i in range(40)} for j in range(2)]
    return dict(
        matched=agg[agg.sae != "data"],
        tests=welch_tests(per_seed[per_seed.sae != "data"], "ksparse_chaos"),
        sections=run_sections(out),
        figures=[figures / "dot.png", figures / "wide.png"],
        references=refs,
        provenance={"versions": {"python": "3.11"}, "settings": settings, "failures": []},
        records="runs.jsonl",
    )


def need_browser() -> None:
    """Skip without Chromium or Playwright, except in CI, where that is a failure."""
    if reason := unavailable():
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{reason}; .ci/run installs Chromium and the dev extra")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def tab(html):
    need_browser()
    with visit(html, width=1400, height=1000) as opened:
        yield opened


def rows(tab, system: str, kind: str = "main", family: str = "core") -> list[str]:
    table = f'[data-system="{system}"][data-kind="{kind}"][data-family="{family}"]'
    return tab.page.eval_on_selector_all(
        f"table.leaderboard{table} tbody tr",
        "rows => rows.filter(r => !r.hidden).map(r => r.dataset.label)",
    )


def best(tab, system: str, col: str, family: str = "core") -> list[str]:
    table = f'table.leaderboard[data-system="{system}"][data-kind="main"][data-family="{family}"]'
    return tab.page.eval_on_selector_all(
        f'{table} td.best[data-col="{col}"]', "cells => cells.map(td => td.parentNode.dataset.sae)"
    )


def cell(tab, system: str, family: str, sae: str, col: str) -> str:
    return tab.page.inner_text(
        f'table.leaderboard[data-system="{system}"][data-kind="main"][data-family="{family}"] '
        f'tr[data-sae="{sae}"] td[data-col="{col}"]'
    )


def test_page_is_one_offline_file(html):
    text = html.read_text()
    assert len(text) < 1_000_000
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert '<link rel="stylesheet"' not in text and "@import" not in text
    assert re.search(r'<img [^>]*src="data:image/png;base64,', text)


def test_write_html_takes_its_frames_by_name(tmp_path):
    per_seed = per_seed_frame()
    with pytest.raises(TypeError):
        write_html(tmp_path, per_seed, aggregate(per_seed))  # type: ignore[misc]


def test_sections_come_only_from_the_runs_own_folder(tmp_path):
    run = tmp_path / "results" / "latest"
    run.mkdir(parents=True)
    (tmp_path / "results" / "randomness.md").write_text("the committed file")
    assert run_sections(run) == []  # the committed results/randomness.md is not this run's
    (run / "randomness.md").write_text("this run's file")
    title = "Randomness of bits drawn from the latents"
    assert run_sections(run) == [
        Section(title, run / "randomness.md", "chaos-sae-bench randomness")
    ]


def test_page_renders(tab):
    assert tab.page.evaluate("document.documentElement.dataset.ready") == "true"
    assert tab.errors == []
    image = Image.open(io.BytesIO(tab.page.screenshot())).convert("RGB")
    assert image.size == (1400, 1000)
    assert len(image.getcolors(maxcolors=1 << 20)) > 50  # text, shading, marks: not blank


def test_every_sae_and_system_appears(tab):
    for system in SYSTEMS:
        assert sorted(rows(tab, system)) == sorted(SAES)  # the noise floor has no sparsity row
        assert sorted(rows(tab, system, family="dynamics")) == sorted([*SAES, "data"])
        assert sorted(rows(tab, system, "matched")) == sorted(SAES)
        front = f'figure.front[data-system="{system}"]'
        marks = tab.page.eval_on_selector_all(
            f"{front} path.point", "ps => ps.map(p => p.dataset.sae + '/' + p.dataset.seed)"
        )
        assert sorted(marks) == sorted(f"{sae}/{seed}" for sae in SAES for seed in SEEDS)
        assert tab.page.locator(f"{front} polyline.reference").count() == 1


def test_each_section_names_its_source(tab):
    sources = tab.page.eval_on_selector_all(
        "section", "ss => ss.map(s => [s.id, s.querySelector('p.source').innerText])"
    )
    by_id = dict(sources)
    assert set(by_id) == {
        "system-henon", "system-logistic", "matched-l0", "section-randomness-of-bits-drawn-from-"
        "the-latents", "figures", "provenance",
    }  # fmt: skip
    for anchor in ("system-henon", "matched-l0", "figures", "provenance"):
        assert "runs.jsonl" in by_id[anchor]
    extra = by_id["section-randomness-of-bits-drawn-from-the-latents"]
    assert "randomness.md in this run's folder" in extra and "chaos-sae-bench randomness" in extra
    captions = tab.page.eval_on_selector_all(
        "#figures figcaption", "cs => cs.map(c => c.textContent)"
    )
    assert captions == ["figures/dot.png", "figures/wide.png"]


def test_reference_row_is_shown_never_best(tab):
    floor = cell(tab, "henon", "dynamics", "data", "state_space_divergence")
    assert float(floor.split()[0]) == FLOOR  # the lowest D_stsp on the page; lower is better
    assert best(tab, "henon", "state_space_divergence", "dynamics") == ["relu"]  # pca: reference
    assert cell(tab, "henon", "dynamics", "data", "ratio") == "—"  # pointwise: does not apply


def test_unconverged_rows_are_flagged(tab):
    assert cell(tab, "henon", "core", "topk", "converged") == "1/2"
    assert cell(tab, "henon", "core", "ksparse_chaos", "converged") == "2/2"
    assert cell(tab, "henon", "core", "pca", "converged") == "—"  # closed form: no flag
    tables = 'table.leaderboard[data-system="henon"]'
    flagged = tab.page.eval_on_selector_all(
        f'{tables} td[data-col="label"] .unconverged',
        "marks => marks.map(m => m.closest('tr').dataset.sae)",
    )
    assert flagged == ["topk"] * tab.page.locator(tables).count()  # its label, in every table
    hollow = tab.page.eval_on_selector_all(
        'figure.front[data-system="henon"] path.point.unconverged',
        "ps => ps.map(p => p.dataset.sae + '/' + p.dataset.seed)",
    )
    assert hollow == ["topk/1"]


def test_headers_carry_definition_and_direction(tab):
    def title(col: str) -> str:
        return tab.page.get_attribute(f'th[data-col="{col}"]', "title")

    assert title("fvu") == f"fvu: {METRICS['fvu'].formula}. Better: lower"
    assert title("sparsity").endswith("Better: reported")
    assert title("ratio") == "ratio: a / b. Better: closer to 1"
    assert title("oddity") == "oddity: c. Better: sideways"


def test_per_system_metric_is_a_line_not_a_column(tab):
    assert tab.page.locator('th[data-col="rate"]').count() == 0
    assert "rate = 1" in tab.page.inner_text("#system-logistic .per-system")


def test_best_is_marked_by_direction(tab):
    assert best(tab, "henon", "fvu") == ["topk"]  # lower is better; pca is a reference row
    assert best(tab, "henon", "variance") == ["ksparse_chaos"]  # higher is better
    assert best(tab, "henon", "ratio", "dynamics") == ["relu"]  # closest to 1
    assert best(tab, "henon", "l0") == []  # not ranked
    assert best(tab, "henon", "oddity") == []  # an unknown direction is shown, not ranked


def test_hover_shows_sae_seed_and_metrics(tab):
    front = 'figure.front[data-system="logistic"]'
    tab.page.hover(f'{front} path.point[data-sae="relu"][data-seed="1"]')
    tooltip = tab.page.locator("#tooltip")
    assert tooltip.evaluate("t => getComputedStyle(t).display") == "block"
    text = tooltip.inner_text()
    fvu = SAES["relu"][1] + 0.01 + 0.002
    assert "relu" in text and re.search(r"seed\s+1", text) and re.search(r"converged\s+yes", text)
    assert re.search(rf"fvu\s+{fvu:.4g}", text)


def test_clicking_a_header_sorts_rows(tab):
    before = rows(tab, "henon")
    assert before == list(SAES)
    by_fvu = sorted(SAES, key=lambda sae: SAES[sae][1])
    header = 'table.leaderboard[data-system="henon"][data-kind="main"] th[data-col="fvu"]'
    tab.page.click(header)
    assert rows(tab, "henon") == by_fvu  # lower is better: best first, ascending
    tab.page.click(header)
    assert rows(tab, "henon") == by_fvu[::-1]
    assert rows(tab, "logistic") == list(SAES)  # other tables untouched


def test_group_filter_hides_rows_and_moves_best(tab):
    tab.page.click('input.group-filter[value="core"]')
    assert sorted(rows(tab, "henon")) == ["pca", "relu"]
    assert best(tab, "henon", "fvu") == ["relu"]
    marks = tab.page.eval_on_selector_all("path.point", "ps => ps.map(p => p.dataset.sae)")
    assert sorted(set(marks)) == ["pca", "relu"]
    tab.page.click('input.group-filter[value="core"]')
    assert best(tab, "henon", "fvu") == ["topk"]


def test_page_never_scrolls_sideways_at_1400px(tab):
    page = tab.page
    assert page.evaluate("innerWidth") == 1400
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1400
    # ... although it holds wider things, each scrolling in its own box:
    for selector in ("#provenance .scroll", "#section-randomness-of-bits-drawn-from-the-latents "
                     ".scroll", "#figures .figure-box:has(img[alt=wide])"):  # fmt: skip
        width, box = page.eval_on_selector(selector, "e => [e.scrollWidth, e.clientWidth]")
        assert width > 1400 > box, selector


def test_figures_show_at_natural_size_and_fit_on_a_click(tab):
    wide = tab.page.locator("#figures img[alt=wide]")
    assert wide.evaluate("i => [i.naturalWidth, i.width]") == [WIDE, WIDE]
    wide.click()
    fitted = wide.evaluate("i => [i.width, i.parentNode.clientWidth]")
    assert fitted[0] <= fitted[1] < WIDE
    wide.click()
    assert wide.evaluate("i => i.width") == WIDE


def test_no_network_request(tab, html):
    assert tab.requested == [html.resolve().as_uri()]  # the gate saw the document itself
    assert tab.blocked == []


def test_a_request_is_caught_and_refused(tmp_path):
    """The check above can fail: a page that asks for the network is recorded and refused, and
    a screenshot of it is still taken."""
    need_browser()
    page = tmp_path / "asks.html"
    page.write_text('<img src="https://example.invalid/x.png"><p>hello</p>')
    with visit(page, width=300, height=200) as opened:
        assert opened.blocked == ["https://example.invalid/x.png"]
        assert opened.requested == [page.resolve().as_uri(), "https://example.invalid/x.png"]
    png = screenshot(page, tmp_path / "shot" / "page.png", width=300, height=200)
    assert Image.open(png).size == (300, 200)
