"""Physics checks: Lyapunov exponents from the tangent dynamics, and long-run statistics.

Tolerances are about 4 standard errors of the estimate (spread across trajectories / √n)
around the literature value, which each test reads from the system class (`System.lyapunov`,
`System.references`): the values the dynamics probe and the README quote are the ones tested.
Each test prints and records (`record_property`) what it measured, so
`pytest -rP tests/test_lyapunov.py` shows the numbers to quote.
"""

import numpy as np
import pytest

from bench.errors import BenchError
from bench.registry import get_system, system_names
from systems.henon import Henon
from systems.logistic import Logistic
from systems.lorenz96 import Lorenz96
from systems.lyapunov import largest_exponent, lyapunov_spectrum
from systems.mackey_glass import MackeyGlass
from systems.mixed_sources import MixedSources


def _report(record_property, label: str, values: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of per-trajectory estimates; printed and recorded."""
    mean, err = float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))
    print(f"{label}: {mean:.5g} ± {err:.2g} (n = {len(values)})")
    record_property(label, f"{mean:.5g} ± {err:.2g}")
    return mean, err


def test_logistic_exponent(record_property):
    lam = largest_exponent(Logistic(), 16, 20_000, np.random.default_rng(0))
    mean, err = _report(record_property, "logistic lambda1 per iteration", lam)
    assert mean == pytest.approx(Logistic.lyapunov, abs=0.005) and err < 0.002


def test_henon_spectrum(record_property):
    system = Henon()
    state = system.settle(16, np.random.default_rng(0))
    spectrum = lyapunov_spectrum(system, state, 10_000, np.random.default_rng(1), k=2)  # (16, 2)
    mean, err = _report(record_property, "henon lambda1 per iteration", spectrum[:, 0])
    mean2, _ = _report(record_property, "henon lambda2 per iteration", spectrum[:, 1])
    assert mean == pytest.approx(Henon.lyapunov, abs=0.006) and err < 0.002
    assert mean2 == pytest.approx(Henon.references["lambda2"], abs=0.006)
    np.testing.assert_allclose(spectrum.sum(axis=1), np.log(system.b), atol=1e-10)


@pytest.mark.slow
def test_lorenz96_exponent(record_property):
    lam = largest_exponent(Lorenz96(), 32, 100.0, np.random.default_rng(0))
    mean, err = _report(record_property, "lorenz96 lambda1 per time unit", lam)
    assert mean == pytest.approx(Lorenz96.lyapunov, abs=0.07) and err < 0.03


def test_lorenz96_spectrum_sums_to_minus_d():
    """Every volume shrinks at rate trace(J) = −D: the sum of all D exponents is −40."""
    system = Lorenz96()
    state = system.settle(1, np.random.default_rng(1))
    d = system.size
    spectrum = lyapunov_spectrum(system, state, 5.0, np.random.default_rng(2), k=d, discard=0)
    assert spectrum.sum() == pytest.approx(-d, abs=0.01)
    assert np.all(np.diff(spectrum[0]) < 0.5)  # roughly ordered, largest first


@pytest.mark.slow
def test_mackey_glass_exponent(record_property):
    lam = largest_exponent(MackeyGlass(), 32, 2000.0, np.random.default_rng(0))
    mean, err = _report(record_property, "mackey_glass lambda1 per time unit", lam)
    assert mean == pytest.approx(MackeyGlass.lyapunov, abs=0.0008) and err < 0.0003


def test_lorenz96_tangent_is_the_derivative_of_the_integrator():
    """Tangent growth over 2 time units equals two nearby trajectories' (1e-7 apart)."""
    system, eps, time = Lorenz96(), 1e-7, 2.0
    state = system.settle(4, np.random.default_rng(3))  # (4, 40)
    z = np.random.default_rng(4).standard_normal((4, 40, 1))  # the function's first draw
    direction = (z / np.linalg.norm(z, axis=1, keepdims=True))[:, :, 0]
    steps = round(time / system.obs_dt)
    _, end = system.advance(state, steps)
    _, end_moved = system.advance(state + eps * direction, steps)
    finite = np.log(np.linalg.norm(end_moved - end, axis=1) / eps) / time
    tangent = lyapunov_spectrum(system, state, time, np.random.default_rng(4), discard=0)
    np.testing.assert_allclose(tangent[:, 0], finite, atol=1e-4)


def test_mackey_glass_tangent_is_the_derivative_of_the_integrator():
    """Same for the history buffer of the delay equation, over 100 time units."""
    system, eps, time = MackeyGlass(), 1e-8, 100.0
    state = system.settle(4, np.random.default_rng(5))  # (4, m + 2)
    z = np.random.default_rng(6).standard_normal((*state.shape, 1))  # the function's first draw
    direction = (z / np.linalg.norm(z, axis=1, keepdims=True))[:, :, 0]
    steps = round(time / system.obs_dt)
    _, end = system.advance(state, steps)
    _, end_moved = system.advance(state + eps * direction, steps)
    finite = np.log(np.linalg.norm(end_moved - end, axis=1) / eps) / time
    tangent = lyapunov_spectrum(system, state, time, np.random.default_rng(6), discard=0)
    np.testing.assert_allclose(tangent[:, 0], finite, atol=1e-5)


@pytest.mark.slow
def test_lorenz96_long_run_statistics(record_property):
    obs = Lorenz96().trajectories(16, 4000, np.random.default_rng(0))  # 16 × 200 time units
    per_run = obs.reshape(16, -1)
    _report(record_property, "lorenz96 mean", per_run.mean(axis=1))
    _report(record_property, "lorenz96 std", per_run.std(axis=1))
    ref = Lorenz96.references
    assert obs.mean() == pytest.approx(ref["mean"], abs=0.03)
    assert obs.std() == pytest.approx(ref["std"], abs=0.03)


@pytest.mark.slow
def test_mackey_glass_long_run_statistics(record_property):
    obs = MackeyGlass().trajectories(32, 3000, np.random.default_rng(0))[:, :, 0]
    _report(record_property, "mackey_glass mean", obs.mean(axis=1))
    _report(record_property, "mackey_glass std", obs.std(axis=1))
    print(f"mackey_glass range: {obs.min():.3f} to {obs.max():.3f}")
    ref = MackeyGlass.references
    assert obs.mean() == pytest.approx(ref["mean"], abs=0.01)
    assert obs.std() == pytest.approx(ref["std"], abs=0.01)
    assert obs.min() == pytest.approx(ref["min"], abs=0.025)  # extremes of 96k samples
    assert obs.max() == pytest.approx(ref["max"], abs=0.02)


WITH_TANGENT = [name for name in system_names() if get_system(name).has_tangent]


@pytest.mark.parametrize("name", WITH_TANGENT)
def test_tangent_step_follows_the_generators_own_trajectory(name):
    """No second integrator: the state `tangent_step` carries is `advance`'s, bit for bit, and
    its tangent vectors are the finite-difference derivative of that step."""
    system = get_system(name)()
    state = system.settle(3, np.random.default_rng(8))  # (3, *state)
    flat = np.random.default_rng(9).standard_normal((3, state[0].size))
    direction = (flat / np.linalg.norm(flat, axis=1, keepdims=True)).reshape(state.shape)
    steps, eps = 3, 1e-7
    _, end = system.advance(state, steps)
    carried, tangents = system.tangent_step(state, direction[..., None], steps)
    np.testing.assert_array_equal(carried, end)
    _, end_moved = system.advance(state + eps * direction, steps)
    np.testing.assert_allclose(tangents[..., 0], (end_moved - end) / eps, rtol=1e-4, atol=1e-6)


def test_no_tangent_dynamics_is_one_clear_error():
    with pytest.raises(BenchError, match="mixed_sources: no tangent dynamics"):
        largest_exponent(MixedSources(), 2, 10, np.random.default_rng(0))
