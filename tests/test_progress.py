"""What a person reads while the matrix runs, at 80 columns: every line fits, the metric
columns stay aligned whatever the names, sweep cells show their setting, calibrated cells
their coefficient and trials, and the banner names only the workers a run uses."""

import io

from rich.console import Console
from rich.text import Text

from bench.cli import main
from bench.config import TrainConfig
from bench.run.cell import Cell, plan
from bench.run.progress import Rows, banner, shorten

LONG = "file:/home/someone/data/recordings/2024/very_long_series_name.csv"
METRICS = {"l0": 31.96, "dead_frac": 0.25, "fvu": 0.123456, "variance": 1234.5}


def record(cell: Cell, **extra) -> dict:
    base = {"key": cell.key, "system": cell.system, "sae": cell.sae, "seed": cell.seed}
    return base | {"status": "ok", "metrics": METRICS, "wall_s": 1234.56} | extra


def rendered(lines: list[str], width: int = 80) -> list[str]:
    """The lines as a terminal of `width` columns shows them (markup resolved)."""
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)
    return out.getvalue().splitlines()


def test_every_line_fits_80_columns_and_the_metrics_stay_aligned():
    cells = plan(
        ["logistic", "mixed_sources"], ["ksparse_chaos", "sparse_coding"], 1, config=TrainConfig()
    )
    long_cell = Cell(LONG, "ksparse_chaos", 12, TrainConfig())
    rows = Rows.of([*cells, long_cell], 80)
    error = "BenchError: " + "a long failure message that goes on " * 5
    lines = [
        rows.header(),
        *rows.lines(record(cells[0])),
        *rows.lines(record(long_cell)),
        *rows.lines(record(cells[1], status="failed", metrics={}, error=error, wall_s=None)),
    ]
    shown = rendered(lines)
    assert all(len(line) <= 80 for line in shown), shown
    first, long_row = shown[1], shown[2]
    assert first.startswith("✓ logistic ") and long_row.startswith("✓ file:/")
    assert "…" in long_row and "_name.csv ksparse_chaos" in long_row  # the file name stays
    assert first.split()[4:] == ["32.0", "0.25", "0.123", "1.23e+03", "1234.6s"]
    assert first.index("32.0") == long_row.index("32.0")  # aligned columns
    assert first.index("1234.6s") == long_row.index("1234.6s")
    assert shown[3].startswith("✗ logistic ") and shown[3].endswith("failed")
    assert all(line.startswith("    ") for line in shown[4:]) and len(shown) > 5  # wrapped


def test_sweep_cells_show_their_setting_and_calibrated_cells_their_search():
    cells = plan(["logistic"], ["topk", "relu"], 1, config=TrainConfig(), assignments=["k=8,16"])
    rows = Rows.of(cells, 80)
    by_sae = {(c.sae, c.config.k): c for c in cells}
    assert rendered(rows.lines(record(by_sae["topk", 16])))[1] == "    k=16"
    assert len(rows.lines(record(by_sae["relu", 8]))) == 1  # relu reads no k: one cell, no note
    calibration = {"field": "l1_coefficient", "coefficient": 0.01234, "trials": [{}] * 5}
    [l1] = plan(["logistic"], ["l1"], 1, config=TrainConfig(), matched_l0=True)
    shown = rendered(Rows.of([l1], 80).lines(record(l1, calibration=calibration)))
    assert shown[1] == "    l1_coefficient 0.0123 after 5 trials"


def test_names_are_cut_in_the_middle():
    assert shorten("abcdefghij", 10) == "abcdefghij"
    assert shorten("abcdefghijkl", 6) == "ab…jkl"


def test_the_banner_names_the_workers_only_when_there_are_several():
    assert banner("3 cells", device="cpu", executor="local", workers=1, threads=1)[1] == (
        "on cpu: local executor, 1 thread per cell"
    )
    assert banner("3 cells", device="cpu", executor="local", workers=2, threads=2)[1] == (
        "on cpu: local executor, 2 worker processes, 2 threads per cell"
    )


def test_a_one_cell_run_at_80_columns(tmp_path, monkeypatch, capsys):
    """A real tiny run with --jobs 2: one cell is one process, every line fits, and no blank
    line comes before `done:`."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    tiny = ["n_train=64", "n_test=32", "epochs=1", "window=16", "d_sae=16", "k=4"]
    argv = ["run", "--profile", "quick", "--systems", "logistic", "--saes", "topk"]
    assert main([*argv, "--set", *tiny, "--out", "out", "--jobs", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "on cpu: local executor, 1 thread per cell", out
    assert all(len(Text.from_ansi(line).plain) <= 80 for line in out), out
    assert out[-1].startswith("done: 1 ok") and out[-2].startswith("✓ logistic")
