"""Seaborn heatmaps of a leaderboard, the one colour map every figure uses, and `write_figures`.

Heatmaps: one panel per metric, stacked; in a panel one strip per system (SAEs as rows), each
with its own colour scale and colour bar, since a metric's range differs by orders of magnitude
between systems. A system where a metric does not apply says so; a single missing value is
"—". Colours: every registered SAE gets its own (colorcet's Glasbey palette, in registry
order), so a figure never reuses one. Reads tables, writes PNGs; the line figures (fronts,
learning curves) are in `line_figures`.
"""

import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import colorcet  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

from bench.metrics import METRICS  # noqa: E402
from bench.registry import sae_names  # noqa: E402
from bench.report.line_figures import fronts, learning_curves, short  # noqa: E402

HEATMAPS = {"dead_frac": "dead fraction", "variance": "latent variance", "fvu": "FVU"}
DYNAMICS = {
    "state_space_divergence": "state-space divergence",
    "spectrum_distance": "spectrum distance",
    "sensitivity": "sensitivity",
    "lyapunov_ratio": "Lyapunov ratio",
    "forecast_r2": "forecast R²",
}
MATCHED = {"fvu": "FVU at matched L0"}
DIRECTION = {"lower": "↓ lower is better", "higher": "↑ higher is better", "one": "→ 1 is best"}


def sae_colours(extra: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """name → colour: every registered SAE in registry order, then `extra` names (plugins not
    installed here, the `data` row) in sorted order; never two names with one colour."""
    names = list(dict.fromkeys([*sae_names(["all"]), *sorted(set(extra))]))
    palette = colorcet.glasbey_category10
    if len(names) > len(palette):  # beyond 256 names: evenly spaced hues
        palette = sns.color_palette("husl", len(names))
    return {name: matplotlib.colors.to_hex(palette[i]) for i, name in enumerate(names)}


def value_text(x: float, digits: int = 3) -> str:
    """A short annotation: `digits` significant digits, a handful of characters at most."""
    if not math.isfinite(x):
        return "—"
    if x != 0 and abs(x) < 1e-3:
        return "≈0" if abs(x) < 5e-7 else f"{x:.0e}"
    if abs(x) >= 1e4:
        return f"{x:.1e}".replace("e+0", "e")
    return f"{x:.{digits}g}"


def colour_style(metric: str, values: np.ndarray) -> tuple[str, Normalize]:
    """(colour map, norm) keyed to the metric's direction: bright = better; →1 metrics on a
    diverging map centred on 1."""
    better = METRICS[metric].better if metric in METRICS else None
    finite = values[np.isfinite(values)]
    if better == "one":
        spread = float(np.max(np.abs(finite - 1))) or 1.0
        return "coolwarm", Normalize(1 - spread, 1 + spread)
    return ("viridis_r" if better == "lower" else "viridis"), Normalize(finite.min(), finite.max())


def strip(ax, column: pd.Series, metric: str, *, show_labels: bool) -> None:
    """One system's values of one metric, SAEs as rows, its own scale and colour bar."""
    values = column.to_numpy(float)  # (n_saes,)
    n = len(values)
    ax.set_facecolor("#f2f2f2")
    ax.set(xlim=(0, 1), ylim=(n, 0), xticks=[])
    ax.set_yticks(np.arange(n) + 0.5, list(column.index) if show_labels else [], fontsize=9)
    ax.tick_params(axis="y", length=0)
    if not np.isfinite(values).any():
        ax.text(0.5, 0.5, "does not\napply", ha="center", va="center", fontsize=9,
                color="0.35", transform=ax.transAxes)  # fmt: skip
        return
    digits = 4 if metric in METRICS and METRICS[metric].better == "one" else 3
    cmap, norm = colour_style(metric, values)
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values[:, None]), cmap=cmap, norm=norm, edgecolors="white", lw=0.5
    )
    colours = matplotlib.colormaps[cmap](norm(values))
    for row, (value, rgba) in enumerate(zip(values, colours, strict=True)):
        dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
        colour = "0.35" if not np.isfinite(value) else "white" if dark else "black"
        ax.text(0.5, row + 0.5, value_text(value, digits), ha="center", va="center",
                fontsize=9, color=colour)  # fmt: skip
    bar = ax.figure.colorbar(mesh, ax=ax, orientation="horizontal", pad=0.02, aspect=12)
    bar.ax.tick_params(labelsize=7, rotation=45)


