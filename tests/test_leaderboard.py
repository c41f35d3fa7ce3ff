"""Leaderboard from synthetic records: aggregation, best marks, Welch tests against the chosen
reference, matched-L0 table, duplicates, all-failed runs, profiles, console widths, figures."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from scipy import stats

from bench.errors import BenchError
from bench.report.leaderboard import write
from tests.report_records import record


def quiet(tmp_path: Path, width: int = 200) -> Console:
    return Console(width=width, record=True, file=open(tmp_path / "log", "w"))  # noqa: SIM115


@pytest.fixture
def records():
    out = []
    for seed, (v_chaos, v_l1) in enumerate([(0.40, 0.10), (0.42, 0.12), (0.41, 0.09)]):
        out.append(record("ksparse_chaos", seed, variance=v_chaos, l0=32.0))
        out.append(record("l1", seed, variance=v_l1, l0=60.0))
        out.append(
            record("l1", seed, target_l0=32.0, coefficient=5.0 + seed, variance=v_l1, l0=33.0)
        )
    out.append(record("relu", 0, status="failed"))
    return out


def test_tables_tests_and_figures(records, tmp_path):
    files = write(records, tmp_path, quiet(tmp_path), reference="ksparse_chaos")
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
    # the k-controlled SAEs are named from their l0_control declaration, not from a list
    assert "hold k per row (ksparse_chaos)" in board.split("# Matched L0")[1]
    assert "| logistic | relu | 0 | BenchError: diverged |" in board

    matched = (tmp_path / "leaderboard_matched_l0.csv").read_text()
    assert "coefficient_mean" in matched and ",6," in matched  # mean of 5, 6, 7
    for name in ["heatmaps.png", "heatmaps_matched_l0.png", "fronts_logistic.png"]:
        assert (tmp_path / "figures" / name).stat().st_size > 10_000
    assert (tmp_path / "findings.md") in files and (tmp_path / "index.html") in files


def test_the_welch_reference_is_an_option(records, tmp_path):
    write(records, tmp_path, quiet(tmp_path), reference="l1")
    board = (tmp_path / "leaderboard.md").read_text()
    assert "Welch's t-test, `l1` against each SAE" in board
    assert "-0.307 (p " in board  # l1 − ksparse_chaos on variance
    write(records, tmp_path, quiet(tmp_path), reference=None)
    board = (tmp_path / "leaderboard.md").read_text()
    assert "No Welch's t-tests: no reference SAE given." in board
    with pytest.raises(BenchError, match="--reference 'nonsense' is no SAE"):
        write(records, tmp_path, quiet(tmp_path), reference="nonsense")


def test_a_sweep_in_one_file_gets_a_row_per_setting(tmp_path):
    """The same SAE at two settings in one results file: labelled rows; k-controlled SAEs at a
    k other than the main one are front points, not rows."""
    sweep = [record("topk", 0, fvu=0.8), record("topk", 1, fvu=0.8)]
    sweep += [record("topk", 0, k=16, fvu=0.9)]
    sweep += [record("l1", 0), record("l1", 0, key="l1-b", sae_params={"l1_coefficient": 2})]
    write(sweep, tmp_path, quiet(tmp_path))
    board = (tmp_path / "leaderboard.md").read_text()
    main = board.split("# Fronts")[0]
    assert "| topk | 2 | " in main and "topk k=16" not in main
    assert "| l1 l1_coefficient=2 | 1 | " in main and "| l1 l1_coefficient=None | 1 | " in main
    assert "| topk | 16 | 1 | " in board.split("# Fronts")[1]  # the k = 16 point
    assert (tmp_path / "figures" / "heatmaps.png").stat().st_size > 10_000


def test_one_seed_is_never_counted_twice(tmp_path):
    """A closed-form reference refitted in a sweep over lr (which it does not read), and a cell
    written twice: one seed each, the latest record's numbers."""
    runs = [record("topk", 0, fvu=0.5), record("topk", 0, fvu=0.4)]  # same key: latest wins
    runs += [
        record("sparse_coding", 0, key="sc-a", config={"lr": 0.001}, fvu=0.3),
        record("sparse_coding", 0, key="sc-b", config={"lr": 0.002}, fvu=0.2),
        record("sparse_coding", 1, key="sc-c", config={"lr": 0.002}, fvu=0.1),
    ]
    runs += [record("topk", 1, key="topk-other-lr", config={"lr": 0.002}, fvu=0.6)]
    write(runs, tmp_path, quiet(tmp_path))
    agg = pd.read_csv(tmp_path / "leaderboard.csv").set_index("label")
    assert agg.loc["sparse_coding", "n_seeds"] == 2
    assert agg.loc["sparse_coding", "fvu_mean"] == pytest.approx((0.2 + 0.1) / 2)
    assert agg.loc["topk lr=0.001", "n_seeds"] == 1  # topk reads lr: two settings, two rows
    assert agg.loc["topk lr=0.001", "fvu_mean"] == pytest.approx(0.4)


