"""Profiles and `--set key=value` overrides."""

import pytest

from bench.config import TrainConfig, override, profile, split_assignments
from bench.errors import BenchError
from bench.run.cell import plan


def test_the_paper_profile_has_the_seed_paper_sizes():
    cfg, seeds = profile("paper")
    sizes = (cfg.n_train, cfg.n_test, cfg.epochs, cfg.batch_size, cfg.lr, cfg.d_sae, cfg.k)
    assert (sizes, seeds) == ((2000, 500, 10, 32, 1e-3, 128, 32), 3)


def test_the_default_profile_is_the_budget_studys():
    """32000 fresh windows × 10 epochs at batch 256 and Adam 2e-3; the SAE's shape stays the
    paper's."""
    cfg, seeds = profile("default")
    sizes = (cfg.n_train, cfg.n_test, cfg.epochs, cfg.batch_size, cfg.lr, cfg.d_sae, cfg.k)
    assert (sizes, seeds) == ((32000, 500, 10, 256, 2e-3, 128, 32), 3)


def test_override_parses_field_types():
    cfg = override(override(TrainConfig(), "k", "16"), "lr", "3e-4")
    assert (cfg.k, cfg.lr) == (16, 3e-4)


def test_scoped_assignments_reach_system_and_sae():
    cells = plan(
        ["logistic"],
        ["l1"],
        2,
        config=TrainConfig(),
        assignments=["logistic.r=3.8", "l1.l1_coefficient=2"],
    )
    assert len(cells) == 2
    assert cells[0].system_params["r"] == 3.8 and cells[0].sae_params["l1_coefficient"] == 2.0
    assert cells[0].key != cells[1].key  # seeds differ


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["k"], "expects key=value"),
        (["nope=1"], "unknown key 'nope'"),
        (["k=abc"], "--set k=abc: expected an integer"),
        (["topk.k=3"], "'topk' is not in this run"),
        (["l1.k=3"], "--set l1.k: unknown key 'k' for l1; valid: l1_coefficient"),
        (["jumprelu.ste_to_input=yes"], "--set jumprelu.ste_to_input=yes: expected true or false"),
        (["logistic.r=x"], "--set logistic.r=x: expected a number"),
        (["n_test=1"], "n_test must be ≥ 2"),
        (["window=1"], "logistic: a window of 1 step"),
        (["l1.l1_coefficient=-1"], "l1.l1_coefficient must be ≥ 0, got -1.0"),
        (["l1.l1_coefficient=nan"], "l1_coefficient=nan: must be a finite number"),
        (["lr=inf"], "lr=inf: must be a finite number"),
        (["lr=-1e-3"], "lr must be positive"),
        (["k=8,,16"], "a sweep lists values like k=8,16,64"),
        (["k=8,x"], "expected an integer"),
    ],
)
def test_bad_assignments(items, message):
    with pytest.raises(BenchError, match=message):
        plan(["logistic"], ["l1", "jumprelu"], 1, config=TrainConfig(), assignments=items)


def test_split():
    assert split_assignments(["k=1", "a.b=c"]) == [("", "k", "1"), ("a", "b", "c")]


def test_a_comma_list_is_a_sweep_planned_in_order():
    cells = plan(
        ["logistic"],
        ["topk", "l1"],
        1,
        config=TrainConfig(),
        assignments=["k=8,16", "l1.l1_coefficient=2,4"],
    )
    got = [(c.sae, c.config.k, c.sae_params.get("l1_coefficient")) for c in cells]
    # every combination of the two sweeps, each cell once: topk ignores l1's coefficient and
    # l1 ignores k, so l1's cells are those of the first k
    assert got == [("topk", 8, None), ("l1", 8, 2.0), ("l1", 8, 4.0), ("topk", 16, None)]
    single = plan(["logistic"], ["topk"], 1, config=TrainConfig(), assignments=["k=16"])
    assert single[0].key == cells[3].key  # a swept cell is the cell of a plain run with that value


def keys(cells) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for cell in cells:
        out.setdefault((cell.system, cell.sae), set()).add(cell.key)
    return out


SAES = ["relu", "l1", "topk", "pca", "sparse_coding"]


def test_a_cell_is_keyed_by_the_settings_it_reads():
    """k is read by k-set SAEs only; lr by trained SAEs only; probe_orbits by systems that make
    twin orbits only (mixed_sources makes none)."""
    systems = ["logistic", "mixed_sources"]
    base = keys(plan(systems, SAES, 1, config=TrainConfig()))
    with_k = keys(plan(systems, SAES, 1, config=TrainConfig(), assignments=["k=16"]))
    for system in systems:
        assert with_k[system, "relu"] == base[system, "relu"]  # `--set k=16` after a plain run
        assert with_k[system, "l1"] == base[system, "l1"]
        for sae in ("topk", "pca", "sparse_coding"):
            assert with_k[system, sae].isdisjoint(base[system, sae])

    lr_sweep = plan(systems, SAES, 1, config=TrainConfig(), assignments=["lr=0.001,0.002"])
    count = {name: sum(c.sae == name for c in lr_sweep) for name in SAES}
    assert count == {"relu": 4, "l1": 4, "topk": 4, "pca": 2, "sparse_coding": 2}
    assert keys(lr_sweep)["logistic", "pca"] == base["logistic", "pca"]  # lr=0.001 is the default

    probes = keys(plan(systems, SAES, 1, config=TrainConfig(), assignments=["probe_orbits=4"]))
    assert probes["mixed_sources", "relu"] == base["mixed_sources", "relu"]
    assert probes["logistic", "relu"].isdisjoint(base["logistic", "relu"])


def test_target_l0_is_keyed_for_calibrated_saes_in_a_matched_run_only():
    plain = keys(plan(["logistic"], ["l1", "topk"], 1, config=TrainConfig()))
    matched = plan(["logistic"], ["l1", "topk", "relu"], 1, config=TrainConfig(), matched_l0=True)
    assert [c.sae for c in matched] == ["l1", "topk"]  # relu has no L0 to match
    l1, topk = matched
    assert "target_l0" in l1.key_config() and l1.key_config()["target_l0"] == 32.0
    assert {l1.key}.isdisjoint(plain["logistic", "l1"])
    assert {topk.key} == plain["logistic", "topk"]  # k = target: the plain run's cell
    k16 = plan(["logistic"], ["topk"], 1, config=TrainConfig(), assignments=["k=16"])
    at16 = plan(
        ["logistic"],
        ["topk"],
        1,
        config=TrainConfig(),
        assignments=["target_l0=16"],
        matched_l0=True,
    )
    assert at16[0].key == k16[0].key


def test_the_record_keeps_the_whole_config_and_the_profile_beside_what_was_keyed():
    quick, _ = profile("quick")
    [cell] = plan(["logistic"], ["relu"], 1, config=quick, profile="quick")
    described = cell.describe()
    assert described["config"]["k"] == 32 and "k" not in described["key_config"]
    assert described["key_config"]["epochs"] == 2 and described["profile"] == "quick"
    [other] = plan(["logistic"], ["relu"], 1, config=quick, profile="custom")
    assert other.key == cell.key  # the profile's name is not part of the key


def test_matched_l0_with_no_l0_controlled_sae_says_why_it_plans_nothing():
    with pytest.raises(BenchError, match="--matched-l0 plans no cell: relu, kl_sparse have no"):
        plan(["logistic"], ["relu", "kl_sparse"], 1, config=TrainConfig(), matched_l0=True)
