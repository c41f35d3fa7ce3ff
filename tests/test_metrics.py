"""Metrics on hand-made tensors with known answers, plus invariants over random ones."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import metrics
from bench.metrics import evaluate

Z = torch.tensor([[0.0, 1.0, 0.0], [0.0, 3.0, 2.0]])  # latent 0 is dead
W_DEC = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])  # row norms² 1, 4, 9
X = torch.tensor([[1.0, 2.0], [3.0, 6.0]])


def test_sparsity_l0_and_dead_fraction_known():
    m = evaluate(X, X, Z, W_DEC)
    assert m["sparsity"] == pytest.approx(3 / 6)
    assert m["l0"] == pytest.approx(1.5)
    assert m["dead_frac"] == pytest.approx(1 / 3)


def test_variances_known():
    m = evaluate(X, X, Z, W_DEC)
    # per-latent population variances: 0, 1, 1
    assert m["variance"] == pytest.approx(2 / 3)
    assert m["variance_alive"] == pytest.approx(1.0)
    assert m["decoded_variance"] == pytest.approx((0 * 1 + 1 * 4 + 1 * 9) / 3)
    assert m["score"] == pytest.approx((2 / 3) / (1 - 0.5 + 0.01))


def test_mean_predictor_has_fvu_one_and_perfect_has_zero():
    x = torch.randn(50, 7, generator=torch.Generator().manual_seed(0))
    assert metrics.fvu(x, x.mean(dim=0).expand_as(x)) == pytest.approx(1.0)
    assert metrics.fvu(x, x) == 0.0
    m = evaluate(x, x + 0.5, torch.ones(50, 3), torch.ones(3, 7))
    assert m["mse"] == pytest.approx(0.25)
    assert m["explained_variance"] == pytest.approx(1 - m["fvu"])


def test_all_dead_latents():
    m = evaluate(X, X, torch.zeros(2, 3), W_DEC)
    assert (m["dead_frac"], m["variance"], m["variance_alive"], m["l0"]) == (1.0, 0.0, 0.0, 0.0)


def test_divergence_ratio_known():
    a = torch.zeros(3, 2)
    b = torch.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0]])
    assert metrics.divergence_ratio(a, b) == pytest.approx(4.0)
    assert math.isinf(metrics.divergence_ratio(a, torch.tensor([[0.0, 0], [1, 1], [1, 1]])))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 20),
    m=st.integers(1, 12),
    p_zero=st.floats(0, 1),
    seed=st.integers(0, 10_000),
)
def test_invariants(n, m, p_zero, seed):
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, m, generator=gen) * (torch.rand(n, m, generator=gen) > p_zero)
    x = torch.randn(n, 5, generator=gen)
    out = evaluate(x, torch.randn(n, 5, generator=gen), z, torch.randn(m, 5, generator=gen))
    assert out["sparsity"] + out["l0"] / m == pytest.approx(1.0)
    assert 0.0 <= out["dead_frac"] <= out["sparsity"] + 1e-12
    assert out["variance"] >= 0 and out["decoded_variance"] >= 0
    assert out["variance_alive"] >= out["variance"] - 1e-12
