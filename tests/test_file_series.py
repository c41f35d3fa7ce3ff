"""`file:<path>`: a recorded series as a system. Windows and their next observations never cross
the 80/20 split; .npy and .csv (header optional) read the same; every bad file is one line
naming it, exit 2; a generated .npy goes through the matrix and the leaderboard."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import bench  # noqa: F401  (fills the registry)
from bench.cli import main
from bench.errors import BenchError
from bench.registry import RESOLVERS, get_system, register_resolver
from systems.file_series import register_file_series

WIRED = "file:" in RESOLVERS  # systems/__init__.py registers the prefix (worker processes too)
TINY = ["n_train=128", "n_test=64", "epochs=2", "d_sae=32", "k=8"]


@pytest.fixture(autouse=True)
def file_prefix():
    """The prefix's resolver in this process, as systems/__init__.py registers it."""
    if not WIRED:
        register_resolver("file:", register_file_series)


def counting(path, t: int, d: int = 1) -> str:
    """A .npy whose value at step t, component j, is 10 t + j: windows show where they came from."""
    series = 10.0 * np.arange(t)[:, None] + np.arange(d)
    np.save(path, series[:, 0] if d == 1 else series)
    return f"file:{path}"


def test_windows_and_next_observations_stay_on_their_side_of_the_split(tmp_path):
    system = get_system(counting(tmp_path / "s.npy", 1000, 2))()
    assert (system.dim, system.split, system.window) == (2, 800, 50)  # min(784 // 2, 200 // 4)
    train_part, test_part = system.split_samples(300, 200, 40, np.random.default_rng(0))
    train, train_next = train_part.windows, train_part.next
    test, test_next = test_part.windows, test_part.next
    assert train.shape == (300, 80) and train_next.shape == (300, 2)
    assert test.shape == (200, 80) and test_next.shape == (200, 2)
    for windows, nxt, low, high in ((train, train_next, 0, 800), (test, test_next, 800, 1000)):
        steps = windows.reshape(len(windows), 40, 2)[:, :, 0] / 10  # time index of each step
        assert np.all(np.diff(steps, axis=1) == 1)  # consecutive observations
        assert np.all(nxt[:, 0] / 10 == steps[:, -1] + 1)  # the next one is the target
        assert steps.min() >= low and nxt[:, 0].max() / 10 < high  # never across the split
        assert np.all(windows.reshape(len(windows), 40, 2)[:, :, 1] - windows[:, ::2] == 1)
    assert test_next[:, 0].max() / 10 > 990  # the whole held-out part is used


def test_csv_with_or_without_header_reads_like_the_npy(tmp_path):
    series = np.random.default_rng(0).standard_normal((200, 3))
    np.save(tmp_path / "s.npy", series)
    np.savetxt(tmp_path / "plain.csv", series, delimiter=",", fmt="%.17g")
    np.savetxt(
        tmp_path / "head.csv", series, delimiter=",", fmt="%.17g", header="a,b,c", comments=""
    )
    rng = np.random.default_rng
    want = get_system(f"file:{tmp_path / 's.npy'}")().split_samples(5, 5, 4, rng(1))
    for name in ("plain.csv", "head.csv"):
        system = get_system(f"file:{tmp_path / name}")()
        assert system.dim == 3
        got = system.split_samples(5, 5, 4, rng(1))
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(g.windows, w.windows) and np.array_equal(g.next, w.next)


def test_a_recorded_series_declares_no_equations(tmp_path):
    system = get_system(counting(tmp_path / "s.npy", 200))()
    assert not system.can_twin and math.isnan(system.lyapunov)
    assert (system.delay_lag, system.obs_dt) == (1, 1.0)
    assert system.params()["sha256"] and system.params()["path"] == str(tmp_path / "s.npy")


def test_a_series_too_short_for_sensible_windows_is_refused(tmp_path):
    """The rule: every window fits 4 times, disjoint, into the held-out 20 %, and the default
    window is at least 8 steps. 156 observations (held-out 32) are the least; 155 are refused;
    a chosen window the held-out part cannot hold 4 times is refused by `preflight`."""
    shortest = get_system(counting(tmp_path / "a.npy", 156))()
    assert (len(shortest._series) - shortest.split, shortest.window) == (32, 8)
    shortest.preflight(8)
    with pytest.raises(BenchError, match=r"a window of 9 steps.*at most 8 steps$"):
        shortest.preflight(9)
    with pytest.raises(BenchError, match="155 observations are too short.*at least 156 obs"):
        get_system(counting(tmp_path / "b.npy", 155))()


