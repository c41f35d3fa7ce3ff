"""pytest-benchmark timings of the activation kernels (baselines/chaos_kernels.py), 2 threads.

One group per kernel family, pass and shape (e.g. `chaos fwd 4096x1024`), the variants as its
members, a plain copy of the input as the memory-bound floor. `make bench-kernels` runs them
with `--benchmark-only`; CI runs them with `--benchmark-disable`, where each body runs once and
its output is checked against eager (so every benchmark is also a correctness test). Ratios in
one interleaved run: `python tests/benchmarks/kernel_ratios.py`.
"""

from collections.abc import Callable

import kernel_variants as V
import pytest
import torch

from baselines import chaos_kernels as K

THREADS = 2
SHAPES = [(4096, 1024), (256, 128)]
K_TOP = 32  # k for the top-k kernels (the default profile's k)
torch.set_num_threads(THREADS)


def _naive_inductor() -> Callable[[torch.Tensor], torch.Tensor]:
    if not K.compiled_available():
        pytest.skip(f"torch.compile unavailable: {K.compile_status()}")
    return torch.compile(K.chaos_eager, dynamic=True)


ACTIVATIONS: dict[str, Callable[[], Callable[[torch.Tensor], torch.Tensor]]] = {
    "eager": lambda: K.chaos_eager,
    "fused": lambda: V.chaos_fused,
    "compiled": lambda: V.chaos_compiled,
    "best": V.best_chaos_activation,
    "inductor_autograd": _naive_inductor,  # torch.compile(eager): AOTAutograd's own backward
}
TOPKS = {"scatter": K.topk_scatter, "threshold": V.topk_threshold, "kthvalue": V.topk_kthvalue}
SAE_ACTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "chaos_topk": lambda x: K.chaos_topk(x, K_TOP),
    "chaos_topk_eager": lambda x: V.chaos_topk_eager(x, K_TOP),
    "sae_lens_topk": lambda x: V.sae_topk(x, K_TOP),
    "sae_lens_jumprelu": lambda x: V.sae_jumprelu(x, torch.full(x.shape[-1:], 0.5)),
}


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(THREADS)
    assert torch.get_num_threads() == THREADS


_DATA: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = {}


def _data(shape: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, g): input and upstream gradient, both (n, m) fp32, fixed seed, cached per shape."""
    if shape not in _DATA:
        gen = torch.Generator().manual_seed(0)
        _DATA[shape] = (torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    return _DATA[shape]


def _fwd_bwd(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, g: torch.Tensor):
    """One forward+backward: returns (y, dL/dx) for L = <fn(x), g>."""
    xr = x.detach().requires_grad_()
    y = fn(xr)
    y.backward(g)
    return y.detach(), xr.grad


def _run(benchmark, group: str, fn: Callable[[], object]) -> object:
    benchmark.group = group
    fn()  # warm-up (compiles once where compiled)
    return benchmark(fn)


def _id(shape: tuple[int, int]) -> str:
    return f"{shape[0]}x{shape[1]}"


@pytest.mark.parametrize("shape", SHAPES, ids=_id)
def test_copy_floor(benchmark, shape):
    x, _ = _data(shape)
    y = _run(benchmark, f"chaos fwd {_id(shape)}", x.clone)
    assert torch.equal(y, x)


@pytest.mark.parametrize("pass_", ["fwd", "fwd+bwd"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", SHAPES, ids=_id)
def test_chaos_activation(benchmark, shape, name, pass_):
    x, g = _data(shape)
    fn = ACTIVATIONS[name]()
    want_y, want_dx = _fwd_bwd(K.chaos_eager, x, g)
    if pass_ == "fwd":
        with torch.no_grad():
            y = _run(benchmark, f"chaos fwd {_id(shape)}", lambda: fn(x))
    else:
        y, dx = _run(benchmark, f"chaos fwd+bwd {_id(shape)}", lambda: _fwd_bwd(fn, x, g))
        torch.testing.assert_close(dx, want_dx, rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(y, want_y, rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("pass_", ["fwd", "fwd+bwd"])
@pytest.mark.parametrize("name", list(TOPKS))
@pytest.mark.parametrize("shape", SHAPES, ids=_id)
def test_topk_mask(benchmark, shape, name, pass_):
    a, g = _data(shape)
    fn = TOPKS[name]
    if pass_ == "fwd":
        z = _run(benchmark, f"topk k={K_TOP} fwd {_id(shape)}", lambda: fn(a, K_TOP))
    else:
        z, da = _run(
            benchmark,
            f"topk k={K_TOP} fwd+bwd {_id(shape)}",
            lambda: _fwd_bwd(lambda t: fn(t, K_TOP), a, g),
        )
        assert torch.equal(da, torch.where(z != 0, g, 0.0))  # gradient passes where kept
    assert torch.equal(z, K.topk_scatter(a, K_TOP))
    assert ((z != 0).sum(-1) == K_TOP).all()


@pytest.mark.parametrize("pass_", ["fwd", "fwd+bwd"])
@pytest.mark.parametrize("name", list(SAE_ACTS))
@pytest.mark.parametrize("shape", SHAPES, ids=_id)
def test_sae_activation(benchmark, shape, name, pass_):
    """The whole SAE activation step: K-Sparse Chaos against sae-lens' TopK and JumpReLU."""
    x, g = _data(shape)
    fn = SAE_ACTS[name]
    group = f"sae activation {pass_} {_id(shape)}"
    if pass_ == "fwd":
        with torch.no_grad():
            z = _run(benchmark, group, lambda: fn(x))
    else:
        z, dx = _run(benchmark, group, lambda: _fwd_bwd(fn, x, g))
        assert torch.isfinite(dx).all() and (dx[z == 0] == 0).all()
    assert z.shape == x.shape
    if name.startswith("chaos"):
        torch.testing.assert_close(z, V.chaos_topk_eager(x, K_TOP), rtol=1e-5, atol=2e-5)
        assert ((z != 0).sum(-1) == K_TOP).all()
    elif name == "sae_lens_topk":
        assert ((z != 0).sum(-1) <= K_TOP).all()
    else:
        assert torch.equal(z, x * (x > 0.5))
