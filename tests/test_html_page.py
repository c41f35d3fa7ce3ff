"""The leaderboard web page, opened in a real headless Chromium from the system's packages.

A small page is built from hand-made frames (4 SAEs × 2 systems × 2 seeds) whose orders are
known: the test reads what the browser shows (rows, marks, tooltip, requests) and compares it
with them. Without Chromium the tests skip locally and fail in CI (CI=true).
"""

import io
import json
import os
import re

import pandas as pd
import pytest
from PIL import Image

from bench.metrics import METRICS, Metric
from bench.report.browser import Browser, find_chromium
from bench.report.html import write_html
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
# Also: a metric of another family (its own table) and a per-system one (a line, not a column).
EXTRA = {
    "ratio": Metric("ratio", "one", "a / b", "dynamics"),
    "oddity": Metric("oddity", "sideways", "c"),
    "rate": Metric("rate", None, "a property of the data", "dynamics", per_system=True),
}
SEEDS = (0, 1)


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
                metrics["rate"] = 0.5 * (s + 1)
                rows.append(
                    {"system": system, "sae": sae, "group": group, "seed": seed, "label": sae}
                    | metrics
                )
    return pd.DataFrame(rows)


def aggregate(per_seed: pd.DataFrame) -> pd.DataFrame:
    grouped = per_seed.groupby(["system", "sae", "label", "group"], sort=False)
    agg = grouped[[m for m in METRICS if m in per_seed]].agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    return agg.reset_index()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:
        for name, metric in EXTRA.items():
            patch.setitem(METRICS, name, metric)
        per_seed = per_seed_frame()
        agg = aggregate(per_seed)
        return write_html(out, per_seed, agg, **extras(out, per_seed, agg))


def extras(out, per_seed: pd.DataFrame, agg: pd.DataFrame) -> dict:
    """Every optional input of write_html, small."""
    figure = out / "figures" / "dot.png"
    figure.parent.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(figure)
    refs = pd.DataFrame(
        [
            {"system": s, "reference": "pca curve", "k": k, "l0": k, "fvu": 1 / (1 + k)}
            for s in SYSTEMS
            for k in (1, 4, 16)
        ]
    )
    return dict(
        matched=agg.copy(),
        tests=welch_tests(per_seed),
        sections=[("Dynamics", "Text with a figure: ![dot](figures/dot.png)")],
        figures=[figure],
        references=refs,
        provenance={"versions": {"python": "3.11"}, "cells": 16, "failures": []},
    )


@pytest.fixture(scope="module")
def browser(page):
    if find_chromium() is None:
        reason = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason)
        pytest.skip(reason)
    with Browser(width=1400, height=1000, timeout=30) as b:
        b.open(page)
        yield b


def rows(browser, system: str, kind: str = "main", family: str = "core") -> list[str]:
    table = f'[data-system="{system}"][data-kind="{kind}"][data-family="{family}"]'
    selector = f"table.leaderboard{table} tbody tr"
    return browser.evaluate(
        f"[...document.querySelectorAll('{selector}')].filter(r => !r.hidden)"
        ".map(r => r.dataset.label)"
    )


def best(browser, system: str, col: str) -> list[str]:
    return browser.evaluate(
        f'[...document.querySelectorAll(\'table.leaderboard[data-system="{system}"]'
        f'[data-kind="main"] td.best[data-col="{col}"]\')].map(td => td.parentNode.dataset.sae)'
    )


def test_page_is_one_offline_file(page):
    html = page.read_text()
    assert len(html) < 1_000_000
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert '<link rel="stylesheet"' not in html and "@import" not in html
    assert re.search(r'<img [^>]*src="data:image/png;base64,', html)


def test_page_renders(browser):
    assert browser.evaluate("document.documentElement.dataset.ready") == "true"
    errors = [p for m, p in browser.events if m == "Runtime.exceptionThrown"]
    assert errors == []
    image = Image.open(io.BytesIO(browser.screenshot(1400, 1000))).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert image.size == (1400, 1000)
    assert len(colours) > 50  # text, table shading, coloured marks: not a blank page


