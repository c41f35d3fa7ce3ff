"""Line figures of one system: the L0–FVU fronts of every SAE (with the sparsity–variance
plane beside them) and the validation-FVU learning curves. Colours come from
`figures.sae_colours`, so an SAE has one colour in every figure. Reads tables, writes PNGs.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.report.frames import registry_rank  # noqa: E402

LINESTYLE = {"reference": "--"}
MARKER = {"core": "o", "extended": "s", "classic": "^", "reference": "x"}


def short(label: str, width: int = 36) -> str:
    """A label as a figure shows it: at most `width` characters (the tables hold it whole)."""
    return label if len(label) <= width else label[: width - 1] + "…"


def _legend(ax) -> None:
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)


def fronts(
    points: pd.DataFrame, plain: pd.DataFrame, system: str, path: Path, *, colours: dict
) -> Path | None:
    """Left: L0 vs FVU, one line per SAE setting through its levels (mean over seeds; the
    references dashed), a lone mark for an SAE without levels. Right: sparsity vs latent
    variance of the main table's cells, one mark per cell."""
    here = points[points.system == system] if len(points) else points
    here = here.assign(_rank=registry_rank(here.sae)).sort_values("_rank", kind="stable")
    cells = plain[(plain.system == system) & (plain.group != "reference")]
    if not len(here) and not len(cells):
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5.2))
    for label, series in here.groupby("label", sort=False):
        series = series.sort_values("l0")
        sae, group = series.sae.iloc[0], series.group.iloc[0]
        left.plot(
            series.l0,
            series.fvu,
            LINESTYLE.get(group, "-"),
            marker=MARKER.get(group, "D"),
            color=colours.get(sae, "black"),
            label=short(label) + (" (ref)" if group == "reference" else ""),
            linewidth=1.4,
            markersize=5,
        )
    if len(here) and (here.l0 > 0).all():
        left.set_xscale("log", base=2)
    left.set(
        title=f"{system}: L0–FVU fronts (mean over seeds)",
        xlabel="L0 (active latents per window)",
        ylabel="FVU (lower is better)",
    )
    left.grid(alpha=0.3)
    _legend(left)
    for label, rows in cells.groupby("label", sort=False):
        right.scatter(
            rows.sparsity,
            rows.variance,
            color=colours.get(rows.sae.iloc[0], "black"),
            marker=MARKER.get(rows.group.iloc[0], "D"),
            label=short(label),
            s=36,
        )
    right.set(
        title=f"{system}: sparsity–latent variance",
        xlabel="sparsity",
        ylabel="latent variance",
        yscale="log" if len(cells) and (cells.variance > 0).all() else "linear",
    )
    right.grid(alpha=0.3)
    _legend(right)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def curve_rows(plain: pd.DataFrame, system: str) -> pd.DataFrame:
    """(label, sae, seed, samples, val_fvu) from the cells' recorded learning curves."""
    rows = []
    here = plain[plain.system == system]
    if "curve" not in here:
        return pd.DataFrame()
    for r in here.itertuples():
        curve = r.curve if isinstance(r.curve, dict) else None
        if not curve or not curve.get("samples"):
            continue
        for samples, fvu in zip(curve["samples"], curve["val_fvu"], strict=True):
            rows.append({"label": r.label, "sae": r.sae, "seed": r.seed, "x": samples, "y": fvu})
    return pd.DataFrame(rows)


def learning_curves(plain: pd.DataFrame, system: str, path: Path, *, colours: dict) -> Path | None:
    """Validation FVU against samples seen, one line per SAE setting (mean over seeds); None
    when no cell of the system recorded a curve (closed-form references never do)."""
    rows = curve_rows(plain, system)
    if not len(rows):
        return None
    fig, ax = plt.subplots(figsize=(9, 5.2))
    for label, series in rows.groupby("label", sort=False):
        mean = series.groupby("x").y.mean().sort_index()
        ax.plot(mean.index, mean.to_numpy(), color=colours.get(series.sae.iloc[0], "black"),
                label=short(label), linewidth=1.4)  # fmt: skip
    positive = np.all(rows.y.to_numpy(float) > 0)
    ax.set(
        title=f"{system}: validation FVU during training (mean over seeds)",
        xlabel="training samples seen",
        ylabel="validation FVU",
        yscale="log" if positive else "linear",
    )
    ax.grid(alpha=0.3)
    _legend(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
