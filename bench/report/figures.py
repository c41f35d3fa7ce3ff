"""Seaborn figures of a leaderboard: systems × SAEs heatmaps, and per system the L0–FVU front
and the sparsity–variance plane with every SAE and seed as a point. Reads tables, writes PNGs."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

HEATMAPS = {"dead_frac": "dead fraction ↓", "variance": "latent variance", "fvu": "FVU ↓"}


def heatmaps(agg: pd.DataFrame, path: Path) -> None:
    """Mean of each HEATMAPS metric, systems as rows and SAEs as columns, one panel each."""
    fig, axes = plt.subplots(1, len(HEATMAPS), figsize=(6 * len(HEATMAPS), 3.8))
    for ax, (metric, title) in zip(axes, HEATMAPS.items(), strict=True):
        table = agg.pivot(index="system", columns="sae", values=f"{metric}_mean")
        sns.heatmap(
            table, annot=True, fmt=".2g", cmap="viridis", ax=ax, cbar=False, annot_kws={"size": 8}
        )
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def fronts(per_seed: pd.DataFrame, system: str, path: Path) -> None:
    """L0 vs FVU and sparsity vs latent variance for one system; a point per SAE and seed."""
    data = per_seed[per_seed.system == system]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    style = {"hue": "sae", "style": "sae", "s": 70, "data": data}
    sns.scatterplot(x="l0", y="fvu", ax=left, legend=False, **style)
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
    right.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_figures(per_seed: pd.DataFrame, agg: pd.DataFrame, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "heatmaps.png"]
    heatmaps(agg, paths[0])
    for system in agg.system.unique():
        paths.append(out / f"fronts_{system}.png")
        fronts(per_seed, system, paths[-1])
    return paths
