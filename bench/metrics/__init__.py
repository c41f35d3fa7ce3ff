"""The benchmark's metrics: one table of every metric with its direction and formula.

The functions live beside this table, one module per family (`core`: sparsity and
reconstruction). The table is the single source of the README's metric table and of the
leaderboard's ranking. Nothing here trains, loads or stores anything.
"""

from dataclasses import dataclass
from typing import Literal

from bench.metrics.core import (
    EPS,
    dead_mask,
    divergence_ratio,
    evaluate,
    fvu,
    l0,
    latent_variances,
    sparsity,
)

__all__ = [
    "EPS",
    "METRICS",
    "Metric",
    "dead_mask",
    "divergence_ratio",
    "evaluate",
    "fvu",
    "l0",
    "latent_variances",
    "sparsity",
]


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
