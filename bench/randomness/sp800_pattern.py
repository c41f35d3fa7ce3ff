"""NIST SP 800-22 Rev. 1a tests 2.7–2.12, 2.14 and 2.15: non-overlapping and overlapping
template matching, Maurer's universal, linear complexity, serial, approximate entropy, random
excursions and random excursions variant.

Same contract as `sp800_basic`: ε is a (n,) uint8 array of 0/1 bits, each function returns
its p-values (a tuple of floats) and checks no input-size recommendation (`nist.py` does).
Vectorised: m-bit patterns are integer codes of sliding windows, Berlekamp–Massey runs across
all blocks at once, excursion cycles are counted with bincount.
"""

import math
from functools import lru_cache

import numpy as np
from scipy.special import erfc, gammaincc


def window_codes(eps: np.ndarray, m: int, cyclic: bool = False) -> np.ndarray:
    """Integer code (MSB first) of every m-bit window: (n − m + 1,), or (n,) if cyclic."""
    x = np.concatenate([eps, eps[: m - 1]]) if cyclic else eps
    count = x.size - m + 1
    codes = np.zeros(count, dtype=np.int64)
    for k in range(m):
        codes = (codes << 1) | x[k : k + count]
    return codes


@lru_cache
def aperiodic_templates(m: int) -> tuple[int, ...]:
    """The m-bit templates with no proper border (no prefix equal to a suffix), ascending:
    the spec's aperiodic templates (148 for m = 9)."""
    out = []
    for t in range(2**m):
        s = format(t, f"0{m}b")
        if all(s[:k] != s[-k:] for k in range(1, m)):
            out.append(t)
    return tuple(out)


def non_overlapping_template(
    eps: np.ndarray, m: int = 9, n_blocks: int = 8, templates: tuple[int, ...] | None = None
) -> tuple[float, ...]:
    """2.7 One p-value per aperiodic m-bit template (or the given ones), N blocks of M bits.

    An aperiodic template's matches never overlap, so counting every window that matches
    equals the spec's count that skips m bits after a match."""
    templates = aperiodic_templates(m) if templates is None else templates
    size = eps.size // n_blocks
    blocks = eps[: n_blocks * size].reshape(n_blocks, size)
    counts = np.stack([np.bincount(window_codes(b, m), minlength=2**m) for b in blocks])
    w = counts[:, list(templates)]  # (N, templates)
    mu = (size - m + 1) / 2**m
    var = size * (1 / 2**m - (2 * m - 1) / 2 ** (2 * m))
    chi2 = np.sum((w - mu) ** 2, axis=0) / var
    return tuple(float(p) for p in gammaincc(n_blocks / 2, chi2 / 2))


# 2.8: π_0..π_5 for m = 9, M = 1032: Rev. 1a's corrected values, the battery's default. NIST's
# reference code (sts 2.1.2) declares them too, then overwrites them with its `Pr()` formula
# (`overlapping_pi(..., corrected=False)`): its outputs, and the spec's worked example 2.8.8
# (P = 0.110434), use the formula's π (0.367879, 0.183940, …).
OVERLAPPING_PI_9_1032 = (0.364091, 0.185659, 0.139381, 0.100571, 0.070432, 0.139865)


def overlapping_pi(m: int, size: int, k: int = 5, corrected: bool = True) -> tuple[float, ...]:
    """π_0..π_K: Rev. 1a's corrected values for m = 9, M = 1032, K = 5 (unless corrected is
    False); otherwise 2.8.4's formula in η = λ/2, λ = (M − m + 1)/2^m, which is what the
    reference code's `Pr()` computes and uses."""
    if corrected and (m, size, k) == (9, 1032, 5):
        return OVERLAPPING_PI_9_1032
    eta = (size - m + 1) / 2**m / 2
    pi = [math.exp(-eta)]
    for u in range(1, k):
        terms = sum(math.comb(u - 1, j - 1) * eta**j / math.factorial(j) for j in range(1, u + 1))
        pi.append(math.exp(-eta) / 2**u * terms)
    return (*pi, 1 - sum(pi))


def overlapping_template(
    eps: np.ndarray, m: int = 9, size: int = 1032, k: int = 5, pi: tuple[float, ...] | None = None
) -> tuple[float]:
    """2.8 Overlapping matches of the all-ones m-bit template in blocks of M bits
    (π: `overlapping_pi(m, M, K)` unless given)."""
    n_blocks = eps.size // size
    blocks = eps[: n_blocks * size].reshape(n_blocks, size).astype(np.int32)
    csum = np.concatenate([np.zeros((n_blocks, 1), np.int32), np.cumsum(blocks, axis=1)], axis=1)
    hits = np.count_nonzero(csum[:, m:] - csum[:, :-m] == m, axis=1)  # (N,)
    nu = np.bincount(np.minimum(hits, k), minlength=k + 1)
    expected = n_blocks * np.asarray(pi or overlapping_pi(m, size, k))
    chi2 = np.sum((nu - expected) ** 2 / expected)
    return (float(gammaincc(k / 2, chi2 / 2)),)


