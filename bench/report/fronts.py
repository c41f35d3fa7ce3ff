"""Which finished cells make which table, and the L0 fronts (interface 7).

An SAE's *level* is the L0 it was asked for: `k` for the k-controlled SAEs (per_row,
batch_mean), `target_l0` for a calibrated (coefficient) cell of a matched-L0 run; SAEs whose
L0 nothing sets (none) have no level. From that:
- the main table: every plain (uncalibrated) cell, except k-controlled SAEs at a k other than
  the main k (the k most trained cells ran at): those are front points;
- the matched-L0 table: calibrated cells with the k-controlled cells (references included,
  ranked apart) at k = their target, at the main k when it is a target, else at every target;
- the fronts: every cell with a level, of the main profile; an SAE without one (none, or a
  coefficient SAE never calibrated) is one point. Its summary is the mean FVU gap to the PCA
  front: SAE FVU at level L minus PCA's FVU at k = L, mean over the levels both have
  (negative = better than PCA).
Pure pandas: nothing here trains, prints or writes.
"""

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.metrics import METRICS
from bench.report.frames import READS_K, label_rows

FRONT_REFERENCE = "pca"


@dataclass(frozen=True)
class Parts:
    main: pd.DataFrame  # per seed: the main table's cells
    matched: pd.DataFrame  # per seed: the matched-L0 table's cells
    front: pd.DataFrame  # per seed: front points, `level` (NaN: an SAE without one)
    main_k: int | None


def calibrated_mask(ok: pd.DataFrame) -> pd.Series:
    return (ok.l0_control == "coefficient") & (ok.target_l0 > 0)


def reads_k_mask(ok: pd.DataFrame) -> pd.Series:
    return ok.l0_control.isin(READS_K)


def main_k_of(plain: pd.DataFrame) -> int | None:
    """The k most k-controlled competitor cells ran at (any k-controlled cell's if none)."""
    with_k = plain[reads_k_mask(plain)]
    for pool in (with_k[with_k.group != "reference"], with_k):
        mode = pd.to_numeric(pool.k, errors="coerce").dropna().mode()
        if len(mode):
            return int(mode.iloc[0])
    return None


def partition(ok: pd.DataFrame, main_profile: str) -> Parts:
    calibrated = calibrated_mask(ok)
    plain = ok[~calibrated]
    main_k = main_k_of(plain[plain.profile == main_profile])
    reads_k = reads_k_mask(plain)
    main = plain[~reads_k | (plain.k == main_k)]

    cal = ok[calibrated]
    targets = sorted(set(cal.target_l0.round().astype(int)))
    if main_k in targets:
        targets = [main_k]
    at_k = plain[reads_k & plain.k.isin(targets)]
    matched = pd.concat([at_k, cal[cal.target_l0.round().isin(targets)]])

    own = ok[ok.profile == main_profile]
    own_cal = calibrated_mask(own)
    with_level = own[own_cal | reads_k_mask(own)]
    levelless = own[~own_cal & ~reads_k_mask(own)]
    has_front = set(zip(with_level.system, with_level.sae, strict=True))
    levelless = levelless[
        [pair not in has_front for pair in zip(levelless.system, levelless.sae, strict=True)]
    ]
    front = pd.concat([with_level, levelless])
    return Parts(main=main, matched=matched, front=front, main_k=main_k)


def _without_level(settings: str) -> str:
    d = json.loads(settings)
    return json.dumps({k: v for k, v in d.items() if k not in ("k", "target_l0")}, sort_keys=True)


FRONT_METRICS = ("l0", "fvu")


def front_metrics(front: pd.DataFrame) -> list[str]:
    """l0, fvu, then the per-SAE dynamics and ground-truth metrics the points carry."""
    extra = [
        m.name
        for m in METRICS.values()
        if m.family in ("dynamics", "ground_truth") and not m.per_system and m.better
    ]
    return [m for m in [*FRONT_METRICS, *extra] if m in front and front[m].notna().any()]


def front_points(front: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, series, level): n_seeds and the mean over seeds of each front
    metric. A series is an SAE at one setting other than its level (`label`)."""
    if not len(front):
        return pd.DataFrame(columns=["system", "label", "sae", "group", "level", "n_seeds"])
    series = front.assign(settings=front.settings.map(_without_level))
    series = label_rows(series, main=series.profile.iloc[0])
    metrics = front_metrics(series)
    values = series[metrics].apply(pd.to_numeric, errors="coerce")
    keys = ["system", "label", "sae", "group", "level"]
    grouped = pd.concat([series[keys], values], axis=1).groupby(keys, sort=False, dropna=False)
    points = grouped[metrics].mean()
    points.insert(0, "n_seeds", grouped.size())
    return points.reset_index()


def pca_gaps(points: pd.DataFrame) -> pd.DataFrame:
    """Per point: `pca_fvu` (PCA's mean FVU at k = level on that system) and `gap` = fvu −
    pca_fvu; NaN where PCA has no cell at that level or the point has no level."""
    pca = points[(points.sae == FRONT_REFERENCE) & points.level.notna()]
    pca = pca.drop_duplicates(["system", "level"])[["system", "level", "fvu"]]
    out = points.merge(pca.rename(columns={"fvu": "pca_fvu"}), on=["system", "level"], how="left")
    out["gap"] = out.fvu - out.pca_fvu
    return out


def gap_summary(points: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, series) other than PCA: levels (those with a PCA point too),
    n_levels, mean_gap (mean over those levels; NaN without any), and FVU per level."""
    columns = ["system", "label", "sae", "group", "levels", "n_levels", "mean_gap"]
    if not len(points) or "fvu" not in points:
        return pd.DataFrame(columns=columns)
    gaps = pca_gaps(points)
    rows = []
    for (system, label), series in gaps.groupby(["system", "label"], sort=False):
        if series.sae.iloc[0] == FRONT_REFERENCE:
            continue
        paired = series[series.gap.notna()].sort_values("level")
        rows.append(
            {
                "system": system,
                "label": label,
                "sae": series.sae.iloc[0],
                "group": series.group.iloc[0],
                "levels": ", ".join(f"{lv:g}" for lv in paired.level),
                "n_levels": len(paired),
                "mean_gap": paired.gap.mean() if len(paired) else np.nan,
                **{
                    f"fvu@{lv:g}": v
                    for lv, v in zip(series.level, series.fvu, strict=True)
                    if lv == lv
                },
                **({"l0": series.l0.iloc[0]} if series.level.isna().all() else {}),
            }
        )
    return pd.DataFrame(rows, columns=None if rows else columns)
