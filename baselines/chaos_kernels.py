"""Activation kernels: the K-Sparse Chaos activation, top-k masking, and sae-lens references.

Chaos activation f(x) = sin(8x) + 0.5·tanh(4x), f'(x) = 8·cos(8x) + 2·(1 − tanh²(4x)), in three
forms, all elementwise on any shape:

- `chaos_eager`: plain torch; autograd saves 8x and tanh(4x) (two extra tensors of x's size).
- `chaos_fused`: a custom autograd Function that saves only x; plain-torch kernels with two fresh
  buffers and in-place ops, using 0.5·tanh(4x) = sigmoid(8x) − 0.5 (exact identity; sigmoid is
  cheaper than tanh on CPU) and 2·(1 − tanh²(4x)) = 8·s·(1 − s), s = sigmoid(8x).
- `chaos_compiled`: the same Function with torch.compile'd (inductor: one fused loop each)
  forward and backward kernels. If no compiler works, the failure is caught once and it falls
  back to the `chaos_fused` kernels; `compile_status()` says which ran.

Top-k by value along the last dim (keep the k largest values of a row, zero the rest; values
may be negative, there is no ReLU): `topk_scatter` keeps exactly k per row (which of tied
values win is up to torch.topk); `topk_threshold` / `topk_kthvalue` keep every value ≥ the k-th
largest, so ties at the threshold keep more than k. On continuous random data they agree.

`chaos_topk(pre, k)` is what the K-Sparse Chaos SAE calls: activation then `topk_scatter`, in one
Function whose backward saves only the n×k gathered inputs and indices (not the n×m tensors) and
evaluates f' on those n·k entries only. `sae_topk` / `sae_jumprelu` call sae-lens' own TopK and
JumpReLU (imported lazily) as references for the benchmarks. Timings live in
tests/benchmarks/ and `python -m bench.timing.kernel_ratios`, not here.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
from torch.autograd.function import once_differentiable

Kernel = Callable[..., torch.Tensor]

# Below this many elements the compiled kernels' call overhead (guards, wrapper) outweighs the
# fused loop, so `best_chaos_activation` / `chaos_topk` use the plain-torch kernels.
COMPILE_MIN_NUMEL = 1 << 16
NO_COMPILE_ENV = "CHAOS_SAE_NO_COMPILE"  # set to 1 to force the plain-torch fallback


# ----------------------------------------------------------------------------- eager reference
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


def _reset_compiled_for_tests() -> None:
    global _COMPILED
    _COMPILED = _CompiledKernels()


def _kernels(compiled: bool) -> tuple[Kernel, Kernel]:
    if compiled:
        _COMPILED.ensure()
        return _COMPILED.fwd, _COMPILED.bwd
    return _fwd_torch, _bwd_torch


# ----------------------------------------------------------------------------- fused Function
class ChaosFn(torch.autograd.Function):
    """f(x) with a backward that saves only x. apply(x, compiled: bool). (...) → (...)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, compiled: bool) -> torch.Tensor:  # type: ignore[override]
        fwd, bwd = _kernels(compiled)
        ctx.bwd = bwd
        ctx.save_for_backward(x)
        return fwd(x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return ctx.bwd(x, g), None


def chaos_fused(x: torch.Tensor) -> torch.Tensor:
    """f(x), custom Function with plain-torch kernels; saves only x. (...) → (...)."""
    return ChaosFn.apply(x, False)


def chaos_compiled(x: torch.Tensor) -> torch.Tensor:
    """f(x), custom Function with inductor kernels (or the plain ones if no compiler works)."""
    return ChaosFn.apply(x, True)


def best_chaos_activation() -> Callable[[torch.Tensor], torch.Tensor]:
    """The default activation: compiled kernels for large inputs when a compiler works."""

    def act(x: torch.Tensor) -> torch.Tensor:
        return ChaosFn.apply(x, x.numel() >= COMPILE_MIN_NUMEL and compiled_available())

    return act


# ----------------------------------------------------------------------------- top-k masking
def _check_k(a: torch.Tensor, k: int) -> None:
    m = a.shape[-1] if a.dim() else 0
    if not 1 <= k <= m:
        raise ValueError(f"k must be in [1, {m}] (the last dimension), got {k}")


def topk_scatter(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest values per row (exactly k; ties broken by torch.topk). (n, m) → (n, m)."""
    _check_k(a, k)
    vals, idx = a.topk(k, dim=-1, sorted=False)
    return torch.zeros_like(a).scatter_(-1, idx, vals)


def topk_threshold(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep values ≥ the k-th largest (from topk values); ties keep > k. (n, m) → (n, m)."""
    _check_k(a, k)
    thr = a.topk(k, dim=-1, sorted=False).values.amin(dim=-1, keepdim=True)  # (n, 1)
    return torch.where(a >= thr, a, torch.zeros((), dtype=a.dtype, device=a.device))


def topk_kthvalue(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep values ≥ the k-th largest (from kthvalue); ties keep > k. (n, m) → (n, m)."""
    _check_k(a, k)
    thr = a.kthvalue(a.shape[-1] - k + 1, dim=-1, keepdim=True).values  # (n, 1)
    return torch.where(a >= thr, a, torch.zeros((), dtype=a.dtype, device=a.device))


# ----------------------------------------------------------------------------- chaos + top-k
class ChaosTopKFn(torch.autograd.Function):
    """topk_scatter(f(x), k) in one Function. Saves x at the kept entries and their indices
    (n×k each), not the n×m tensors; backward evaluates f' on n·k entries. (n, m) → (n, m)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, k: int, compiled: bool) -> torch.Tensor:  # type: ignore[override]
        fwd, bwd = _kernels(compiled)
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


def chaos_topk_eager(pre: torch.Tensor, k: int) -> torch.Tensor:
    """Reference: `topk_scatter(chaos_eager(pre), k)` with plain autograd. (n, m) → (n, m)."""
    return topk_scatter(chaos_eager(pre), k)


def chaos_topk(pre: torch.Tensor, k: int, compiled: bool | None = None) -> torch.Tensor:
    """K-Sparse Chaos latents: f(pre), then keep the k largest values per row (exactly k).

    pre (n, m) float → (n, m), k nonzero per row (unless f is exactly 0 there). `compiled=None`
    picks the fastest correct kernels: inductor for large inputs when a compiler works, else the
    plain-torch fused ones.
    """
    _check_k(pre, k)
    if compiled is None:
        compiled = pre.numel() >= COMPILE_MIN_NUMEL and compiled_available()
    return ChaosTopKFn.apply(pre, k, compiled)


# ----------------------------------------------------------------------------- sae-lens references
def sae_topk(x: torch.Tensor, k: int) -> torch.Tensor:
    """sae-lens' TopK activation (top k of the pre-activation, then ReLU). (n, m) → (n, m)."""
    from sae_lens.saes.topk_sae import TopK

    return TopK(k)(x)


def sae_jumprelu(x: torch.Tensor, threshold: torch.Tensor, bandwidth: float = 0.05) -> torch.Tensor:
    """sae-lens' JumpReLU as its training SAE calls it: x·[x > θ], STE for θ. x (n, m), θ (m,)."""
    from sae_lens.saes.jumprelu_sae import JumpReLU

    return JumpReLU.apply(x, threshold, bandwidth, False)