# 2.9: L → (expected value, variance) of f_n; n thresholds for L = 6..16
UNIVERSAL_TABLE = {
    1: (0.7326495, 0.690), 2: (1.5374383, 1.338), 3: (2.4016068, 1.901),
    4: (3.3112247, 2.358), 5: (4.2534266, 2.705), 6: (5.2177052, 2.954),
    7: (6.1962507, 3.125), 8: (7.1836656, 3.238), 9: (8.1764248, 3.311),
    10: (9.1723243, 3.356), 11: (10.170032, 3.384), 12: (11.168765, 3.401),
    13: (12.168070, 3.410), 14: (13.167693, 3.416), 15: (14.167488, 3.419),
    16: (15.167379, 3.421),
}  # fmt: skip
UNIVERSAL_MIN_N = (387_840, 904_960, 2_068_480, 4_654_080, 10_342_400, 22_753_280,
                   49_643_520, 107_560_960, 231_669_760, 496_435_200, 1_059_061_760)  # fmt: skip


def universal_block(n: int) -> int:
    """The spec's L for n ≥ 387,840 bits (6 up to 904,959 bits, 7 up to 2,068,479, …)."""
    return 5 + sum(n >= t for t in UNIVERSAL_MIN_N)


def universal_statistic(eps: np.ndarray, block: int, q: int) -> float:
    """f_n: mean log2 distance to the previous occurrence of each of the K test blocks."""
    n_total = eps.size // block
    codes = window_codes(eps[: n_total * block], block)[::block]  # (Q + K,) L-bit blocks
    order = np.argsort(codes, kind="stable")
    same = codes[order][1:] == codes[order][:-1]
    last = np.full(n_total, -1)  # index of the previous block with the same code
    last[order[1:][same]] = order[:-1][same]
    i = np.arange(q, n_total)
    return float(np.mean(np.log2(i - last[q:])))  # never seen: distance i + 1 − 0, 1-based


def universal(eps: np.ndarray, block: int | None = None, q: int | None = None) -> tuple[float]:
    """2.9 Maurer's universal statistical test (L, Q = 10·2^L from the spec's table)."""
    block = block or universal_block(eps.size)
    q = q or 10 * 2**block
    k = eps.size // block - q
    expected, variance = UNIVERSAL_TABLE[block]
    c = 0.7 - 0.8 / block + (4 + 32 / block) * k ** (-3 / block) / 15
    sigma = c * np.sqrt(variance / k)
    f_n = universal_statistic(eps, block, q)
    return (float(erfc(abs(f_n - expected) / (np.sqrt(2) * sigma))),)


def _shl1(a: np.ndarray) -> np.ndarray:
    """Multiply packed GF(2) polynomials by x: (N, W) uint64, bit i of word w = x^(64w + i)."""
    out = a << np.uint64(1)
    out[:, 1:] |= a[:, :-1] >> np.uint64(63)
    return out


def linear_complexities(blocks: np.ndarray) -> np.ndarray:
    """Berlekamp–Massey over GF(2) on each row: (N, M) 0/1 → (N,) linear complexities.

    One pass over the M positions, vectorised across the N rows, with polynomials packed in
    uint64 words: `hist` holds s_n, s_(n−1), … as bits 0, 1, …, so the discrepancy is the
    parity of popcount(C & hist); `shifted` holds B(x)·x^(n − m), the last polynomial before
    a length change, shifted to the current step."""
    n_rows, size = blocks.shape
    words = (size + 2 + 63) // 64
    c = np.zeros((n_rows, words), np.uint64)
    c[:, 0] = 1
    shifted = np.zeros_like(c)
    shifted[:, 0] = 2  # B = 1, m = −1: B·x^(0 − (−1)) = x
    hist = np.zeros_like(c)
    length = np.zeros(n_rows, np.int64)
    bits = blocks.astype(np.uint64)
    zero = np.uint64(0)
    for n in range(size):
        hist = _shl1(hist)
        hist[:, 0] |= bits[:, n]
        hit = (np.bitwise_count(c & hist).sum(axis=1) & 1).astype(bool)  # (N,)
        grow = hit & (2 * length <= n)
        old = c
        c = c ^ np.where(hit[:, None], shifted, zero)
        length = np.where(grow, n + 1 - length, length)
        shifted = _shl1(np.where(grow[:, None], old, shifted))
    return length


def complexity_classes(lengths: np.ndarray, size: int) -> np.ndarray:
    """ν_0..ν_6 (7,): counts of T_i = (−1)^M (L_i − μ) + 2/9 in the classes ≤ −2.5, (−2.5,
    −1.5], …, (1.5, 2.5], > 2.5, with μ the mean linear complexity of M random bits."""
    mu = size / 2 + (9 + (-1) ** (size + 1)) / 36 - (size / 3 + 2 / 9) / 2**size
    t = (-1) ** size * (lengths - mu) + 2 / 9
    return np.bincount(np.digitize(t, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], right=True), minlength=7)