def test_a_run_whose_cells_all_failed_gives_tables_of_the_failures(tmp_path):
    runs = [record("topk", s, status="failed") for s in range(2)]
    runs += [record("relu", 0, system="henon", status="failed")]
    console = quiet(tmp_path)
    files = write(runs, tmp_path, console, reference="ksparse_chaos")
    board = (tmp_path / "leaderboard.md").read_text()
    assert "No cell finished" in board
    assert "| logistic | topk | 1 | BenchError: diverged |" in board
    assert "| henon | relu | 0 | BenchError: diverged |" in board
    text = console.export_text()
    assert "failed cells (3)" in text and "BenchError: diverged" in text
    assert "No cell finished." in (tmp_path / "findings.md").read_text()
    assert not any(f.suffix in (".png", ".html") for f in files)


def test_profiles_are_labelled_and_ranked_apart(tmp_path):
    """A quick-profile cell in a default-profile run: tagged, listed last, never best."""
    default = {"profile": "default"}
    runs = [record("topk", s, fvu=0.5, extra=default) for s in range(3)]
    runs += [record("relu", s, fvu=0.4, extra=default) for s in range(3)]
    quick = {"n_train": 256, "n_test": 128, "epochs": 2, "probe_orbits": 8}
    runs += [record("topk", 0, key="q", config=quick, fvu=0.1, extra={"profile": "quick"})]
    write(runs, tmp_path, quiet(tmp_path))
    board = (tmp_path / "leaderboard.md").read_text()
    assert "| topk [quick] | 1 | " in board and "epochs=2" not in board
    assert "Rows tagged [quick] ran under another profile" in board
    rows = [line for line in board.splitlines() if line.startswith("| ")]
    assert rows.index(next(r for r in rows if r.startswith("| topk [quick]"))) > rows.index(
        next(r for r in rows if r.startswith("| relu |"))
    )
    assert "**0.4 ± 0**" in board and "**0.1" not in board  # relu is best, not the quick row
    assert "| topk | 32 | 3 | " in board.split("# Fronts")[1]  # fronts: the main profile only


def test_console_keeps_metrics_whatever_the_label_and_says_what_it_drops(tmp_path):
    long = {"comment": "a" * 120}
    runs = [record("l1", 0, fvu=0.25, dead_frac=0.125, variance=3.5, sae_params=long)]
    runs += [record("l1", 0, key="l1-b", fvu=0.75, sae_params={"comment": "b"})]
    runs += [record("ksparse_chaos", 0)]
    console = Console(width=80, record=True, file=open(tmp_path / "log", "w"))  # noqa: SIM115
    write(runs, tmp_path, console)
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "fvu ↓" in text and "dead ↓" in text and "var ↑" in text and "l0" in text
    assert "0.25" in text and "0.125" in text and "3.5" in text  # values of the long row
    assert "not shown at 80 columns: " in text and "sens" in text.split("not shown")[1]
    assert "ksparse_chaos" in text and "…" not in text  # short names stay whole


def test_the_command_on_an_all_failed_run_and_a_typo_in_reference(tmp_path, capsys):
    import json

    from bench.cli import main

    runs = tmp_path / "runs.jsonl"
    runs.write_text("".join(json.dumps(record("topk", s, status="failed")) + "\n" for s in (0, 1)))
    assert main(["leaderboard", "--runs", str(runs), "--out", str(tmp_path / "out")]) == 0
    assert "failed cells (2)" in capsys.readouterr().out
    args = ["leaderboard", "--runs", str(runs), "--out", str(tmp_path), "--reference", "nope"]
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == (
        "chaos-sae-bench: error: --reference 'nope' is no SAE; rows of this run: none"
    )
