"""`--jobs N`: worker processes give the in-process records key by key; a worker killed mid-cell
fails that cell only and a rerun completes it; Ctrl-C keeps finished cells and exits 130.

The runs are real CLI subprocesses on tiny cells. Nothing sleeps: the test waits on the
workers' own announcements (a FIFO named by CHAOS_BENCH_CELL_STARTS, see bench.run.pool)."""

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.config import profile
from bench.errors import BenchError
from bench.run.cell import plan
from bench.run.pool import STARTS_ENV, _data_key, _pick, resolve_jobs
from bench.run.scratch import LOCK, remove_stale, run_folder

SYSTEMS = ["logistic", "henon"]
SAES = ["topk", "relu"]
TINY = ["n_train=128", "n_test=64", "epochs=2", "window=32", "d_sae=32", "k=8"]
TIMEOUT = 300  # seconds; only a hung run gets near it


def command(out: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench",
        "run",
        "--profile",
        "quick",
        "--systems",
        *SYSTEMS,
        "--saes",
        *SAES,
        "--set",
        *TINY,
        "--out",
        str(out),
        "--threads",
        "1",
        "--jobs",
        str(jobs),
    ]


def start(out: Path, jobs: int, starts: Path) -> subprocess.Popen:
    """A run whose workers announce each cell they start in the FIFO `starts`; SIGINT is reset
    to the default (an inherited ignored SIGINT would make Ctrl-C a no-op)."""
    return subprocess.Popen(
        command(out, jobs),
        env={**os.environ, STARTS_ENV: str(starts)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


class Announcements:
    """Reads "<pid> <cell key>" lines from a FIFO, blocking until one arrives.

    Opened read-write (Linux), so opening never blocks and workers always find a reader."""

    def __init__(self, path: Path):
        os.mkfifo(path)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.buffer = b""

    def next(self) -> tuple[int, str]:
        while b"\n" not in self.buffer:
            readable, _, _ = select.select([self.fd], [], [], TIMEOUT)
            assert readable, "no worker started a cell"
            self.buffer += os.read(self.fd, 4096)
        line, self.buffer = self.buffer.split(b"\n", 1)
        pid, key = line.decode().split()
        return int(pid), key

    def close(self) -> None:
        os.close(self.fd)


def records(out: Path) -> list[dict]:
    path = out / "runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def comparable(record: dict) -> str:
    """The record without what naturally differs between runs; NaN-safe equality."""
    rest = {k: v for k, v in record.items() if k not in ("wall_s", "finished_at")}
    return json.dumps(rest, sort_keys=True)


def rerun(out: Path, jobs: int) -> None:
    done = subprocess.run(command(out, jobs), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr


def test_killed_worker_fails_one_cell_and_pool_records_equal_in_process(tmp_path):
    starts = Announcements(tmp_path / "starts")
    pool_out = tmp_path / "pool"
    proc = start(pool_out, 2, tmp_path / "starts")
    try:
        pid, victim = starts.next()
        os.kill(pid, signal.SIGKILL)  # mid-cell: it announced the cell, has not reported it
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        starts.close()
        proc.kill()
    assert proc.returncode == 0, err
    first = {r["key"]: r for r in records(pool_out)}
    assert len(first) == len(SYSTEMS) * len(SAES)
    assert first[victim]["status"] == "failed"
    assert first[victim]["error"] == "worker died: killed by SIGKILL"
    assert all(r["status"] == "ok" for key, r in first.items() if key != victim)

    rerun(pool_out, 2)  # only the failed cell runs again
    pool = {r["key"]: r for r in records(pool_out) if r["status"] == "ok"}
    rerun(tmp_path / "one", 1)
    one = {r["key"]: r for r in records(tmp_path / "one")}
    assert len(one) == len(SYSTEMS) * len(SAES) and all(r["status"] == "ok" for r in one.values())
    assert pool.keys() == one.keys()
    for key in one:  # key by key, metrics bit for bit
        assert comparable(pool[key]) == comparable(one[key])


def test_ctrl_c_keeps_finished_cells_and_a_rerun_completes(tmp_path):
    starts = Announcements(tmp_path / "starts")
    out = tmp_path / "run"
    proc = start(out, 2, tmp_path / "starts")
    try:
        for _ in range(3):  # the third start: a worker finished a cell, which is stored
            starts.next()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        starts.close()
        proc.kill()
    assert proc.returncode == 130, err
    assert "rerun the same command to resume" in err and "Traceback" not in err, err
    assert "leaked" not in err, err  # workers exit through Python's shutdown, releasing all
    assert not (out / ".shared-data").exists()  # the run removed its shared-data folder
    kept = records(out)
    assert 1 <= len(kept) < len(SYSTEMS) * len(SAES)

    rerun(out, 2)
    final = records(out)
    keys = [r["key"] for r in final]
    assert len(keys) == len(set(keys)) == len(SYSTEMS) * len(SAES)
    assert all(r["status"] == "ok" for r in final)
    assert final[: len(kept)] == kept


def test_resolve_jobs():
    cores = len(os.sched_getaffinity(0))
    assert resolve_jobs("auto", 1, "cpu") == cores
    assert resolve_jobs("auto", cores * 4, "cpu") == 1
    assert resolve_jobs("auto", 1, "cuda") == 1
    assert resolve_jobs("3", 1, "cpu") == 3
    for bad in ("0", "-2", "two"):
        with pytest.raises(BenchError, match="--jobs must be a positive integer or auto"):
            resolve_jobs(bad, 1, "cpu")


def test_bad_jobs_is_one_line_and_exit_2(tmp_path, capsys):
    argv = ["run", "--profile", "quick", "--systems", "logistic", "--saes", "topk"]
    assert main([*argv, "--out", str(tmp_path), "--jobs", "zero"]) == 2
    err = capsys.readouterr().err
    assert err == "chaos-sae-bench: error: --jobs must be a positive integer or auto, got 'zero'\n"
    assert not (tmp_path / "runs.jsonl").exists()


def test_idle_workers_get_cells_whose_data_they_hold_else_unclaimed_data():
    quick, _ = profile("quick")
    todo = plan(["logistic", "henon"], ["topk", "relu"], 2, config=quick)  # system, sae, seed order
    key = [_data_key(c) for c in todo]  # logistic s0, s1, s0, s1, then henon s0, s1, s0, s1
    assert _pick(todo, mine=[key[5]], others={key[0]}) == 5  # its own henon seed-1 data
    assert _pick(todo, mine=[], others={key[0]}) == 1  # logistic seed 0 is another's
    assert _pick(todo, mine=[], others={key[0], key[1], key[4], key[5]}) == 0  # all claimed


def test_a_run_folder_lives_under_the_output_folder_and_is_removed_after(tmp_path):
    with run_folder(tmp_path) as folder:
        assert folder.parent == tmp_path / ".shared-data" and folder.is_dir()
        assert remove_stale(tmp_path) == []  # its lock is held: a live run's folder stays
        assert folder.is_dir()
    assert not (tmp_path / ".shared-data").exists()


def test_folders_of_killed_runs_are_removed_at_the_next_start(tmp_path):
    """A killed run's lock is free (the kernel drops it with the process): its folder goes."""
    base = tmp_path / ".shared-data"
    dead, live = base / "dead", base / "live"
    for folder in (dead, live):
        folder.mkdir(parents=True)
        (folder / LOCK).touch()
        (folder / "data.pkl").write_bytes(b"x")
    held = os.open(live / LOCK, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # what a live run holds
    try:
        with run_folder(tmp_path) as mine:
            assert sorted(p.name for p in base.iterdir()) == sorted(["live", mine.name])
    finally:
        os.close(held)
    assert [p.name for p in base.iterdir()] == ["live"]
    assert remove_stale(tmp_path) == [live]  # its run has ended now
    assert not base.exists()