# 2.10.4: Rev. 1a's π (0.010417, 0.03125, …, 0.020833), here exact: the battery's default
LINEAR_COMPLEXITY_PI = (1 / 96, 1 / 32, 1 / 8, 1 / 2, 1 / 4, 1 / 16, 1 / 48)


def linear_complexity(
    eps: np.ndarray, size: int = 500, pi: tuple[float, ...] = LINEAR_COMPLEXITY_PI
) -> tuple[float]:
    """2.10 Linear complexity of N blocks of M bits, 7 classes of T_i, K = 6.

    π defaults to Rev. 1a's class probabilities (exact). The spec's worked example 2.10.8
    (P = 0.845406) matches only with the reference code's π_0 = 0.01047, a typo for
    1/96 = 0.010417; with the default π the same input gives P = 0.844738."""
    n_blocks = eps.size // size
    lengths = linear_complexities(eps[: n_blocks * size].reshape(n_blocks, size))
    nu = complexity_classes(lengths, size)
    expected = n_blocks * np.asarray(pi)
    chi2 = np.sum((nu - expected) ** 2 / expected)
    return (float(gammaincc(3, chi2 / 2)),)


def _cyclic_counts(eps: np.ndarray, m: int) -> np.ndarray:
    """Counts (2^m,) of the cyclic overlapping m-bit patterns (ε extended by its first m−1)."""
    return np.bincount(window_codes(eps, m, cyclic=True), minlength=2**m)


def serial(eps: np.ndarray, m: int) -> tuple[float, float]:
    """2.11 Serial test: (P-value1, P-value2) from ∇ψ²_m and ∇²ψ²_m."""
    n = eps.size
    counts = _cyclic_counts(eps, m)
    psi = []
    for k in (m, m - 1, m - 2):  # counts of k-patterns are sums of (k+1)-pattern pairs
        psi.append(2**k / n * np.sum(counts.astype(np.float64) ** 2) - n if k > 0 else 0.0)
        counts = counts[0::2] + counts[1::2]
    d1, d2 = psi[0] - psi[1], psi[0] - 2 * psi[1] + psi[2]
    return float(gammaincc(2 ** (m - 2), d1 / 2)), float(gammaincc(2 ** (m - 3), d2 / 2))


def approximate_entropy(eps: np.ndarray, m: int) -> tuple[float]:
    """2.12 Approximate entropy: χ² = 2n(ln 2 − ApEn(m)), P = igamc(2^(m−1), χ²/2)."""
    n = eps.size
    counts = _cyclic_counts(eps, m + 1)
    phi = []
    for _ in range(2):  # Φ^(m+1), then Φ^(m)
        c = counts[counts > 0] / n
        phi.append(np.sum(c * np.log(c)))
        counts = counts[0::2] + counts[1::2]
    apen = phi[1] - phi[0]
    return (float(gammaincc(2 ** (m - 1), n * (np.log(2) - apen))),)


def excursion_walk(eps: np.ndarray) -> tuple[np.ndarray, int]:
    """(partial sums S_1..S_n of 2ε − 1, number of cycles J) as 2.14.4 defines them."""
    s = np.cumsum(2 * eps.astype(np.int64) - 1)
    return s, int(np.count_nonzero(s == 0) + (s[-1] != 0))


def random_excursions(eps: np.ndarray) -> tuple[float, ...]:
    """2.14 One p-value per state x = −4..−1, 1..4: visits per cycle against π_k(x)."""
    s, cycles = excursion_walk(eps)
    cycle = np.concatenate([[0], np.cumsum(s == 0)[:-1]])  # cycle index of each step
    inside = (np.abs(s) <= 4) & (s != 0)
    visits = np.bincount(cycle[inside] * 9 + s[inside] + 4, minlength=cycles * 9).reshape(
        cycles, 9
    )  # (J, 9): visits to −4..4 in each cycle
    out = []
    for x in (-4, -3, -2, -1, 1, 2, 3, 4):
        nu = np.bincount(np.minimum(visits[:, x + 4], 5), minlength=6)
        a = 1 - 1 / (2 * abs(x))
        pi = np.array([a, *(a ** (k - 1) / (4 * x * x) for k in range(1, 5)), a**4 / (2 * abs(x))])
        chi2 = np.sum((nu - cycles * pi) ** 2 / (cycles * pi))
        out.append(float(gammaincc(2.5, chi2 / 2)))
    return tuple(out)


def random_excursions_variant(eps: np.ndarray) -> tuple[float, ...]:
    """2.15 One p-value per state x = −9..−1, 1..9: total visits ξ(x) against J."""
    s, cycles = excursion_walk(eps)
    inside = np.abs(s) <= 9
    xi = np.bincount(s[inside] + 9, minlength=19)
    states = [x for x in range(-9, 10) if x]
    return tuple(
        float(erfc(abs(xi[x + 9] - cycles) / np.sqrt(2 * cycles * (4 * abs(x) - 2))))
        for x in states
    )
