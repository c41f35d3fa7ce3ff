"""Every registered SAE builds a real sae-lens training SAE with consistent shapes and decoding."""

import pytest
import torch

from baselines.base import closed_form
from bench.config import TrainConfig
from bench.errors import BenchError
from bench.registry import get_sae, sae_names
from bench.train import encode_decode

CFG = TrainConfig(d_sae=16, k=4)
D_IN = 12
TRAINED = [n for n in sae_names(["all"]) if not closed_form(get_sae(n))]  # references: own tests


@pytest.fixture(params=TRAINED)
def sae(request):
    torch.manual_seed(0)
    variant = get_sae(request.param)()
    model = variant.build(D_IN, CFG, "cpu")
    with torch.no_grad():  # move off the tied init so decoding is not trivially symmetric
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return variant, model


def test_shapes_and_decode_of_encode_is_forward(sae):
    _, model = sae
    x = torch.randn(9, D_IN)
    with torch.no_grad():
        z = model.encode(x)
        assert z.shape == (9, CFG.d_sae)
        torch.testing.assert_close(model.decode(z), model(x))


def test_effective_decoder_reproduces_reconstruction(sae):
    _, model = sae
    x = torch.randn(9, D_IN)
    z, x_hat, w_dec = encode_decode(model, x)
    assert w_dec.shape == (CFG.d_sae, D_IN)
    with torch.no_grad():
        bias = model.decode(torch.zeros(1, CFG.d_sae))
    torch.testing.assert_close(z @ w_dec + bias, x_hat, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in TRAINED if get_sae(n).uses_k])
def test_topk_style_l0_at_most_k(name):
    torch.manual_seed(0)
    variant = get_sae(name)()
    model = variant.build(D_IN, CFG, "cpu")
    with torch.no_grad():
        l0 = (model.encode(torch.randn(64, D_IN)) != 0).sum(dim=1).float()
    if variant.name in ("batchtopk", "matryoshka"):  # k per row on average over the batch
        assert l0.mean() <= CFG.k
    else:
        assert (l0 <= CFG.k).all()


def test_training_step_runs_and_reports_losses(sae):
    from sae_lens.saes.sae import TrainStepInput

    _, model = sae
    coefficients = {name: getattr(c, "value", c) for name, c in model.get_coefficients().items()}
    step = TrainStepInput(torch.randn(8, D_IN), coefficients, None, 0, False)
    out = model.training_forward_pass(step)
    out.loss.backward()
    assert torch.isfinite(out.loss) and "mse_loss" in out.losses


@pytest.mark.parametrize("k", [0, -1, 17])
def test_k_outside_range_rejected(k):
    with pytest.raises(BenchError, match="k must be in 1..d_sae=16"):
        get_sae("topk")().check(TrainConfig(d_sae=16, k=k))
