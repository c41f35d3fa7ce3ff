"""Findings on hand-made aggregated tables: one test per statement kind, each sentence and
number worked out by hand."""

import numpy as np
import pandas as pd

from bench.report.findings import (
    against_floor,
    extremes,
    findings_markdown,
    front_gaps,
    num,
    pca_matched,
    subject_standing,
)


def table(*rows: tuple, system: str = "lorenz96", metric: str = "fvu") -> pd.DataFrame:
    """Rows (label, group, value) of one metric; the label is the SAE's name."""
    return pd.DataFrame(
        [
            {
                "system": system,
                "label": label,
                "sae": label,
                "group": group,
                "ranked": group != "reference",
                f"{metric}_mean": value,
            }
            for label, group, value in rows
        ]
    )


def test_pca_at_matched_l0_splits_the_saes():
    matched = table(("topk", "core", 0.4), ("l1", "core", 0.6), ("pca", "reference", 0.5))
    (found,) = pca_matched(matched, "lorenz96")
    assert found.text == (
        "At matched L0, 1 of the 2 core SAEs reach a lower FVU than PCA (0.5): topk (0.4); "
        "not below it: l1 (0.6)."
    )
    assert pca_matched(table(("topk", "core", 0.4)), "lorenz96") == []  # no PCA row: nothing


def test_best_and_worst_name_the_set_they_range_over():
    agg = table(("topk", "core", 0.4), ("relu", "core", 0.2), ("mp", "extended", 0.3))
    agg = pd.concat([agg, table(("pca", "reference", 0.1))])  # a reference never counts
    every, core = extremes(agg, "lorenz96", "fvu")
    assert every.text == "`fvu` of the 3 trained SAEs: best relu (0.2); worst topk (0.4)."
    assert core.text == "`fvu` of the 2 core SAEs: best relu (0.2); worst topk (0.4)."
    ratio = table(
        ("a", "core", 1.1), ("b", "core", 0.95), ("c", "core", 1.2), metric="lyapunov_ratio"
    )
    (found,) = extremes(ratio, "lorenz96", "lyapunov_ratio")
    assert found.text == "`lyapunov_ratio` of the 3 core SAEs: best b (0.95); worst c (1.2)."
    dead = table(("a", "core", 0.0), ("b", "core", 0.0), metric="dead_frac")
    assert extremes(dead, "lorenz96", "dead_frac")[0].text == (
        "`dead_frac` of the 2 core SAEs: all tie at 0."
    )


def test_superlatives_about_the_subject_hold_only_for_their_set():
    """The audit's case: lowest latent variance of the core SAEs, but not of all of them."""
    agg = table(
        ("relu", "core", 2.0),
        ("ksparse_chaos", "core", 0.25),
        ("kl_sparse", "classic", 0.11),
        metric="variance",
    )
    every, core = subject_standing(agg, "lorenz96", "variance", "ksparse_chaos")
    assert every.text == "`ksparse_chaos` ranks 2 of the 3 trained SAEs on `variance` (0.25)."
    assert core.text == (
        "`ksparse_chaos` has the lowest (worst) `variance` of the 2 core SAEs: 0.25 (next: relu 2)."
    )
    dead = table(("ksparse_chaos", "core", 0.0), ("a", "core", 0.0), ("b", "core", 0.1),
                 metric="dead_frac")  # fmt: skip
    (found,) = subject_standing(dead, "lorenz96", "dead_frac", "ksparse_chaos")
    assert found.text == (
        "`ksparse_chaos` has the lowest (best) `dead_frac` of the 3 core SAEs, shared with 1 "
        "other: 0 (next: b 0.1)."
    )
    assert subject_standing(dead, "lorenz96", "dead_frac", "absent") == []


def test_the_noise_floor_statement():
    agg = table(
        ("topk", "core", 0.1),
        ("relu", "core", 0.5),
        ("mp", "core", 0.04),
        ("data", "reference", 0.05),
        metric="state_space_divergence",
    )
    (found,) = against_floor(agg, "lorenz96")
    assert found.text == (
        "`state_space_divergence`: the data row (a second independent sample: the noise floor) "
        "scores 0.05; 2 of the 3 core SAEs score worse. Closest: mp (0.04, 0.8× the floor). "
        "At or past the floor: mp (0.04)."
    )
    assert against_floor(agg[agg.label != "data"], "lorenz96") == []


def test_front_gaps_statement():
    gaps = pd.DataFrame(
        {
            "system": ["lorenz96"] * 4,
            "label": ["topk", "l1", "sparse_coding", "relu"],
            "group": ["core", "core", "reference", "core"],
            "mean_gap": [-0.05, 0.0, -0.1, np.nan],
        }
    )
    (found,) = front_gaps(gaps, "lorenz96")
    assert found.text == (
        "Mean FVU gap to the PCA front (over the levels both ran): 2 of 3 SAEs lie below it: "
        "sparse_coding (ref) (-0.1), topk (-0.05); the rest: l1 (+0)."
    )


def test_numbers_are_rounded_once_from_the_unrounded_means():
    assert num(0.58494) == "0.5849" and num(0.25469) == "0.2547"  # not 0.59, not 0.26
    agg = table(("relu", "core", 0.58494), ("topk", "core", 0.25469), metric="variance")
    every = extremes(agg, "lorenz96", "variance")[0]
    assert "relu (0.5849)" in every.text and every.values["relu"] == 0.58494


def test_findings_markdown_groups_statements_per_system():
    agg = table(("ksparse_chaos", "core", 0.9), ("topk", "core", 0.3))
    text = findings_markdown(agg, agg[:0], pd.DataFrame(), subject="ksparse_chaos")
    assert "## lorenz96" in text and "### Best and worst" in text
    assert "- `ksparse_chaos` has the highest (worst) `fvu` of the 2 core SAEs: 0.9" in text
    empty = findings_markdown(agg[:0], agg[:0], pd.DataFrame(), subject=None)
    assert "No cell finished." in empty
