"""Known answers for the dynamics metrics (bench.metrics.dynamics) and the twin-orbit probe.

Hand-made histograms and spectra with values computed by hand; an exact autoencoder (sae-lens
StandardSAE with ± identity pairs) and the mean-window predictor; the input growth rate of
twin orbits against each system's declared λ₁; a system defined here (not built in) going
through the same code with no edit.
"""

import math
from dataclasses import dataclass

import numpy as np
import pytest

from bench.metrics.dynamics import forecast_r2, spectrum_distance
from bench.metrics.state_space import state_space_divergence
from bench.metrics.twin_probe import (
    fit_mask,
    float64_codec,
    growth_rate,
    probe_inputs,
    probe_steps,
    twin_probe,
    twin_windows,
)
from systems.base import System
from systems.henon import Henon
from systems.logistic import Logistic
from systems.lorenz96 import Lorenz96
from systems.mackey_glass import MackeyGlass


def test_state_space_divergence_by_hand():
    """3 × 3 bins. Data o = (0, 1, 2, 0), lag 1: pairs (0, 1), (1, 2), (2, 0); on each axis the
    values 0, 1, 2 (σ = √(2/3)) give edges −0.1σ … 2 + 0.1σ in thirds, so 0, 1, 2 fall in bins
    0, 1, 2: h = 1 at (0,1), (1,2), (2,0). Reconstruction (0, 0, 2, 5): pairs (0, 0), (0, 2) and
    (2, 5), dropped (5 > 2 + 0.1σ): g = 1 at (0,0), (0,2). With α = 1e-5, p = (h + α)/(3 + 9α),
    q = (g + α)/(2 + 9α): KL = 3 p₁ ln(p₁/q₀) + 2 p₀ ln(p₀/q₁) + 4 p₀ ln(p₀/q₀)."""
    a = 1e-5
    p1, p0 = (1 + a) / (3 + 9 * a), a / (3 + 9 * a)
    q1, q0 = (1 + a) / (2 + 9 * a), a / (2 + 9 * a)
    expected = 3 * p1 * math.log(p1 / q0) + 2 * p0 * math.log(p0 / q1) + 4 * p0 * math.log(p0 / q0)
    x = np.array([0.0, 1.0, 2.0, 0.0]).reshape(1, 4, 1)  # (n, window, D)
    x_hat = np.array([0.0, 0.0, 2.0, 5.0]).reshape(1, 4, 1)
    assert state_space_divergence(x, x_hat, lag=1, bins=3) == pytest.approx(expected, rel=1e-12)
    assert state_space_divergence(x, x, lag=1, bins=3) == 0.0
    # clipping the outside pair (2, 5) into bin (2, 2) instead would give another value
    clipped = np.array([0.0, 0.0, 2.0, 2.0]).reshape(1, 4, 1)
    assert state_space_divergence(x, clipped, lag=1, bins=3) != pytest.approx(expected, rel=1e-3)
    outside = np.array([-5.0, 7.0, -5.0, 7.0]).reshape(1, 4, 1)  # no pair inside: NaN
    assert math.isnan(state_space_divergence(x, outside, lag=1, bins=3))
    assert math.isnan(state_space_divergence(np.ones((2, 4, 1)), x_hat, lag=1, bins=3))


def test_bin_index_is_a_binary_search_over_the_edges():
    """The arithmetic bin index equals searchsorted(edges, v, "right") − 1 everywhere, on the
    edges themselves and their floating-point neighbours included."""
    from bench.metrics.state_space import _bin_index

    rng = np.random.default_rng(1)
    for _ in range(50):
        low, high = np.sort(rng.normal(size=2) * 10 ** rng.uniform(-3, 3, 2))
        edges = np.linspace(low, high + 1e-9, int(rng.integers(1, 40)) + 1)
        span = edges[-1] - edges[0]
        v = np.concatenate(
            [
                rng.uniform(edges[0] - span, edges[-1] + span, 2000),
                edges,
                np.nextafter(edges, -np.inf),
                np.nextafter(edges, np.inf),
            ]
        )
        expected = np.searchsorted(edges, v, side="right") - 1
        np.testing.assert_array_equal(_bin_index(v, edges), expected)


