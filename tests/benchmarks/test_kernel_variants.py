"""Correctness of the kernel variants the benchmarks compare (kernel_variants.py): the chaos
activation as a custom Function against eager (values, gradients, float64 gradcheck, what it
saves), the threshold forms of top-k against `topk_scatter` (ties keep more than k), and the
sae-lens references. No timings here."""

import kernel_variants as V
import pytest
import torch

from baselines import chaos_kernels as K

ACTIVATIONS = {
    "fused": V.chaos_fused,
    "compiled": V.chaos_compiled,
    "best": V.best_chaos_activation(),
}
TOPKS = [K.topk_scatter, V.topk_threshold, V.topk_kthvalue]
TOL = {torch.float32: dict(rtol=1e-5, atol=2e-5), torch.float64: dict(rtol=1e-10, atol=1e-12)}


def _x(shape, dtype, seed=0, scale=1.5):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=dtype) * scale


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(7, 5), (300, 257)])  # below and above COMPILE_MIN_NUMEL
def test_activation_matches_eager(name, dtype, shape):
    x = _x(shape, dtype)
    g = _x(shape, dtype, seed=1)
    xe, xf = x.clone().requires_grad_(), x.clone().requires_grad_()
    ye, yf = K.chaos_eager(xe), ACTIVATIONS[name](xf)
    torch.testing.assert_close(yf, ye, **TOL[dtype])
    ye.backward(g)
    yf.backward(g)
    torch.testing.assert_close(xf.grad, xe.grad, **TOL[dtype])


@pytest.mark.parametrize("compiled", [False, True])
def test_gradcheck_chaos_fn(compiled):
    x = _x((6, 5), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: V.ChaosFn.apply(t, compiled), (x,))


def test_chaos_fn_saves_only_x():
    x = _x((8, 4), torch.float32).requires_grad_()
    y = V.chaos_fused(x)
    saved = y.grad_fn.saved_tensors
    assert len(saved) == 1 and saved[0].data_ptr() == x.data_ptr()


def test_eager_topk_reference_is_the_library_kernel():
    x = _x((40, 30), torch.float64, seed=4)
    torch.testing.assert_close(V.chaos_topk_eager(x, 5), K.chaos_topk(x, 5), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_topk_variants_agree_on_continuous_data(dtype):
    a = _x((200, 96), dtype, seed=3)  # continuous values: no ties
    ref = K.topk_scatter(a, 10)
    for fn in TOPKS[1:]:
        assert torch.equal(fn(a, 10), ref), fn.__name__


def test_topk_variants_keep_negative_values_and_every_tie():
    a = -torch.arange(1.0, 9.0).repeat(3, 1)  # every value negative
    for fn in TOPKS:
        torch.testing.assert_close(fn(a, 2)[:, :2], a[:, :2])
        assert (fn(a, 2)[:, 2:] == 0).all()
    for fn in TOPKS[1:]:
        assert ((fn(torch.ones(4, 8), 3) != 0).sum(-1) == 8).all()  # every tied value kept
        with pytest.raises(ValueError, match="k must be in"):
            fn(torch.randn(2, 8), 9)


def test_sae_lens_references():
    x = _x((16, 12), torch.float32)
    z = V.sae_topk(x, 4)
    vals, idx = x.topk(4, dim=-1)
    torch.testing.assert_close(z, torch.zeros_like(x).scatter(-1, idx, vals.relu()))
    theta = torch.full((12,), 0.3)
    torch.testing.assert_close(V.sae_jumprelu(x, theta), x * (x > 0.3))
