"""Known answers for the SAEBench core-parity metrics (bench.metrics.saebench)."""

import math

import pytest
import torch

from baselines.omp import OMPModel
from bench.metrics.saebench import (
    cossim,
    decoder_max_cos,
    effective_encoder,
    encoder_spectral_norm,
    l2_ratio,
    saebench_metrics,
    shrinkage,
)


def test_shrinkage_of_half_reconstruction_is_half():
    x = torch.randn(50, 7, generator=torch.Generator().manual_seed(0))
    assert shrinkage(x, 0.5 * x) == pytest.approx(0.5, abs=1e-12)
    assert shrinkage(x, x) == pytest.approx(1.0, abs=1e-12)


def test_shrinkage_is_a_ratio_of_means_not_a_mean_of_ratios():
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    x_hat = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    # E‖x̂‖² = (4 + 1) / 2, E⟨x, x̂⟩ = (2 + 2) / 2
    assert shrinkage(x, x_hat) == pytest.approx(5 / 4)
    assert math.isnan(shrinkage(x, torch.zeros_like(x)))


def test_cossim_hand_value():
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
    x_hat = torch.tensor([[0.0, 1.0], [2.0, 2.0], [0.0, 0.0]])  # cos 0, 1, and 0 (zero row)
    assert cossim(x, x_hat) == pytest.approx(1 / 3)
    assert cossim(x, -x) == pytest.approx(-1.0)


def test_l2_ratio_hand_value_skips_zero_inputs():
    x = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0]])
    x_hat = torch.tensor([[6.0, 8.0], [0.0, 0.5], [1.0, 1.0]])  # 2, 0.5, skipped
    assert l2_ratio(x, x_hat) == pytest.approx(1.25)


def test_decoder_max_cos_of_orthonormal_decoder_is_zero():
    q, _ = torch.linalg.qr(
        torch.randn(9, 9, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    )
    assert decoder_max_cos(q[:6]) == pytest.approx(0.0, abs=1e-12)  # 6 orthonormal rows


def test_decoder_max_cos_hand_values_and_dead_rows():
    # rows e1, −2·e1, e2: |cos| maxima 1, 1, 0
    assert decoder_max_cos(torch.tensor([[1.0, 0.0], [-2.0, 0.0], [0.0, 1.0]])) == pytest.approx(
        2 / 3
    )
    # a dead (all-zero) row is left out: e1 and (1, 1) each see 1/√2
    w = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    assert decoder_max_cos(w) == pytest.approx(1 / math.sqrt(2))
    assert math.isnan(decoder_max_cos(torch.tensor([[1.0, 0.0], [0.0, 0.0]])))


def test_spectral_norm_of_a_diagonal_matrix():
    assert encoder_spectral_norm(torch.diag(torch.tensor([3.0, -5.0, 1.0]))) == pytest.approx(5.0)
    assert math.isnan(encoder_spectral_norm(None))


def test_effective_encoder_is_w_enc_or_none():
    # (sae-lens SAEs are checked in test_references.py, which imports sae-lens anyway)
    model = torch.nn.Linear(1, 1)
    model.W_enc = torch.nn.Parameter(torch.diag(torch.tensor([2.0, -7.0])))
    assert encoder_spectral_norm(effective_encoder(model)) == pytest.approx(7.0)
    assert effective_encoder(OMPModel(torch.eye(3), torch.zeros(3), 1)) is None


def test_saebench_metrics_on_an_exact_autoencoder():
    x = torch.randn(20, 3, generator=torch.Generator().manual_seed(2))
    model = OMPModel(torch.eye(3), torch.zeros(3), 3)  # no linear encoder
    out = saebench_metrics(x, x, torch.eye(3), model)
    assert out["shrinkage"] == pytest.approx(1.0)
    assert out["cossim"] == pytest.approx(1.0)
    assert out["l2_ratio"] == pytest.approx(1.0)
    assert out["decoder_max_cos"] == pytest.approx(0.0)
    assert math.isnan(out["encoder_spectral_norm"])
