"""Executors: run a list of cells and yield each cell's record as it finishes.

`local_executor` runs them one after another in this process. Every executor builds its
records with `bench.run.record` (`record_of` around `bench.run.score.train_and_score`), so a
record looks the same whichever executor made it. `executor_named` picks one by name.
"""

from collections.abc import Callable, Iterator
from typing import Any

from bench.errors import BenchError
from bench.run.cell import Cell
from bench.run.record import record_of
from bench.run.score import train_and_score

Executor = Callable[[list[Cell], str, int], Iterator[dict[str, Any]]]


def run_cell(cell: Cell, device: str, threads: int) -> dict[str, Any]:
    """The record of one cell, trained and scored in this process on `threads` torch threads."""
    import torch

    torch.set_num_threads(threads)
    return record_of(cell, device, threads, train_and_score)


def local_executor(cells: list[Cell], device: str, threads: int) -> Iterator[dict[str, Any]]:
    """Run cells one after another in this process, yielding each record as it finishes."""
    if cells:
        import sae_lens  # noqa: F401  (seconds, paid once here, not inside the first cell's time)
    for cell in cells:
        yield run_cell(cell, device, threads)


def executor_named(name: str, ray_address: str | None) -> Executor:
    if name == "local":
        return local_executor
    if name == "ray":
        from bench.run.ray_executor import ray_executor

        return ray_executor(ray_address)
    raise BenchError(f"unknown executor {name!r}; valid: local, ray")
