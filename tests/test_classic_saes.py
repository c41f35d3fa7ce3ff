"""The classical SAEs (l1_decorr, kl_sparse, wta): shapes, forward = decode(encode), loss terms
on hand-set weights, WTA's exact lifetime top-p and batch-independent inference, the sae-lens
save/load round trip, one short run through the shared trainer, and seed 001's --set."""

import math

import pytest
import torch

from baselines.kl_sparse import kl_sparsity
from baselines.l1_decorr import decorrelation_penalty
from baselines.sae_lens_adapter import step_input
from baselines.wta import lifetime_topk
from bench.config import TrainConfig, override, split_assignments
from bench.errors import BenchError
from bench.registry import get_sae
from bench.train import fit, inference_sae

NAMES = ["l1_decorr", "kl_sparse", "wta"]
CFG = TrainConfig(n_train=64, n_test=16, epochs=2, batch_size=16, d_sae=8, k=2)


def build(name: str, d_in: int = 6, **params):
    torch.manual_seed(0)
    return get_sae(name)(**params).build(d_in, CFG, "cpu")


def step(sae, x: torch.Tensor):
    return sae.training_forward_pass(step_input(sae, x))


@pytest.mark.parametrize("name", NAMES)
def test_shapes_group_and_forward(name):
    assert get_sae(name).group == "classic"
    sae = build(name)
    x = torch.randn(10, 6, generator=torch.Generator().manual_seed(1))
    z = sae.encode(x)
    assert z.shape == (10, 8) and sae.decode(z).shape == (10, 6)
    out = step(sae, x)
    if name == "wta":  # training uses the batch: forward = decode(lifetime top-p of ReLU(pre))
        kept, _ = lifetime_topk(out.hidden_pre.relu(), 0.05)
        torch.testing.assert_close(out.sae_out, sae.decode(kept))
    else:
        torch.testing.assert_close(out.sae_out, sae.decode(sae.encode(x)))
    loaded = inference_sae(sae)  # sae-lens' own save / load_from_disk
    assert loaded.cfg.architecture() == name
    torch.testing.assert_close(loaded.encode(x), sae.encode(x))
    torch.testing.assert_close(loaded(x), loaded.decode(loaded.encode(x)))


def test_kl_penalty_hand_values():
    assert kl_sparsity(0.05, torch.full((7,), 0.05)).item() == pytest.approx(0.0, abs=1e-7)
    by_hand = 3 * (0.05 * math.log(0.05 / 0.5) + 0.95 * math.log(0.95 / 0.5))
    assert kl_sparsity(0.05, torch.full((3,), 0.5)).item() == pytest.approx(by_hand, rel=1e-5)
    # hand-set weights: W_enc = 0, b_enc = logit(ρ) → every latent is ρ → penalty 0
    sae = build("kl_sparse", rho=0.05, beta=2.0)
    with torch.no_grad():
        sae.W_enc.zero_()
        sae.b_enc.fill_(math.log(0.05 / 0.95))
    out = step(sae, torch.randn(16, 6))
    torch.testing.assert_close(out.feature_acts, torch.full((16, 8), 0.05))
    assert out.losses["kl_loss"].item() == pytest.approx(0.0, abs=1e-5)


def test_decorrelation_penalty_hand_values():
    # exactly uncorrelated (Hadamard columns, shifted ≥ 0): penalty 0
    h = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]) + 1
    assert decorrelation_penalty(h).item() == pytest.approx(0.0, abs=1e-12)
    # identical columns (0, 1, 0, 1): C_12 = C_21 = 0.25 → 2 · 0.25² = 0.125
    same = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    assert decorrelation_penalty(same).item() == pytest.approx(0.125)
    # through the SAE: unit decoder rows, W_enc = I (d_in = d_sae = 2) so z = ReLU(x)
    sae = get_sae("l1_decorr")(l1_coefficient=0.5, decorr_coefficient=3.0).build(
        2, TrainConfig(d_sae=2), "cpu"
    )
    with torch.no_grad():
        sae.W_enc.copy_(torch.eye(2))
        sae.W_dec.copy_(torch.eye(2))
        sae.b_enc.zero_()
        sae.b_dec.zero_()
    out = step(sae, same)
    assert out.losses["decorr_loss"].item() == pytest.approx(3.0 * 0.125)
    assert out.losses["l1_loss"].item() == pytest.approx(0.5 * 1.0)  # mean_n Σ_j z = 1
    assert step(sae, h).losses["decorr_loss"].item() == pytest.approx(0.0, abs=1e-12)


def test_wta_keeps_exactly_the_top_p_of_each_latent():
    sae = build("wta", d_in=8, lifetime_sparsity=0.1)
    with torch.no_grad():  # pre = x
        sae.W_enc.copy_(torch.eye(8))
        sae.b_enc.zero_()
        sae.b_dec.zero_()
    x = torch.rand(40, 8, generator=torch.Generator().manual_seed(2)) + 0.1  # all > 0
    out = step(sae, x)
    z = out.feature_acts
    assert ((z != 0).sum(dim=0) == 4).all()  # round(0.1 · 40) = 4 per latent
    top4 = x.topk(4, dim=0).values
    torch.testing.assert_close(z.topk(4, dim=0).values, top4)
    # first update: θ = each latent's smallest kept value, exactly
    torch.testing.assert_close(sae.threshold, top4[-1])
    # inference: only rows above θ pass, and encoding does not depend on the batch
    loaded = inference_sae(sae)
    together = loaded.encode(x)
    alone = torch.cat([loaded.encode(x[i : i + 1]) for i in range(40)])
    torch.testing.assert_close(together, alone)
    torch.testing.assert_close(together, x * (x > top4[-1]))


def test_wta_threshold_running_average():
    sae = build("wta", d_in=8, lifetime_sparsity=0.5, threshold_lr=0.25)
    values = [torch.full((8,), v) for v in (1.0, 3.0, 2.0, 4.0, 0.0)]
    for v in values:  # a constant column: the smallest kept value is the constant
        sae.update_threshold(v.expand(6, 8))
    # rates max(0.25, 1/t): 1, 1/2, 1/3, 1/4, then 0.25
    expected = 0.0
    for t, v in enumerate([1.0, 3.0, 2.0, 4.0, 0.0], start=1):
        expected += max(0.25, 1 / t) * (v - expected)
    torch.testing.assert_close(sae.threshold, torch.full((8,), expected))


def test_bad_hyperparameters_raise():
    with pytest.raises(BenchError, match="lifetime_sparsity"):
        get_sae("wta")(lifetime_sparsity=0.0).check(CFG)
    with pytest.raises(BenchError, match="rho"):
        get_sae("kl_sparse")(rho=1.0).check(CFG)


@pytest.mark.parametrize("name", NAMES)
def test_trains_with_the_shared_trainer(name):
    data = torch.randn(64, 6, generator=torch.Generator().manual_seed(3))
    sae = fit(get_sae(name)(), data, CFG, "cpu", 0)
    z = sae.encode(data)
    assert z.shape == (64, 8) and torch.isfinite(sae.decode(z)).all()


def test_seed_001_setting_is_expressible_with_set():
    cfg = TrainConfig()
    for scope, key, value in split_assignments(["d_sae=20", "lr=0.007", "epochs=600"]):
        assert scope == ""
        cfg = override(cfg, key, value)
    cfg.check()
    assert (cfg.d_sae, cfg.lr, cfg.epochs) == (20, 0.007, 600)
    [(scope, key, value)] = split_assignments(["l1_decorr.decorr_coefficient=0.5"])
    variant = override(get_sae(scope)(), key, value)
    assert variant.decorr_coefficient == 0.5
