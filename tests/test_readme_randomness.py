"""The README's randomness findings, re-derived from the committed randomness run.

`results/randomness.csv` (NIST SP 800-22, one row per stream) and `results/dieharder.csv`
(one row per dieharder result line) are the committed `chaos-sae-bench randomness --battery
dieharder` run. Each passage below is rendered from them and must appear in the README word for
word, so a sentence that stops being true of the committed files fails `make test`.
"""

from functools import cache

import pandas as pd
import pytest
import readme_claims as c

RESULTS = c.ROOT / "results"
COUNT = {0: "none", 1: "one", 2: "two", 3: "three", 4: "all four"}
NAMES = {"ksparse_chaos": "K-Sparse Chaos", "topk": "TopK", "relu": "ReLU", "pca": "PCA"}


@cache
def nist() -> pd.DataFrame:
    return pd.read_csv(RESULTS / "randomness.csv", keep_default_na=False)


@cache
def dieharder_lines() -> pd.DataFrame:
    """`dieharder.csv` as committed: one row per dieharder result line."""
    return pd.read_csv(RESULTS / "dieharder.csv", keep_default_na=False)


@cache
def dieharder() -> pd.DataFrame:
    """One row per (stream, test): its worst assessment over its result lines ("—": none)."""
    lines = dieharder_lines().copy()
    rank = {"PASSED": 0, "WEAK": 1, "FAILED": 2}
    lines["worst"] = lines.assessment.map(rank).fillna(-1)
    keys = ["source", "system", "sae", "extraction", "test"]
    worst = lines.groupby(keys, sort=False).worst.max().reset_index()
    worst["assessment"] = worst.worst.map({v: k for k, v in rank.items()}).fillna("—")
    return worst


def streams(source: str, extraction: str = "") -> pd.DataFrame:
    """Per stream of `source` (and `extraction`): how many dieharder tests failed and how many
    were WEAK, and whether every applicable NIST test passed."""
    d = dieharder()
    d = d[(d.source == source) & ((d.extraction == extraction) | (extraction == ""))]
    out = d.groupby(["system", "sae", "extraction"], sort=False).assessment.agg(
        failed=lambda a: int((a == "FAILED").sum()),
        weak=lambda a: int((a == "WEAK").sum()),
        no_result=lambda a: int((a == "—").sum()),
        tests="size",
    )
    n = nist().set_index(["source", "system", "sae", "extraction"]).loc[source]
    out["nist_all"] = [n.loc[i].passed == n.loc[i].applicable for i in out.index]
    return out.reset_index()


def sae_streams(extraction: str) -> pd.DataFrame:
    return streams("sae", extraction)


def controls_text() -> str:
    pcg, const = streams("pcg64"), streams("constant")
    passed = COUNT[int((pcg.tests - pcg.failed).iloc[0])]
    failed = COUNT[int(const.failed.iloc[0])]
    return f"PCG64 passes {passed} dieharder tests and the constant stream fails {failed}"


def count_text(extraction: str) -> str:
    s = sae_streams(extraction)
    failing, all_four = int((s.failed > 0).sum()), int((s.failed == s.tests).sum())
    weak, missing = int(s.weak.sum()), s[s.no_result > 0]
    gaps = ""
    if len(missing):  # tests that gave no result (timed out), named with their streams
        where = c.listing(
            [
                f"{NAMES[a]} on {c.NAMES[x]}"
                for a, x in zip(missing.sae, missing.system, strict=True)
            ]
        )
        gaps = f"; {int(missing.no_result.sum())} gave no result, on {where}"
    return (
        f"through `{extraction}`, {failing} of the {len(s)} streams fail at least one dieharder "
        f"test ({all_four} fail all four; {weak} WEAK {'result' if weak == 1 else 'results'} "
        f"in all{gaps}), and "
        f"{int(s.nist_all.sum())} pass every NIST test that applies"
    )


def always_failing_text(extraction: str = "threshold") -> str:
    """The SAEs whose `extraction` bits fail every dieharder test on every system."""
    s = sae_streams(extraction)
    every = s.groupby("sae", sort=False).apply(lambda g: bool((g.failed == g.tests).all()))
    names = [NAMES[a] for a in every.index[every]]
    return f"{c.listing(names) if names else 'no SAE'} fail all four on every system"


def raw_text() -> str:
    raw = streams("raw", "lsb")
    clean = [c.NAMES[s] for s in raw[raw.failed == 0].system]
    where = c.listing(clean) if clean else "no system"
    return f"the raw orbit's `lsb` bits fail no dieharder test on {where}"


def systems_text() -> str:
    """The SAEs and systems the committed run covers."""
    s = sae_streams("lsb")
    saes = c.listing([NAMES.get(a, a) for a in dict.fromkeys(s.sae)])
    systems = c.listing([c.NAMES[x] for x in dict.fromkeys(s.system)])
    return f"for {saes} on {systems}"


def bits_text() -> str:
    """The bits the four tests read from a PCG64 stream, in hundreds of millions."""
    lines = dieharder_lines()
    per_test = lines[lines.source == "pcg64"].groupby("test", sort=False).test_bytes_read.first()
    return f"≈ {per_test.sum() * 8 / 1e8:.1f} × 10⁸ bits per stream"


PASSAGES = {
    "systems": systems_text,
    "controls": controls_text,
    "lsb": lambda: count_text("lsb"),
    "threshold": lambda: count_text("threshold"),
    "always failing": always_failing_text,
    "raw": raw_text,
    "bits": bits_text,
}


@pytest.mark.parametrize("name", PASSAGES)
def test_the_readme_says_what_the_randomness_files_say(name):
    text = PASSAGES[name]()
    assert c.says(text), f"the README should say, from the committed files: {text!r}"


def test_every_sae_stream_ran_every_test():
    for extraction in ("threshold", "lsb"):
        s = sae_streams(extraction)
        assert len(s) == s.system.nunique() * len(NAMES) and set(s.tests) == {4}, s
