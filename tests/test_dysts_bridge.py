"""The optional dysts bridge, and our Lorenz-96 cross-checked against dysts' equations.

The missing-package test always runs; the rest are skipped when dysts is not installed.
"""

import sys
import warnings

import numpy as np
import pytest

from bench.errors import BenchError
from bench.registry import SYSTEMS, get_system
from systems.lorenz96 import Lorenz96


def test_missing_dysts_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dysts", None)  # makes `import dysts...` fail
    monkeypatch.setitem(sys.modules, "dysts.flows", None)
    monkeypatch.delitem(SYSTEMS, "dysts:Lorenz", raising=False)
    with pytest.raises(BenchError, match=r"dysts.*pip install 'chaos-sae-bench\[dysts\]'"):
        get_system("dysts:Lorenz")


@pytest.fixture(scope="module")
def flows():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("dysts.flows")


def test_registry_resolves_a_dysts_flow(flows):
    cls = get_system("dysts:Lorenz")
    assert get_system("dysts:Lorenz") is cls and cls.name == "dysts:Lorenz"
    system = cls()
    assert system.params()["rho"] == 28
    obs = system.trajectories(3, 50, np.random.default_rng(0))
    assert obs.shape == (3, 50, 3) and np.all(np.isfinite(obs))
    assert 10 < obs[:, :, 2].mean() < 35  # z circles the two wings around z ≈ 23.5
    with pytest.raises(BenchError, match="dysts:NotAFlow: not a dysts flow"):
        get_system("dysts:NotAFlow")
    with pytest.raises(BenchError, match="dysts:Lorenz: obs_dt must be positive"):
        cls(obs_dt=-1.0).trajectories(1, 5, np.random.default_rng(0))


def test_lorenz96_same_trajectory_as_dysts(flows):
    """Same start, 1 time unit: our RK4 (dt = 0.01) and dysts' DOP853 agree to 1e-4."""
    ours = Lorenz96()
    start = ours.settle(1, np.random.default_rng(0))
    expected, _ = ours.advance(start, 20)  # (1, 20, 40)
    model = flows.Lorenz96(parameters={"f": 8.0})
    model.dt = ours.obs_dt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = model.make_trajectory(
            21, init_cond=start[0], resample=False, method="DOP853", rtol=1e-11, atol=1e-11
        )  # (21, 40), the start included
    np.testing.assert_allclose(theirs[1:], expected[0], atol=1e-4)


@pytest.mark.slow
def test_lorenz96_statistics_match_dysts(flows):
    """Long-run mean and std, ours (16 × 200 time units) vs dysts (200) at F = 8, D = 40.

    The tolerances are ~4 standard errors of a 200-time-unit average (0.018 for the mean)."""
    ours = Lorenz96()
    start = ours.settle(1, np.random.default_rng(1))[0]
    model = flows.Lorenz96(parameters={"f": 8.0})
    model.dt = ours.obs_dt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = model.make_trajectory(
            4000, init_cond=start, resample=False, method="DOP853", rtol=1e-8, atol=1e-8
        )
    mine = ours.trajectories(16, 4000, np.random.default_rng(2))
    print(
        f"lorenz96 mean/std: ours {mine.mean():.4f}/{mine.std():.4f}, "
        f"dysts {theirs.mean():.4f}/{theirs.std():.4f}"
    )
    assert theirs.shape == (4000, 40)
    assert mine.mean() == pytest.approx(theirs.mean(), abs=0.08)
    assert mine.std() == pytest.approx(theirs.std(), abs=0.05)
