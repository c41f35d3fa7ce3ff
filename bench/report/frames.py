"""Records → tables: one row per finished cell, then one row per (system, SAE setting).

A row's label is its SAE name, plus the settings that set it apart from the other rows of the
same SAE on that system (`topk k=16`), so a sweep in one results file gives one row per setting.
Each row carries its SAE's group (core, extended, classic, reference). Reference SAEs run at
other k than the main one are points of the reference curves, not table rows. This module
reads records only: it never trains and writes nothing.
"""

import json
from typing import Any

import numpy as np
import pandas as pd

from bench.errors import BenchError
from bench.metrics import METRICS
from bench.registry import GROUPS, get_sae


def group_of(sae: str) -> str:
    try:
        return get_sae(sae).group
    except BenchError:  # a plugin SAE that is not installed here
        return "unregistered"


def settings(record: dict[str, Any]) -> dict[str, Any]:
    """Everything that defines a cell except its seed, flattened: {"k": 32, "forcing": 8, ...}."""
    out = {k: v for k, v in record["config"].items()}
    out |= {f"{record['system']}.{k}": v for k, v in record.get("system_params", {}).items()}
    out |= {f"{record['sae']}.{k}": v for k, v in record.get("sae_params", {}).items()}
    return out


def frame(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(finished cells: one row per key, latest wins; failed cells that never finished)."""
    rows = [
        {
            "key": r["key"],
            "system": r["system"],
            "sae": r["sae"],
            "group": group_of(r["sae"]),
            "seed": r["seed"],
            "status": r.get("status"),
            "error": r.get("error"),
            "settings": json.dumps(settings(r), sort_keys=True),
            "k": r["config"]["k"],
            "target_l0": r["config"].get("target_l0", 0.0),
            "l0_control": r.get("l0_control"),
            "coefficient": (r.get("calibration") or {}).get("coefficient"),
            "wall_s": r.get("wall_s"),
            **r.get("metrics", {}),
        }
        for r in records
    ]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["key", "status"])
    ok = df[df.status == "ok"].drop_duplicates("key", keep="last")
    failed = df[(df.status != "ok") & ~df.key.isin(ok.key)].drop_duplicates("key", keep="last")
    return ok, failed


def label_rows(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Add `label`: the SAE name, plus `key=value` for each setting that differs between the
    rows of that SAE on that system (nothing when it has one setting there)."""
    per_seed = per_seed.copy()
    labels = pd.Series(per_seed.sae.to_numpy(), index=per_seed.index, dtype=object)
    for _, rows in per_seed.groupby(["system", "sae"], sort=False):
        parsed = {s: json.loads(s) for s in rows.settings.unique()}
        if len(parsed) < 2:
            continue
        keys = sorted({k for d in parsed.values() for k in d})
        differ = [k for k in keys if len({json.dumps(d.get(k)) for d in parsed.values()}) > 1]
        for idx, row in rows.iterrows():
            d = parsed[row.settings]
            short = [f"{k.removeprefix(row.sae + '.')}={d.get(k)}" for k in differ]
            labels[idx] = f"{row.sae} {' '.join(short)}"
    per_seed["label"] = labels
    return per_seed


def split_curves(per_seed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table rows, reference-curve points): reference SAEs at a k other than the main k."""
    if not len(per_seed):
        return per_seed, per_seed
    main_k = per_seed[per_seed.group != "reference"].k.mode()
    main_k = int(main_k.iloc[0]) if len(main_k) else int(per_seed.k.mode().iloc[0])
    curve = (per_seed.group == "reference") & (per_seed.k != main_k)
    table = per_seed[~curve].copy()
    table.loc[table.group == "reference", "label"] = table.sae  # k is the main k for all
    return table, per_seed[(per_seed.group == "reference")]


def matched_rows(ok: pd.DataFrame) -> pd.DataFrame:
    """Calibrated cells, and the TopK-style cells whose k equals a calibration target."""
    calibrated = ok[ok.l0_control == "calibrated"]
    targets = set(calibrated.target_l0.round().astype(int))
    topk_style = ok[(ok.l0_control == "k") & ok.k.isin(targets) & (ok.group != "reference")]
    return pd.concat([topk_style, calibrated])


def aggregate(per_seed: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, label): group, n_seeds, `<metric>_mean`, `<metric>_std`."""
    metrics = [m for m in [*METRICS, "coefficient"] if m in per_seed.columns]
    if "coefficient" in metrics and per_seed.coefficient.isna().all():
        metrics.remove("coefficient")
    numeric = per_seed[metrics].apply(pd.to_numeric, errors="coerce")
    keys = per_seed[["system", "label", "sae", "group"]]
    grouped = pd.concat([keys, numeric], axis=1).groupby(
        ["system", "label", "sae", "group"], sort=False
    )
    agg = grouped[metrics].agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    agg = agg.reset_index()
    order = {g: i for i, g in enumerate(GROUPS)}
    agg["_order"] = agg.group.map(order).fillna(len(order))
    return agg.sort_values(["_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def best_labels(agg: pd.DataFrame, system: str) -> dict[str, set[str]]:
    """For each ranked metric, the competitor rows whose mean is best on `system` (reference
    rows are ranked apart: never marked best)."""
    rows = agg[(agg.system == system) & (agg.group != "reference")]
    out = {}
    for m in METRICS.values():
        col = f"{m.name}_mean"
        if not m.better or col not in rows or not rows[col].notna().any():
            continue
        values = rows[col] if m.better != "one" else -(rows[col] - 1).abs()
        target = values.min() if m.better == "lower" else values.max()
        out[m.name] = set(rows.label[np.isclose(values, target, rtol=1e-9, atol=0)])
    return out
