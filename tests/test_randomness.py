"""Extractions (hand-computed bits), controls, dieharder's skip and parser, the reports, and
`command.run` end to end with a monkeypatched `trained_model` (a tiny random linear encoder on
logistic-map windows), so these tests do not depend on the training code."""

import csv
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from bench.errors import BenchError
from bench.randomness import command, controls, dieharder, extract, nist
from bench.registry import get_system


def test_threshold_by_hand():
    z = np.array([[0.0, 5.0], [1.0, -1.0], [2.0, 0.0]])  # medians: 1.0 and 0.0
    assert extract.threshold(z).tolist() == [0, 1, 0, 0, 1, 0]  # row-major


def test_lsb_by_hand():
    # latent 0: active values 1, 2, 3 → lo 1, span 2 → levels 0, 32768, 65535 (clipped)
    # latent 1: 0 is inactive; active 1e-3 and 2e-3 → levels 0, 65535; latent 2: never active
    z = np.array([[1.0, 0.0, 0.0], [2.0, 1e-3, 0.0], [3.0, 2e-3, 1e-7]])
    assert extract.lsb(z).tolist() == [0, 0, 0, 1, 1]  # (0,0) (1,0) (1,1) (2,0) (2,1)
    # a quarter step of the range: level 16384 (even); one level more: odd
    z = np.array([[0.0 + 1.0], [1.0 + 0.25], [1.0 + 1.0 / 65536 * 1.5], [2.0]])
    assert extract.lsb(z).tolist() == [0, 0, 1, 1]
    # a constant latent gives level 0 everywhere
    assert extract.lsb(np.full((3, 1), 0.5)).tolist() == [0, 0, 0]


def test_unknown_extraction():
    with pytest.raises(BenchError, match="unknown extraction 'msb'; valid: threshold, lsb"):
        extract.extract("msb", np.zeros((2, 2)))


def test_controls():
    bits = controls.pcg64_bits(1000, seed=3)
    assert bits.dtype == np.uint8 and set(np.unique(bits)) == {0, 1}
    assert np.array_equal(bits, controls.pcg64_bits(1000, seed=3))
    assert not controls.constant_bits(50).any()


def test_dieharder_absent_is_a_skip(monkeypatch):
    monkeypatch.setattr(dieharder.shutil, "which", lambda name: None)
    assert dieharder.run_dieharder(np.ones(64, np.uint8)) is None


def test_dieharder_parser():
    out = (
        "#=============================================================================#\n"
        "        test_name   |ntup| tsamples |psamples|  p-value |Assessment\n"
        "   diehard_birthdays|   0|       100|     100|0.97396410|  PASSED  \n"
        "      diehard_operm5|   0|   1000000|     100|0.00000000|  FAILED  \n"
        "  diehard_rank_32x32|   0|     40000|     100|0.99712345|   WEAK   \n"
        "  diehard_rank_6x8  |   0|    100000|     100|0.43219876|  PASSED  \n"
    )
    assert dieharder.parse(out) == Counter(PASSED=2, FAILED=1, WEAK=1)
    line = dieharder.summary_line(dieharder.parse(out))
    assert line == "2 passed, 1 weak, 1 failed of 4"


class LinearEncoder:
    """A fixed random linear map with ReLU: (n, d_in) → (n, m), about half the latents active."""

    def __init__(self, d_in: int, m: int):
        self.w = torch.randn(d_in, m, generator=torch.Generator().manual_seed(0))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.w)


@pytest.fixture
def fake_training(monkeypatch):
    """bench.run.score.trained_model replaced by a linear encoder on 16-step logistic windows;
    records the cells it was asked for."""
    import bench.run.score as score

    asked = []
    system = get_system("logistic")()

    def trained_model(cell, device):
        asked.append(cell)
        data = SimpleNamespace(
            system=system,
            window=16,
            standardise=lambda raw: torch.from_numpy((raw - 0.5) / 0.35).float(),
        )
        return None, LinearEncoder(16, 8), data, None  # (variant, model, data, calibration)

    monkeypatch.setattr(score, "trained_model", trained_model)
    monkeypatch.setattr(command, "MIN_BITS", 40_000)  # the 15 tests need 10⁶: too slow here
    return asked


def test_run_end_to_end(fake_training, tmp_path):
    streams = command.run(["logistic"], ["relu", "topk"], 40_000, tmp_path, "cpu")
    assert [c.sae for c in fake_training] == ["relu", "topk"]
    kinds = [(s.source, s.sae, s.extraction) for s in streams]
    assert kinds == [
        ("pcg64", "", ""), ("constant", "", ""),
        ("raw", "", "threshold"), ("raw", "", "lsb"),
        ("sae", "relu", "threshold"), ("sae", "relu", "lsb"),
        ("sae", "topk", "threshold"), ("sae", "topk", "lsb"),
    ]  # fmt: skip
    assert all(s.bits == 40_000 and len(s.results) == 15 for s in streams)
    by = {(s.source, s.sae, s.extraction): s for s in streams}
    # at 40,000 bits 10 tests apply: PCG64 passes them all, the constant stream fails them all
    assert by["pcg64", "", ""].counts[:2] == (10, 10)
    assert by["constant", "", ""].counts[:2] == (0, 10)
    assert by["sae", "relu", "threshold"].windows == 5000  # 8 bits a window, 40,000 bits
    assert by["sae", "relu", "threshold"].key == fake_training[0].key
    rows = list(csv.DictReader((tmp_path / "randomness.csv").open()))
    assert len(rows) == 8 and rows[0]["source"] == "pcg64" and rows[0]["passed"] == "10"
    assert rows[1]["Frequency"] == "0" and rows[1]["OverlappingTemplate"] == "n/a"
    text = (tmp_path / "randomness.md").read_text()
    assert "| numpy PCG64 | — | — | 10/10 |" in text
    assert "| logistic | relu | lsb |" in text


def test_same_windows_for_every_sae(fake_training):
    data = SimpleNamespace(
        system=get_system("logistic")(),
        window=16,
        standardise=lambda raw: torch.from_numpy(raw).float(),
    )
    a, b = command.WindowPool(data, "logistic", 0), command.WindowPool(data, "logistic", 0)
    assert torch.equal(a.first(10), b.first(3000)[:10])
    raw = command.Latents(a, None)
    assert np.allclose(raw.first(5), a.first(5).double().numpy())


def test_short_stream_is_reported_not_tested(monkeypatch):
    class Dead:
        def first(self, n):
            return np.zeros((n, 4))

    monkeypatch.setattr(command, "MAX_WINDOWS", 1000)
    bits, used, note = command.draw(Dead(), "lsb", 50_000)
    assert bits.size == 0 and used == 1000 and note == "short: 0 bits from 1,000 windows"


@pytest.mark.parametrize(
    "bits, extractions, message",
    [
        (999_999, ("threshold",), "--bits 999,999 is too small: the NIST SP 800-22 battery"),
        (1_000_000, ("threshold", "msb"), "unknown extraction 'msb'"),
        (1_000_000, (), "no extraction given"),
    ],
)
def test_bad_input_before_any_training(monkeypatch, tmp_path, bits, extractions, message):
    import bench.run.score as score

    def no_training(cell, device):
        raise AssertionError("trained before checking its input")

    monkeypatch.setattr(score, "trained_model", no_training)
    with pytest.raises(BenchError, match=message):
        command.run(["logistic"], ["relu"], bits, tmp_path, "cpu", extractions=extractions)
    assert command.MIN_BITS == nist.MIN_BITS_ALL == 1_000_000
