"""The `saebench` metric family: SAEBench's core metrics and the amortisation gap.

x, x_hat (n, d_in) in the standardised input space; w_dec (m, d_in) the effective decoder rows
(`bench.train.encode_decode`); w_enc (d_in, m) the effective encoder matrix. All in float64.
SAEBench core parity as SAEBench's `core` evaluation defines it (the formulas are in `METRICS`);
the amortisation gap against OMP on the SAE's own decoder comes from
`bench.metrics.sparse_inference`. Pure functions, the family's table entries and its
`compute`. Nothing here trains or stores.
"""

import math

import torch

from bench.metrics.base import Metric, ScoringInput

FAMILY = "saebench"
TITLE = "SAEBench core parity and the amortisation gap"
METRICS = (
    Metric("shrinkage", "one", "E‖x̂‖² / E⟨x, x̂⟩ (relative reconstruction bias)", FAMILY),
    Metric("cossim", "higher", "mean over rows of cos(x, x̂)", FAMILY),
    Metric("l2_ratio", "one", "mean over rows of ‖x̂‖ / ‖x‖", FAMILY),
    Metric(
        "decoder_max_cos",
        "lower",
        "mean over latents j of max_{i≠j} |cos(W_dec[i], W_dec[j])| (redundancy)",
        FAMILY,
    ),
    Metric(
        "encoder_spectral_norm",
        None,
        "largest singular value of the effective encoder matrix (— without one)",
        FAMILY,
    ),
    Metric(
        "omp_fvu",
        "lower",
        "FVU of OMP on the SAE's own decoder rows and bias at round(L0) non-zeros",
        FAMILY,
    ),
    Metric(
        "amortization_gap",
        "lower",
        "fvu − omp_fvu: what the amortised encoder loses to optimal sparse inference",
        FAMILY,
    ),
)

ZERO_NORM = 1e-12  # a row whose norm is at most this is "all zero"


def shrinkage(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """Relative reconstruction bias E‖x̂‖² / E⟨x, x̂⟩ (1 = unbiased, < 1 = shrunk).

    NaN when E⟨x, x̂⟩ = 0 (e.g. x̂ = 0).
    """
    x, x_hat = x.double(), x_hat.double()
    den = (x * x_hat).sum(dim=1).mean()
    return (x_hat.pow(2).sum(dim=1).mean() / den).item() if den != 0 else math.nan


def cossim(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """Mean over rows of cos(x, x̂); a row where either vector is zero counts as cos = 0."""
    x, x_hat = x.double(), x_hat.double()
    dot = (x * x_hat).sum(dim=1)
    norms = x.norm(dim=1) * x_hat.norm(dim=1)
    cos = torch.where(norms > 0, dot / norms.clamp_min(ZERO_NORM), torch.zeros_like(dot))
    return cos.mean().item()


def l2_ratio(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """Mean over rows of ‖x̂‖ / ‖x‖, over the rows where x is not zero (NaN if none is)."""
    x, x_hat = x.double(), x_hat.double()
    nx = x.norm(dim=1)
    keep = nx > ZERO_NORM
    return (x_hat[keep].norm(dim=1) / nx[keep]).mean().item() if keep.any() else math.nan


def decoder_max_cos(w_dec: torch.Tensor) -> float:
    """Mean over latents j of max over i ≠ j of |cos(W_dec[i], W_dec[j])| (redundancy).

    All-zero rows (dead decoder rows, norm ≤ ZERO_NORM) have no direction: they are left out
    both as j and as i, so dead rows neither lower nor raise the value. NaN when fewer than
    two rows are non-zero. w_dec: (m, d_in).
    """
    w = w_dec.double()
    w = w[w.norm(dim=1) > ZERO_NORM]
    if w.shape[0] < 2:
        return math.nan
    u = w / w.norm(dim=1, keepdim=True)
    cos = (u @ u.T).abs()  # (m', m')
    cos.fill_diagonal_(-1.0)  # excluded from the max: |cos| ≥ 0 elsewhere
    return cos.max(dim=1).values.mean().item()


def effective_encoder(model) -> torch.Tensor | None:
    """The (d_in, m) matrix whose product with the (centred) input gives the pre-activations.

    sae-lens SAEs expose it as `W_enc` (Matching Pursuit's is its tied W_decᵀ, the matrix its
    first selection step uses; Gated's is the shared gate/magnitude direction matrix). None for
    a model without a linear encoder (e.g. the sparse-coding reference, whose codes come from
    OMP), or whose `W_enc` is not a 2-D tensor.
    """
    w = getattr(model, "W_enc", None)
    if isinstance(w, torch.Tensor) and w.ndim == 2:
        return w.detach()
    return None


def encoder_spectral_norm(w_enc: torch.Tensor | None) -> float:
    """Largest singular value of the effective encoder matrix (d_in, m); NaN when None."""
    if w_enc is None:
        return math.nan
    return torch.linalg.matrix_norm(w_enc.detach().double().cpu(), ord=2).item()


def saebench_metrics(
    x: torch.Tensor, x_hat: torch.Tensor, w_dec: torch.Tensor, model
) -> dict[str, float]:
    """The five SAEBench core-parity metrics of one SAE cell (formulas in `METRICS`)."""
    return {
        "shrinkage": shrinkage(x, x_hat),
        "cossim": cossim(x, x_hat),
        "l2_ratio": l2_ratio(x, x_hat),
        "decoder_max_cos": decoder_max_cos(w_dec),
        "encoder_spectral_norm": encoder_spectral_norm(effective_encoder(model)),
    }


def compute(inputs: ScoringInput) -> dict[str, float]:
    """Parity metrics, then OMP at the cell's rounded held-out L0 on its effective decoder."""
    from bench.metrics.core import l0
    from bench.metrics.sparse_inference import amortization_gap, decoder_bias

    x, x_hat, w_dec = inputs.x, inputs.x_hat, inputs.w_dec
    out = saebench_metrics(x, x_hat, w_dec, inputs.model)
    bias = decoder_bias(inputs.model, w_dec.shape[0])
    omp_fvu, gap = amortization_gap(x, x_hat, w_dec, bias, l0(inputs.z))
    return out | {"omp_fvu": omp_fvu, "amortization_gap": gap}