def _stsp_by_histogram2d(x: np.ndarray, x_hat: np.ndarray, lag: int, bins: int = 30) -> float:
    """The recipe written independently: numpy.histogram2d over the data's range ± 0.1σ per
    axis (it drops what lies outside `range`), Laplace α = 1e-5, scipy's relative entropy."""
    from scipy.stats import entropy

    def pairs(a):  # (o_t, o_{t+lag}) of every window and component
        return a[:, :-lag, :].reshape(-1), a[:, lag:, :].reshape(-1)

    (u, v), (u_hat, v_hat) = pairs(x), pairs(x_hat)
    span = [(c.min() - 0.1 * c.std(), c.max() + 0.1 * c.std()) for c in (u, v)]
    h_p = np.histogram2d(u, v, bins=bins, range=span)[0]
    h_q = np.histogram2d(u_hat, v_hat, bins=bins, range=span)[0]
    p = (h_p + 1e-5) / (h_p.sum() + 1e-5 * bins**2)
    q = (h_q + 1e-5) / (h_q.sum() + 1e-5 * bins**2)
    return float(entropy(p.ravel(), q.ravel()))


@pytest.mark.parametrize("lag", [1, 3])
def test_state_space_divergence_equals_an_independent_implementation(lag):
    """Hand-made inputs: two components of a logistic orbit and a shifted, scaled sine, against
    a noisy, shrunk, partly out-of-range reconstruction; 1e-6 relative."""
    t = np.arange(60)
    orbit = np.empty((8, 60))
    orbit[:, 0] = np.linspace(0.1, 0.9, 8)
    for i in range(1, 60):
        orbit[:, i] = 3.9 * orbit[:, i - 1] * (1 - orbit[:, i - 1])
    x = np.stack([orbit, 2.0 + np.sin(0.3 * t + np.arange(8)[:, None])], axis=2)  # (8, 60, 2)
    noise = np.random.default_rng(0).normal(0.0, 0.2, x.shape)
    x_hat = 0.8 * x + noise
    x_hat[0, :10] = 9.0  # some pairs outside the data's edges: dropped
    got = state_space_divergence(x, x_hat, lag)
    assert got > 0.1
    assert got == pytest.approx(_stsp_by_histogram2d(x, x_hat, lag), rel=1e-6)
    assert state_space_divergence(x, x_hat, lag, bins=7) == pytest.approx(
        _stsp_by_histogram2d(x, x_hat, lag, bins=7), rel=1e-6
    )


def _cos(freqs: list[int], window: int = 64) -> np.ndarray:
    """One window (1, window, 1) of Σ cos(2π f t / window): power only at the bins f."""
    t = np.arange(window)
    return sum(np.cos(2 * np.pi * f * t / window) for f in freqs).reshape(1, window, 1)


def test_spectrum_distance_by_hand():
    # unsmoothed (sigma = 0): p = δ₃, q = ½ δ₃ + ½ δ₇ → H = √(1 − √½); disjoint → 1
    assert spectrum_distance(_cos([3]), _cos([3, 7]), sigma=0) == pytest.approx(
        math.sqrt(1 - math.sqrt(0.5)), abs=1e-9
    )
    assert spectrum_distance(_cos([3]), _cos([9]), sigma=0) == pytest.approx(1.0, abs=1e-9)
    # sigma = 2: both deltas become the same Gaussian g(k) = exp(−k²/8), |k| ≤ 8, far from
    # the edges, so Σ √(p q) = Σ_f √(g(f − 10) g(f − 14)) / Σ_k g(k)
    g = {k: math.exp(-(k**2) / 8) for k in range(-8, 9)}
    overlap = sum(
        math.sqrt(g[f - 10] * g[f - 14]) for f in range(33) if abs(f - 14) <= 8 and abs(f - 10) <= 8
    )
    expected = math.sqrt(1 - overlap / sum(g.values()))
    assert spectrum_distance(_cos([10]), _cos([14])) == pytest.approx(expected, rel=1e-9)
    two = np.concatenate([_cos([10]), 2 * _cos([10])], axis=2)  # D = 2, same spectrum shape
    assert spectrum_distance(two, two[:, :, ::-1]) == 0.0
    flat = np.ones((1, 64, 1))  # no power at all: the maximal distance
    assert spectrum_distance(_cos([3]), flat) == 1.0


