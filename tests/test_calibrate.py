"""Matched-L0 calibration search, on stand-in SAEs whose L0 is a known function of their
coefficient (the real training path is covered by the matrix tests): a penalty (a lower value
is denser) and a lifetime sparsity (a higher value is denser, valid in (0, 1])."""

from dataclasses import dataclass
from typing import ClassVar

import pytest
import torch

from bench.config import TrainConfig
from bench.errors import BenchError
from bench.run import calibrate as cal


@dataclass
class FakePenalty:
    name: ClassVar[str] = "fake"
    l0_control: ClassVar[str] = "coefficient"
    sparsity_field: ClassVar[str] = "l1_coefficient"
    denser_when: ClassVar[str] = "lower"
    l1_coefficient: float = 1.0

    def check(self, cfg) -> None:
        if self.l1_coefficient < 0:
            raise BenchError("negative")


@dataclass
class FakeLifetime:
    name: ClassVar[str] = "fake_wta"
    l0_control: ClassVar[str] = "coefficient"
    sparsity_field: ClassVar[str] = "lifetime_sparsity"
    denser_when: ClassVar[str] = "higher"
    lifetime_sparsity: float = 0.05

    def check(self, cfg) -> None:
        if not 0 < self.lifetime_sparsity <= 1:
            raise BenchError("lifetime_sparsity must be in (0, 1]")


def stand_in(monkeypatch, l0_of) -> list[float]:
    """Training gives L0 = round(l0_of(variant)); returns the list of variants tried."""
    tried = []

    def fit_tracked(variant, train, val, cfg, device, seed):
        tried.append(variant)
        return l0_of(variant), None  # (the "model", no learning curve)

    def encode_decode(l0, x):
        z = torch.zeros(4, 128)
        z[:, : round(l0)] = 1.0
        return z, None, None

    monkeypatch.setattr(cal, "fit_tracked", fit_tracked)
    monkeypatch.setattr(cal, "encode_decode", encode_decode)
    return tried


@pytest.fixture
def l0_curve(monkeypatch):
    """L0(coef) = 100 / sqrt(coef), clipped to [0, 128]; the coefficients tried."""
    tried = stand_in(monkeypatch, lambda v: min(128.0, 100 / v.l1_coefficient**0.5))
    return tried


def run(variant, target):
    return cal.calibrate(
        variant, None, None, cfg=TrainConfig(target_l0=target), device="cpu", seed=0
    )


@pytest.mark.parametrize("target", [8, 32, 64, 120])
def test_reaches_target_within_tolerance(l0_curve, target):
    variant, _, _, record = run(FakePenalty(), target)
    assert abs(record["val_l0"] - target) <= cal.TOLERANCE * target + 0.5  # integer L0 here
    assert variant.l1_coefficient == record["coefficient"] == l0_curve[-1].l1_coefficient
    assert len(record["trials"]) == len(l0_curve) <= cal.MAX_TRIALS


def test_the_search_tries_exactly_the_documented_coefficients(l0_curve):
    """Target 32 on L0 = round(100/√c): 1 → 100 and 4 → 50 are too dense, 16 → 25 too sparse
    (4× steps); then log-space interpolation with w = (50 − 32)/(50 − 25) = 0.72 gives
    4^0.28 · 16^0.72 = 2^3.44 → 30 (too sparse), then w = (50 − 32)/(50 − 30) = 0.9 gives
    4^0.1 · 2^(3.44·0.9) = 2^3.296 → 32: accepted."""
    _, _, _, record = run(FakePenalty(), 32)
    tried = [v.l1_coefficient for v in l0_curve]
    assert tried == pytest.approx([1.0, 4.0, 16.0, 2**3.44, 2**3.296], rel=1e-12)
    assert [t["val_l0"] for t in record["trials"]] == [100, 50, 25, 30, 32]
    assert record["coefficient"] == pytest.approx(2**3.296, rel=1e-12)


def test_a_higher_is_denser_field_is_searched_upward_inside_its_range(monkeypatch):
    """L0 = 128 p for lifetime sparsity p. Target 120 (p = 0.9375) from p = 0.05: 4× steps give
    0.2 → 25.6 and 0.8 → 102.4, both too sparse; 3.2, then 1.6 and 0.8·√2 ≈ 1.13 leave (0, 1],
    so the step is shortened to 0.8 · 2^¼ ≈ 0.951 → L0 121.8, within 5 %: accepted."""
    tried = stand_in(monkeypatch, lambda v: 128 * v.lifetime_sparsity)
    variant, _, _, record = run(FakeLifetime(), 120)
    values = [v.lifetime_sparsity for v in tried]
    assert values == pytest.approx([0.05, 0.2, 0.8, 0.8 * 2**0.25], rel=1e-12)
    assert all(0 < p <= 1 for p in values)
    assert variant.lifetime_sparsity == pytest.approx(0.8 * 2**0.25, rel=1e-12)
    assert record["field"] == "lifetime_sparsity"


def test_a_higher_is_denser_field_is_searched_downward_when_too_dense(monkeypatch):
    """Target 2 from p = 0.05 (L0 6.4, too dense): the search lowers p, 4× at a time."""
    tried = stand_in(monkeypatch, lambda v: 128 * v.lifetime_sparsity)
    run(FakeLifetime(), 2)
    values = [v.lifetime_sparsity for v in tried]
    assert values[:2] == pytest.approx([0.05, 0.0125], rel=1e-12)
    assert all(0 < p <= 1 for p in values)


def test_a_target_beyond_the_valid_range_is_a_clear_error(monkeypatch):
    """L0 = 64 p cannot pass 64 with p ≤ 1: the search stops at the edge of (0, 1]."""
    tried = stand_in(monkeypatch, lambda v: 64 * v.lifetime_sparsity)
    with pytest.raises(BenchError, match=r"fake_wta: no valid lifetime_sparsity reaches L0 100"):
        run(FakeLifetime(), 100)
    assert all(0 < v.lifetime_sparsity <= 1 for v in tried)


def test_unreachable_target_is_a_clear_error(monkeypatch):
    stand_in(monkeypatch, lambda v: 50.0)  # L0 never moves
    with pytest.raises(BenchError, match=r"fake: no l1_coefficient reached L0 32 ± 5% in 12"):
        run(FakePenalty(), 32)
