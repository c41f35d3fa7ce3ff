"""Fresh windows of a system, chunk after chunk, for as long as a bit stream needs them.

A window drawn on its own pays the system's transient (e.g. 400 observation steps for a
20-step Lorenz-96 window: 95 % of the work). Here a chunk's `chunk` trajectories are settled
once and kept: each chunk advances every one of them by one window, so row j of successive
chunks holds trajectory j's consecutive non-overlapping windows. After `lifetime` windows
(enough that the transient is at most 1/(1 + RUN_FACTOR) of the steps integrated) all of them
restart from new random starts, so no trajectory lives long enough to meet the cycles of a
chaotic map in float64. Many trajectories side by side also keep numpy's arrays wide
(Mackey-Glass: 372 trajectories × 11 windows run at 1,500 windows/s, 4096 × 1 at 6,500).
This module does not standardise, encode or extract bits.
"""

import math
from collections.abc import Iterator

import numpy as np

from bench.errors import BenchError

CHUNK = 4096  # windows per chunk: one from each of as many trajectories
RUN_FACTOR = 8  # windows recorded per settled trajectory span ≥ RUN_FACTOR × its transient
# Observed values settled at a time (32 MB): `settle` records its whole transient, so Lorenz-96
# (400 steps × 40 values) settles 262 trajectories at a time and Mackey-Glass (1000 × 1) all
# 4096 at once (narrow batches cost numpy's per-call overhead: 256 at a time made Mackey-Glass'
# settling 10× slower). The batches change no number: trajectories run independently and their
# starts are drawn in order.
SETTLE_VALUES = 1 << 22


def settle_batch(system) -> int:
    """Trajectories `FreshWindows` settles at a time: ⌊SETTLE_VALUES / (transient · D)⌋, ≥ 1."""
    return max(1, SETTLE_VALUES // (system.transient * system.dim))


def lifetime_windows(transient: int, window: int) -> int:
    """Windows a settled trajectory gives before it restarts: ⌈RUN_FACTOR·transient / window⌉,
    at least 1."""
    return max(1, math.ceil(RUN_FACTOR * transient / window))


class FreshWindows:
    """Endless chunks of raw windows (chunk, window · D) float64 of `system`; `rng` draws the
    starts of every generation of trajectories."""

    def __init__(self, system, window: int, rng: np.random.Generator, *, chunk: int = CHUNK):
        self.system, self.window, self.rng, self.chunk = system, window, rng, chunk
        self.lifetime = lifetime_windows(system.transient, window)
        self.state: np.ndarray | None = None  # (chunk, *state): where the trajectories are
        self.age = 0  # windows each trajectory has given since it settled

    def next_chunk(self) -> np.ndarray:
        """(chunk, window · D) float64: the next window of each trajectory."""
        if self.state is None or self.age == self.lifetime:
            batch = settle_batch(self.system)
            sizes = [min(batch, self.chunk - i) for i in range(0, self.chunk, batch)]
            self.state = np.concatenate([self.system.settle(n, self.rng) for n in sizes])
            self.age = 0
        obs, self.state = self.system.run(self.state, self.window)
        if not np.isfinite(obs).all():
            raise BenchError(f"{self.system.name}: non-finite windows (the orbit blew up)")
        self.age += 1
        return obs.reshape(self.chunk, self.window * self.system.dim)

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            yield self.next_chunk()
