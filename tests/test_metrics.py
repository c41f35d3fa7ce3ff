"""Metrics on hand-made tensors with known answers, plus invariants over random ones; the
families' contract (each family computes exactly its own metrics) and the generated docs."""

import functools
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bench import metrics
from bench.metrics import Metric, evaluate

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


@functools.cache
def _scoring_input(system_name: str, window: int):
    """A relu SAE trained for one epoch on a tiny dataset of `system_name`, as scoring sees it
    (`window` 0: the system's own)."""
    from bench.config import TrainConfig
    from bench.metrics import ScoringInput
    from bench.metrics.inference import encode_decode
    from bench.registry import get_system
    from bench.run.cell import Cell
    from bench.run.score import trained_model

    cfg = TrainConfig(
        n_train=64, n_test=32, epochs=1, batch_size=16, d_sae=16, k=4, window=window, probe_orbits=2
    )
    cell = Cell(system_name, "relu", 0, cfg)
    variant, sae, data, _, _ = trained_model(cell, "cpu")
    z, x_hat, w_dec = encode_decode(sae, data.test)
    system = get_system(system_name)()
    return ScoringInput(data.test, x_hat, z, w_dec, sae, variant, data, system, cell, "cpu")


@pytest.mark.parametrize(("system", "window"), [("henon", 6), ("superposition", 0)])
def test_every_family_computes_exactly_its_own_metrics(system, window):
    """Henon has windows, twins and a next observation (every metric but ground truth);
    superposition has ground truth, and its one-step windows give NaN dynamics."""
    inputs = _scoring_input(system, window)
    for family in metrics.FAMILY_MODULES:
        got = family.compute(inputs)
        own = [m.name for m in family.METRICS]
        if family.FAMILY == "ground_truth" and system == "henon":
            assert got == {}  # no ground truth: no columns at all
        else:
            assert sorted(got) == sorted(own), family.FAMILY
        assert all(isinstance(v, float) for v in got.values())
    scored = {}
    for family in metrics.FAMILY_MODULES:
        scored |= family.compute(inputs)
    assert scored["fvu"] == metrics.fvu(inputs.x, inputs.x_hat)
    if system == "superposition":
        assert math.isnan(scored["state_space_divergence"]) and scored["mcc"] > 0
        assert 0 <= scored["f1"] <= 1 and 0 <= scored["f1_floor"] <= 1  # its sources fire
    else:
        assert all(math.isfinite(scored[m]) for m in ("state_space_divergence", "sensitivity"))


def test_the_table_is_the_families_in_order_and_refuses_a_duplicate():
    names = [m.name for f in metrics.FAMILY_MODULES for m in f.METRICS]
    assert list(metrics.METRICS) == names
    assert list(metrics.FAMILIES) == [f.FAMILY for f in metrics.FAMILY_MODULES]
    twice = SimpleNamespace(FAMILY="core", METRICS=(metrics.METRICS["l0"],))
    with pytest.raises(ValueError, match="'l0'"):
        metrics._table((metrics.core, twice))
    elsewhere = SimpleNamespace(FAMILY="other", METRICS=(metrics.METRICS["l0"],))
    with pytest.raises(ValueError, match="not of 'other'"):
        metrics._table((elsewhere,))


def test_committed_docs_metrics_md_is_generated_from_metrics():
    from bench.metrics.docs import metrics_page

    docs = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
    assert docs.read_text(encoding="utf-8") == metrics_page(), "run `make docs`"
    for m in metrics.METRICS.values():
        assert f"| `{m.name}` |" in docs.read_text(encoding="utf-8")


def _dataset(test_raw: np.ndarray, floor: np.ndarray | None):
    """A Dataset holding raw held-out windows (n, window, D) (mean 0, std 1) and a floor."""
    from bench.data import Dataset

    n, window, dim = test_raw.shape
    flat = torch.from_numpy(test_raw.reshape(n, window * dim))
    return Dataset(
        train=flat, test=flat, train_next=None, test_next=None, val=None,
        mean=np.zeros(window * dim), std=np.ones(window * dim), window=window, dim=dim,
        twins=None, test_sources=None, features=None, floor=floor,
    )  # fmt: skip


def _cosines(freq: int, window: int = 64) -> np.ndarray:
    """Two windows (2, window, 1) of cos(2π f t / window + phase)."""
    t = np.arange(window)
    return np.stack([np.cos(2 * np.pi * freq * t / window + ph) for ph in (0.0, 1.0)])[..., None]