def bad_files(tmp_path) -> list[tuple[str, str]]:
    """(path, the problem the one line must name)."""
    np.save(tmp_path / "nan.npy", np.r_[np.ones(50), np.nan, np.ones(49)])
    np.save(tmp_path / "inf.npy", np.r_[np.ones(50), np.inf, np.ones(49)])
    np.save(tmp_path / "short.npy", np.arange(10.0))
    np.save(tmp_path / "twenty.npy", np.arange(20.0))
    np.save(tmp_path / "cube.npy", np.zeros((40, 2, 2)))
    np.save(tmp_path / "empty.npy", np.zeros(0))
    (tmp_path / "junk.npy").write_bytes(b"not an array")
    (tmp_path / "words.csv").write_text("x,y\n1,2\n3,high\n")
    (tmp_path / "series.txt").write_text("1\n2\n")
    return [
        ("missing.npy", "no such file"),
        ("junk.npy", "not a .npy file (no NUMPY header)"),
        ("nan.npy", "1 non-finite values (NaN or inf), the first at row 50"),
        ("inf.npy", "1 non-finite values (NaN or inf), the first at row 50"),
        ("short.npy", "10 observations are too short for a window of 8 steps"),
        (
            "twenty.npy",
            "(4 observations) must hold 4 disjoint windows (32 observations); give a "
            "series of at least 156 observations",
        ),
        ("cube.npy", "expected shape (T,) or (T, D), got (40, 2, 2)"),
        ("empty.npy", "holds no observations (shape (0,))"),
        ("words.csv", "line 3, column 2: 'high' is not a number"),
        ("series.txt", "expected a .npy or .csv file, got '.txt'"),
    ]


def test_each_bad_file_is_one_line_naming_it_and_exit_2(tmp_path, capsys):
    out = tmp_path / "out"
    for name, problem in bad_files(tmp_path):
        system = f"file:{tmp_path / name}"
        argv = ["run", "--profile", "quick", "--systems", system, "--saes", "topk"]
        assert main([*argv, "--out", str(out), "--jobs", "1"]) == 2, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"chaos-sae-bench: error: {system}: "), err
        assert problem in err, err
    assert not (out / "runs.jsonl").exists()


@pytest.fixture(scope="module")
def file_run(tmp_path_factory):
    """One quick file: cell run in this process (a logistic-map recording, 3000 steps)."""
    if not WIRED:
        register_resolver("file:", register_file_series)
    tmp = tmp_path_factory.mktemp("file_run")
    x = get_system("logistic")().trajectories(1, 3000, np.random.default_rng(0))[0, :, 0]
    np.save(tmp / "x.npy", x)
    system = f"file:{tmp / 'x.npy'}"
    argv = ["run", "--profile", "quick", "--systems", system, "--saes", "topk", "--set", *TINY]
    assert main([*argv, "--out", str(tmp), "--jobs", "1"]) == 0
    return tmp, system


def test_a_recorded_series_runs_through_the_matrix(file_run):
    out, system = file_run
    [record] = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert record["status"] == "ok", record["error"]
    assert record["system"] == system and record["config"]["window"] == 0
    m = record["metrics"]
    assert 0 <= m["fvu"] < 10 and math.isfinite(m["forecast_r2"])
    assert all(math.isnan(m[name]) for name in ("lyapunov_ratio", "sensitivity"))


def test_a_recorded_series_reaches_the_leaderboard(file_run, capsys):
    out, system = file_run
    assert main(["leaderboard", "--runs", str(out / "runs.jsonl"), "--out", str(out)]) == 0
    board = (out / "leaderboard.md").read_text()
    assert f"## {system}" in board
    section = board.split(f"## {system}")[1]
    assert "| lyapunov_ratio" in section and "| — |" in section  # the probe: shown as "—"


@pytest.mark.skipif(not WIRED, reason="LEAD: register the file: prefix in systems/__init__.py")
def test_worker_processes_resolve_file_systems(file_run, tmp_path):
    src, system = file_run
    argv = ["run", "--profile", "quick", "--systems", system, "--saes", "topk", "relu"]
    cmd = [sys.executable, "-m", "bench", *argv, "--set", *TINY, "--out", str(tmp_path)]
    done = subprocess.run([*cmd, "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "ok"]
    [one] = [json.loads(line) for line in (src / "runs.jsonl").read_text().splitlines()]
    [same] = [r for r in records if r["key"] == one["key"]]
    assert same["metrics"] == one["metrics"]
