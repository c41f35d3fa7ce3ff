"""What the timing scripts of this folder (kernels, generators, scaling; not part of the
library, not tests) share: `pin_threads` (one thread count for torch, BLAS and child processes),
`timed` (the median of repeated calls), `clock` (one timed call), `load_average` and
`thread_counts` (what a report states beside its absolute times), and `Work` (a measured run
of SAE training steps, as FLOP/s). Nothing here measures on import.
"""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def pin_threads() -> int:
    """Run torch, BLAS and child processes on CHAOS_BENCH_THREADS threads (default 1); returns
    that count. Call it before torch is imported: the variables reach torch and subprocesses.
    numpy may be loaded by then (the scripts import it first), too late for its variables, so
    its BLAS is limited through threadpoolctl."""
    from threadpoolctl import threadpool_limits

    threads = os.environ.setdefault("CHAOS_BENCH_THREADS", "1")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    threadpool_limits(limits=int(threads), user_api="blas")  # stays until the process ends
    return int(threads)


def timed(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    """Median wall time of `repeats` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def clock(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one call, and its result."""
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages now, e.g. "1.03 1.13 1.09"."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def thread_counts() -> str:
    """The thread counts in force now, as measured (not as requested): torch's intra-op
    threads and each thread pool threadpoolctl sees (numpy's BLAS, OpenMP)."""
    import torch
    from threadpoolctl import threadpool_info

    pools = sorted({f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info()})
    return f"torch {torch.get_num_threads()}, " + ", ".join(pools)


@dataclass(frozen=True)
class Work:
    """A measured run of SAE training steps: `steps` optimiser steps (summed over the models
    trained) of `batch` rows, d_in → d_sae, in `seconds`."""

    label: str
    seconds: float
    steps: int
    batch: int
    d_in: int
    d_sae: int

    @property
    def flops(self) -> float:
        return self.steps * step_flops(self.batch, self.d_in, self.d_sae)


def step_flops(batch: int, d_in: int, d_sae: int) -> float:
    """FLOPs of one SAE training step's matmuls alone: 2 forward (encoder, decoder) and 3
    backward (the gradients of W_dec, of the latents and of W_enc; none for the input), each
    2 · batch · d_in · d_sae at 2 FLOPs per multiply-add: 10 · batch · d_in · d_sae."""
    return 10.0 * batch * d_in * d_sae
