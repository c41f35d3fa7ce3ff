"""K-Sparse Chaos as the seed paper defines it, checked on hand-set weights."""

import math

import pytest
import torch
from sae_lens import SAE
from sae_lens.registry import get_sae_class, get_sae_training_class

from baselines.ksparse_chaos import (
    KSparseChaosSAE,
    KSparseChaosTrainingSAE,
    KSparseChaosTrainingSAEConfig,
    target_variance_loss,
)
from baselines.sae_lens_adapter import step_input


def make(k=2, d_in=3, d_sae=4):
    sae = KSparseChaosTrainingSAE(KSparseChaosTrainingSAEConfig(d_in=d_in, d_sae=d_sae, k=k))
    with torch.no_grad():
        sae.W_enc.copy_(torch.eye(d_in, d_sae))
        sae.b_enc.copy_(torch.tensor([0.0, 0.0, 0.0, 0.5]))
        sae.b_dec.zero_()
    return sae


def chaos(v: float) -> float:
    return math.sin(8 * v) + 0.5 * math.tanh(4 * v)


def test_chaos_activation_then_topk_by_value():
    sae = make()
    x = torch.tensor([[0.1, -0.05, 0.2]])  # pre = [0.1, -0.05, 0.2, 0.5]
    acts = [chaos(v) for v in (0.1, -0.05, 0.2, 0.5)]
    keep = sorted(range(4), key=lambda j: acts[j])[-2:]  # the two largest *after* activation
    expected = torch.tensor([[acts[j] if j in keep else 0.0 for j in range(4)]])
    z, pre = sae.encode_with_hidden_pre(x)
    torch.testing.assert_close(pre, torch.tensor([[0.1, -0.05, 0.2, 0.5]]))
    torch.testing.assert_close(z, expected)
    assert keep == [0, 2]  # chaos(0.5) < 0 < chaos(0.1): top-k by value, not by pre-activation


def test_target_variance_loss_known_value():
    pre = torch.tensor([[0.0, 1.0], [2.0, 1.0]])  # population variances 1, 0 → mean 0.5
    assert target_variance_loss(pre, 0.1).item() == pytest.approx(0.4)
    assert target_variance_loss(pre, 0.9).item() == pytest.approx(0.4)


def test_aux_loss_is_weighted_regulariser():
    sae = make()  # variance_coefficient 0.01
    x = torch.tensor([[0.0, 1.0, 0.5], [2.0, 1.0, 0.5]])
    out = sae.training_forward_pass(step_input(sae, x))
    pre_var = torch.tensor([1.0, 0.0, 0.0, 0.0]).mean()
    assert out.losses["variance_loss"].item() == pytest.approx(0.01 * abs(pre_var - 0.1))


def test_registered_with_sae_lens_and_saved_model_loads(tmp_path):
    assert get_sae_class("ksparse_chaos")[0] is KSparseChaosSAE
    assert get_sae_training_class("ksparse_chaos")[0] is KSparseChaosTrainingSAE
    sae = make()
    sae.save_inference_model(tmp_path)
    loaded = SAE.load_from_disk(tmp_path)
    assert isinstance(loaded, KSparseChaosSAE) and loaded.cfg.k == 2
    x = torch.randn(5, 3)
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode(x), sae.encode(x))
