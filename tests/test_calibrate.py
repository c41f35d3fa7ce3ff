"""Matched-L0 calibration search, on stand-in SAEs whose L0 is a known function of their
coefficient (the real training path is covered by the matrix tests): a penalty (a lower value
is denser) and a lifetime sparsity (a higher value is denser, valid in (0, 1])."""

import math
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
    """Target 32 on L0 = round(100/√c) from c = 1 (L0 100, too dense). One point: the prior
    slope −1 in log-log gives c = 100/32 = 3.125 → L0 round(56.57) = 57. Two points: the secant
    s = ln(57/100)/ln(3.125) ≈ −0.4933 gives ln c = ln 3.125 + ln(32/57)/s ≈ ln 10.07 → L0
    round(31.51) = 32: accepted."""
    _, _, _, record = run(FakePenalty(), 32)
    slope = math.log(57 / 100) / math.log(3.125)
    third = math.exp(math.log(3.125) + math.log(32 / 57) / slope)
    assert [v.l1_coefficient for v in l0_curve] == pytest.approx([1.0, 3.125, third], rel=1e-12)
    assert [t["val_l0"] for t in record["trials"]] == [100, 57, 32]
    assert third == pytest.approx(10.07, abs=0.01)


def test_a_bracketed_target_is_interpolated_between_the_brackets_ends():
    """Points (log c, log L0) = (0, ln 100) too dense and (ln 16, ln 25) too sparse around
    ln 32: w = (ln 100 − ln 32)/(ln 100 − ln 25) = ln 3.125 / ln 4 ≈ 0.822, so
    ln c = w · ln 16 (c ≈ 9.77)."""
    points = [(0.0, math.log(100)), (math.log(16), math.log(25))]
    w = math.log(3.125) / math.log(4)
    got = cal._next_log_coef(points, math.log(32), sign=-1.0)
    assert got == pytest.approx(w * math.log(16), rel=1e-12)
    assert math.exp(got) == pytest.approx(9.77, abs=0.01)


def test_a_step_is_at_most_sixteen_fold():
    """L0 10000 for a target of 1 with the prior slope: ln 10000 ≈ 9.2 > ln 16, so ×16."""
    got = cal._next_log_coef([(0.0, math.log(10000))], 0.0, sign=-1.0)
    assert got == pytest.approx(math.log(16), rel=1e-12)


def test_a_secant_pointing_the_wrong_way_falls_back_to_the_prior_slope():
    """A denser-when-lower field whose L0 rose with the coefficient (noise): the prior slope
    −1 from the last point, ln c = ln 2 + (ln 32 − ln 60)/(−1)."""
    points = [(0.0, math.log(50)), (math.log(2), math.log(60))]
    got = cal._next_log_coef(points, math.log(32), sign=-1.0)
    assert got == pytest.approx(math.log(2) + math.log(60 / 32), rel=1e-12)


def test_a_higher_is_denser_field_is_searched_upward_inside_its_range(monkeypatch):
    """L0 = round(128 p) for lifetime sparsity p. Target 120 from p = 0.05 (L0 6): the prior
    slope +1 asks for 20×, clipped to 16×: p = 0.8 → L0 102, still too sparse; the secant
    s = ln(102/6)/ln 16 then gives ln p = ln 0.8 + ln(120/102)/s (p ≈ 0.938) → L0 120."""
    tried = stand_in(monkeypatch, lambda v: 128 * v.lifetime_sparsity)
    variant, _, _, record = run(FakeLifetime(), 120)
    values = [v.lifetime_sparsity for v in tried]
    slope = math.log(102 / 6) / math.log(16)
    expected = math.exp(math.log(0.8) + math.log(120 / 102) / slope)
    assert values == pytest.approx([0.05, 0.8, expected], rel=1e-12)
    assert all(0 < p <= 1 for p in values)
    assert variant.lifetime_sparsity == pytest.approx(expected, rel=1e-12)
    assert record["field"] == "lifetime_sparsity"


def test_a_higher_is_denser_field_is_searched_downward_when_too_dense(monkeypatch):
    """Target 2 from p = 0.05 (L0 6.4 → 6, too dense): the prior slope lowers p to
    0.05 · 2/6."""
    tried = stand_in(monkeypatch, lambda v: 128 * v.lifetime_sparsity)
    run(FakeLifetime(), 2)
    values = [v.lifetime_sparsity for v in tried]
    assert values[:2] == pytest.approx([0.05, 0.05 * 2 / 6], rel=1e-12)
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