def shown_systems(agg: pd.DataFrame, metrics: list[str]) -> tuple[list[str], list[str]]:
    """(systems where some of `metrics` applies, the others): a figure draws the first and
    names the second."""
    applies = agg[[f"{m}_mean" for m in metrics]].notna().any(axis=1)
    systems = list(dict.fromkeys(agg.system[applies]))
    return systems, [s for s in dict.fromkeys(agg.system) if s not in systems]


def heatmaps(agg: pd.DataFrame, panels: dict[str, str], path: Path) -> Path | None:
    """A panel per metric (stacked), a strip per system, a row per SAE setting. Systems where
    no metric of the figure applies are left out and named at the bottom."""
    panels = {
        m: t for m, t in panels.items() if f"{m}_mean" in agg and agg[f"{m}_mean"].notna().any()
    }
    if not panels:
        return None
    agg = agg.assign(label=agg.label.map(short))
    labels = list(dict.fromkeys(agg.label))
    systems, left_out = shown_systems(agg, list(panels))
    height = 0.3 * len(labels) + 1.5
    fig = plt.figure(
        figsize=(2.6 + 1.5 * len(systems), height * len(panels) + 0.4 * bool(left_out)),
        layout="constrained",
    )
    for sub, (metric, title) in zip(
        np.atleast_1d(fig.subfigures(len(panels), 1)), panels.items(), strict=True
    ):
        table = agg.pivot_table(
            index="label", columns="system", values=f"{metric}_mean", dropna=False
        ).reindex(index=labels, columns=systems)
        better = METRICS[metric].better if metric in METRICS else None
        sub.suptitle(
            f"{title} ({DIRECTION.get(better, 'reported')}; colour scale per system)",
            fontsize=11,
            fontweight="bold",
        )
        axes = np.atleast_1d(sub.subplots(1, len(systems)))
        for i, (ax, system) in enumerate(zip(axes, systems, strict=True)):
            strip(ax, table[system], metric, show_labels=i == 0)
            ax.set_title(system, fontsize=9)
            ax.set_xlabel("")
            ax.set_ylabel("")
    if left_out:
        fig.suptitle(f"Not shown (none of these metrics applies): {', '.join(left_out)}.",
                     fontsize=9, color="0.3")  # fmt: skip
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def file_name(system: str) -> str:
    """A system's name as part of a file name (a `file:` system's name holds a path)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", system).strip("_")


def with_ref_labels(agg: pd.DataFrame) -> pd.DataFrame:
    marked = agg.label + np.where(agg.group == "reference", " (ref)", "")
    return agg.assign(label=marked)


def write_figures(
    plain: pd.DataFrame,
    agg: pd.DataFrame,
    *,
    matched: pd.DataFrame,
    points: pd.DataFrame,
    out: Path,
) -> list[Path]:
    """Heatmaps (core, dynamics, matched-L0 FVU), and per system the fronts and the
    learning curves. plain: the main table's per-seed rows; agg, matched: aggregated rows;
    points: `fronts.front_points`."""

    out.mkdir(parents=True, exist_ok=True)
    competitors = agg[agg.ranked.astype(bool)] if "ranked" in agg else agg
    colours = sae_colours([*agg.sae, *points.get("sae", [])])
    paths = [heatmaps(competitors, HEATMAPS, out / "heatmaps.png")]
    paths.append(heatmaps(competitors, DYNAMICS, out / "heatmaps_dynamics.png"))
    if len(matched):
        paths.append(heatmaps(with_ref_labels(matched), MATCHED, out / "heatmaps_matched_l0.png"))
    for system in agg.system.unique():
        name = file_name(system)
        paths.append(fronts(points, plain, system, out / f"fronts_{name}.png", colours=colours))
        paths.append(learning_curves(plain, system, out / f"curves_{name}.png", colours=colours))
    return [p for p in paths if p is not None]
