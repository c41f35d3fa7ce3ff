"""Every registered SAE builds a real sae-lens training SAE with consistent shapes and decoding,
keeps the L0 its declaration promises, and declares its L0 control consistently."""

from dataclasses import dataclass, fields

import pytest
import torch

from baselines.base import (
    DENSER_WHEN,
    L0_CONTROLS,
    SaeLensVariant,
    SAEVariant,
    calibrated,
    closed_form,
    reads_k,
)
from baselines.sae_lens_adapter import step_input
from bench.config import TrainConfig
from bench.errors import BenchError
from bench.metrics.inference import encode_decode
from bench.registry import get_sae, sae_names

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


@pytest.mark.parametrize("name", [n for n in TRAINED if reads_k(get_sae(n))])
def test_k_reading_saes_keep_l0_at_most_k(name):
    torch.manual_seed(0)
    variant = get_sae(name)()
    model = variant.build(D_IN, CFG, "cpu")
    with torch.no_grad():
        l0 = (model.encode(torch.randn(64, D_IN)) != 0).sum(dim=1).float()
    if variant.l0_control == "batch_mean":  # k per row on average over the batch
        assert l0.mean() <= CFG.k
    else:
        assert (l0 <= CFG.k).all()


@pytest.mark.parametrize("name", sae_names(["all"]))
def test_every_sae_declares_its_l0_control(name):
    cls = get_sae(name)
    assert cls.l0_control in L0_CONTROLS
    assert calibrated(cls) == (cls.l0_control == "coefficient")
    if calibrated(cls):  # the field exists, with a default a calibration search starts from
        assert cls.sparsity_field in {f.name for f in fields(cls)}
        assert cls.denser_when in DENSER_WHEN
        assert isinstance(getattr(cls(), cls.sparsity_field), float)


def test_l0_control_helpers_and_a_bad_declaration():
    names = ("topk", "batchtopk", "l1", "wta", "relu", "kl_sparse")
    assert [reads_k(get_sae(n)) for n in names] == [True, True, False, False, False, False]
    assert [calibrated(get_sae(n)) for n in names] == [False, False, True, True, False, False]
    assert get_sae("wta").denser_when == "higher" and get_sae("l1").denser_when == "lower"
    with pytest.raises(TypeError, match="l0_control must be one of"):

        @dataclass
        class Vague(SAEVariant):
            l0_control = "sometimes"

    with pytest.raises(TypeError, match="goes with sparsity_field and denser_when"):

        @dataclass
        class NoDirection(SAEVariant):
            l0_control, sparsity_field = "coefficient", "l1_coefficient"


def own_architecture(name: str) -> bool:
    """True when the SAE's sae-lens training class is defined in the SAE's own module."""
    from sae_lens.registry import get_sae_training_class

    variant = get_sae(name)
    if not issubclass(variant, SaeLensVariant):
        return False
    return get_sae_training_class(variant.architecture)[0].__module__ == variant.__module__


@pytest.mark.parametrize("name", [n for n in TRAINED if own_architecture(n)])
def test_own_sae_defaults_match_their_sae_lens_config(name):
    """The variant's defaults are the ones its sae-lens training config documents."""
    variant = get_sae(name)()
    config = variant.build(D_IN, CFG, "cpu").cfg
    defaults = {f.name: f.default for f in fields(type(config))}
    assert variant.params() == {key: defaults[key] for key in variant.params()}
    assert variant.params() == {key: getattr(config, key) for key in variant.params()}


def test_training_step_runs_and_reports_losses(sae):
    _, model = sae
    out = model.training_forward_pass(step_input(model, torch.randn(8, D_IN)))
    out.loss.backward()
    assert torch.isfinite(out.loss) and "mse_loss" in out.losses


@pytest.mark.parametrize("k", [0, -1, 17])
def test_k_outside_range_rejected(k):
    with pytest.raises(BenchError, match="k must be in 1..d_sae=16"):
        get_sae("topk")().check(TrainConfig(d_sae=16, k=k))


@pytest.mark.parametrize(
    "setting, message",
    [
        ("jumprelu.bandwidth=0", "jumprelu.bandwidth must be > 0, got 0.0"),  # 1/bandwidth
        ("mp.residual_threshold=-1", "mp.residual_threshold must be ≥ 0, got -1.0"),
    ],
)
def test_a_variant_refuses_a_bad_setting_before_anything_trains(setting, message, capsys, tmp_path):
    from bench.cli import main

    sae = setting.split(".")[0]
    argv = ["run", "--systems", "logistic", "--saes", sae, "--set", setting, "--out", str(tmp_path)]
    for dry_run in (["--dry-run"], []):  # a real run is refused too, before any cell
        assert main([*argv, *dry_run]) == 2
        assert capsys.readouterr().err.splitlines() == [f"chaos-sae-bench: error: {message}"]
    assert list(tmp_path.iterdir()) == []
