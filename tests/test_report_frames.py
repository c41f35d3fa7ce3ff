"""The report's frames on hand-made records: the noise-floor row, converged/overfit shares and
their marks, and the fronts (partition, gap to PCA), each value computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from bench.report.frames import aggregate, floor_rows, frame, label_rows, main_profile
from bench.report.fronts import front_points, gap_summary, partition
from bench.report.markdown import FLOOR_NOTE, markdown
from tests.report_records import record


def tables(records):
    ok, failed = frame(records)
    main = main_profile(ok)
    parts = partition(ok, main)
    plain = label_rows(parts.main, main)
    agg = aggregate(plain)
    floor = floor_rows(ok)
    if len(floor):
        agg = pd.concat([agg, aggregate(label_rows(floor, main))], ignore_index=True)
    return ok, parts, plain, agg


def test_noise_floor_row_is_one_value_per_seed_and_never_best():
    """Two SAEs × two seeds, each cell carrying its seed's floor: the data row is the mean and
    std over the two seeds (not over four cells), "—" elsewhere, ranked apart."""
    runs = []
    for seed, floor in ((0, 0.1), (1, 0.3)):
        extra = {"noise_floor": {"state_space_divergence": floor, "spectrum_distance": 0.01}}
        runs += [record("topk", seed, extra=extra), record("relu", seed, extra=extra)]
    _, _, plain, agg = tables(runs)
    data = agg.set_index("label").loc["data"]
    assert data.n_seeds == 2 and data.group == "reference" and not data.ranked
    assert data.state_space_divergence_mean == pytest.approx(0.2)
    assert data.state_space_divergence_std == pytest.approx(math.sqrt(0.02))  # ddof 1
    assert np.isnan(data.fvu_mean)
    text = markdown(
        agg, plain, matched=agg[:0], matched_cells=plain[:0], tests=pd.DataFrame(),
        failed=plain[:0], points=pd.DataFrame(), gaps=pd.DataFrame(), main_profile="unrecorded",
        reference=None,
    )  # fmt: skip
    row = next(line for line in text.splitlines() if line.startswith("| data (ref) | 2 | "))
    assert "**" not in row and "0.2 ± 0.14" in row  # the lowest D_stsp, never marked best
    core = text.split("### Sparsity")[1].split("###")[0]
    assert "data" not in core  # not a row of tables it has no metric in
    dynamics = text.split("### Dynamics")[1]
    assert FLOOR_NOTE in dynamics.split("##")[0]


def test_converged_and_overfit_shares_mark_rows():
    flags = [(True, False), (True, False), (False, True)]
    runs = [
        record("topk", seed, extra={"converged": c, "overfit": o})
        for seed, (c, o) in enumerate(flags)
    ]
    runs += [record("relu", seed, extra={"converged": True, "overfit": False}) for seed in (0, 1)]
    runs += [record("pca", 0, extra={"converged": None, "overfit": None})]
    _, _, plain, agg = tables(runs)
    shares = agg.set_index("label")[["converged_share", "overfit_share"]]
    assert shares.loc["topk"].tolist() == ["2/3", "1/3"]
    assert shares.loc["relu"].tolist() == ["2/2", "0/2"]
    assert shares.loc["pca"].isna().all()  # closed form: no flag
    text = markdown(
        agg, plain, matched=agg[:0], matched_cells=plain[:0], tests=pd.DataFrame(),
        failed=plain[:0], points=pd.DataFrame(), gaps=pd.DataFrame(), main_profile="unrecorded",
        reference=None,
    )  # fmt: skip
    assert "| topk †‡ | 3 | " in text and "| relu | 2 | " in text and "| pca (ref) | 1 |" in text
    assert "† did not converge in every seed" in text and "topk (2/3)." in text
    assert "‡ overfit in some seed" in text and "topk (1/3)." in text


def front_records():
    """PCA at k = 8..64 (FVU 0.8, 0.6, 0.4, 0.2); topk at the same k (0.7, 0.55, 0.45 over three
    seeds at 32, 0.1); l1 calibrated to 16 and 32 (0.5 each) and run plain once; relu once."""
    runs = [
        record("pca", 0, k=k, fvu=f)
        for k, f in zip((8, 16, 32, 64), (0.8, 0.6, 0.4, 0.2), strict=True)
    ]
    runs += [record("topk", 0, k=8, fvu=0.7), record("topk", 0, k=16, fvu=0.55)]
    runs += [record("topk", s, k=32, fvu=f) for s, f in enumerate((0.44, 0.45, 0.46))]
    runs += [record("topk", 0, k=64, fvu=0.1)]
    runs += [record("l1", 0, target_l0=t, coefficient=1.0, fvu=0.5) for t in (16.0, 32.0)]
    runs += [record("l1", 0, fvu=0.9), record("relu", 0, fvu=0.3, l0=100.0)]
    return runs


def test_fronts_split_cells_and_measure_the_gap_to_pca():
    ok, parts, plain, agg = tables(front_records())
    assert parts.main_k == 32
    assert sorted(agg.label) == ["l1", "pca", "relu", "topk"]  # one row each: k = 32 only
    assert agg.set_index("label").loc["l1", "fvu_mean"] == pytest.approx(0.9)  # plain l1
    matched = label_rows(parts.matched, "unrecorded")
    assert sorted(zip(matched.sae, matched.level, strict=True)) == [
        ("l1", 32.0), ("pca", 32), ("topk", 32), ("topk", 32), ("topk", 32)
    ]  # fmt: skip

    points = front_points(parts.front)
    topk = points[points.sae == "topk"].set_index("level")
    assert topk.loc[32, "n_seeds"] == 3 and topk.loc[32, "fvu"] == pytest.approx(0.45)
    relu = points[points.sae == "relu"]
    assert len(relu) == 1 and np.isnan(relu.level.iloc[0])  # one point, no level
    assert set(points[points.sae == "l1"].level) == {16.0, 32.0}  # not the plain l1 cell

    gaps = gap_summary(points).set_index("label")
    # topk: (0.7−0.8 + 0.55−0.6 + 0.45−0.4 + 0.1−0.2) / 4 = −0.05
    assert gaps.loc["topk", "mean_gap"] == pytest.approx(-0.05)
    assert gaps.loc["topk", "levels"] == "8, 16, 32, 64" and gaps.loc["topk", "n_levels"] == 4
    # l1: (0.5−0.6 + 0.5−0.4) / 2 = 0 over levels 16 and 32
    assert gaps.loc["l1", "mean_gap"] == pytest.approx(0.0, abs=1e-12)
    assert gaps.loc["l1", "levels"] == "16, 32"
    assert np.isnan(gaps.loc["relu", "mean_gap"]) and "pca" not in gaps.index


def test_fronts_markdown_gives_gap_and_fvu_per_level():
    ok, parts, plain, agg = tables(front_records())
    points = front_points(parts.front)
    text = markdown(
        agg, plain, matched=agg[:0], matched_cells=plain[:0], tests=pd.DataFrame(),
        failed=plain[:0], points=points, gaps=gap_summary(points), main_profile="unrecorded",
        reference=None,
    )  # fmt: skip
    fronts = text.split("# Fronts")[1]
    assert "| sae | gap to PCA | levels | FVU @8 | FVU @16 | FVU @32 | FVU @64 |" in fronts
    assert "| topk | -0.05 | 8, 16, 32, 64 | 0.7 | 0.55 | 0.45 | 0.1 |" in fronts
    assert "| l1 | +0 | 16, 32 | — | 0.5 | 0.5 | — |" in fronts
    assert "| relu | — | — | — | — | — | — |" in fronts
    assert "| relu | — | 1 | " in fronts  # its one point in the metrics-along-the-front table
