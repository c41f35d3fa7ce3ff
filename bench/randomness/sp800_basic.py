"""NIST SP 800-22 Rev. 1a tests 2.1–2.6 and 2.13: frequency, block frequency, runs, longest
run of ones, binary matrix rank, DFT (spectral) and cumulative sums.

Every function takes ε as a 1-D uint8 array of 0/1 bits, shape (n,), and the test's own
parameters, and returns its p-values as a tuple of floats, computed exactly as the spec's
section "Test Description" says (section numbers in each docstring). Pure numpy/scipy,
vectorised. They do not check the spec's input-size recommendations: `nist.py` does.
"""

from functools import lru_cache

import numpy as np
from scipy.special import erfc, gammaincc, ndtr

SQRT2 = np.sqrt(2.0)


def frequency(eps: np.ndarray) -> tuple[float]:
    """2.1 Frequency (monobit): P = erfc(|S_n| / √(2n)), S_n = Σ (2ε_i − 1)."""
    n = eps.size
    s = 2.0 * np.count_nonzero(eps) - n
    return (float(erfc(abs(s) / np.sqrt(n) / SQRT2)),)


def block_frequency(eps: np.ndarray, m: int) -> tuple[float]:
    """2.2 Frequency within a block of M bits: χ² = 4M Σ (π_i − ½)², P = igamc(N/2, χ²/2)."""
    n_blocks = eps.size // m
    pi = eps[: n_blocks * m].reshape(n_blocks, m).mean(axis=1)  # (N,)
    chi2 = 4.0 * m * np.sum((pi - 0.5) ** 2)
    return (float(gammaincc(n_blocks / 2, chi2 / 2)),)


def runs(eps: np.ndarray) -> tuple[float]:
    """2.3 Runs. The frequency pre-test |π − ½| ≥ 2/√n makes P = 0, as the spec says."""
    n = eps.size
    pi = np.count_nonzero(eps) / n
    if abs(pi - 0.5) >= 2 / np.sqrt(n):
        return (0.0,)
    v_obs = 1 + np.count_nonzero(eps[1:] != eps[:-1])
    num = abs(v_obs - 2 * n * pi * (1 - pi))
    return (float(erfc(num / (2 * np.sqrt(2 * n) * pi * (1 - pi)))),)


# 2.4: block length M → lower bounds of the categories of the longest run (≤ first, …, ≥ last)
LONGEST_RUN_BOUNDS = {
    8: (1, 2, 3, 4),
    128: (4, 5, 6, 7, 8, 9),
    10_000: (10, 11, 12, 13, 14, 15, 16),
}


@lru_cache
def longest_run_probs(m: int) -> tuple[float, ...]:
    """Exact category probabilities π_i of the longest run of ones in M fair bits.

    Equal to the spec's 2.4.4 values for M = 8 (0.2148 …, as 55/256 …, which its example's
    P = 0.180609 needs) and M = 128; for M = 10⁴ the spec's 4-digit table is an approximation
    that differs from these by at most 0.0016."""
    bounds = LONGEST_RUN_BOUNDS[m]
    cdf = []
    for r in bounds[:-1]:  # P(longest ≤ r): M steps of a chain on the current run 0..r
        step = np.zeros((r + 1, r + 1))
        step[:, 0] = 0.5  # a 0 ends the run
        step[np.arange(r), np.arange(1, r + 1)] = 0.5  # a 1 extends it (a run > r is lost)
        cdf.append(np.linalg.matrix_power(step, m)[0].sum())
    return tuple(float(x) for x in np.diff([0.0, *cdf, 1.0]))


def longest_run_block(n: int) -> int:
    """The spec's block length M for n bits (n ≥ 128): 8, 128 or 10⁴."""
    return 8 if n < 6272 else 128 if n < 750_000 else 10_000


