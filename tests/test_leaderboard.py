"""Leaderboard from synthetic records: aggregation, best marks, Welch tests, matched-L0 table,
and figures."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from scipy import stats

from bench.metrics import METRICS
from bench.report.leaderboard import write


def record(sae, seed, target_l0=0.0, control=None, coefficient=None, k=32, **metrics):
    values = {m: 0.5 for m in METRICS} | metrics
    return {
        "key": f"{sae}-{seed}-{target_l0}-{k}",
        "system": "logistic",
        "sae": sae,
        "seed": seed,
        "status": "ok",
        "error": None,
        "config": {"k": k, "target_l0": target_l0},
        "system_params": {},
        "sae_params": {},
        "l0_control": control,
        "calibration": {"coefficient": coefficient} if coefficient else None,
        "metrics": values,
    }


@pytest.fixture
def records():
    out = []
    for seed, (v_chaos, v_l1) in enumerate([(0.40, 0.10), (0.42, 0.12), (0.41, 0.09)]):
        out.append(record("ksparse_chaos", seed, control="k", variance=v_chaos, l0=32.0))
        out.append(record("l1", seed, variance=v_l1, l0=60.0))
        out.append(
            record(
                "l1",
                seed,
                target_l0=32.0,
                control="calibrated",
                coefficient=5.0 + seed,
                variance=v_l1,
                l0=33.0,
            )
        )
    out.append(
        {**record("relu", 0), "status": "failed", "error": "BenchError: diverged", "metrics": {}}
    )
    return out


def test_tables_tests_and_figures(records, tmp_path):
    write(records, tmp_path, Console(file=open(tmp_path / "log", "w")))  # noqa: SIM115
    agg = pd.read_csv(tmp_path / "leaderboard.csv")
    assert sorted(agg.sae) == ["ksparse_chaos", "l1"]  # the calibrated cells are not pooled in
    row = agg.set_index("sae").loc["ksparse_chaos"]
    assert row.variance_mean == pytest.approx(0.41) and row.n_seeds == 3
    assert row.variance_std == pytest.approx(np.std([0.40, 0.42, 0.41], ddof=1))

    board = (tmp_path / "leaderboard.md").read_text()
    assert "| ksparse_chaos | 3 | " in board and "**0.41 ± 0.01**" in board  # best variance
    t, p = stats.ttest_ind([0.40, 0.42, 0.41], [0.10, 0.12, 0.09], equal_var=False)
    assert f"+0.307 (p {p:.2g} *)" in board
    assert "# Matched L0" in board and "| l1 | 3 | " in board.split("# Matched L0")[1]
    assert "| logistic | relu | 0 | BenchError: diverged |" in board

    matched = (tmp_path / "leaderboard_matched_l0.csv").read_text()
    assert "coefficient_mean" in matched and ",6," in matched  # mean of 5, 6, 7
    for name in ["heatmaps.png", "fronts_logistic.png"]:
        assert (tmp_path / "figures" / name).stat().st_size > 10_000


def test_a_sweep_in_one_file_gets_a_row_per_setting(tmp_path):
    """The same SAE at two settings in one results file: labelled rows, figures apart."""
    sweep = [record("topk", 0, fvu=0.8), record("topk", 0, k=16, fvu=0.9)]
    sweep += [
        record("l1", 0),
        {**record("l1", 0), "key": "l1-b", "sae_params": {"l1_coefficient": 2}},
    ]
    write(sweep, tmp_path, Console(file=open(tmp_path / "log", "w")))  # noqa: SIM115
    board = (tmp_path / "leaderboard.md").read_text()
    assert "| topk k=16 | 1 | " in board and "| topk k=32 | 1 | " in board
    assert "| l1 l1_coefficient=2 | 1 | " in board and "| l1 l1_coefficient=None | 1 | " in board
    assert (tmp_path / "figures" / "heatmaps.png").stat().st_size > 10_000


def test_terminal_tables_keep_names_whole_at_80_columns(records):
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    write(records, Path(tempfile.mkdtemp()), console)
    text = console.export_text()
    assert "ksparse_chaos" in text and "…" not in text
    assert "logistic" in text
