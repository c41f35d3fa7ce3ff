"""Executors: run a list of cells and yield each cell's record as it finishes.

`local_executor` runs them one after another in this process; with `--jobs N` > 1 the local
executor is `bench.run.pool`'s, N worker processes. Every executor builds its records with
`run_cell` (`bench.run.record.record_of` around `bench.run.score.train_and_score`), so a record
looks the same whichever executor made it. With a save directory (`--save-saes`) each finished
cell's SAE and record are kept there (`bench.run.save`). `executor_named` picks one by name.
"""

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.run.cell import Cell
from bench.run.record import record_of
from bench.run.score import train_and_score

Executor = Callable[[list[Cell], str, int], Iterator[dict[str, Any]]]


def run_cell(cell: Cell, device: str, threads: int, save_dir: Path | None = None) -> dict[str, Any]:
    """The record of one cell, trained and scored in this process on `threads` torch threads
    and as many BLAS threads (numpy's and scikit-learn's sums are rounded the same way whichever
    executor runs the cell); with `save_dir`, its SAE and record are kept in save_dir/<key>/."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    score = train_and_score if save_dir is None else partial(train_and_score, save_dir=save_dir)
    with threadpool_limits(limits=threads, user_api="blas"):
        record = record_of(cell, device, threads, score)
    if save_dir is not None:
        from bench.run.save import save_record

        save_record(record, save_dir)
    return record


def local_executor(
    cells: list[Cell], device: str, threads: int, save_dir: Path | None = None
) -> Iterator[dict[str, Any]]:
    """Run cells one after another in this process, yielding each record as it finishes."""
    if cells:
        from bench.run.pool import warm_up

        warm_up()  # seconds of imports, paid once here, not inside the first cell's time
    for cell in cells:
        yield run_cell(cell, device, threads, save_dir)


def executor_named(
    name: str, ray_address: str | None, jobs: int = 1, save_dir: Path | None = None
) -> Executor:
    """`local` (in this process, or in `jobs` worker processes) or `ray`."""
    if name == "local":
        if jobs > 1:
            from bench.run.pool import pool_executor

            return pool_executor(jobs, save_dir)
        return partial(local_executor, save_dir=save_dir)
    if save_dir is not None:
        raise BenchError("--save-saes works with the local executor only")
    if name == "ray":
        from bench.run.ray_executor import ray_executor

        return ray_executor(ray_address)
    raise BenchError(f"unknown executor {name!r}; valid: local, ray")
