"""The four generators: shapes, dtype, bounds, vectorisation, seeds, twins and bad parameters.

Also the declarations the dynamics metrics read (delay lag, observation step), the twin-orbit
probe's orbits, and a blow-up reported as one line. Physics (Lyapunov exponents, long-run
statistics) is in test_lyapunov.py; the pinned data hashes in test_data_hashes.py.
"""

import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from bench.errors import BenchError
from bench.registry import get_system, system_names
from systems.base import System
from systems.henon import Henon
from systems.logistic import Logistic
from systems.lorenz96 import Lorenz96, tendency
from systems.mackey_glass import MID, MackeyGlass, feedback, rk4_coefficients, rk4_stages
from systems.sampling import decorrelation_gap, windows_per_start

# (system, observation steps for short runs, bounds every observation must respect)
CASES = [
    (Logistic(), 50, (0.0, 1.0)),
    (Henon(), 50, (-1.5, 1.5)),
    (Lorenz96(), 20, (-25.0, 25.0)),
    (MackeyGlass(), 50, (0.2, 1.6)),
]
IDS = [type(case[0]).__name__ for case in CASES]


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_trajectories_shape_dtype_bounds(system, steps, bounds):
    obs = system.trajectories(5, steps, np.random.default_rng(0))
    assert obs.shape == (5, steps, system.dim)
    assert obs.dtype == np.float64
    assert np.all(np.isfinite(obs))
    low, high = bounds
    assert np.all((obs > low) & (obs < high)), (obs.min(), obs.max())
    assert np.ptp(obs[:, :, 0], axis=1).min() > 0  # no trajectory stuck at a fixed point


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_vectorised_equals_one_by_one(system, steps, bounds):
    state = system.settle(3, np.random.default_rng(1))
    together, final = system.advance(state, steps)
    for i in range(3):
        alone, final_i = system.advance(state[i : i + 1], steps)
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(final[i], final_i[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_seed_reproducibility(system, steps, bounds):
    a = system.trajectories(2, steps, np.random.default_rng(7))
    b = system.trajectories(2, steps, np.random.default_rng(7))
    c = system.trajectories(2, steps, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert not np.allclose(a[0], a[1])  # the n trajectories differ


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_advance_continues_where_it_stopped(system, steps, bounds):
    state = system.settle(2, np.random.default_rng(2))
    whole, _ = system.advance(state, 2 * steps)
    first, middle = system.advance(state, steps)
    second, _ = system.advance(middle, steps)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-10)


# long enough for λ₁ × time ≳ 5 (Mackey-Glass: λ₁ ≈ 0.005 per time unit, so 1500 steps)
TWIN_STEPS = {"Logistic": 60, "Henon": 60, "Lorenz96": 200, "MackeyGlass": 1500}


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_twins_start_eps_apart_and_diverge(system, steps, bounds):
    rng = np.random.default_rng(3)
    state = system.settle(1, rng)
    moved = system.perturb(state, 1e-6, rng)
    assert np.linalg.norm(moved - state) == pytest.approx(1e-6, rel=1e-6)
    twins = system.twin_trajectories(TWIN_STEPS[type(system).__name__], 1e-6, rng)
    assert twins.shape[0] == 2
    gap = np.linalg.norm(twins[0] - twins[1], axis=-1)  # (steps,)
    assert 1e-8 < gap[0] < 1e-5
    assert gap[-20:].max() > 1e3 * gap[0]  # chaos: the 1e-6 gap grows to macroscopic size


def test_windows_give_about_784_inputs():
    for system, d_in in ((Logistic(), 784), (Henon(), 784), (Lorenz96(), 800)):
        assert system.windows(2, np.random.default_rng(0)).shape == (2, d_in)
    assert MackeyGlass.window * MackeyGlass.dim == 784


def test_registry_names():
    assert get_system("lorenz96") is Lorenz96
    assert get_system("mackey_glass") is MackeyGlass


BAD = [
    (Logistic(r=4.5), "logistic", "r"),
    (Henon(start_spread=0.5), "henon", "start_spread"),
    (Lorenz96(dt=0.2), "lorenz96", "dt"),
    (Lorenz96(dt=-0.01), "lorenz96", "dt"),
    (Lorenz96(obs_dt=0.013), "lorenz96", "obs_dt"),
    (Lorenz96(obs_dt=0.01), "lorenz96", "obs_dt"),  # transient would be 4 time units
    (Lorenz96(size=2), "lorenz96", "size"),
    (Lorenz96(forcing=float("nan")), "lorenz96", "forcing"),
    (MackeyGlass(tau=-17.0), "mackey_glass", "tau"),
    (MackeyGlass(tau=17.05), "mackey_glass", "tau"),
    (MackeyGlass(h=0.0), "mackey_glass", "h"),
    (MackeyGlass(h=1.0), "mackey_glass", "h"),
    (MackeyGlass(beta=-0.2), "mackey_glass", "beta"),
    (MackeyGlass(obs_dt=0.25), "mackey_glass", "obs_dt"),
    (MackeyGlass(history_spread=1.5), "mackey_glass", "history_spread"),
]


@pytest.mark.parametrize(("system", "name", "param"), BAD, ids=[f"{n}-{p}" for _, n, p in BAD])
def test_bad_parameters_name_system_and_parameter(system, name, param):
    with pytest.raises(BenchError) as info:
        system.trajectories(2, 5, np.random.default_rng(0))
    message = str(info.value)
    assert message.startswith(f"{name}: {param}") or f"{param}=" in message, message
    assert message.startswith(f"{name}:") and "\n" not in message


@pytest.mark.parametrize("system", [Lorenz96(), MackeyGlass()], ids=["Lorenz96", "MackeyGlass"])
def test_negative_sizes_refused(system):
    with pytest.raises(BenchError, match=f"{system.name}: n must be a positive integer"):
        system.trajectories(-1, 5, np.random.default_rng(0))


def test_lorenz96_tendency_matches_the_equation():
    x = np.random.default_rng(0).standard_normal((40, 3))  # (D, n)
    expected = (np.roll(x, -1, 0) - np.roll(x, 2, 0)) * np.roll(x, 1, 0) - x + 8.0
    got = tendency(x, 8.0, np.empty_like(x), np.empty((43, 3)))
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_mackey_glass_rk4_coefficients_equal_the_four_stages():
    rng = np.random.default_rng(0)
    x, g0, gm, g1 = rng.uniform(0.4, 1.3, (4, 10))
    a, b0, bm, b1 = rk4_coefficients(0.1, 0.1)
    np.testing.assert_allclose(
        a * x + b0 * g0 + bm * gm + b1 * g1, rk4_stages(x, g0, gm, g1, 0.1, 0.1), rtol=1e-14
    )


def test_mackey_glass_matches_a_plain_history_list_integrator():
    """The ring buffer against the obvious implementation: a growing list of grid values."""
    system = MackeyGlass()
    state = system.settle(2, np.random.default_rng(4))  # (2, m + 2), oldest first
    obs, _ = system.advance(state, 30)
    m, hist, expected = system.delay_steps, list(state.T), []
    for _ in range(30 * system.steps_per_obs):
        mid = MID @ np.array(hist[-m - 2 : -m + 2])  # x(t - τ + h/2)
        g0, gm, g1 = (feedback(v, system.beta, system.n) for v in (hist[-m - 1], mid, hist[-m]))
        hist.append(rk4_stages(hist[-1], g0, gm, g1, system.gamma, system.h))
        if (len(hist) - m - 2) % system.steps_per_obs == 0:
            expected.append(hist[-1])
    np.testing.assert_allclose(obs[:, :, 0], np.array(expected).T, rtol=1e-12)


def test_mackey_glass_perturb_moves_only_the_present():
    system = MackeyGlass()
    state = system.settle(1, np.random.default_rng(5))
    moved = system.perturb(state, 1e-6, np.random.default_rng(6))
    np.testing.assert_array_equal(moved[:, :-1], state[:, :-1])
    assert abs(moved[0, -1] - state[0, -1]) == pytest.approx(1e-6)


@pytest.mark.parametrize(
    ("system", "lag", "obs_dt"),
    [
        (Logistic(), 1, 1.0),
        (Henon(), 1, 1.0),
        (Lorenz96(), 1, 0.05),
        (MackeyGlass(), 17, 1.0),
        (MackeyGlass(tau=34.0), 34, 1.0),
        (MackeyGlass(obs_dt=0.5), 34, 0.5),
    ],
    ids=["logistic", "henon", "lorenz96", "mackey_glass", "mg-tau34", "mg-dt0.5"],
)
def test_declarations_for_the_dynamics_metrics(system, lag, obs_dt):
    assert (system.delay_lag, system.obs_dt, system.can_twin) == (lag, obs_dt, True)
    assert np.isfinite(system.lyapunov) and system.lyapunov > 0


# (system, window, horizon) small enough to be fast; Mackey-Glass' state is its history buffer
TWIN_CASES = [
    (Logistic(), 30, 20),
    (Henon(), 392, 20),
    (Lorenz96(), 20, 20),
    (MackeyGlass(), 40, 400),
]


@pytest.mark.parametrize(("system", "window", "horizon"), TWIN_CASES, ids=IDS)
def test_twin_orbits_share_the_first_window_but_its_last_observation(system, window, horizon):
    eps = 1e-9
    orbits = system.twin_orbits(4, window, horizon, eps, np.random.default_rng(0))
    assert orbits.shape == (2, 4, window + horizon, system.dim) and orbits.dtype == np.float64
    np.testing.assert_array_equal(orbits[0, :, : window - 1], orbits[1, :, : window - 1])
    gap = np.linalg.norm(orbits[0] - orbits[1], axis=-1)  # (4, window + horizon)
    assert np.all(gap[:, window - 1] > 0) and np.all(gap[:, window - 1] <= eps * (1 + 1e-6))
    assert np.median(gap[:, -1]) > 2 * np.median(gap[:, window - 1])  # the twins separate
    again = system.twin_orbits(4, window, horizon, eps, np.random.default_rng(0))
    np.testing.assert_array_equal(orbits, again)


def test_henon_twin_is_displaced_along_the_leading_lyapunov_vector():
    """Hénon observes its whole state, so the displacement at index window − 1 is eps · u.
    Pushing any vector through the exact Jacobian along the same 391 states gives the same
    direction (λ₁ − λ₂ ≈ 2 per step: alignment is complete within a few dozen steps)."""
    system, window, eps = Henon(), 392, 1e-9
    orbits = system.twin_orbits(3, window, 5, eps, np.random.default_rng(1))
    u = (orbits[1, :, window - 1] - orbits[0, :, window - 1]) / eps  # (3, 2)
    v = np.ones((3, 2))
    for t in range(window - 1):  # J at state t maps a displacement at t to one at t + 1
        x = orbits[0, :, t, 0]
        v = np.stack([-2 * system.a * x * v[:, 0] + v[:, 1], system.b * v[:, 0]], axis=1)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
    cos = np.abs(np.sum(u * v, axis=1)) / np.linalg.norm(u, axis=1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-6)


def test_twin_orbits_refused_without_twins_or_with_a_bad_eps():
    @dataclass
    class Recorded(Logistic):
        can_twin = False

    with pytest.raises(BenchError, match="cannot make twin orbits"):
        Recorded().twin_orbits(2, 10, 5, 1e-9, np.random.default_rng(0))
    with pytest.raises(BenchError, match="eps must be positive"):
        Logistic().twin_orbits(2, 10, 5, 0.0, np.random.default_rng(0))


def test_probe_horizon_grows_with_slower_chaos_and_is_capped():
    assert Logistic().probe_horizon() < Lorenz96().probe_horizon() < MackeyGlass().probe_horizon()
    assert MackeyGlass().probe_horizon() == 2000
    assert isinstance(System.probe_horizon(Logistic(), 1e-6), int)


def test_a_blow_up_is_one_line_on_stderr(tmp_path):
    """No numpy RuntimeWarning before the error: overflow is reported by the finite check."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--profile", "quick", "--systems", "lorenz96"]
        + ["--saes", "topk", "--set", "lorenz96.forcing=1e6", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "lorenz96: trajectory left the attractor" in result.stderr


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_one_more_step_keeps_the_windows_and_gives_the_next_observation(system, steps, bounds):
    """What the data pipeline relies on for the forecast target: from the same stream,
    `window + 1` steps start with exactly the `window`-step trajectories."""
    longer = system.trajectories(3, steps + 1, np.random.default_rng(9))
    np.testing.assert_array_equal(
        longer[:, :steps], system.trajectories(3, steps, np.random.default_rng(9))
    )


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_preflight_passes_the_defaults(system, steps, bounds):
    assert system.preflight(system.window) is None


@pytest.mark.parametrize(
    ("system", "message"),
    [
        # finite but degenerate: X = 1e300 is a fixed point (the noise is lost in rounding),
        # so only the twin warm-up notices; this once passed --dry-run and failed every cell
        (Lorenz96(forcing=1e300), "lorenz96: twin warm-up left the attractor"),
        (Henon(a=2.0), "henon: trajectory left the attractor"),
        (Lorenz96(forcing=1e6), "lorenz96: trajectory left the attractor"),
    ],
    ids=["lorenz96-fixed-point", "henon-escapes", "lorenz96-blows-up"],
)
def test_preflight_refuses_a_system_that_blows_up_in_one_line_naming_the_parameter(system, message):
    defaults = type(system)().params()
    [(name, value)] = [(k, v) for k, v in system.params().items() if v != defaults[k]]
    with pytest.raises(BenchError) as info:
        system.preflight(system.window)
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text, text
    assert f"{name}={value!r} (default " in text, text


# --- several windows per settled start (systems/sampling.py) ---


@pytest.mark.parametrize(("system", "steps", "bounds"), CASES, ids=IDS)
def test_the_windows_of_one_start_lie_a_decorrelation_gap_apart(system, steps, bounds):
    """`samples` draws exactly the stretches of long trajectories from the same starts:
    window + next observation, then `gap` steps not kept; Mackey-Glass keeps one per start."""
    n, window, gap = 2000, 12, decorrelation_gap(system)
    if gap is None:
        assert isinstance(system, MackeyGlass) and windows_per_start(system, 13, n) == 1
        n, gap = 50, 0
    per = windows_per_start(system, window + 1, n)
    assert per > 1 or gap == 0
    drawn = system.samples(n, window, np.random.default_rng(4))
    stride, starts = window + 1 + gap, -(-n // per)
    whole = system.trajectories(starts, per * stride, np.random.default_rng(4))  # (starts, T, D)
    offsets = (stride * np.arange(per))[:, None] + np.arange(window + 1)  # (per, window + 1)
    expected = whole[:, offsets].reshape(starts * per, window + 1, system.dim)[:n]
    np.testing.assert_array_equal(drawn.windows, expected[:, :window].reshape(n, -1))
    np.testing.assert_array_equal(drawn.next, expected[:, window])


def max_lagged_correlation(obs: np.ndarray, lag: int) -> float:
    """max over component pairs (d, e) of |corr(o_d(t), o_e(t + lag))|, obs (n, T, D)."""
    x = (obs - obs.mean(axis=(0, 1))) / obs.std(axis=(0, 1))
    a, b = x[:, :-lag], x[:, lag:]
    return float(np.abs(np.einsum("ntd,nte->de", a, b)).max() / (a.shape[0] * a.shape[1]))


SEVERAL_PER_START = [name for name in system_names() if decorrelation_gap(get_system(name)())]


@pytest.mark.parametrize("name", SEVERAL_PER_START)
def test_windows_of_one_start_are_decorrelated(name):
    """The nearest observations of two consecutive windows of one start lie gap + 1 steps
    apart: no pair of components correlates more there than at four gaps, beyond three
    standard errors (16 trajectories × 2000 steps)."""
    system = get_system(name)()
    gap = decorrelation_gap(system)
    obs = system.trajectories(16, 2000 + 4 * gap, np.random.default_rng(0))
    bound = max_lagged_correlation(obs, 4 * gap) + 3 / np.sqrt(16 * 2000)
    assert max_lagged_correlation(obs, gap + 1) <= bound


def test_the_decorrelation_check_catches_a_gap_four_times_too_short():
    system = Lorenz96()
    gap = decorrelation_gap(system)
    obs = system.trajectories(16, 2000 + 4 * gap, np.random.default_rng(0))
    bound = max_lagged_correlation(obs, 4 * gap) + 3 / np.sqrt(16 * 2000)
    assert max_lagged_correlation(obs, gap // 4 + 1) > bound
