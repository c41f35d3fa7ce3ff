"""Executors: run a list of cells and yield each cell's record as it finishes.

`local_executor` runs them one after another in this process; with `--jobs N` > 1 the local
executor is `bench.run.pool`'s, N worker processes; `ray` is `bench.run.ray_executor`'s. Every
executor builds its records with `bench.run.runner.run_cell`, so a record looks the same
whichever executor made it. With a save directory (`--save-saes`) each finished cell's SAE and
record are kept there (`bench.run.save`). `executor_named` picks one by name.
"""

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.run.cell import Cell
from bench.run.runner import Executor, run_cell, warm_up
from bench.run.scratch import remove_stale


def local_executor(
    cells: list[Cell], device: str, threads: int, *, save_dir: Path | None = None
) -> Iterator[dict[str, Any]]:
    """Run cells one after another in this process, yielding each record as it finishes."""
    if cells:
        warm_up()  # seconds of imports, paid once here, not inside the first cell's time
    for cell in cells:
        yield run_cell(cell, device, threads, save_dir=save_dir)


def executor_named(
    name: str,
    *,
    ray_address: str | None = None,
    jobs: int = 1,
    save_dir: Path | None = None,
    scratch_dir: Path | None = None,
) -> Executor:
    """`local` (in this process, or in `jobs` worker processes sharing data through a folder
    under `scratch_dir`) or `ray`."""
    if name == "local":
        remove_stale(scratch_dir)  # shared-data folders of --jobs runs killed before cleaning up
        if jobs > 1:
            from bench.run.pool import pool_executor

            return pool_executor(jobs, save_dir=save_dir, scratch_dir=scratch_dir)
        return partial(local_executor, save_dir=save_dir)
    if save_dir is not None:
        raise BenchError("--save-saes works with the local executor only")
    if name == "ray":
        from bench.run.ray_executor import ray_executor

        return ray_executor(ray_address)
    raise BenchError(f"unknown executor {name!r}; valid: local, ray")