def test_growth_rate_fit_window_by_hand():
    """d(j) = 1e-9 e^{0.5 j}, saturated 40: fitted from d ≥ 1e-8 (j ≥ 5) while d ≤ 0.4
    (j ≤ 39), slope 0.5; a curve that saturates at once leaves < 3 steps: NaN."""
    steps = np.arange(61)
    log_d = np.log(1e-9) + 0.5 * steps
    mask = fit_mask(log_d, saturated=40.0)
    assert np.flatnonzero(mask).tolist() == list(range(5, 40))
    assert growth_rate(steps, log_d, mask) == pytest.approx(0.5, rel=1e-12)
    fast = np.log(1e-9) + 10.0 * steps
    assert math.isnan(growth_rate(steps, fast, fit_mask(fast, saturated=40.0)))
    assert probe_steps(100).tolist() == list(range(101))
    assert len(probe_steps(2000)) == 151 and probe_steps(2000)[[0, -1]].tolist() == [0, 2000]


def _probe_data(system: System, n_orbits: int, seed: int = 0):
    """Twin orbits at the system's defaults and a standardiser from the orbits' windows."""
    window, horizon = system.window, system.probe_horizon()
    orbits = system.twin_orbits(
        n_orbits, window, horizon, system.probe_eps, np.random.default_rng(seed)
    )
    train = twin_windows(orbits[:1], window, probe_steps(horizon)).reshape(-1, window * system.dim)
    mean, std = train.mean(axis=0), train.std(axis=0)
    return orbits, (lambda a: (a - mean) / std), (mean, std)


@pytest.mark.parametrize(
    "system", [Logistic(), Henon(), Lorenz96(), MackeyGlass()], ids=lambda s: s.name
)
def test_input_growth_rate_matches_reference_lyapunov(system):
    orbits, standardise, _ = _probe_data(system, n_orbits=16)
    got = probe_inputs(orbits, standardise, system.window, system.obs_dt)
    print(system.name, got.input_lyapunov, got.fit.sum(), "reference", system.lyapunov)
    assert got.fit.sum() >= 10
    assert got.input_lyapunov == pytest.approx(type(system).lyapunov, rel=0.25)


@pytest.fixture(scope="module")
def identity_sae():
    """sae-lens StandardSAE with ± identity pairs (2 · d_in latents, biases 0): x̂ = x."""
    import torch
    from sae_lens import StandardSAE, StandardSAEConfig

    d_in = Henon.window * Henon.dim
    sae = StandardSAE(StandardSAEConfig(d_in=d_in, d_sae=2 * d_in, device="cpu"))
    eye = torch.eye(d_in)
    with torch.no_grad():
        sae.W_enc.copy_(torch.cat([eye, -eye], dim=1))  # (d_in, 2 d_in)
        sae.W_dec.copy_(torch.cat([eye, -eye], dim=0))  # (2 d_in, d_in)
        sae.b_enc.zero_()
        sae.b_dec.zero_()
    return sae


def test_exact_autoencoder_keeps_every_dynamics_metric(identity_sae):
    system = Henon()
    orbits, standardise, (mean, std) = _probe_data(system, n_orbits=8)
    encode, decode = float64_codec(identity_sae)
    inputs = probe_inputs(orbits, standardise, system.window, system.obs_dt)
    probe = twin_probe(inputs, encode, decode)
    assert probe["lyapunov_ratio"] == pytest.approx(1.0, abs=0.05)
    assert probe["sensitivity"] == pytest.approx(1.0, abs=0.05)
    test = system.windows(64, np.random.default_rng(7))  # (64, d_in) raw
    x_hat = decode(encode(standardise(test))) * std + mean  # back to raw units
    x, x_hat = (a.reshape(64, system.window, system.dim) for a in (test, x_hat))
    assert np.abs(x_hat - x).max() < 1e-12
    assert state_space_divergence(x, x_hat, system.delay_lag) == pytest.approx(0.0, abs=1e-12)
    assert spectrum_distance(x, x_hat) == pytest.approx(0.0, abs=1e-6)


