"""Running one cell in this process, the step every executor shares.

`run_cell` trains and scores a cell (`bench.run.record.record_of` around
`bench.run.score.train_and_score`) on a given number of threads, so a record looks the same
whichever executor made it; `warm_up` pays the imports every cell needs once, before any
cell's timer starts. `Executor` is the shape every executor has (`bench.run.executors` picks
one by name). This module does not choose executors, schedule cells or store records.
"""

import importlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any

from bench.run.cell import Cell
from bench.run.record import record_of
from bench.run.score import train_and_score

# (cells, device, threads) → each cell's record as it finishes
Executor = Callable[[list[Cell], str, int], Iterator[dict[str, Any]]]

WARM_MODULES = (  # what a cell imports on first use; a missing one is skipped
    "sae_lens",
    "bench.data",
    "bench.train",
    "bench.metrics",
    "bench.metrics.dynamics",
    "bench.metrics.saebench",
    "bench.metrics.sparse_inference",
    "bench.metrics.ground_truth",
    "bench.run.calibrate",
    "sklearn.linear_model",
    "sklearn.decomposition",
    "sklearn.metrics",
)


def warm_up() -> None:
    """Import what every cell needs (sae-lens alone: ~5 s; scikit-learn, the metrics: ~1 s)
    so no cell's wall time includes it."""
    for name in WARM_MODULES:
        with suppress(ImportError):
            importlib.import_module(name)


def run_cell(
    cell: Cell, device: str, threads: int, *, save_dir: Path | None = None
) -> dict[str, Any]:
    """The record of one cell, trained and scored in this process on `threads` torch threads
    and as many BLAS threads (numpy's and scikit-learn's sums are rounded the same way whichever
    executor runs the cell); with `save_dir`, its SAE and record are kept in save_dir/<key>/."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    score = train_and_score if save_dir is None else partial(train_and_score, save_dir=save_dir)
    with threadpool_limits(limits=threads, user_api="blas"):
        record = record_of(cell, score, device=device, threads=threads)
    if save_dir is not None:
        from bench.run.save import save_record

        save_record(record, save_dir)
    return record
