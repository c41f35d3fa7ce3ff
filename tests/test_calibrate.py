"""Matched-L0 calibration search, on a stand-in SAE whose L0 is a known function of its
coefficient (the real training path is covered by the matrix tests)."""

from dataclasses import dataclass

import pytest
import torch

from bench.config import TrainConfig
from bench.errors import BenchError
from bench.run import calibrate as cal


@dataclass
class FakeVariant:
    name: str = "fake"
    l1_coefficient: float = 1.0
    sparsity_coefficient = "l1_coefficient"


@pytest.fixture
def l0_curve(monkeypatch):
    """L0(coef) = 100 / sqrt(coef), clipped to [0, 128]; records the coefficients tried."""
    tried = []

    def fit(variant, train, cfg, device, seed):
        tried.append(variant.l1_coefficient)
        return min(128.0, 100 / variant.l1_coefficient**0.5)

    def encode_decode(l0, x):
        z = torch.zeros(4, 128)
        z[:, : round(l0)] = 1.0
        return z, None, None

    monkeypatch.setattr(cal, "fit", fit)
    monkeypatch.setattr(cal, "encode_decode", encode_decode)
    return tried


@pytest.mark.parametrize("target", [8, 32, 64, 120])
def test_reaches_target_within_tolerance(l0_curve, target):
    variant, _, record = cal.calibrate(
        FakeVariant(), None, None, TrainConfig(target_l0=target), "cpu", 0
    )
    assert abs(record["val_l0"] - target) <= cal.TOLERANCE * target + 0.5  # integer L0 here
    assert variant.l1_coefficient == record["coefficient"] == l0_curve[-1]
    assert len(record["trials"]) == len(l0_curve) <= cal.MAX_TRIALS


def test_the_search_tries_exactly_the_documented_coefficients(l0_curve):
    """Target 32 on L0 = round(100/√c): 1 → 100 and 4 → 50 are too dense, 16 → 25 too sparse
    (4× steps); then log-space interpolation with w = (50 − 32)/(50 − 25) = 0.72 gives
    4^0.28 · 16^0.72 = 2^3.44 → 30 (too sparse), then w = (50 − 32)/(50 − 30) = 0.9 gives
    4^0.1 · 2^(3.44·0.9) = 2^3.296 → 32: accepted."""
    _, _, record = cal.calibrate(FakeVariant(), None, None, TrainConfig(target_l0=32), "cpu", 0)
    assert l0_curve == pytest.approx([1.0, 4.0, 16.0, 2**3.44, 2**3.296], rel=1e-12)
    assert [t["val_l0"] for t in record["trials"]] == [100, 50, 25, 30, 32]
    assert record["coefficient"] == pytest.approx(2**3.296, rel=1e-12)


def test_unreachable_target_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(cal, "fit", lambda *a: 50.0)  # L0 never moves
    monkeypatch.setattr(cal, "encode_decode", lambda l0, x: (torch.ones(2, round(l0)), 0, 0))
    with pytest.raises(BenchError, match=r"fake: no l1_coefficient reached L0 32 ± 5% in 12"):
        cal.calibrate(FakeVariant(), None, None, TrainConfig(target_l0=32), "cpu", 0)
