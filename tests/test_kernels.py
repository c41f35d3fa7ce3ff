"""Correctness of baselines/chaos_kernels.py: values and gradients against eager, float64
gradcheck of every custom Function, top-k variants against each other, tie behaviour, the
compile fallback.
No timings here (those are in tests/benchmarks/)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines import chaos_kernels as K

ACTIVATIONS = {
    "fused": K.chaos_fused,
    "compiled": K.chaos_compiled,
    "best": K.best_chaos_activation(),
}
TOPKS = [K.topk_scatter, K.topk_threshold, K.topk_kthvalue]
TOL = {torch.float32: dict(rtol=1e-5, atol=2e-5), torch.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.fixture
def fresh_compile():
    """A fresh compile state for the test, and again after it (so no fallback leaks out)."""
    K._reset_compiled_for_tests()
    yield
    K._reset_compiled_for_tests()


def _x(shape, dtype, seed=0, scale=1.5):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=dtype) * scale


def test_eager_gradient_is_the_textbook_derivative():
    x = _x((64,), torch.float64).requires_grad_()
    K.chaos_eager(x).sum().backward()
    want = 8 * torch.cos(8 * x) + 2 * (1 - torch.tanh(4 * x) ** 2)
    torch.testing.assert_close(x.grad, want.detach())
    torch.testing.assert_close(K.chaos_grad_eager(x.detach()), want.detach())


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


@pytest.mark.parametrize("name", ["fused", "compiled"])
def test_activation_finite_and_bounded_for_extreme_inputs(name):
    x = torch.tensor([-1e4, -100.0, -20.0, -11.0, 0.0, 11.0, 20.0, 100.0, 1e4]).requires_grad_()
    y = ACTIVATIONS[name](x)
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    assert y.abs().max() <= 1.5 + 1e-6
    torch.testing.assert_close(y, K.chaos_eager(x.detach()), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("compiled", [False, True])
def test_gradcheck_chaos_fn(compiled):
    x = _x((6, 5), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: K.ChaosFn.apply(t, compiled), (x,))


@pytest.mark.parametrize("compiled", [False, True])
def test_gradcheck_chaos_topk(compiled):
    x = _x((6, 9), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: K.chaos_topk(t, 3, compiled=compiled), (x,))


def test_chaos_fn_saves_only_x():
    x = _x((8, 4), torch.float32).requires_grad_()
    y = K.chaos_fused(x)
    saved = y.grad_fn.saved_tensors
    assert len(saved) == 1 and saved[0].data_ptr() == x.data_ptr()


@pytest.mark.parametrize("compiled", [False, True, None])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_chaos_topk_matches_eager(compiled, dtype):
    shape, k = (300, 256), 32  # numel above COMPILE_MIN_NUMEL, so `None` picks compiled
    x = _x(shape, dtype)
    g = _x(shape, dtype, seed=2)
    xe, xf = x.clone().requires_grad_(), x.clone().requires_grad_()
    ze, zf = K.chaos_topk_eager(xe, k), K.chaos_topk(xf, k, compiled=compiled)
    torch.testing.assert_close(zf, ze, **TOL[dtype])
    assert ((zf != 0).sum(-1) == k).all()
    ze.backward(g)
    zf.backward(g)
    torch.testing.assert_close(xf.grad, xe.grad, **TOL[dtype])
    assert ((xf.grad != 0).sum(-1) == k).all()  # gradient only through kept entries


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_topk_variants_agree_and_keep_the_k_largest(dtype):
    a = _x((200, 96), dtype, seed=3)  # continuous values: no ties
    k = 10
    ref = K.topk_scatter(a, k)
    for fn in TOPKS[1:]:
        assert torch.equal(fn(a, k), ref), fn.__name__
    kept = ref != 0
    assert (kept.sum(-1) == k).all()
    assert torch.equal(ref[kept], a[kept])
    min_kept = a.masked_fill(~kept, float("inf")).amin(-1)
    max_dropped = a.masked_fill(kept, float("-inf")).amax(-1)
    assert (min_kept > max_dropped).all()


def test_topk_keeps_negative_values_no_relu():
    a = -torch.arange(1.0, 9.0).repeat(3, 1)  # every value negative
    for fn in TOPKS:
        torch.testing.assert_close(fn(a, 2)[:, :2], a[:, :2])
        assert (fn(a, 2)[:, 2:] == 0).all()


def test_topk_tie_behaviour():
    a = torch.ones(4, 8)  # all tied
    assert ((K.topk_scatter(a, 3) != 0).sum(-1) == 3).all()  # exactly k
    for fn in (K.topk_threshold, K.topk_kthvalue):
        assert ((fn(a, 3) != 0).sum(-1) == 8).all()  # every tied value kept


@pytest.mark.parametrize("k", [0, 9])
def test_bad_k_is_a_value_error(k):
    a = torch.randn(2, 8)
    for fn in [*TOPKS, K.chaos_topk]:
        with pytest.raises(ValueError, match="k must be in"):
            fn(a, k)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 9),
    m=st.integers(1, 40),
    kfrac=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
    compiled=st.booleans(),
)
def test_chaos_topk_property(n, m, kfrac, seed, compiled):
    k = max(1, round(kfrac * m))
    x = _x((n, m), torch.float64, seed=seed, scale=2.0)
    z = K.chaos_topk(x, k, compiled=compiled)
    assert z.shape == (n, m)
    a = K.chaos_eager(x)
    torch.testing.assert_close(z, K.topk_scatter(a, k), rtol=1e-12, atol=1e-12)
    assert ((z != 0).sum(-1) == k).all()
    for fn in TOPKS[1:]:
        torch.testing.assert_close(fn(a, k), z, rtol=1e-12, atol=1e-12)


def test_compile_fallback_when_no_compiler(fresh_compile, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.delenv(K.NO_COMPILE_ENV, raising=False)
    monkeypatch.setattr(torch, "compile", broken)
    assert not K.compiled_available()
    assert K.compile_status().startswith("fallback") and "no C++ compiler" in K.compile_status()
    x = _x((300, 257), torch.float32)
    torch.testing.assert_close(K.chaos_compiled(x), K.chaos_eager(x), **TOL[torch.float32])
    torch.testing.assert_close(K.chaos_topk(x, 5), K.chaos_topk_eager(x, 5))


def test_compile_fallback_by_env(fresh_compile, monkeypatch):
    monkeypatch.setenv(K.NO_COMPILE_ENV, "1")
    assert "disabled by" in K.compile_status()


def test_compile_fallback_on_later_failure(fresh_compile, monkeypatch):
    monkeypatch.delenv(K.NO_COMPILE_ENV, raising=False)
    if not K.compiled_available():
        pytest.skip(f"torch.compile does not work here: {K.compile_status()}")
    K._reset_compiled_for_tests()
    real = torch.compile

    def float32_only(fn, **kwargs):
        compiled = real(fn, **kwargs)

        def run(x, *rest):
            if x.dtype != torch.float32:
                raise RuntimeError("unsupported dtype")
            return compiled(x, *rest)

        return run

    monkeypatch.setattr(torch, "compile", float32_only)
    assert K.compiled_available()
    x = _x((5, 7), torch.float64).requires_grad_()
    torch.testing.assert_close(K.chaos_compiled(x), K.chaos_eager(x))
    assert K.compile_status().startswith("fallback") and "float64" in K.compile_status()


def test_sae_lens_references():
    x = _x((16, 12), torch.float32)
    z = K.sae_topk(x, 4)
    vals, idx = x.topk(4, dim=-1)
    torch.testing.assert_close(z, torch.zeros_like(x).scatter(-1, idx, vals.relu()))
    theta = torch.full((12,), 0.3)
    torch.testing.assert_close(K.sae_jumprelu(x, theta), x * (x > 0.3))
