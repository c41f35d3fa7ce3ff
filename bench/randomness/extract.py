"""Bits from latents: the two extractions, calibrated on a chunk that is never part of the stream.

`calibrate(name, z_cal)` takes per-latent statistics of a calibration chunk z_cal (n_cal windows,
m latents); `extract(calibration, z)` turns any later chunk z (n, m) into a 1-D uint8 array of 0/1
bits read in row-major order (window by window, latent by latent within a window) with those
fixed statistics, so every chunk of an endless stream is read the same way. This module neither
draws windows nor runs tests.
"""

from dataclasses import dataclass

import numpy as np

from bench.errors import BenchError

ACTIVE = 1e-6  # |z| below this is an inactive latent (the paper's sparsity threshold)
LEVELS = 2**16  # quantisation levels of the lsb extraction over a latent's calibration range


@dataclass(frozen=True)
class Calibration:
    """Per-latent statistics of the calibration chunk; arrays are (m,) float64."""

    extraction: str
    median: np.ndarray | None = None  # threshold: each latent's median
    lo: np.ndarray | None = None  # lsb: each latent's smallest active value
    step: np.ndarray | None = None  # lsb: (largest − smallest active value) / 2¹⁶; inf: no bit


def threshold(z: np.ndarray, median: np.ndarray) -> np.ndarray:
    """bit_ij = 1 if z_ij > median_j else 0: n·m bits, row-major. A latent that is zero on most
    calibration windows has median 0, so its bit says "active and positive"."""
    return (np.asarray(z, dtype=np.float64) > median).astype(np.uint8).ravel()


def lsb(z: np.ndarray, lo: np.ndarray, step: np.ndarray) -> np.ndarray:
    """The least significant bit of each ACTIVE entry (|z_ij| ≥ 1e-6) on latent j's grid:
    q_ij = ⌊(z_ij − lo_j) / step_j⌋, bit = q_ij mod 2. The grid (2¹⁶ cells over the calibration
    range) extends beyond that range, so a later value outside it still has a parity. A latent
    with step = inf (never active, or constant, on the calibration chunk) gives no bits, nor
    does an inactive entry: the stream has one bit per active entry of the other latents."""
    z = np.asarray(z, dtype=np.float64)
    reads = (np.abs(z) >= ACTIVE) & np.isfinite(step)
    level = np.floor((z - np.where(np.isfinite(lo), lo, 0.0)) / step)
    return (level[reads].astype(np.int64) & 1).astype(np.uint8)


def calibrate(extraction: str, z_cal: np.ndarray) -> Calibration:
    """The statistics `extraction` reads, from the calibration chunk z_cal (n_cal, m)."""
    check_extractions([extraction])
    z = np.asarray(z_cal, dtype=np.float64)
    if extraction == "threshold":
        return Calibration(extraction, median=np.median(z, axis=0))
    active = np.abs(z) >= ACTIVE
    lo = np.where(active, z, np.inf).min(axis=0)  # (m,); +inf for a latent never active
    hi = np.where(active, z, -np.inf).max(axis=0)
    step = np.where(hi > lo, (hi - lo) / LEVELS, np.inf)
    return Calibration(extraction, lo=lo, step=step)


def _reads(calibration: Calibration, z: np.ndarray) -> np.ndarray:
    """(n, m) bool: the entries of z that give an lsb bit."""
    return (np.abs(z) >= ACTIVE) & np.isfinite(calibration.step)


def bits_per_window(calibration: Calibration, z: np.ndarray) -> np.ndarray:
    """(n,) how many bits each window (row of z) gives: m for threshold, its active entries on
    latents with a calibration range for lsb."""
    if calibration.extraction == "threshold":
        return np.full(len(z), z.shape[1], dtype=np.int64)
    return np.count_nonzero(_reads(calibration, np.asarray(z, dtype=np.float64)), axis=1)


def extract(calibration: Calibration, z: np.ndarray) -> np.ndarray:
    """The bits of chunk z (n, m) read with `calibration`: (bits,) uint8."""
    if calibration.extraction == "threshold":
        return threshold(z, calibration.median)
    return lsb(z, calibration.lo, calibration.step)


EXTRACTIONS = ("threshold", "lsb")


def check_extractions(names: tuple[str, ...] | list[str]) -> None:
    """BenchError (one line) for an unknown extraction name or an empty list."""
    if not names:
        raise BenchError(f"no extraction given; valid: {', '.join(EXTRACTIONS)}")
    for name in names:
        if name not in EXTRACTIONS:
            raise BenchError(f"unknown extraction {name!r}; valid: {', '.join(EXTRACTIONS)}")
