"""The benchmark's metrics as pure functions on tensors, and the table of their directions.

All are computed on the held-out split in the standardised input space, in float64:
x, x_hat (n, d_in); z (n, m) the latents the decoder sees; w_dec (m, d_in) the effective
decoder rows, so that x_hat = z @ w_dec + b. Nothing here trains, loads or stores anything.
"""

from dataclasses import dataclass
from typing import Literal

import torch

EPS = 1e-6  # |z| below this counts as zero


@dataclass(frozen=True)
class Metric:
    name: str
    better: Literal["higher", "lower"] | None  # None: reported, not ranked
    formula: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("sparsity", None, "mean over all entries of [|Z| < ε]"),
        Metric("l0", None, "mean over rows of #{j : |Z_ij| ≥ ε}"),
        Metric("dead_frac", "lower", "share of latents j with |Z_ij| < ε for every row i"),
        Metric("variance", "higher", "mean_j Var_i(Z_ij), population (ddof = 0)"),
        Metric("variance_alive", None, "the same mean over latents that are not dead (0 if none)"),
        Metric("decoded_variance", None, "mean_j Var_i(Z_ij)·‖W_dec[j]‖² (input units)"),
        Metric("mse", "lower", "mean over all entries of (X − X̂)²"),
        Metric("fvu", "lower", "Σ(X − X̂)² / Σ(X − mean_rows X)²"),
        Metric("explained_variance", "higher", "1 − fvu"),
        Metric("score", "higher", "variance / (1 − sparsity + 0.01) (the seed paper's)"),
        Metric(
            "divergence_ratio", None, "latent distance of twin trajectories, last / first window"
        ),
        Metric("input_divergence_ratio", None, "the same ratio between the input windows"),
    ]
}


def sparsity(z: torch.Tensor) -> float:
    return (z.abs() < EPS).double().mean().item()


def l0(z: torch.Tensor) -> float:
    return (z.abs() >= EPS).double().sum(dim=1).mean().item()


def dead_mask(z: torch.Tensor) -> torch.Tensor:
    """(m,) bool: latents that are zero on every row of z (n, m)."""
    return (z.abs() < EPS).all(dim=0)


def latent_variances(z: torch.Tensor) -> torch.Tensor:
    """(m,) population variance of each latent over the rows of z (n, m)."""
    return z.double().var(dim=0, unbiased=False)


def fvu(x: torch.Tensor, x_hat: torch.Tensor) -> float:
    """Fraction of variance unexplained; 1.0 for the predictor x_hat = mean over rows of x."""
    x, x_hat = x.double(), x_hat.double()
    residual = (x - x_hat).pow(2).sum()
    total = (x - x.mean(dim=0)).pow(2).sum()
    return (residual / total).item()


def divergence_ratio(a: torch.Tensor, b: torch.Tensor) -> float:
    """‖a_W − b_W‖ / ‖a_1 − b_1‖ for two sequences of W encodings (W, m) (or inputs (W, d_in))."""
    dist = (a.double() - b.double()).norm(dim=1)  # (W,)
    return (dist[-1] / dist[0]).item() if dist[0] > 0 else float("inf")


def evaluate(
    x: torch.Tensor, x_hat: torch.Tensor, z: torch.Tensor, w_dec: torch.Tensor
) -> dict[str, float]:
    """Every held-out metric of one trained SAE (divergence ratios come from `divergence_ratio`)."""
    var = latent_variances(z)  # (m,)
    alive = ~dead_mask(z)
    s = sparsity(z)
    f = fvu(x, x_hat)
    variance = var.mean().item()
    return {
        "sparsity": s,
        "l0": l0(z),
        "dead_frac": (~alive).double().mean().item(),
        "variance": variance,
        "variance_alive": var[alive].mean().item() if alive.any() else 0.0,
        "decoded_variance": (var * w_dec.double().pow(2).sum(dim=1)).mean().item(),
        "mse": (x.double() - x_hat.double()).pow(2).mean().item(),
        "fvu": f,
        "explained_variance": 1.0 - f,
        "score": variance / (1.0 - s + 0.01),
    }
