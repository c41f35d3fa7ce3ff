"""The K-Sparse Chaos activation with exact top-k, as the SAE calls it: `chaos_topk(pre, k)`.

Chaos activation f(x) = sin(8x) + 0.5·tanh(4x), f'(x) = 8·cos(8x) + 2·(1 − tanh²(4x)):

- `chaos_eager` / `chaos_grad_eager`: the textbook forms, plain torch (the references).
- `activation_kernels(compiled)`: f and g·f' as kernels that save only x. The plain-torch ones
  use two fresh buffers and in-place ops, with 0.5·tanh(4x) = sigmoid(8x) − 0.5 (exact
  identity; sigmoid is cheaper than tanh on CPU) and 2·(1 − tanh²(4x)) = 8·s·(1 − s),
  s = sigmoid(8x). The compiled ones are torch.compile'd (inductor: one fused loop each); if no
  compiler works, the failure is caught once and the plain ones run; `compile_status()` says
  which.

`topk_scatter` keeps the k largest values of each row (exactly k; which of tied values win is
up to torch.topk; values may be negative, there is no ReLU). `chaos_topk` is activation then
`topk_scatter` in one autograd Function whose backward saves only the n×k gathered inputs and
indices (not the n×m tensors) and evaluates f' on those n·k entries only.

What the SAE does not call (the other kernel variants the benchmarks compare, sae-lens'
TopK and JumpReLU) lives in tests/benchmarks/kernel_variants.py, with the timings.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
from torch.autograd.function import once_differentiable

Kernel = Callable[..., torch.Tensor]

# Below this many elements the compiled kernels' call overhead (guards, wrapper) outweighs the
# fused loop, so `chaos_topk` uses the plain-torch kernels.
COMPILE_MIN_NUMEL = 1 << 16
NO_COMPILE_ENV = "CHAOS_SAE_NO_COMPILE"  # set to 1 to force the plain-torch fallback


# ----------------------------------------------------------------------------- eager references
def chaos_eager(x: torch.Tensor) -> torch.Tensor:
    """f(x) = sin(8x) + 0.5·tanh(4x), plain torch and autograd. Any shape → same shape."""
    return torch.sin(8 * x) + 0.5 * torch.tanh(4 * x)


def chaos_grad_eager(x: torch.Tensor) -> torch.Tensor:
    """f'(x) = 8·cos(8x) + 2·(1 − tanh²(4x)), the textbook form (reference for tests)."""
    return 8 * torch.cos(8 * x) + 2 * (1 - torch.tanh(4 * x) ** 2)


# ----------------------------------------------------------------------------- plain-torch kernels
def _fwd_torch(x: torch.Tensor) -> torch.Tensor:
    """f(x) with two fresh buffers: sin(8x) + sigmoid(8x) − 0.5. x (...) → (...)."""
    y = torch.mul(x, 8.0)
    s = torch.sigmoid(y)
    return y.sin_().add_(s).sub_(0.5)