def test_mean_window_predictor():
    system = Logistic()
    orbits, standardise, (mean, _) = _probe_data(system, n_orbits=8)
    d_in = system.window

    def encode(x):
        return np.zeros((len(x), 1))

    def decode(z):
        return np.zeros((len(z), d_in))  # the mean window, in standardised units

    probe = twin_probe(
        probe_inputs(orbits, standardise, system.window, system.obs_dt), encode, decode
    )
    assert probe["sensitivity"] == 0.0
    assert math.isnan(probe["lyapunov_ratio"])  # latents never move: no growth rate
    x = system.windows(64, np.random.default_rng(7)).reshape(64, d_in, 1)
    x_hat = np.broadcast_to(mean.reshape(1, d_in, 1), x.shape)
    assert state_space_divergence(x, x_hat, system.delay_lag) > 3.0


def test_forecast_r2_of_an_exact_linear_code_equals_the_input():
    """Latents that are the standardised window up to permutation and per-latent scale give
    exactly the raw window's R² (features are standardised); a good probe scores high."""
    system = Lorenz96()  # 5-step windows (d_in = 200) keep the ridge fits fast
    traj = system.trajectories(400, 6, np.random.default_rng(0))
    x, y = traj[:, :-1].reshape(400, -1), traj[:, -1]  # (400, d_in), next observation (400, D)
    rng = np.random.default_rng(1)
    z = x[:, rng.permutation(x.shape[1])] * rng.uniform(0.5, 3.0, x.shape[1])
    r2_input = forecast_r2(x[:300], y[:300], x[300:], y[300:])
    assert forecast_r2(z[:300], y[:300], z[300:], y[300:]) == pytest.approx(r2_input, abs=1e-9)
    assert 0.7 < r2_input <= 1.0  # 0.05 time units ahead: linearly predictable from 300 rows
    noise = rng.standard_normal(x.shape)
    assert forecast_r2(noise[:300], y[:300], noise[300:], y[300:]) < 0.1


@dataclass
class Tent(System):
    """A system defined outside the package: tent map x' = s min(x, 1 − x), λ = ln s."""

    s: float = 1.9

    dim = 1
    window = 100
    lyapunov = math.log(1.9)
    time_unit = "iteration"
    transient = 200
    name = "tent"

    def initial_states(self, n, rng):
        return rng.uniform(0.1, 0.9, (n, 1))

    def advance(self, state, steps):
        x, obs = state[:, 0].copy(), np.empty((len(state), steps, 1))
        for t in range(steps):
            x = self.s * np.minimum(x, 1.0 - x)
            obs[:, t, 0] = x
        return obs, x[:, None]


def test_a_new_system_gets_the_probe_with_no_edit():
    system = Tent()
    assert (system.delay_lag, system.obs_dt, system.can_twin) == (1, 1.0, True)
    orbits, standardise, _ = _probe_data(system, n_orbits=16)
    got = probe_inputs(orbits, standardise, system.window, system.obs_dt)
    assert got.input_lyapunov == pytest.approx(math.log(1.9), rel=0.1)


def test_ridge_predictions_match_scikit_learns_ridge():
    from sklearn.linear_model import Ridge

    from bench.metrics.dynamics import ridge_predictions

    rng = np.random.default_rng(0)
    x, y, x_new = rng.normal(size=(300, 50)), rng.normal(size=(300, 3)), rng.normal(size=(20, 50))
    alphas = [1e-3, 1.0, 100.0]
    for alpha, pred in zip(alphas, ridge_predictions(x, y, x_new, alphas), strict=True):
        np.testing.assert_allclose(pred, Ridge(alpha=alpha).fit(x, y).predict(x_new), atol=1e-12)
