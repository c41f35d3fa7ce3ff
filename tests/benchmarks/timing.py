"""What the timing scripts of this folder (kernels, generators, scaling; not part of the
library, not tests) share: `pin_threads` (one thread count for torch, BLAS and child processes)
and `timed` (the median of repeated calls).
"""

import os
import statistics
import time
from collections.abc import Callable
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