def _bwd_torch(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """g·f'(x) = 8·g·(cos(8x) + s − s²), s = sigmoid(8x); two fresh buffers. (...) → (...)."""
    y = torch.mul(x, 8.0)
    s = torch.sigmoid(y)
    s.addcmul_(s, s, value=-1.0)  # s(1 − s)
    return y.cos_().add_(s).mul_(g).mul_(8.0)


# Pure math for inductor (it fuses each into one loop; no in-place needed).
def _fwd_math(x: torch.Tensor) -> torch.Tensor:
    y = 8.0 * x
    return torch.sin(y) + torch.sigmoid(y) - 0.5


def _bwd_math(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    y = 8.0 * x
    s = torch.sigmoid(y)
    return 8.0 * g * (torch.cos(y) + s * (1.0 - s))


# ----------------------------------------------------------------------------- compile + fallback
def _first(err: Exception) -> str:
    """The error message on one line, at most 200 characters."""
    return " ".join(str(err).split())[:200]


class _CompiledKernels:
    """Inductor-compiled fwd/bwd kernels, built and probed once; fall back to plain torch."""

    def __init__(self) -> None:
        self.fwd: Kernel = _fwd_torch
        self.bwd: Kernel = _bwd_torch
        self.status = "not tried"
        self.compiled = False

    def ensure(self) -> None:
        if self.status != "not tried":
            return
        if os.environ.get(NO_COMPILE_ENV, "") not in ("", "0"):
            self._fail(f"disabled by {NO_COMPILE_ENV}")
            return
        try:
            fwd = torch.compile(_fwd_math, dynamic=True, fullgraph=True)
            bwd = torch.compile(_bwd_math, dynamic=True, fullgraph=True)
            # 2-D, not a view, x and g distinct, no grad: as called later (so no recompiles)
            x, g = torch.linspace(-3.0, 3.0, 96).reshape(8, 12).clone(), torch.ones(8, 12)
            with torch.no_grad():
                ok = torch.allclose(fwd(x), chaos_eager(x), atol=1e-5)
                ok = ok and torch.allclose(bwd(x, g), chaos_grad_eager(x), atol=1e-4)
        except Exception as err:  # no compiler, unsupported platform, ...: fall back, once
            self._fail(f"{type(err).__name__}: {_first(err)}")
            return
        if not ok:
            self._fail("compiled kernel disagrees with eager on the probe")
            return
        self.fwd, self.bwd = self._guard(fwd, _fwd_torch), self._guard(bwd, _bwd_torch)
        self.status, self.compiled = "inductor", True

    def _fail(self, why: str) -> None:
        self.fwd, self.bwd = _fwd_torch, _bwd_torch
        self.status, self.compiled = f"fallback to plain torch ({why})", False

    def _guard(self, compiled: Kernel, plain: Kernel) -> Kernel:
        """Compiled kernel; if a later call fails (new dtype/device), switch to plain for good."""

        def run(*args: torch.Tensor) -> torch.Tensor:
            if not self.compiled:
                return plain(*args)
            try:  # detached: a requires_grad input would only add a guard and a recompile
                return compiled(*(a.detach() for a in args))
            except Exception as err:
                where = f"{args[0].dtype}/{args[0].device}"
                self._fail(f"{type(err).__name__} on {where}: {_first(err)}")
                return plain(*args)

        return run


_COMPILED = _CompiledKernels()


def compile_status() -> str:
    """'inductor' when the compiled kernels run, else 'fallback to plain torch (<why>)'."""
    _COMPILED.ensure()
    return _COMPILED.status


def compiled_available() -> bool:
    """True when torch.compile (inductor) works here; builds and probes the kernels once."""
    _COMPILED.ensure()
    return _COMPILED.compiled


def activation_kernels(compiled: bool) -> tuple[Kernel, Kernel]:
    """(forward, backward) kernels of f: forward(x) → f(x), backward(x, g) → g·f'(x).

    compiled: the inductor ones when a compiler works (else the plain-torch fallback)."""
    if compiled:
        _COMPILED.ensure()
        return _COMPILED.fwd, _COMPILED.bwd
    return _fwd_torch, _bwd_torch


# ----------------------------------------------------------------------------- top-k masking
def check_k(a: torch.Tensor, k: int) -> None:
    """ValueError unless 1 ≤ k ≤ a's last dimension."""
    m = a.shape[-1] if a.dim() else 0
    if not 1 <= k <= m:
        raise ValueError(f"k must be in [1, {m}] (the last dimension), got {k}")


def topk_scatter(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest values per row (exactly k; ties broken by torch.topk). (n, m) → (n, m)."""
    check_k(a, k)
    vals, idx = a.topk(k, dim=-1, sorted=False)
    return torch.zeros_like(a).scatter_(-1, idx, vals)


# ----------------------------------------------------------------------------- chaos + top-k
class ChaosTopKFn(torch.autograd.Function):
    """topk_scatter(f(x), k) in one Function. Saves x at the kept entries and their indices
    (n×k each), not the n×m tensors; backward evaluates f' on n·k entries. (n, m) → (n, m)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: int, compiled: bool) -> torch.Tensor:  # type: ignore[override]
        fwd, bwd = activation_kernels(compiled)
        a = fwd(x)  # fresh (n, m) buffer, reused for the output
        vals, idx = a.topk(k, dim=-1, sorted=False)  # (n, k) each
        ctx.bwd = bwd
        ctx.save_for_backward(x.gather(-1, idx), idx)
        return a.zero_().scatter_(-1, idx, vals)

    @staticmethod
    @once_differentiable
    def backward(ctx, g: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        x_kept, idx = ctx.saved_tensors
        d = ctx.bwd(x_kept, g.gather(-1, idx))  # (n, k)
        return torch.zeros_like(g).scatter_(-1, idx, d), None, None


def chaos_topk(pre: torch.Tensor, k: int, compiled: bool | None = None) -> torch.Tensor:
    """K-Sparse Chaos latents: f(pre), then keep the k largest values per row (exactly k).

    pre (n, m) float → (n, m), k nonzero per row (unless f is exactly 0 there). `compiled=None`
    picks the fastest correct kernels: inductor for large inputs when a compiler works, else the
    plain-torch fused ones.
    """
    check_k(pre, k)
    if compiled is None:
        compiled = pre.numel() >= COMPILE_MIN_NUMEL and compiled_available()
    return ChaosTopKFn.apply(pre, k, compiled)
