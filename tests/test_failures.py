"""Failure handling: a diverging cell is recorded and the matrix goes on; the same seed gives
the same metrics; concurrent writers never interleave lines."""

import json
import multiprocessing

from rich.console import Console

from bench.config import profile
from bench.report.leaderboard import write
from bench.run.cell import plan
from bench.run.matrix import run_matrix
from bench.run.runner import run_cell
from bench.store import RunStore

QUICK, _ = profile("quick")


def test_diverging_cell_fails_while_the_others_finish(tmp_path):
    cells = plan(
        ["logistic"], ["relu"], 1, config=QUICK, assignments=["lr=1e30"]
    )  # Adam steps of 1e30: NaN
    cells += plan(["logistic"], ["relu", "topk"], 1, config=QUICK)
    console = Console(file=open(tmp_path / "log.txt", "w"))  # noqa: SIM115
    counts = run_matrix(cells, tmp_path / "runs.jsonl", device="cpu", threads=2, console=console)
    assert counts == {"ok": 2, "failed": 1, "skipped": 0}
    records = RunStore(tmp_path / "runs.jsonl").load()
    failed = [r for r in records if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["config"]["lr"] == 1e30
    assert "training diverged" in failed[0]["error"]
    write(records, tmp_path, console)
    board = (tmp_path / "leaderboard.md").read_text()
    assert "# Failed cells" in board and "training diverged" in board


def test_same_cell_same_seed_same_metrics():
    cell = plan(["henon"], ["ksparse_chaos"], 1, config=QUICK)[0]
    first, second = run_cell(cell, "cpu", 2), run_cell(cell, "cpu", 2)
    assert first["status"] == "ok"
    assert first["metrics"] == second["metrics"]  # bit for bit


def _append_many(path: str, writer: int) -> None:
    store = RunStore(path)
    for i in range(200):
        store.append({"key": f"{writer}-{i}", "status": "ok", "pad": "x" * 5000})


def test_concurrent_writers_do_not_interleave(tmp_path):
    path = str(tmp_path / "runs.jsonl")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(path, w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    rows = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    expected = sorted(f"{w}-{i}" for w in range(3) for i in range(200))
    assert sorted(r["key"] for r in rows) == expected


def test_a_held_out_fvu_above_ten_is_a_diverged_cell(monkeypatch):
    """A training that 'finishes' with finite weights but reconstructs 10× worse than the mean
    window (as `--set lr=100` did) is failed, never ranked."""
    import bench.metrics.inference
    from bench.config import profile
    from bench.run.record import record_of
    from bench.run.score import train_and_score

    real = bench.metrics.inference.encode_decode

    def blown_up(sae, x):
        z, x_hat, w_dec = real(sae, x)
        return z, 5.0 * x + 1.0, w_dec  # FVU ≥ 16 against any data

    monkeypatch.setattr(bench.metrics.inference, "encode_decode", blown_up)
    cfg = profile("quick")[0]
    [cell] = plan(["logistic"], ["topk"], 1, config=cfg)
    record = record_of(cell, train_and_score, device="cpu", threads=1)
    assert record["status"] == "failed" and record["metrics"] == {}
    assert record["error"].startswith("BenchError: training diverged: FVU ")
