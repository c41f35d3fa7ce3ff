"""The Ray executor on a local 2-CPU Ray instance: same metrics as local, resume, Ctrl-C;
and its clear errors (no Ray, unreachable cluster), which need no Ray instance."""

import json
import socket
import sys
from dataclasses import replace

import pytest
from rich.console import Console

from bench.config import profile
from bench.errors import BenchError
from bench.run.cell import plan
from bench.run.matrix import run_matrix
from bench.run.runner import run_cell

QUIET = Console(quiet=True)


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def cells():
    # sae-lens SAEs only: K-Sparse Chaos would build its inductor kernels in every Ray worker
    return plan(["logistic", "henon"], ["relu", "topk"], 1, config=profile("quick")[0])


def records(path):
    return {r["key"]: r for r in map(json.loads, path.read_text().splitlines())}


def test_ray_metrics_equal_local_and_resume(ray_local, cells, tmp_path):
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert run_matrix(cells, local, device="cpu", executor="local", console=QUIET)["ok"] == len(
        cells
    )
    assert run_matrix(cells, remote, device="cpu", executor="ray", console=QUIET)["ok"] == len(
        cells
    )

    by_local, by_ray = records(local), records(remote)
    assert set(by_ray) == set(by_local) == {c.key for c in cells}
    for key, record in by_ray.items():
        assert record["status"] == "ok", record["error"]
        assert record["metrics"] == by_local[key]["metrics"]  # exactly equal floats
        assert record["threads"] == 1

    from bench.run.ray_executor import lost

    failed = run_cell(replace(cells[0], system="no-such-system"), "cpu", 1)
    assert failed["status"] == "failed"  # a lost task reads like a cell that raised
    assert set(lost(cells[0], RuntimeError("worker died"), device="cpu", threads=1)) == set(failed)

    lines = remote.read_text()
    counts = run_matrix(cells, remote, device="cpu", executor="ray", console=QUIET)
    assert counts == {"ok": 0, "failed": 0, "skipped": len(cells)}
    assert remote.read_text() == lines


def test_interrupt_cancels_pending_tasks(ray_local, cells, monkeypatch):
    from bench.run.ray_executor import ray_executor

    cancelled = []
    real_cancel = ray_local.cancel
    monkeypatch.setattr(
        ray_local, "cancel", lambda ref, **kw: cancelled.append(ref) or real_cancel(ref, **kw)
    )
    run = ray_executor(None)(cells, "cpu", 1)
    first = next(run)
    assert first["status"] == "ok"
    with pytest.raises(KeyboardInterrupt):
        run.throw(KeyboardInterrupt)  # Ctrl-C while the consumer holds the first record
    assert len(cancelled) == len(cells) - 1
    assert ray_local.is_initialized()  # a cluster it joined is not shut down


def test_missing_ray_is_one_clear_line(monkeypatch):
    from bench.run.ray_executor import ray_executor

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(BenchError, match=r"pip install 'chaos-sae-bench\[ray\]'"):
        ray_executor(None)


def test_unreachable_address_is_one_clear_line():
    from bench.run.ray_executor import probe

    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BenchError, match=f"cannot connect to Ray at ray://127.0.0.1:{port}"):
        probe(f"ray://127.0.0.1:{port}")
    probe("auto")  # left to Ray
