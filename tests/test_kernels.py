"""Correctness of baselines/chaos_kernels.py, the kernels the K-Sparse Chaos SAE runs: values and
gradients of `chaos_topk` against the eager reference, float64 gradcheck, exact-k and tie
behaviour of `topk_scatter`, the compile fallback. The other kernel variants (used only by the
benchmarks) are checked in tests/benchmarks/test_kernel_variants.py; no timings here."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines import chaos_kernels as K

TOL = {torch.float32: dict(rtol=1e-5, atol=2e-5), torch.float64: dict(rtol=1e-10, atol=1e-12)}


def chaos_topk_reference(x: torch.Tensor, k: int) -> torch.Tensor:
    """`chaos_topk` as plain autograd: top-k of the eager activation. (n, m) → (n, m)."""
    return K.topk_scatter(K.chaos_eager(x), k)


@pytest.fixture
def fresh_compile(monkeypatch):
    """A fresh compile state for the test, the old one back after it (no fallback leaks out)."""
    monkeypatch.setattr(K, "_COMPILED", K._CompiledKernels())


def _x(shape, dtype, seed=0, scale=1.5):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=dtype) * scale


def test_eager_gradient_is_the_textbook_derivative():
    x = _x((64,), torch.float64).requires_grad_()
    K.chaos_eager(x).sum().backward()
    want = 8 * torch.cos(8 * x) + 2 * (1 - torch.tanh(4 * x) ** 2)
    torch.testing.assert_close(x.grad, want.detach())
    torch.testing.assert_close(K.chaos_grad_eager(x.detach()), want.detach())


@pytest.mark.parametrize("compiled", [False, True])
def test_kernels_finite_for_extreme_inputs(compiled):
    x = torch.tensor([[-1e4, -100.0, -20.0, -11.0, 0.0, 11.0, 20.0, 100.0, 1e4]])
    fwd, bwd = K.activation_kernels(compiled)
    y, dx = fwd(x), bwd(x, torch.ones_like(x))
    assert torch.isfinite(y).all() and torch.isfinite(dx).all()
    assert y.abs().max() <= 1.5 + 1e-6
    torch.testing.assert_close(y, K.chaos_eager(x), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(dx, K.chaos_grad_eager(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("compiled", [False, True])
def test_gradcheck_chaos_topk(compiled):
    x = _x((6, 9), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: K.chaos_topk(t, 3, compiled=compiled), (x,))


@pytest.mark.parametrize("compiled", [False, True, None])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_chaos_topk_matches_eager(compiled, dtype):
    shape, k = (300, 256), 32  # numel above COMPILE_MIN_NUMEL, so `None` picks compiled
    x = _x(shape, dtype)
    g = _x(shape, dtype, seed=2)
    xe, xf = x.clone().requires_grad_(), x.clone().requires_grad_()
    ze, zf = chaos_topk_reference(xe, k), K.chaos_topk(xf, k, compiled=compiled)
    torch.testing.assert_close(zf, ze, **TOL[dtype])
    assert ((zf != 0).sum(-1) == k).all()
    ze.backward(g)
    zf.backward(g)
    torch.testing.assert_close(xf.grad, xe.grad, **TOL[dtype])
    assert ((xf.grad != 0).sum(-1) == k).all()  # gradient only through kept entries


def test_chaos_topk_saves_only_the_kept_entries():
    x = _x((8, 20), torch.float32).requires_grad_()
    z = K.chaos_topk(x, 3, compiled=False)
    assert [tuple(t.shape) for t in z.grad_fn.saved_tensors] == [(8, 3), (8, 3)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_topk_scatter_keeps_the_k_largest(dtype):
    a = _x((200, 96), dtype, seed=3)  # continuous values: no ties
    k = 10
    kept = K.topk_scatter(a, k) != 0
    assert (kept.sum(-1) == k).all()
    assert torch.equal(K.topk_scatter(a, k)[kept], a[kept])
    min_kept = a.masked_fill(~kept, float("inf")).amin(-1)
    max_dropped = a.masked_fill(kept, float("-inf")).amax(-1)
    assert (min_kept > max_dropped).all()


def test_topk_scatter_keeps_negative_values_no_relu_and_exactly_k_of_ties():
    a = -torch.arange(1.0, 9.0).repeat(3, 1)  # every value negative
    torch.testing.assert_close(K.topk_scatter(a, 2)[:, :2], a[:, :2])
    assert (K.topk_scatter(a, 2)[:, 2:] == 0).all()
    assert ((K.topk_scatter(torch.ones(4, 8), 3) != 0).sum(-1) == 3).all()  # all tied


@pytest.mark.parametrize("k", [0, 9])
def test_bad_k_is_a_value_error(k):
    a = torch.randn(2, 8)
    for fn in (K.topk_scatter, K.chaos_topk):
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
    torch.testing.assert_close(z, chaos_topk_reference(x, k), rtol=1e-12, atol=1e-12)
    assert ((z != 0).sum(-1) == k).all()


def test_compile_fallback_when_no_compiler(fresh_compile, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.delenv(K.NO_COMPILE_ENV, raising=False)
    monkeypatch.setattr(torch, "compile", broken)
    assert not K.compiled_available()
    assert K.compile_status().startswith("fallback") and "no C++ compiler" in K.compile_status()
    x = _x((300, 257), torch.float32)
    torch.testing.assert_close(K.chaos_topk(x, 5, compiled=True), chaos_topk_reference(x, 5))
    torch.testing.assert_close(K.chaos_topk(x, 5), chaos_topk_reference(x, 5))


def test_compile_fallback_by_env(fresh_compile, monkeypatch):
    monkeypatch.setenv(K.NO_COMPILE_ENV, "1")
    assert "disabled by" in K.compile_status()


def test_compile_fallback_on_later_failure(fresh_compile, monkeypatch):
    monkeypatch.delenv(K.NO_COMPILE_ENV, raising=False)
    if not K.compiled_available():
        pytest.skip(f"torch.compile does not work here: {K.compile_status()}")
    monkeypatch.setattr(K, "_COMPILED", K._CompiledKernels())
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
    torch.testing.assert_close(K.chaos_topk(x, 3, compiled=True), chaos_topk_reference(x, 3))
    assert K.compile_status().startswith("fallback") and "float64" in K.compile_status()
