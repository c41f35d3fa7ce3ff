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
        (["k=8,,16"], "a sweep lists values like k=8,16,64"),
        (["k=8,x"], "expected int"),
    ],
)
def test_bad_assignments(items, message):
    with pytest.raises(BenchError, match=message):
        plan(["logistic"], ["l1"], 1, TrainConfig(), items)


def test_split():
    assert split_assignments(["k=1", "a.b=c"]) == [("", "k", "1"), ("a", "b", "c")]


def test_a_comma_list_is_a_sweep_planned_in_order():
    cells = plan(
        ["logistic"], ["topk", "l1"], 1, TrainConfig(), ["k=8,16", "l1.l1_coefficient=2,4"]
    )
    got = [(c.sae, c.config.k, c.sae_params.get("l1_coefficient")) for c in cells]
    # every combination of the two sweeps, each cell once: topk ignores l1's coefficient
    assert got == [
        *[("topk", 8, None), ("l1", 8, 2.0), ("l1", 8, 4.0)],
        *[("topk", 16, None), ("l1", 16, 2.0), ("l1", 16, 4.0)],
    ]
    single = plan(["logistic"], ["topk"], 1, TrainConfig(), ["k=16"])
    assert single[0].key == cells[3].key  # a swept cell is the cell of a plain run with that value
