"""Figures: one distinct colour per registered SAE, per-system colour scales, short
annotations, legible heatmap sizes, "does not apply" strips, and learning-curve figures."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from bench.registry import sae_names
from bench.report.figures import (
    DYNAMICS,
    colour_style,
    heatmaps,
    sae_colours,
    shown_systems,
    strip,
    value_text,
)
from bench.report.line_figures import curve_rows, learning_curves


def test_every_registered_sae_gets_its_own_colour_whatever_their_number():
    names = sae_names(["all"])
    colours = sae_colours([f"plugin_{i}" for i in range(40)])
    assert list(colours)[: len(names)] == names  # registry order first
    assert len(set(colours.values())) == len(colours) == len(names) + 40
    assert colours["pca"] not in (colours["relu"], colours["jumprelu"])
    assert sae_colours()["topk"] == colours["topk"]  # the same colour in every figure


def test_each_system_strip_has_its_own_scale():
    cmap, norm = colour_style("state_space_divergence", np.array([0.07, 0.5, np.nan]))
    assert cmap == "viridis_r" and (norm.vmin, norm.vmax) == (0.07, 0.5)  # lower = better
    cmap, norm = colour_style("sensitivity", np.array([0.5, 1.25]))
    assert cmap == "coolwarm" and (norm.vmin, norm.vmax) == (0.5, 1.5)  # centred on 1


def test_annotations_stay_short():
    assert value_text(6.822e-15) == "≈0" and value_text(3.005e-4) == "3e-04"
    assert value_text(0.2547) == "0.255" and value_text(1.0058, 4) == "1.006"
    assert value_text(float("nan")) == "—" and value_text(123456.0) == "1.2e5"


def dynamics_table(n_saes: int, systems: list[str]) -> pd.DataFrame:
    rows = []
    for s, system in enumerate(systems):
        for i in range(n_saes):
            value = np.nan if system == "mixed" else (i + 1) * 10.0**s
            rows.append({"system": system, "label": f"sae{i}", "sae": f"sae{i}"}
                        | {f"{m}_mean": value for m in DYNAMICS})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.loc[frame.system == "file", "lyapunov_ratio_mean"] = np.nan  # no twin orbits there
    return frame


def test_dynamics_heatmap_is_legible(tmp_path):
    systems = ["logistic", "henon", "lorenz96", "mackey_glass", "file", "mixed"]
    path = heatmaps(dynamics_table(15, systems), DYNAMICS, tmp_path / "h.png")
    width, height = Image.open(path).size
    assert width <= 1400 and height > width  # stacked panels, not a 3000-px-wide strip


def test_blank_cells_and_strips_say_why():
    systems = ["logistic", "file", "mixed"]
    assert shown_systems(dynamics_table(2, systems), list(DYNAMICS)) == (["logistic", "file"],
                                                                        ["mixed"])  # fmt: skip
    fig, (blank, partial) = plt.subplots(1, 2)
    strip(blank, pd.Series([np.nan, np.nan], index=["a", "b"]), "lyapunov_ratio", show_labels=True)
    assert [t.get_text() for t in blank.texts] == ["does not\napply"]
    strip(partial, pd.Series([0.5, np.nan], index=["a", "b"]), "fvu", show_labels=False)
    assert [t.get_text() for t in partial.texts] == ["0.5", "—"]
    plt.close(fig)


def test_learning_curves_average_the_seeds(tmp_path):
    curve = {"step": [1, 2], "samples": [32, 64], "val_l0": [30, 31]}
    plain = pd.DataFrame(
        [
            {"system": "s", "label": "topk", "sae": "topk", "seed": 0,
             "curve": curve | {"val_fvu": [0.9, 0.5]}},
            {"system": "s", "label": "topk", "sae": "topk", "seed": 1,
             "curve": curve | {"val_fvu": [0.7, 0.3]}},
            {"system": "s", "label": "pca", "sae": "pca", "seed": 0, "curve": None},
        ]
    )  # fmt: skip
    rows = curve_rows(plain, "s")
    assert rows.groupby("x").y.mean().to_dict() == pytest.approx({32: 0.8, 64: 0.4})
    assert learning_curves(plain, "s", tmp_path / "c.png", colours={}).stat().st_size > 5_000
    assert learning_curves(plain[plain.sae == "pca"], "s", tmp_path / "d.png", colours={}) is None