def longest_run(eps: np.ndarray, m: int | None = None) -> tuple[float]:
    """2.4 Longest run of ones in a block; M from the spec's table unless given."""
    m = m or longest_run_block(eps.size)
    bounds, probs = LONGEST_RUN_BOUNDS[m], longest_run_probs(m)
    n_blocks = eps.size // m
    blocks = np.zeros((n_blocks, m + 1), dtype=np.int8)  # a 0 column separates the blocks
    blocks[:, :m] = eps[: n_blocks * m].reshape(n_blocks, m)
    edges = np.diff(np.concatenate([[0], blocks.ravel(), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = np.zeros(n_blocks, dtype=np.int64)
    np.maximum.at(longest, starts // (m + 1), ends - starts)
    category = np.clip(longest, bounds[0], bounds[-1]) - bounds[0]  # ≤ first, …, ≥ last
    nu = np.bincount(category, minlength=len(bounds))
    expected = n_blocks * np.asarray(probs)
    chi2 = np.sum((nu - expected) ** 2 / expected)
    return (float(gammaincc((len(bounds) - 1) / 2, chi2 / 2)),)


def gf2_ranks(rows: np.ndarray, width: int) -> np.ndarray:
    """Ranks over GF(2) of a stack of binary matrices given as packed rows.

    rows: (N, M) uint64, row r of matrix i holding its `width` bits (MSB = column 0).
    Returns (N,) int64. Gaussian elimination vectorised across the N matrices.
    """
    a = rows.copy()
    n, m = a.shape
    used = np.zeros((n, m), dtype=bool)
    rank = np.zeros(n, dtype=np.int64)
    idx = np.arange(n)
    for col in range(width):
        bit = ((a >> np.uint64(width - 1 - col)) & np.uint64(1)).astype(bool)  # (N, M)
        cand = bit & ~used
        has = cand.any(axis=1)
        pivot = cand.argmax(axis=1)
        prow = a[idx, pivot]  # (N,)
        clear = bit & has[:, None]
        clear[idx, pivot] = False
        a ^= np.where(clear, prow[:, None], np.uint64(0))
        used[idx[has], pivot[has]] = True
        rank += has
    return rank


def rank_probabilities(m: int, q: int) -> tuple[float, float, float]:
    """P(rank = M), P(rank = M − 1), P(rank ≤ M − 2) of a random M×Q binary matrix (2.5.4)."""

    def p(r: int) -> float:
        prod = 1.0
        for i in range(r):
            prod *= (1 - 2.0 ** (i - q)) * (1 - 2.0 ** (i - m)) / (1 - 2.0 ** (i - r))
        return 2.0 ** (r * (q + m - r) - m * q) * prod

    full, minus = p(min(m, q)), p(min(m, q) - 1)
    return full, minus, 1 - full - minus


def matrix_rank(
    eps: np.ndarray, m: int = 32, q: int = 32, probs: tuple[float, float, float] | None = None
) -> tuple[float]:
    """2.5 Binary matrix rank on N = ⌊n/(MQ)⌋ disjoint M×Q matrices filled row by row.

    `probs` defaults to the exact rank probabilities of an M×Q matrix (for 32×32:
    0.2888, 0.5776, 0.1336); the spec's 3×3 example uses the 32×32 values."""
    probs = probs or rank_probabilities(m, q)
    n_mat = eps.size // (m * q)
    bits = eps[: n_mat * m * q].reshape(n_mat * m, q).astype(np.uint64)
    weights = np.uint64(1) << np.arange(q - 1, -1, -1, dtype=np.uint64)
    rows = (bits * weights).sum(axis=1, dtype=np.uint64).reshape(n_mat, m)
    ranks = gf2_ranks(rows, q)
    full = min(m, q)
    counts = np.array([np.sum(ranks == full), np.sum(ranks == full - 1), 0])
    counts[2] = n_mat - counts[0] - counts[1]
    expected = n_mat * np.asarray(probs)
    chi2 = np.sum((counts - expected) ** 2 / expected)
    return (float(np.exp(-chi2 / 2)),)


def dft(eps: np.ndarray) -> tuple[float]:
    """2.6 Discrete Fourier transform: share of |S_k| (k < n/2) under T = √(n ln 20)."""
    n = eps.size
    moduli = np.abs(np.fft.rfft(2.0 * eps - 1.0))[: n // 2]
    threshold = np.sqrt(np.log(1 / 0.05) * n)
    n0, n1 = 0.95 * n / 2, np.count_nonzero(moduli < threshold)
    d = (n1 - n0) / np.sqrt(n * 0.95 * 0.05 / 4)
    return (float(erfc(abs(d) / SQRT2)),)


def _trunc_div(a: int, b: int) -> int:
    """C's integer division (towards zero), as the reference code's summation bounds use."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def cusum_pvalue(z: int, n: int) -> float:
    """2.13.4 step (4): P for the maximal partial-sum excursion z of an n-bit walk."""
    sq = np.sqrt(n)
    nz = _trunc_div(n, z)
    k1 = np.arange(_trunc_div(-nz + 1, 4), _trunc_div(nz - 1, 4) + 1)
    k2 = np.arange(_trunc_div(-nz - 3, 4), _trunc_div(nz - 1, 4) + 1)
    s1 = np.sum(ndtr((4 * k1 + 1) * z / sq) - ndtr((4 * k1 - 1) * z / sq))
    s2 = np.sum(ndtr((4 * k2 + 3) * z / sq) - ndtr((4 * k2 + 1) * z / sq))
    return float(1.0 - s1 + s2)


def cumulative_sums(eps: np.ndarray) -> tuple[float, float]:
    """2.13 Cumulative sums: (P forward, P backward)."""
    x = 2 * eps.astype(np.int64) - 1
    forward = int(np.max(np.abs(np.cumsum(x))))
    backward = int(np.max(np.abs(np.cumsum(x[::-1]))))
    return cusum_pvalue(forward, eps.size), cusum_pvalue(backward, eps.size)