def test_noise_floor_is_each_distribution_metric_against_the_floor_sample():
    from bench.metrics.state_space import state_space_divergence
    from systems.logistic import Logistic

    assert [m.name for m in metrics.METRICS.values() if m.distribution] == [
        "state_space_divergence",
        "spectrum_distance",
    ]
    system = Logistic()  # delay lag 1
    same = _dataset(_cosines(10), _cosines(10))
    assert metrics.noise_floor(SimpleNamespace(data=same, system=system)) == {
        "state_space_divergence": 0.0,
        "spectrum_distance": 0.0,
    }
    # σ = 2 bins turns both single-frequency spectra into the Gaussian g(k) = exp(−k²/8), |k| ≤ 8
    g = {k: math.exp(-(k**2) / 8) for k in range(-8, 9)}
    overlap = sum(math.sqrt(g[f - 10] * g[f - 14]) for f in range(33) if abs(f - 12) <= 6)
    other = _dataset(_cosines(10), _cosines(14))
    floor = metrics.noise_floor(SimpleNamespace(data=other, system=system))
    assert floor["spectrum_distance"] == pytest.approx(
        math.sqrt(1 - overlap / sum(g.values())), rel=1e-9
    )
    assert floor["state_space_divergence"] == state_space_divergence(
        _cosines(10), _cosines(14), lag=1
    )
    assert floor["state_space_divergence"] > 0.1
    no_floor = _dataset(_cosines(10), None)
    assert metrics.noise_floor(SimpleNamespace(data=no_floor, system=system)) == {}
    one_step = _dataset(_cosines(10)[:, :1], _cosines(14)[:, :1])  # no delay pair: NaN
    assert all(
        math.isnan(v)
        for v in metrics.noise_floor(SimpleNamespace(data=one_step, system=system)).values()
    )


def test_scoring_records_the_noise_floor(monkeypatch):
    """train_and_score writes `noise_floor` beside `metrics`: each distribution metric between
    the held-out windows and the dataset's floor sample (here a second Henon sample)."""
    from dataclasses import replace

    from bench.metrics.dynamics import spectrum_distance
    from bench.metrics.state_space import state_space_divergence
    from bench.run import score
    from systems.henon import Henon

    inputs = _scoring_input("henon", 6)
    second = Henon().windows(32, np.random.default_rng(99), 6).reshape(32, 6, 2)  # raw
    data = replace(inputs.data, floor=second)
    fitted = score.Fitted(inputs.variant, inputs.model, data, None, None)
    monkeypatch.setattr(score, "trained_model", lambda cell, device: fitted)
    out = score.train_and_score(inputs.cell, "cpu")
    held_out = data.raw(data.test)
    assert out["noise_floor"] == {
        "state_space_divergence": state_space_divergence(held_out, second, Henon().delay_lag),
        "spectrum_distance": spectrum_distance(held_out, second),
    }
    assert (
        0 < out["noise_floor"]["state_space_divergence"] < out["metrics"]["state_space_divergence"]
    )
    monkeypatch.setattr(
        score,
        "trained_model",
        lambda cell, device: fitted._replace(data=replace(inputs.data, floor=None)),
    )
    assert score.train_and_score(inputs.cell, "cpu")["noise_floor"] == {}  # no floor sample


def test_a_distribution_metric_needs_between():
    broken = Metric("d", "lower", "no way to compare two samples", "core", distribution=True)
    with pytest.raises(ValueError, match="needs `between`"):
        metrics._table((SimpleNamespace(FAMILY="core", METRICS=(broken,)),))


def test_data_side_values_are_computed_once_per_dataset_object():
    from bench.metrics.base import DATA_SIDE_ENTRIES, data_side

    calls = []

    def value(tag):
        calls.append(tag)
        return tag

    first, second = object(), object()
    assert data_side(first, "v", lambda: value(1)) == 1
    assert data_side(first, "v", lambda: value(2)) == 1  # kept: not recomputed
    assert data_side(second, "v", lambda: value(3)) == 3  # another dataset: its own value
    assert data_side(first, "w", lambda: value(4)) == 4  # another name
    assert calls == [1, 3, 4]
    for _ in range(DATA_SIDE_ENTRIES):  # older entries make room
        data_side(object(), "v", lambda: 0)
    assert data_side(first, "v", lambda: value(5)) == 5 and calls[-1] == 5


def test_a_data_side_value_is_kept_per_thread_count(monkeypatch):
    """A value computed on 2 threads (rounded by them) never serves a cell run on 1: found when
    the Ray test, run after other tests in one process, got a cached raw-window forecast R² of
    2 BLAS threads (…153003) where its 1-thread cells compute …15306."""
    import torch

    from bench.metrics.base import data_side

    dataset = object()
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    assert data_side(dataset, "v", lambda: "two threads") == "two threads"
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert data_side(dataset, "v", lambda: "one thread") == "one thread"
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    assert data_side(dataset, "v", lambda: "again") == "two threads"
