"""The learning curve of a training and the convergence flags read from it."""

import pytest
import torch

from bench.config import TrainConfig
from bench.metrics import fvu
from bench.registry import get_sae
from bench.train import CURVE_POINTS, convergence, last_quarter_gain, train_sae

SAMPLES = [100 * i for i in range(1, 13)]  # 12 evenly spaced points, the last at the end


@pytest.mark.parametrize(
    ("val_fvu", "expected"),
    [
        # at 9/12 (900 samples) 0.500, at the end 0.496: improved 0.8 % < 1 %; min = final
        ([0.9, 0.8, 0.7, 0.6, 0.55, 0.52, 0.51, 0.505, 0.5, 0.499, 0.497, 0.496], (True, False)),
        # 0.500 → 0.490: improved 2 % ≥ 1 %: not converged
        ([0.9, 0.8, 0.7, 0.6, 0.55, 0.52, 0.51, 0.505, 0.5, 0.497, 0.493, 0.490], (False, False)),
        # the minimum 0.400 at 5/12, the end 0.410 = 2.5 % above it: overfit (and "converged":
        # it got worse over the last quarter)
        ([0.9, 0.7, 0.5, 0.45, 0.4, 0.401, 0.402, 0.404, 0.405, 0.407, 0.409, 0.41], (True, True)),
        # 2 % above the minimum exactly is not overfit (strictly more than 2 %)
        ([0.5] * 11 + [0.51], (True, False)),
    ],
)
def test_convergence_flags_by_hand(val_fvu, expected):
    assert convergence(SAMPLES, val_fvu) == expected


def test_the_last_quarters_gain_by_hand():
    # the point at or before 75 % of 1200 samples is the 9th (900): 0.5 → 0.49 is 2 %
    assert last_quarter_gain(SAMPLES, [1.0] * 8 + [0.5, 0.5, 0.5, 0.49]) == pytest.approx(0.02)
    assert last_quarter_gain(SAMPLES, [1.0] * 8 + [0.4, 0.4, 0.4, 0.5]) == pytest.approx(-0.25)
    assert last_quarter_gain(SAMPLES, [0.0] * 12) == 0.0
    assert last_quarter_gain([100], [0.5]) is None


def test_a_curve_too_short_for_its_last_quarter_has_no_flags():
    assert convergence([100], [0.5]) == (None, None)
    assert convergence([100, 101], [0.5, 0.4]) == (None, None)  # 100 > 75 % of 101


def test_the_curve_has_evenly_spaced_points_and_ends_with_the_trained_sae():
    torch.manual_seed(0)
    x, val = torch.randn(512, 12), torch.randn(64, 12)
    cfg = TrainConfig(n_train=512, n_test=64, epochs=3, batch_size=16, d_sae=8, k=2)
    sae = get_sae("topk")().build(12, cfg, "cpu")
    curve = train_sae(sae, x, cfg, "cpu", 0, val=val)
    steps = 512 // 16 * 3
    assert len(curve.step) == CURVE_POINTS and curve.step[-1] == steps
    assert curve.samples[-1] == steps * 16
    spacing = [b - a for a, b in zip([0, *curve.samples], curve.samples, strict=False)]
    assert max(spacing) - min(spacing) <= 16 * 2  # even up to a batch or two
    with torch.no_grad():
        sae.eval()
        assert curve.val_fvu[-1] == pytest.approx(fvu(val, sae.decode(sae.encode(val))))
    assert all(0 <= v <= 8 for v in curve.val_l0)


def test_no_val_no_curve():
    cfg = TrainConfig(n_train=64, n_test=16, epochs=1, batch_size=16, d_sae=8, k=2)
    sae = get_sae("relu")().build(6, cfg, "cpu")
    assert train_sae(sae, torch.randn(64, 6), cfg, "cpu", 0) is None
