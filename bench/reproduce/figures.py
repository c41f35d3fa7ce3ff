"""Seaborn figures of the reproduction: the evolution panel (`evolution.png`) and the K-ablation
curves (`k_ablation.png`), ours (mean ± sd over seeds, seeds as dots) with the paper's values as
red markers. Input: the per-seed rows of an experiment and the paper's numbers. This file does
not train or write tables.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

MODELS = ["Dense ReLU 64", "Dense ReLU 128", "V1", "V2", "V3", "V4"]
PANELS = [  # (column, title, paper key)
    ("sparsity", "sparsity (|z| < 1e-6)", "sparsity"),
    ("dead_frac", "dead latents (fraction)", "dead_frac"),
    ("variance", "latent variance", "variance"),
    ("decoded_variance", "variance · ‖W_dec1,j‖² (scale-free)", None),
    ("keras_val_loss", "held-out Keras val loss (MSE + penalties)", "val_loss"),
    ("explained", "held-out explained variance 1 − FVU", None),
]


def _paper_evolution(paper: dict, model: str, key: str) -> float | None:
    p = paper["evolution"].get(model) or paper["multi_seed"].get(model, {})
    if key == "dead_frac" and "dead" in p:
        return p["dead"] / p["latent"]
    return p.get(key)


def _reference_lines(ax: plt.Axes, col: str, df: pd.DataFrame) -> None:
    """Grey dotted line at what predicting the mean held-out window scores (FVU 1, its MSE)."""
    mean_window = {"fvu": 1.0, "explained": 0.0, "keras_val_loss": float((df.mse / df.fvu).mean())}
    level = mean_window.get(col)
    if level is not None:
        ax.axhline(level, color="grey", ls=":", lw=1.5, label="mean window")
        ax.legend(loc="best", fontsize=8)


def evolution_panel(df: pd.DataFrame, paper: dict, out: Path) -> None:
    """2×3 panel over the six paper models → `out/evolution.png`."""
    df = df[df.model.isin(MODELS)].assign(explained=lambda d: 1.0 - d.fvu)
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5))
    for ax, (col, title, key) in zip(axes.flat, PANELS, strict=True):
        sns.barplot(
            data=df,
            x="model",
            y=col,
            order=MODELS,
            errorbar="sd",
            ax=ax,
            color="#8fb3d9",
            capsize=0.2,
        )
        sns.stripplot(data=df, x="model", y=col, order=MODELS, ax=ax, color="#1f3b63", size=3.5)
        points = [(i, _paper_evolution(paper, m, key)) for i, m in enumerate(MODELS)] if key else []
        points = [(i, v) for i, v in points if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.scatter(xs, ys, marker="X", s=90, color="#d62728", zorder=5, label="paper")
            ax.legend(loc="upper left", fontsize=8)
        _reference_lines(ax, col, df)
        ax.set_title(title)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=30, labelsize=9)
    n = df.seed.nunique()
    fig.suptitle(
        f"Seed paper V1–V4 on logistic windows: ours (bars: mean ± sd, dots: {n} seeds) "
        "vs paper (red ×)"
    )
    fig.tight_layout()
    fig.savefig(out / "evolution.png", dpi=110)
    plt.close(fig)


def k_ablation_curves(df: pd.DataFrame, paper: dict, out: Path) -> None:
    """Metrics against K (ordinal axis), ours vs paper → `out/k_ablation.png`."""
    ref = pd.DataFrame(paper["k_ablation"]).assign(dead_frac=lambda d: d.dead / 128)
    panels = [
        ("sparsity", "sparsity"),
        ("variance", "latent variance"),
        ("dead_frac", "dead latents (fraction)"),
        ("keras_val_loss", "Keras val loss (MSE + penalty)"),
        ("fvu", "held-out FVU"),
        ("score", "score = var / (1 − sparsity + 0.01)"),
    ]
    ks = sorted(df.k.unique())
    df = df.assign(pos=df.k.map(ks.index))  # K on an ordinal axis: 4, 8, …, 96, 112
    ref = ref[ref.k.isin(ks)].assign(pos=lambda d: d.k.map(ks.index))
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, (col, title) in zip(axes.flat, panels, strict=True):
        sns.lineplot(data=df, x="pos", y=col, errorbar="sd", marker="o", ax=ax, label="ours")
        key = "val_loss" if col == "keras_val_loss" else col
        if key in ref:
            ax.plot(ref.pos, ref[key], "X--", color="#d62728", label="paper")
        _reference_lines(ax, col, df)
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.set_title(title)
        ax.set_xlabel("K (TopK of 128 latents)")
        ax.set_ylabel("")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"V4 K ablation on logistic windows: ours (mean ± sd, {df.seed.nunique()} seeds) vs paper"
    )
    fig.tight_layout()
    fig.savefig(out / "k_ablation.png", dpi=110)
    plt.close(fig)
