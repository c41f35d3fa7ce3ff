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
    better: Literal["higher", "lower", "one"] | None  # "one": closer to 1; None: reported
    formula: str
    family: str = "core"  # the README's and the page's section: core, saebench, dynamics, ...
    per_system: bool = False  # a property of the system's data, the same for every SAE


def _table(*metrics: Metric) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


METRICS: dict[str, Metric] = _table(
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
    # SAEBench core parity
    Metric("shrinkage", "one", "E‖x̂‖² / E⟨x, x̂⟩ (relative reconstruction bias)", "saebench"),
    Metric("cossim", "higher", "mean over rows of cos(x, x̂)", "saebench"),
    Metric("l2_ratio", "one", "mean over rows of ‖x̂‖ / ‖x‖", "saebench"),
    Metric(
        "decoder_max_cos",
        "lower",
        "mean over latents j of max_{i≠j} |cos(W_dec[i], W_dec[j])| (redundancy)",
        "saebench",
    ),
    Metric(
        "encoder_spectral_norm",
        None,
        "largest singular value of the effective encoder matrix (— without one)",
        "saebench",
    ),
    Metric(
        "omp_fvu",
        "lower",
        "FVU of OMP on the SAE's own decoder rows and bias at round(L0) non-zeros",
        "saebench",
    ),
    Metric(
        "amortization_gap",
        "lower",
        "fvu − omp_fvu: what the amortised encoder loses to optimal sparse inference",
        "saebench",
    ),
    # dynamics
    Metric(
        "state_space_divergence",
        "lower",
        "KL(p ‖ q) of 30 × 30 delay-plane (o_t, o_{t+ℓ}) histograms, data p vs reconstruction q",
        "dynamics",
    ),
    Metric(
        "spectrum_distance",
        "lower",
        "Hellinger distance of smoothed (σ = 2 bins) power spectra, mean over components",
        "dynamics",
    ),
    Metric(
        "lyapunov_ratio",
        "one",
        "growth rate of twin-orbit latent distances / that of input distances",
        "dynamics",
    ),
    Metric(
        "sensitivity",
        "one",
        "median ‖x̂(a) − x̂(b)‖ / ‖a − b‖ over twin windows before saturation",
        "dynamics",
    ),
    Metric(
        "forecast_r2",
        "higher",
        "held-out R² of a ridge probe from a window's latents to its next observation",
        "dynamics",
    ),
    Metric(
        "forecast_r2_input",
        None,
        "the same ridge probe on the raw window",
        "dynamics",
        per_system=True,
    ),
    Metric(
        "input_lyapunov",
        None,
        "λ₁ measured through the windows: input growth rate / Δt (per time unit)",
        "dynamics",
        per_system=True,
    ),
    # ground truth
    Metric(
        "mcc",
        "higher",
        "mean |cos| of decoder rows and true features, Hungarian-matched (sae-lens)",
        "ground_truth",
    ),
    Metric(
        "uniqueness",
        "higher",
        "share of true features matched by distinct latents (sae-lens)",
        "ground_truth",
    ),
    Metric(
        "source_corr",
        "higher",
        "mean over true sources of the best |Pearson r| of any latent with it",
        "ground_truth",
    ),
    Metric("mcc_floor", None, "mcc of the same SAE untrained", "ground_truth"),
    Metric("uniqueness_floor", None, "uniqueness of the same SAE untrained", "ground_truth"),
    Metric("source_corr_floor", None, "source_corr of the same SAE untrained", "ground_truth"),
)

FAMILIES = {
    "core": "Sparsity and reconstruction",
    "saebench": "SAEBench core parity and the amortisation gap",
    "dynamics": "Dynamics: does it keep the chaos?",
    "ground_truth": "Ground truth (systems that declare it)",
}
DIRECTION = {"higher": "higher", "lower": "lower", "one": "closer to 1", None: "reported"}


def metrics_markdown() -> str:
    """The README's metric table, generated from METRICS (a test checks the README holds it)."""
    lines = ["| metric | definition | better |", "|---|---|---|"]
    for m in METRICS.values():
        formula = m.formula.replace("|", "\\|")
        scope = " (per system)" if m.per_system else ""
        lines.append(f"| `{m.name}` | {formula}{scope} | {DIRECTION[m.better]} |")
    return "\n".join(lines)
