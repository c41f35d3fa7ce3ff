"""Seaborn figures of a leaderboard: systems × SAEs heatmaps (core metrics and the dynamics
metrics), and per system the L0–FVU front (every SAE setting and seed a point, PCA and sparse
coding as reference curves over k) and the sparsity–variance plane. Reads tables, writes PNGs.
Rows are labelled by SAE and setting, so the settings of a sweep stay apart."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

HEATMAPS = {"dead_frac": "dead fraction ↓", "variance": "latent variance", "fvu": "FVU ↓"}
DYNAMICS = {
    "state_space_divergence": "state-space divergence ↓",
    "spectrum_distance": "spectrum distance ↓",
    "sensitivity": "sensitivity (→ 1)",
    "lyapunov_ratio": "Lyapunov ratio (→ 1)",
    "forecast_r2": "forecast R² ↑",
}


def heatmaps(agg: pd.DataFrame, panels: dict[str, str], path: Path) -> Path | None:
    """Mean of each metric, systems as rows and SAE settings as columns, one panel each."""
    panels = {
        m: t for m, t in panels.items() if f"{m}_mean" in agg and agg[f"{m}_mean"].notna().any()
    }
    if not panels:
        return None
    n_cols = agg.label.nunique()
    fig, axes = plt.subplots(1, len(panels), figsize=(max(6, 0.45 * n_cols) * len(panels), 4.2))
    axes = [axes] if len(panels) == 1 else axes
    for ax, (metric, title) in zip(axes, panels.items(), strict=True):
        table = agg.pivot(index="system", columns="label", values=f"{metric}_mean")
        table = table[[c for c in agg.label.unique() if c in table.columns]]
        sns.heatmap(
            table, annot=True, fmt=".2g", cmap="viridis", ax=ax, cbar=False, annot_kws={"size": 7}
        )
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def fronts(per_seed: pd.DataFrame, curves: pd.DataFrame, system: str, path: Path) -> Path:
    """L0 vs FVU and sparsity vs latent variance for one system; a point per SAE setting and
    seed, and the reference curves (mean FVU at each k) on the front."""
    data = per_seed[(per_seed.system == system) & (per_seed.group != "reference")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    style = {"hue": "label", "style": "label", "s": 60, "data": data}
    sns.scatterplot(x="l0", y="fvu", ax=left, legend=False, **style)
    ref = curves[curves.system == system]
    for (sae,), points in ref.groupby(["sae"]):
        line = points.groupby("k")[["l0", "fvu"]].mean().sort_index()
        left.plot(line.l0, line.fvu, "k--" if sae == "pca" else "k:", marker="x", label=sae)
    if len(ref):
        left.legend(title="reference", fontsize=8)
    left.set(
        title=f"{system}: L0–FVU front",
        xlabel="L0 (active latents per window)",
        ylabel="FVU (lower is better)",
    )
    sns.scatterplot(x="sparsity", y="variance", ax=right, **style)
    right.set(
        title=f"{system}: sparsity–variance plane",
        xlabel="sparsity",
        ylabel="latent variance",
        yscale="log",
    )
    right.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_figures(
    per_seed: pd.DataFrame, agg: pd.DataFrame, curves: pd.DataFrame, out: Path
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    competitors = agg[agg.group != "reference"]
    paths = [heatmaps(competitors, HEATMAPS, out / "heatmaps.png")]
    paths.append(heatmaps(competitors, DYNAMICS, out / "heatmaps_dynamics.png"))
    for system in agg.system.unique():  # a file: system's name holds a path: keep it a file name
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", system).strip("_")
        paths.append(fronts(per_seed, curves, system, out / f"fronts_{name}.png"))
    return [p for p in paths if p is not None]
