"""Kernel variants that the benchmarks set beside the library's (baselines/chaos_kernels.py),
and that only the benchmarks and tests use: the chaos activation alone as a custom Function
(`chaos_fused`, `chaos_compiled`, `best_chaos_activation`), two threshold forms of top-k
(`topk_threshold`, `topk_kthvalue`: every value ≥ the k-th largest is kept, so ties at the
threshold keep more than k; on continuous data they agree with `topk_scatter`), the eager
reference of the SAE's activation (`chaos_topk_eager`), and sae-lens' own TopK and JumpReLU
activations (`sae_topk`, `sae_jumprelu`). All map (n, m) → (n, m) unless said otherwise.
"""

from collections.abc import Callable

import torch
from torch.autograd.function import once_differentiable

from baselines.chaos_kernels import (
    COMPILE_MIN_NUMEL,
    activation_kernels,
    chaos_eager,
    check_k,
    compiled_available,
    topk_scatter,
)


class ChaosFn(torch.autograd.Function):
    """f(x) with a backward that saves only x. apply(x, compiled: bool). (...) → (...)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, compiled: bool) -> torch.Tensor:  # type: ignore[override]
        fwd, bwd = activation_kernels(compiled)
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
    """f(x) as `chaos_topk` picks kernels: compiled for large inputs when a compiler works."""

    def act(x: torch.Tensor) -> torch.Tensor:
        return ChaosFn.apply(x, x.numel() >= COMPILE_MIN_NUMEL and compiled_available())

    return act


def topk_threshold(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep values ≥ the k-th largest (from topk values); ties keep > k."""
    check_k(a, k)
    thr = a.topk(k, dim=-1, sorted=False).values.amin(dim=-1, keepdim=True)  # (n, 1)
    return torch.where(a >= thr, a, torch.zeros((), dtype=a.dtype, device=a.device))


def topk_kthvalue(a: torch.Tensor, k: int) -> torch.Tensor:
    """Keep values ≥ the k-th largest (from kthvalue); ties keep > k."""
    check_k(a, k)
    thr = a.kthvalue(a.shape[-1] - k + 1, dim=-1, keepdim=True).values  # (n, 1)
    return torch.where(a >= thr, a, torch.zeros((), dtype=a.dtype, device=a.device))


def chaos_topk_eager(pre: torch.Tensor, k: int) -> torch.Tensor:
    """Reference of `chaos_topk`: `topk_scatter(chaos_eager(pre), k)` with plain autograd."""
    return topk_scatter(chaos_eager(pre), k)


def sae_topk(x: torch.Tensor, k: int) -> torch.Tensor:
    """sae-lens' TopK activation (top k of the pre-activation, then ReLU)."""
    from sae_lens.saes.topk_sae import TopK

    return TopK(k)(x)


def sae_jumprelu(x: torch.Tensor, threshold: torch.Tensor, bandwidth: float = 0.05) -> torch.Tensor:
    """sae-lens' JumpReLU as its training SAE calls it: x·[x > θ], STE for θ. θ (m,)."""
    from sae_lens.saes.jumprelu_sae import JumpReLU

    return JumpReLU.apply(x, threshold, bandwidth, False)
