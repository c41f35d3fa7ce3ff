"""Profiles and `--set key=value` overrides."""

import pytest

from bench.config import TrainConfig, override, profile, split_assignments
from bench.errors import BenchError
from bench.run.cell import plan


def test_default_profile_has_the_seed_paper_sizes():
    cfg, seeds = profile("default")
    assert (cfg.n_train, cfg.n_test, cfg.epochs, cfg.d_sae, cfg.k, seeds) == (
        2000,
        500,
        10,
        128,
        32,
        3,
    )


def test_override_parses_field_types():
    cfg = override(override(TrainConfig(), "k", "16"), "lr", "3e-4")
    assert (cfg.k, cfg.lr) == (16, 3e-4)


def test_scoped_assignments_reach_system_and_sae():
    cells = plan(["logistic"], ["l1"], 2, TrainConfig(), ["logistic.r=3.8", "l1.l1_coefficient=2"])
    assert len(cells) == 2
    assert cells[0].system_params["r"] == 3.8 and cells[0].sae_params["l1_coefficient"] == 2.0
    assert cells[0].key != cells[1].key  # seeds differ


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["k"], "expects key=value"),
        (["nope=1"], "unknown key 'nope'"),
        (["k=abc"], "expected int"),
        (["topk.k=3"], "'topk' is not in this run"),
        (["l1.k=3"], "unknown key 'k' for L1"),
        (["l1.l1_coefficient=-1"], "l1.l1_coefficient must be ≥ 0, got -1.0"),
        (["l1.l1_coefficient=nan"], "l1_coefficient=nan: must be a finite number"),
        (["lr=inf"], "lr=inf: must be a finite number"),
        (["lr=-1e-3"], "lr must be positive"),
    ],
)
def test_bad_assignments(items, message):
    with pytest.raises(BenchError, match=message):
        plan(["logistic"], ["l1"], 1, TrainConfig(), items)


def test_split():
    assert split_assignments(["k=1", "a.b=c"]) == [("", "k", "1"), ("a", "b", "c")]
