"""The NIST SP 800-22 Rev. 1a battery at α = 0.01: parameters, applicability and pass rule.

`run_battery(bits)` runs the 15 tests on one (n,) stream of 0/1 bits and returns one
`TestResult` per test. Parameters are the spec's recommendations for n (block frequency
M = max(20, ⌊n/100⌋ + 1) so that M > n/100 and N < 100; longest run M from the spec's table;
32×32 rank; m = 9 templates with 8 blocks and M = 1032; Maurer's L from the spec's table; linear
complexity M = 500; serial m = min(16, ⌊log₂ n⌋ − 3); approximate entropy m = min(10,
⌊log₂ n⌋ − 6)). A test whose spec minimum n is not met, or random excursions with fewer than
max(500, 0.005·√n) cycles, does not apply ("n/a"): it neither passes nor fails.

Pass rule, one per test: NIST's proportion rule (SP 800-22 §4.2.1) applied to the test's own
k p-values: pass if the share of p ≥ α is at least (1 − α) − 3·√(α(1 − α)/k). For k = 1 that is
p ≥ α; for the 2 p-values of serial and cumulative sums, and the 8 of random excursions, every
p must be ≥ α; random excursions variant (18) allows one below α, non-overlapping template
(148) five. This module does not extract bits or write reports.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.errors import BenchError
from bench.randomness import sp800_basic as basic
from bench.randomness import sp800_pattern as pattern

ALPHA = 0.01


@dataclass(frozen=True)
class TestResult:
    name: str
    pvalues: tuple[float, ...]  # () when the test does not apply
    note: str = ""  # its parameters, or why it does not apply
    alpha: float = ALPHA

    @property
    def applies(self) -> bool:
        return bool(self.pvalues)

    @property
    def min_p(self) -> float | None:
        return min(self.pvalues) if self.pvalues else None

    @property
    def passed(self) -> bool | None:
        return passes(self.pvalues, self.alpha) if self.pvalues else None


def proportion_threshold(k: int, alpha: float = ALPHA) -> float:
    """The least share of k p-values ≥ α that passes: (1 − α) − 3·√(α(1 − α)/k)."""
    return (1 - alpha) - 3 * math.sqrt(alpha * (1 - alpha) / k)


def passes(pvalues: tuple[float, ...], alpha: float = ALPHA) -> bool:
    share = np.mean(np.asarray(pvalues) >= alpha)
    return bool(share >= proportion_threshold(len(pvalues), alpha) - 1e-12)


class NotApplicable(Exception):
    """A test's own prerequisite fails on this stream (the message says which)."""


Runner = Callable[[np.ndarray], tuple[tuple[float, ...], str]]


def _block_frequency(e: np.ndarray) -> tuple[tuple[float, ...], str]:
    m = max(20, e.size // 100 + 1)
    return basic.block_frequency(e, m), f"M={m}"


def _longest_run(e: np.ndarray) -> tuple[tuple[float, ...], str]:
    m = basic.longest_run_block(e.size)
    return basic.longest_run(e, m), f"M={m}"


def _universal(e: np.ndarray) -> tuple[tuple[float, ...], str]:
    block = pattern.universal_block(e.size)
    return pattern.universal(e, block), f"L={block}"


def _serial(e: np.ndarray) -> tuple[tuple[float, ...], str]:
    m = min(16, int(math.log2(e.size)) - 3)
    return pattern.serial(e, m), f"m={m}"


def _apen(e: np.ndarray) -> tuple[tuple[float, ...], str]:
    m = min(10, int(math.log2(e.size)) - 6)
    return pattern.approximate_entropy(e, m), f"m={m}"


def _excursions(test: Callable[[np.ndarray], tuple[float, ...]]) -> Runner:
    def run(e: np.ndarray) -> tuple[tuple[float, ...], str]:
        _, cycles = pattern.excursion_walk(e)
        limit = max(500.0, 0.005 * math.sqrt(e.size))
        if cycles < limit:
            raise NotApplicable(f"J={cycles} cycles < {limit:g}")
        return test(e), f"J={cycles}"

    return run


# (name, the spec's minimum n, runner); non-overlapping's minimum is ours (the spec gives
# none): 8 blocks whose expected count per template, (M − 8)/512, is at least 5.
BATTERY: tuple[tuple[str, int, Runner], ...] = (
    ("Frequency", 100, lambda e: (basic.frequency(e), "")),
    ("BlockFrequency", 100, _block_frequency),
    ("Runs", 100, lambda e: (basic.runs(e), "")),
    ("LongestRun", 128, _longest_run),
    ("Rank", 38 * 32 * 32, lambda e: (basic.matrix_rank(e), "32x32")),
    ("FFT", 1000, lambda e: (basic.dft(e), "")),
    ("NonOverlappingTemplate", 8 * (5 * 512 + 8), lambda e: (pattern.non_overlapping_template(e), "m=9")),  # noqa: E501
    ("OverlappingTemplate", 1_000_000, lambda e: (pattern.overlapping_template(e), "m=9 M=1032")),
    ("Universal", 387_840, _universal),
    ("LinearComplexity", 1_000_000, lambda e: (pattern.linear_complexity(e), "M=500")),
    ("Serial", 128, _serial),
    ("ApproximateEntropy", 256, _apen),
    ("CumulativeSums", 100, lambda e: (basic.cumulative_sums(e), "forward, backward")),
    ("RandomExcursions", 1_000_000, _excursions(pattern.random_excursions)),
    ("RandomExcursionsVariant", 1_000_000, _excursions(pattern.random_excursions_variant)),
)  # fmt: skip
TEST_NAMES = tuple(name for name, _, _ in BATTERY)
MIN_BITS_ANY = min(n for _, n, _ in BATTERY)  # shorter: no test applies
MIN_BITS_ALL = max(n for _, n, _ in BATTERY)  # every test's minimum n is met


def as_bits(bits: np.ndarray) -> np.ndarray:
    """A 1-D uint8 copy of a 0/1 (or bool) array; BenchError for anything else."""
    a = np.asarray(bits)
    if a.ndim != 1 or (a.size and not np.isin(a, (0, 1)).all()):
        raise BenchError(f"a bit stream must be a 1-D array of 0/1, got shape {a.shape}")
    return a.astype(np.uint8)


def run_battery(bits: np.ndarray, alpha: float = ALPHA) -> list[TestResult]:
    """The 15 tests on one stream, in the spec's order; n/a results carry the reason."""
    e = as_bits(bits)
    if e.size < MIN_BITS_ANY:
        raise BenchError(
            f"a stream of {e.size} bits is too short for any NIST SP 800-22 test "
            f"(the shortest needs {MIN_BITS_ANY})"
        )
    out = []
    for name, min_n, run in BATTERY:
        if e.size < min_n:
            out.append(TestResult(name, (), f"n/a: needs n ≥ {min_n:,}", alpha))
            continue
        try:
            pvalues, note = run(e)
        except NotApplicable as exc:
            out.append(TestResult(name, (), f"n/a: {exc}", alpha))
            continue
        out.append(TestResult(name, tuple(pvalues), note, alpha))
    return out


def summary(results: list[TestResult]) -> tuple[int, int, float | None]:
    """(tests passed, tests that apply, smallest p-value over every test that applies)."""
    applied = [r for r in results if r.applies]
    smallest = min((r.min_p for r in applied), default=None)
    return sum(bool(r.passed) for r in applied), len(applied), smallest
