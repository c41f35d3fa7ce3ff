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

from bench.metrics.dynamics import (
    forecast_r2,
    kl_laplace,
    spectrum_distance,
    state_space_divergence,
)
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
    """2 × 2 bins on [0, 1]: data pairs (0, 1), (1, 0) → counts [[0, 1], [1, 0]] + 1 =
    [[1, 2], [2, 1]] / 6; reconstruction pairs (0, 0) twice → [[3, 1], [1, 1]] / 6.
    KL = 1/6 ln(1/3) + 2 · 2/6 ln(2) + 1/6 ln(1) = 2/3 ln 2 − 1/6 ln 3."""
    x = np.array([0.0, 1.0, 0.0]).reshape(1, 3, 1)  # (n, window, D)
    flat = np.zeros_like(x)
    expected = 2 / 3 * math.log(2) - 1 / 6 * math.log(3)
    assert state_space_divergence(x, flat, lag=1, bins=2) == pytest.approx(expected, rel=1e-12)
    assert state_space_divergence(x, x, lag=1, bins=2) == 0.0
    outside = np.array([-5.0, 7.0, -5.0]).reshape(1, 3, 1)  # counted in the edge bins
    assert state_space_divergence(x, outside, lag=1, bins=2) == 0.0
    # lag 2 pairs (o_t, o_{t+2}): (0, 0) only, for both → 0
    assert state_space_divergence(x, flat, lag=2, bins=2) == 0.0
    # (4, 1, 1, 1)/7 against (1, 1, 1, 4)/7: 4/7 ln 4 + 1/7 ln(1/4) = 3/7 ln 4
    p, q = np.array([[3, 0], [0, 0]]), np.array([[0, 0], [0, 3]])
    assert kl_laplace(p, q) == pytest.approx(3 / 7 * math.log(4), rel=1e-12)


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