def test_every_sae_and_system_appears(browser):
    for system in SYSTEMS:
        assert sorted(rows(browser, system)) == sorted(SAES)
        assert sorted(rows(browser, system, family="dynamics")) == sorted(SAES)
        assert sorted(rows(browser, system, "matched")) == sorted(SAES)
        marks = browser.evaluate(
            f"[...document.querySelectorAll('figure.front[data-system=\"{system}\"] path.point')]"
            ".map(p => p.dataset.sae + '/' + p.dataset.seed)"
        )
        assert sorted(marks) == sorted(f"{sae}/{seed}" for sae in SAES for seed in SEEDS)
        assert browser.evaluate(
            f"document.querySelectorAll('figure.front[data-system=\"{system}\"] "
            "polyline.reference').length"
        ) == 1  # fmt: skip


def title(browser, col: str) -> str:
    return browser.evaluate(f"document.querySelector('th[data-col=\"{col}\"]').title")


def test_headers_carry_definition_and_direction(browser):
    assert title(browser, "fvu") == f"fvu: {METRICS['fvu'].formula}. Better: lower"
    assert title(browser, "sparsity").endswith("Better: reported")
    assert title(browser, "ratio") == "ratio: a / b. Better: closer to 1"
    assert title(browser, "oddity") == "oddity: c. Better: sideways"


def test_per_system_metric_is_a_line_not_a_column(browser):
    assert browser.evaluate("document.querySelectorAll('th[data-col=\"rate\"]').length") == 0
    note = browser.evaluate(
        "document.querySelector('#system-logistic .per-system').textContent"
    )  # fmt: skip
    assert "rate = 1" in note


def test_best_is_marked_by_direction(browser):
    assert best(browser, "henon", "fvu") == ["topk"]  # lower is better; pca is a reference row
    assert best(browser, "henon", "variance") == ["ksparse_chaos"]  # higher is better
    assert best(browser, "henon", "ratio") == ["relu"]  # closest to 1
    assert best(browser, "henon", "l0") == []  # not ranked
    assert best(browser, "henon", "oddity") == []  # an unknown direction is shown, not ranked


def test_hover_shows_sae_seed_and_metrics(browser):
    browser.hover('figure.front[data-system="logistic"] path.point[data-sae="relu"][data-seed="1"]')
    tip = browser.evaluate(
        "(() => { const t = document.getElementById('tooltip');"
        " return [getComputedStyle(t).display, t.innerText]; })()"
    )
    assert tip[0] == "block"
    fvu = SAES["relu"][1] + 0.01 + 0.002
    assert "relu" in tip[1] and re.search(r"seed\s+1", tip[1])
    assert re.search(rf"fvu\s+{fvu:.4g}", tip[1])


def test_clicking_a_header_sorts_rows(browser):
    before = rows(browser, "henon")
    assert before == list(SAES)
    by_fvu = sorted(SAES, key=lambda sae: SAES[sae][1])
    browser.click('table.leaderboard[data-system="henon"][data-kind="main"] th[data-col="fvu"]')
    assert rows(browser, "henon") == by_fvu  # lower is better: best first, ascending
    browser.click('table.leaderboard[data-system="henon"][data-kind="main"] th[data-col="fvu"]')
    assert rows(browser, "henon") == by_fvu[::-1]
    assert rows(browser, "logistic") == list(SAES)  # other tables untouched


def test_group_filter_hides_rows_and_moves_best(browser):
    browser.click('input.group-filter[value="core"]')
    assert sorted(rows(browser, "henon")) == ["pca", "relu"]
    assert best(browser, "henon", "fvu") == ["relu"]
    marks = browser.evaluate("[...document.querySelectorAll('path.point')].map(p => p.dataset.sae)")
    assert sorted(set(marks)) == ["pca", "relu"]
    browser.click('input.group-filter[value="core"]')
    assert best(browser, "henon", "fvu") == ["topk"]


def test_no_network_request(browser, page):
    browser.evaluate("1")  # read any event still in flight
    urls = [p["request"]["url"] for m, p in browser.events if m == "Network.requestWillBeSent"]
    assert page.resolve().as_uri() in urls  # the capture works: it saw the document itself
    assert [u for u in urls if u != page.resolve().as_uri() and not u.startswith("data:")] == []
    failed = [p for m, p in browser.events if m == "Network.loadingFailed"]
    assert failed == [], json.dumps(failed)[:500]
