"""The `core` metric family: sparsity and reconstruction of one SAE on the held-out split.

x, x_hat (n, d_in) in the standardised input space; z (n, m) the latents the decoder sees;
w_dec (m, d_in) the effective decoder rows, so that x_hat = z @ w_dec + b. All in float64.
Pure functions, the family's table entries and its `compute`. Nothing here trains, loads or
stores anything.
"""

import torch

from bench.metrics.base import Metric, ScoringInput

FAMILY = "core"
TITLE = "Sparsity and reconstruction"
METRICS = (
    Metric("sparsity", None, "mean over all entries of [|Z| < ε]"),
    Metric("l0", None, "mean over rows of #{j : |Z_ij| ≥ ε}"),
    Metric("dead_frac", "lower", "share of latents j with |Z_ij| < ε on every held-out row"),
    Metric("variance", "higher", "mean_j Var_i(Z_ij), population (ddof = 0) (the seed's claim)"),
    Metric("variance_alive", None, "the same mean over latents that are not dead (0 if none)"),
    Metric("decoded_variance", None, "mean_j Var_i(Z_ij) · ‖W_dec[j]‖² (scale-free: input units)"),
    Metric("mse", "lower", "mean over all entries of (X − X̂)²"),
    Metric("fvu", "lower", "Σ(X − X̂)² / Σ(X − mean_rows X)²"),
    Metric("explained_variance", "higher", "1 − fvu"),
    Metric("score", "higher", "variance / (1 − sparsity + 0.01) (the seed paper's score)"),
)

EPS = 1e-6  # |z| below this counts as zero


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


def evaluate(
    x: torch.Tensor, x_hat: torch.Tensor, z: torch.Tensor, w_dec: torch.Tensor
) -> dict[str, float]:
    """The family's metrics of one SAE from x, x_hat (n, d_in), z (n, m), w_dec (m, d_in)."""
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


def compute(inputs: ScoringInput) -> dict[str, float]:
    return evaluate(inputs.x, inputs.x_hat, inputs.z, inputs.w_dec)
