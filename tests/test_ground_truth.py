"""Ground truth: the two systems' contract, their known features, and the three metrics on
hand-made inputs with known answers (perfect decoder, random decoder, perfect latents)."""

import math

import numpy as np
import pytest
import torch

from bench.errors import BenchError
from bench.metrics.ground_truth import (
    abs_correlations,
    f1,
    ground_truth_metrics,
    mcc,
    source_corr,
    uniqueness,
)
from systems.ground_truth import block_features, standardised_features
from systems.mixed_sources import MixedSources
from systems.superposition import Superposition

SYSTEMS = [Superposition(n_features=24), MixedSources()]


@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_labelled_windows_match_windows_and_features(system):
    x, s = system.labelled_windows(40, np.random.default_rng(3), 2)
    assert x.shape == (40, 2 * system.dim) and s.shape == (40, 2 * system.n_sources)
    np.testing.assert_array_equal(x, system.windows(40, np.random.default_rng(3), 2))
    f = system.features(2)  # (2F, 2D), rows ordered like the source columns
    assert f.shape == (2 * system.n_sources, 2 * system.dim)
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1.0, rtol=1e-12)
    if system.name == "superposition":  # the sample is exactly Σ_i a_i f_i
        np.testing.assert_allclose(s @ f, x, atol=1e-12)
    assert system.can_twin is False


def test_preflight_checks_the_ground_truth_systems_parameters():
    for system in SYSTEMS:
        assert system.preflight(system.window) is None
    with pytest.raises(BenchError, match=r"^superposition: r must be in \[3.6, 4\)"):
        Superposition(r=4.2).preflight(1)
    with pytest.raises(BenchError, match="mixed_sources: n_samples must be ≥ 2"):
        MixedSources(n_samples=1).preflight(1)


def test_mixed_sources_values_and_mixing():
    system = MixedSources()
    t = np.arange(3000)
    src = system.sources_at(t)  # (3000, 2)
    assert src.min() >= 0 and src.max() <= 2
    assert set(np.unique(src[:, 1])) == {0.0, 2.0}
    assert abs(np.corrcoef(src.T)[0, 1]) < 1e-10  # uncorrelated over the record
    x, s = system.labelled_windows(50, np.random.default_rng(0))
    np.testing.assert_allclose(x, s @ system.mixing.T, atol=1e-12)
    np.testing.assert_allclose(system.sources_at(t + 3000), src)  # the record repeats


def test_superposition_firing_rates_follow_zipf():
    system = Superposition(n_features=8, max_prob=0.4, min_prob=0.05)
    _, s = system.labelled_windows(4000, np.random.default_rng(1))
    rate = (s > 0).mean(axis=0)  # (8,)
    p = system.firing_probabilities
    assert np.all(np.diff(p) < 0)
    np.testing.assert_allclose(rate, p, atol=0.03)  # binomial sd ≤ 0.008
    active = s[s > 0]
    assert active.min() >= 0.5 and active.max() <= 1.5


def test_bad_parameters_raise():
    with pytest.raises(BenchError, match="r must be"):
        Superposition(r=4.0).windows(2, np.random.default_rng(0))
    with pytest.raises(BenchError, match="min_prob"):
        Superposition(min_prob=0.5, max_prob=0.2).windows(2, np.random.default_rng(0))
    with pytest.raises(BenchError, match="step_period"):
        MixedSources(step_period=1).windows(2, np.random.default_rng(0))


