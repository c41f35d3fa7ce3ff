"""Endless bit streams in constant memory, and writing them to a pipe.

A stream is an iterator of chunks, each a (n,) uint8 array of 0/1 bits. `LatentBits` reads an
SAE's latents (or, with no encoder, the standardised windows themselves: the raw orbit) of
fresh windows through one extraction, calibrated on a chunk drawn from a generator of its own,
so the calibration windows are never part of the stream. The controls, numpy's PCG64 and a
constant stream, are chunk iterators too. `packed` turns bits into bytes (MSB first) and
`write_stream` writes them until the reader closes the pipe. At most one chunk of each stage
(windows, latents, bits, bytes) is alive at a time. This module neither trains nor tests.
"""

import os
from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np
import torch

from bench.errors import BenchError
from bench.randomness.extract import Calibration, bits_per_window, calibrate, extract
from bench.randomness.windows import FreshWindows

CONTROL_CHUNK_BITS = 1 << 23  # bits per chunk of the PCG64 and constant controls
Encoder = Callable[[torch.Tensor], torch.Tensor]  # (n, d_in) float32 → (n, m)


class StreamError(BenchError):
    """A stream that cannot go on (non-finite latents); the command reports it per stream."""


class BitStream(Protocol):
    """Endless chunks of bits, and its first n bits with the windows they came from."""

    def __iter__(self) -> Iterator[np.ndarray]: ...

    def take(self, n: int, max_windows: int) -> tuple[np.ndarray, int, str]: ...


def pcg64_chunks(seed: int = 0) -> Iterator[np.ndarray]:
    """Endless fair bits from numpy's PCG64 (its bytes, MSB first)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    while True:
        yield np.unpackbits(np.frombuffer(rng.bytes(CONTROL_CHUNK_BITS // 8), np.uint8))


def constant_chunks(seed: int = 0) -> Iterator[np.ndarray]:
    """Endless one bits (`seed` is ignored: one signature for every control). Ones, not zeros:
    on an all-zero stream dieharder's sphere tests read without end and give no result."""
    ones = np.ones(CONTROL_CHUNK_BITS, np.uint8)
    while True:
        yield ones


class ControlBits:
    """A control's chunks (`pcg64_chunks`, `constant_chunks`) as a BitStream: no windows."""

    def __init__(self, chunks: Iterator[np.ndarray]):
        self.chunks = chunks

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.chunks

    def take(self, n: int, max_windows: int) -> tuple[np.ndarray, int, str]:
        return take_bits(self.chunks, n), 0, ""


class LatentBits:
    """Bits of one extraction from the latents of fresh windows, chunk by chunk.

    `windows` yields raw windows (n, d_in); `standardise` maps them to the SAE's input space
    (float32 tensor); `encode` (None: the raw orbit) gives latents (n, m). The calibration
    chunk comes from `calibration_windows`, a generator independent of `windows`."""

    def __init__(
        self,
        windows: FreshWindows,
        calibration_windows: FreshWindows,
        *,
        standardise: Callable[[np.ndarray], torch.Tensor],
        encode: Encoder | None,
        extraction: str,
    ):
        self.windows, self.standardise, self.encode = windows, standardise, encode
        z_cal = self.latents(calibration_windows.next_chunk())
        if not np.isfinite(z_cal).all():
            raise StreamError("non-finite latents on the calibration chunk")
        self.calibration: Calibration = calibrate(extraction, z_cal)
        # mean bits per window, measured on the calibration chunk read with its own statistics
        self.bits_per_window = extract(self.calibration, z_cal).size / len(z_cal)
        self.windows_read = self.bits_read = 0  # windows encoded and bits given so far
        self.last_counts = np.zeros(0, np.int64)  # (n,) bits each window of the last chunk gave

    def latents(self, raw: np.ndarray) -> np.ndarray:
        """(n, m) float64 latents of raw windows (n, d_in)."""
        x = self.standardise(raw)
        if self.encode is None:  # the raw orbit: the standardised windows are the "latents"
            return x.double().numpy()
        with torch.no_grad():
            return self.encode(x).detach().cpu().double().numpy()

    def __iter__(self) -> Iterator[np.ndarray]:
        for raw in self.windows:
            z = self.latents(raw)
            del raw
            if not np.isfinite(z).all():
                raise StreamError("non-finite latents in the stream")
            self.last_counts = bits_per_window(self.calibration, z)
            self.windows_read += len(z)
            bits = extract(self.calibration, z)
            self.bits_read += bits.size
            del z
            yield bits

    def take(self, n: int, max_windows: int) -> tuple[np.ndarray, int, str]:
        """(the first n bits, windows they came from, note): a stream that would need more
        than `max_windows` windows at its calibration rate is short: no bits, a note."""
        need = n / self.bits_per_window if self.bits_per_window else float("inf")
        if need > max_windows:
            note = (
                f"short: {self.bits_per_window:.3g} bits a window would need "
                f"{min(need, 1e18):,.0f} windows (cap {max_windows:,})"
            )
            return np.zeros(0, np.uint8), 0, note
        bits = take_bits(iter(self), n)
        from_last = bits.size - (self.bits_read - int(self.last_counts.sum()))
        in_last = int(np.searchsorted(np.cumsum(self.last_counts), from_last)) + 1
        return bits, self.windows_read - len(self.last_counts) + in_last, ""


def take_bits(chunks: Iterator[np.ndarray], n: int) -> np.ndarray:
    """The first n bits of a chunk iterator: (n,) uint8 (fewer if it ends first)."""
    parts, got = [], 0
    for bits in chunks:
        parts.append(bits[: n - got])
        got += parts[-1].size
        if got >= n:
            break
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)


def packed(chunks: Iterator[np.ndarray]) -> Iterator[bytes]:
    """Bits → bytes, MSB first; bits that do not fill a byte wait for the next chunk."""
    carry = np.zeros(0, np.uint8)
    for bits in chunks:
        if carry.size:
            bits = np.concatenate([carry, bits])
        whole = bits.size - bits.size % 8
        carry = bits[whole:].copy()
        if whole:
            yield np.packbits(bits[:whole]).tobytes()


def write_stream(
    blocks: Iterator[bytes],
    fd: int,
    limit: int | None = None,
    on_write: Callable[[int], None] | None = None,
) -> tuple[int, bool]:
    """Write byte blocks to file descriptor `fd` until the reader closes it (EPIPE: a clean
    stop), the blocks end or `limit` bytes are written; `on_write` hears each write's size.
    Returns (bytes written, whether the reader closed the pipe)."""
    written = 0
    try:
        for block in blocks:
            view = memoryview(block)
            if limit is not None:
                view = view[: limit - written]
            while view:
                k = os.write(fd, view)
                written += k
                if on_write is not None:
                    on_write(k)
                view = view[k:]
            if limit is not None and written >= limit:
                break
    except BrokenPipeError:
        return written, True
    return written, False
