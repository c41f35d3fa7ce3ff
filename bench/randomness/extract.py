"""Bits from latents: the two extractions the randomness command tests.

Both take the latents of a stream of windows, z of shape (n windows, m latents), and return a
1-D uint8 array of 0/1 bits read in row-major order (window by window, latent by latent within
a window). Statistics (median, range) are taken over the whole stream, per latent. This module
neither draws windows nor runs tests.
"""

import numpy as np

from bench.errors import BenchError

ACTIVE = 1e-6  # |z| below this is an inactive latent (the paper's sparsity threshold)
LEVELS = 2**16  # quantisation levels of the lsb extraction


def threshold(z: np.ndarray) -> np.ndarray:
    """threshold: bit_ij = 1 if z_ij > median_j, the median of latent j over the stream, else
    0; every (window, latent) gives one bit, row-major, n·m bits in all. A latent that is zero
    on most windows has median 0, so its bit says "active and positive"."""
    z = np.asarray(z, dtype=np.float64)
    return (z > np.median(z, axis=0)).astype(np.uint8).ravel()


def lsb(z: np.ndarray) -> np.ndarray:
    """lsb: the least significant bit of each ACTIVE latent value (|z_ij| ≥ 1e-6), quantised
    to 2¹⁶ levels over that latent's range: with lo_j, hi_j the min and max of latent j's
    active values over the stream, q_ij = min(⌊(z_ij − lo_j)/(hi_j − lo_j)·2¹⁶⌋, 2¹⁶ − 1) and
    the bit is q_ij mod 2 (q_ij = 0 where hi_j = lo_j). Inactive entries give no bit; the bits
    are read row-major over the active entries, so the stream has as many bits as active
    entries."""
    z = np.asarray(z, dtype=np.float64)
    active = np.abs(z) >= ACTIVE
    lo = np.where(active, z, np.inf).min(axis=0)  # (m,); +inf for a latent never active
    hi = np.where(active, z, -np.inf).max(axis=0)
    span = np.where(hi > lo, hi - lo, np.inf)  # constant latents quantise to level 0
    level = np.floor((z - np.where(np.isfinite(lo), lo, 0.0)) / span * LEVELS)
    q = np.minimum(level, LEVELS - 1).astype(np.int64)
    return (q[active] & 1).astype(np.uint8)


EXTRACTIONS = {"threshold": threshold, "lsb": lsb}


def check_extractions(names: tuple[str, ...] | list[str]) -> None:
    """BenchError (one line) for an unknown extraction name or an empty list."""
    if not names:
        raise BenchError(f"no extraction given; valid: {', '.join(EXTRACTIONS)}")
    for name in names:
        if name not in EXTRACTIONS:
            raise BenchError(f"unknown extraction {name!r}; valid: {', '.join(EXTRACTIONS)}")


def bits_per_window(name: str, z: np.ndarray) -> np.ndarray:
    """(n,) how many bits each window (row of z) gives: m for threshold, its active count for
    lsb. Neither depends on the other windows, so a stream's length is known before reading."""
    check_extractions([name])
    if name == "threshold":
        return np.full(z.shape[0], z.shape[1], dtype=np.int64)
    return np.count_nonzero(np.abs(z) >= ACTIVE, axis=1)


def extract(name: str, z: np.ndarray) -> np.ndarray:
    """The bits of extraction `name` from latents z (n, m)."""
    check_extractions([name])
    return EXTRACTIONS[name](z)
