"""Known answers for the reference rows (pca, sparse_coding), OMP inference, the amortisation
gap, and the Matching Pursuit SAE through the one training loop."""

import numpy as np
import pytest
import torch

from baselines.omp import OMPModel, omp_codes
from baselines.pca import PCA
from baselines.sae_lens_saes import MatchingPursuit
from baselines.sparse_coding import SparseCoding
from bench.config import TrainConfig
from bench.errors import BenchError
from bench.metrics.core import fvu, l0
from bench.metrics.inference import encode_decode
from bench.metrics.saebench import effective_encoder, encoder_spectral_norm
from bench.metrics.sparse_inference import amortization_gap, decoder_bias, omp_fvu, omp_k
from bench.train import fit


def correlated(n: int, d: int, seed: int) -> torch.Tensor:
    """(n, d) float64 rows with a decaying spectrum and a non-zero mean."""
    g = torch.Generator().manual_seed(seed)
    scales = torch.logspace(0, -2, d, dtype=torch.float64)
    mix = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))[0]
    return (torch.randn(n, d, generator=g, dtype=torch.float64) * scales) @ mix + 3.0


def sparse_data(n: int, d: int, m: int, k: int, seed: int):
    """Dictionary (m, d) of random-norm rows (two dead), bias (d,), exactly k-sparse x (n, d)."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(m, d, generator=g, dtype=torch.float64)
    w *= 0.5 + torch.rand(m, 1, generator=g, dtype=torch.float64)
    w[[3, 7]] = 0.0  # dead decoder rows
    alive = [j for j in range(m) if j not in (3, 7)]
    z = torch.zeros(n, m, dtype=torch.float64)
    for i in range(n):
        idx = torch.tensor(alive)[torch.randperm(len(alive), generator=g)[:k]]
        sign = torch.randint(0, 2, (k,), generator=g).double() * 2 - 1
        z[i, idx] = sign * (1.0 + torch.rand(k, generator=g, dtype=torch.float64))
    b = torch.randn(d, generator=g, dtype=torch.float64)
    return w, b, z @ w + b


# --- pca ---


def test_pca_fvu_equals_numpy_svd():
    x = correlated(300, 24, seed=0)
    k = 5
    sae = PCA().fit(x.float(), TrainConfig(d_sae=64, k=k), "cpu", seed=0)
    z, x_hat, _ = encode_decode(sae, x.float())
    assert z.shape == (300, 2 * k)  # d_sae = 2k, not cfg.d_sae
    assert (z.abs() > 0).sum(dim=1).max() <= k
    s = np.linalg.svd(x.numpy() - x.numpy().mean(axis=0), compute_uv=False)
    assert fvu(x, x_hat) == pytest.approx((s[k:] ** 2).sum() / (s**2).sum(), abs=1e-6)
    # held-out windows: x̂ = μ + (x − μ) VᵀV with numpy's V
    test = correlated(100, 24, seed=1)
    _, _, vt = np.linalg.svd(x.numpy() - x.numpy().mean(axis=0), full_matrices=False)
    mu = x.numpy().mean(axis=0)
    proj = mu + (test.numpy() - mu) @ vt[:k].T @ vt[:k]
    _, x_hat_test, _ = encode_decode(sae, test.float())
    assert fvu(test, x_hat_test) == pytest.approx(fvu(test, torch.from_numpy(proj)), abs=1e-6)


def test_pca_refuses_training_and_keeps_every_component_when_k_is_too_large():
    with pytest.raises(BenchError):
        PCA().build(8, TrainConfig(), "cpu")
    x = torch.randn(10, 4)
    sae = PCA().fit(x, TrainConfig(k=5), "cpu", seed=0)  # 4 components exist
    _, x_hat, _ = encode_decode(sae, x)
    assert sae.cfg.d_sae == 8 and fvu(x, x_hat) < 1e-10


def test_sae_lens_encoder_and_pca_gap_is_zero():
    x = correlated(200, 16, seed=2)
    sae = PCA().fit(x.float(), TrainConfig(k=4), "cpu", seed=0)
    assert effective_encoder(sae).shape == (16, 8)
    # [Vᵀ, −Vᵀ] with orthonormal V: every singular value is √2
    assert encoder_spectral_norm(effective_encoder(sae)) == pytest.approx(2**0.5, abs=1e-5)
    # OMP on the ± component dictionary at L0 = k finds the same projection
    z, x_hat, w_dec = encode_decode(sae, x.float())
    f_omp, gap = amortization_gap(x, x_hat, w_dec, decoder_bias(sae, 8), l0(z))
    assert gap == pytest.approx(0.0, abs=1e-5)


# --- OMP ---


def test_omp_recovers_exactly_sparse_data_with_dead_rows_and_bias():
    w, b, x = sparse_data(n=60, d=64, m=40, k=3, seed=3)
    assert omp_fvu(x, w, b, k=3) < 1e-6
    z = omp_codes(x, w, b, k=3)
    assert z.shape == (60, 40)
    assert (z.abs() > 0).sum(dim=1).max() <= 3
    assert (z[:, [3, 7]] == 0).all()  # dead rows never selected


def test_omp_edge_cases():
    x = torch.randn(5, 4, dtype=torch.float64)
    assert (omp_codes(x, torch.zeros(3, 4), torch.zeros(4), k=2) == 0).all()
    z = omp_codes(x[:1], torch.eye(4), torch.zeros(4), k=10)  # one row; k clipped to 4
    torch.testing.assert_close(z, x[:1])
    assert [omp_k(v, 8) for v in (0.0, 2.5, 3.49, 100.0, float("nan"))] == [1, 3, 3, 8, 1]


@pytest.mark.parametrize(
    ("m", "d", "n", "k"), [(48, 64, 30, 40), (64, 12, 30, 10), (9, 3, 20, 9), (16, 16, 1, 16)]
)
def test_gram_omp_is_scikit_learns_gram_omp_bit_for_bit(m, d, n, k):
    """Dense (k near d), overcomplete, k = m with dependent atoms (early stops), one sample."""
    import warnings

    from sklearn.linear_model import orthogonal_mp_gram

    from baselines.omp import gram_omp

    rng = np.random.default_rng(m + d)
    atoms = rng.standard_normal((m, d))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    x = rng.standard_normal((n, d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = orthogonal_mp_gram(atoms @ atoms.T, atoms @ x.T, n_nonzero_coefs=k)
    got = gram_omp(atoms @ atoms.T, atoms @ x.T, k)
    np.testing.assert_array_equal(got, ref.reshape(m, n))
    pairs = np.concatenate([atoms[:4], -atoms[:4]])  # ± pairs: dependent after 4 atoms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = orthogonal_mp_gram(pairs @ pairs.T, pairs @ x.T, n_nonzero_coefs=8)
    np.testing.assert_array_equal(gram_omp(pairs @ pairs.T, pairs @ x.T, 8), ref.reshape(8, n))


def test_gap_is_zero_for_an_encoder_that_is_omp_on_its_own_dictionary():
    w, b, _ = sparse_data(n=1, d=12, m=20, k=1, seed=4)
    x = torch.randn(80, 12, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    model = OMPModel(w, b, k=4)
    z, x_hat, w_dec = encode_decode(model, x)
    torch.testing.assert_close(w_dec, w)
    f_omp, gap = amortization_gap(x, x_hat, w_dec, decoder_bias(model, 20), l0(z))
    assert l0(z) == pytest.approx(4.0)
    assert 0 < f_omp < 1
    assert gap == pytest.approx(0.0, abs=1e-12)


# --- sparse_coding ---


def test_sparse_coding_shapes_and_at_most_k_nonzeros():
    x = correlated(200, 20, seed=6)
    cfg = TrainConfig(d_sae=16, k=4)
    model = SparseCoding(max_iter=2, batch_size=64).fit(x.float(), cfg, "cpu", seed=0)
    z, x_hat, w_dec = encode_decode(model, x.float())
    assert z.shape == (200, 16) and x_hat.shape == (200, 20) and w_dec.shape == (16, 20)
    assert z.dtype == x_hat.dtype == torch.float32
    assert (z.abs() > 0).sum(dim=1).max() <= 4
    assert fvu(x, x_hat) < 1.0
    z64, x_hat64, _ = encode_decode(model.double(), x)  # float64 in, float64 out
    assert z64.dtype == torch.float64
    torch.testing.assert_close(x_hat64, x_hat.double(), rtol=1e-4, atol=1e-4)
    with pytest.raises(BenchError):
        SparseCoding().build(20, cfg, "cpu")


# --- mp ---


def test_mp_trains_and_encodes_at_most_k():
    x = torch.randn(128, 24, generator=torch.Generator().manual_seed(7))
    cfg = TrainConfig(n_train=128, epochs=2, batch_size=32, d_sae=16, k=3)
    sae = fit(MatchingPursuit(), x, cfg, "cpu", seed=0)
    z, x_hat, w_dec = encode_decode(sae, x)
    assert z.shape == (128, 16) and x_hat.shape == (128, 24) and w_dec.shape == (16, 24)
    assert (z.abs() > 0).sum(dim=1).max() <= 3
    assert fvu(x, x_hat) < 1.0