def test_block_and_standardised_features():
    f = np.array([[0.6, 0.8], [1.0, 0.0]])
    blocks = block_features(f, 2)  # (4, 4)
    np.testing.assert_array_equal(blocks[1], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(blocks[2], [0.0, 0.0, 0.6, 0.8])
    # std (2, 4): f/std = (0.3, 0.2) → (0.832.., 0.554..); the zero std counts as 1
    out = standardised_features(f, np.array([2.0, 4.0]))
    np.testing.assert_allclose(out[0], np.array([0.3, 0.2]) / math.hypot(0.3, 0.2))
    np.testing.assert_allclose(standardised_features(f, np.array([0.0, 1.0]))[1], [1.0, 0.0])


def test_mcc_of_permuted_sign_flipped_features_is_one():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((10, 16))
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    perm = rng.permutation(10)
    w_dec = 3.0 * f[perm] * np.where(rng.random(10) < 0.5, -1.0, 1.0)[:, None]
    extra = rng.standard_normal((6, 16))  # spare latents: m = 16 > F = 10
    w_dec = np.concatenate([w_dec, extra])
    assert mcc(w_dec, f) == pytest.approx(1.0, abs=1e-12)
    assert uniqueness(w_dec[:10], f) == 1.0


def test_mcc_of_a_random_decoder_is_the_floor():
    """64 random orthonormal features in 64-D. An untrained sae-lens decoder and Gaussian
    random decoders give the same mcc (the floor); by hand, an arbitrary pairing of random
    directions averages E|cos| = sqrt(2/(π·64)) ≈ 0.0997, and the best matching cannot beat
    the mean of each row's best |cos| (measured ≈ 0.32)."""
    from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig

    f = np.linalg.qr(np.random.default_rng(42).standard_normal((64, 64)))[0]
    torch.manual_seed(0)
    untrained = StandardTrainingSAE(StandardTrainingSAEConfig(d_in=64, d_sae=64))
    floor = mcc(untrained.W_dec.detach().double().numpy(), f)
    for seed in range(3):
        g = np.random.default_rng(seed).standard_normal((64, 64))
        assert mcc(g, f) == pytest.approx(floor, abs=0.02)
        cos = np.abs((g / np.linalg.norm(g, axis=1, keepdims=True)) @ f.T)  # (64, 64)
        assert cos.mean() == pytest.approx(math.sqrt(2 / (math.pi * 64)), abs=0.005)
        assert cos.mean() < mcc(g, f) <= cos.max(axis=1).mean()
    assert 0.25 < floor < 0.35


def test_source_corr_known_answers():
    rng = np.random.default_rng(0)
    s = rng.standard_normal((200, 3))
    assert source_corr(s, s) == pytest.approx(1.0)
    z = np.concatenate([-2 * s + 1, np.ones((200, 1))], axis=1)  # affine copies + a constant
    assert source_corr(z, s) == pytest.approx(1.0)
    assert abs_correlations(np.ones((200, 2)), s).max() == 0.0  # constant latents: r = 0
    # a source that never varies is left out; one latent = 0.6·s0 + 0.8·s1 (|r| = 0.6 and 0.8)
    s_ind = np.linalg.qr(rng.standard_normal((200, 2)))[0]
    s_ind -= s_ind.mean(axis=0)
    s_ind /= s_ind.std(axis=0)
    s_ind[:, 1] -= (s_ind[:, 0] @ s_ind[:, 1]) / 200 * s_ind[:, 0]  # exactly uncorrelated
    s_ind /= s_ind.std(axis=0)
    z = (0.6 * s_ind[:, 0] + 0.8 * s_ind[:, 1])[:, None]
    with_const = np.concatenate([s_ind, np.zeros((200, 1))], axis=1)
    assert source_corr(z, with_const) == pytest.approx(0.7, abs=1e-9)
    assert math.isnan(source_corr(z, np.zeros((200, 2))))


def test_ground_truth_metrics_without_features():
    z = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
    out = ground_truth_metrics(z, torch.randn(4, 3), z.numpy()[:, :2], None, sources_fire=True)
    assert math.isnan(out["mcc"]) and math.isnan(out["uniqueness"]) and math.isnan(out["f1"])
    assert out["source_corr"] == pytest.approx(1.0)


# Two features e0, e1 in 2-D; four samples with magnitudes 0.7 where a feature fires:
# feature 0 fires on samples 0, 1; feature 1 on samples 1, 2.
F1_FEATURES = np.eye(2)
F1_SOURCES = 0.7 * np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=float)
# Latent 0 → e0, latent 1 → e1, latent 2 → e0 (|cos| 0.99 against 0.11), latent 3 → e1.
F1_DECODER = np.array([[2.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.0, -3.0]])


def test_f1_by_hand():
    """Latent 0 fires on samples 0, 1 = feature 0 exactly: F1 = 1. Latent 1 fires on sample 1
    only (TP 1, FN 1 at sample 2): P = 1, R = ½, F1 = ⅔. Latent 2 fires on samples 0 and 3 (TP 1,
    FP 1 at 3, FN 1 at 1): P = R = ½, F1 = ½. Latent 3 never fires (its 1e-9 is below ε): F1 0.
    Mean over latents: (1 + ⅔ + ½ + 0) / 4 = 13/24."""
    z = np.array(
        [[1.0, 0.0, 0.3, 0.0], [2.0, 1.0, 0.0, 1e-9], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, -0.5, 0.0]]
    )
    assert f1(z, F1_DECODER, F1_SOURCES, F1_FEATURES) == pytest.approx(13 / 24, rel=1e-6)
    perfect = np.stack([F1_SOURCES[:, 0], F1_SOURCES[:, 1]], axis=1)  # (4, 2) = the sources
    assert f1(perfect, F1_FEATURES, F1_SOURCES, F1_FEATURES) == 1.0
    out = ground_truth_metrics(z, F1_DECODER, F1_SOURCES, F1_FEATURES, sources_fire=True)
    assert out["f1"] == pytest.approx(13 / 24, rel=1e-6)
    # sources that are not firing magnitudes (mixed_sources' sine is never 0): no f1
    assert math.isnan(ground_truth_metrics(z, F1_DECODER, F1_SOURCES, F1_FEATURES)["f1"])
    with pytest.raises(ValueError, match="one source per feature"):
        f1(z, F1_DECODER, F1_SOURCES[:, :1], F1_FEATURES)


def test_which_systems_sources_fire():
    assert Superposition.sources_fire and not MixedSources.sources_fire
    s = Superposition(n_features=8).labelled_windows(500, np.random.default_rng(0))[1]
    assert 0 < (s == 0).mean() < 1 and (s[s != 0] >= 0.5).all()  # off: exactly 0, on: ≥ 0.5
