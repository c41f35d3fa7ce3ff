"""Records → tables: one row per finished cell, then one row per (system, SAE setting).

A row's label is its SAE name, plus the settings that set it apart from the other rows of the
same SAE on that system (`topk k=16`); only the settings the SAE reads count (interface 3: `k`
for the k-controlled SAEs, the optimisation settings for trained ones), so a closed-form
reference fitted twice in a sweep over `lr` is one setting, and one seed is never counted
twice. Rows of a profile other than the run's main one are tagged (`topk [quick]`) and ranked
apart. Each row carries its SAE's group and L0 control, read from the registry. The `data` row
(the noise floor, interface 5) is built from the records' `noise_floor`. How cells split into
the main table, the matched-L0 table and the fronts is `bench.report.fronts`' business. This
module reads records only: it never trains and writes nothing.
"""

import json
from typing import Any

import numpy as np
import pandas as pd

from bench.errors import BenchError
from bench.metrics import METRICS
from bench.registry import GROUPS, get_sae, sae_names

READS_K = ("per_row", "batch_mean")
OPTIMISATION = ("epochs", "batch_size", "lr")  # read by trained SAEs only
LEGACY_CONTROL = {"k": "per_row", "calibrated": "coefficient"}  # an unregistered SAE's record
FLOOR = "data"  # the noise-floor row's name
NO_PROFILE = "unrecorded"  # records written before runs recorded their profile


def group_of(sae: str) -> str:
    try:
        return get_sae(sae).group
    except BenchError:  # a plugin SAE that is not installed here
        return "reference" if sae == FLOOR else "unregistered"


def l0_control_of(sae: str, record: dict[str, Any]) -> str:
    """per_row | batch_mean | coefficient | none: the registry's word; a record's for a plugin
    SAE that is not installed here."""
    try:
        return get_sae(sae).l0_control
    except BenchError:
        value = record.get("l0_control")
        return LEGACY_CONTROL.get(value, value) or "none"


def closed_form_sae(sae: str) -> bool:
    from baselines.base import closed_form

    try:
        return closed_form(get_sae(sae))
    except BenchError:
        return False


def read_config(record: dict[str, Any]) -> dict[str, Any]:
    """The run settings this cell's SAE reads (interface 3), from its full config."""
    control = l0_control_of(record["sae"], record)
    config = dict(record.get("config", {}))
    if control not in READS_K:
        config.pop("k", None)
    if control != "coefficient" or not config.get("target_l0"):
        config.pop("target_l0", None)
    if closed_form_sae(record["sae"]):
        for name in OPTIMISATION:
            config.pop(name, None)
    return config


def settings(record: dict[str, Any]) -> dict[str, Any]:
    """Everything the cell reads except its seed, flattened: {"k": 32, "lorenz96.forcing": 8}."""
    out = read_config(record)
    out |= {f"{record['system']}.{k}": v for k, v in record.get("system_params", {}).items()}
    out |= {f"{record['sae']}.{k}": v for k, v in record.get("sae_params", {}).items()}
    return out


def data_settings(record: dict[str, Any]) -> dict[str, Any]:
    """What the held-out and floor windows depend on: the system, its parameters, the window
    and the held-out size (not the SAE or its training)."""
    config = record.get("config", {})
    out = {k: config.get(k) for k in ("window", "n_test")}
    return out | {f"{record['system']}.{k}": v for k, v in record.get("system_params", {}).items()}


def _row(r: dict[str, Any]) -> dict[str, Any]:
    config = r.get("config", {})
    control = l0_control_of(r["sae"], r)
    target = float(config.get("target_l0") or 0.0) if control == "coefficient" else 0.0
    k = config.get("k")
    level = k if control in READS_K else target if target > 0 else np.nan
    return {
        "key": r["key"],
        "system": r["system"],
        "sae": r["sae"],
        "group": group_of(r["sae"]),
        "l0_control": control,
        "seed": r["seed"],
        "profile": r.get("profile") or NO_PROFILE,
        "status": r.get("status"),
        "error": r.get("error"),
        "settings": json.dumps(settings(r), sort_keys=True, default=str),
        "data_settings": json.dumps(data_settings(r), sort_keys=True, default=str),
        "k": k,
        "target_l0": target,
        "level": level,
        "coefficient": (r.get("calibration") or {}).get("coefficient"),
        "wall_s": r.get("wall_s"),
        "converged": r.get("converged"),
        "overfit": r.get("overfit"),
        "curve": r.get("curve"),
        "noise_floor": r.get("noise_floor") or {},
        **r.get("metrics", {}),
    }


COLUMNS = ["key", "system", "sae", "group", "l0_control", "seed", "profile", "status", "error"]


def frame(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(finished cells, failed cells that never finished). One finished row per (system, SAE,
    settings it reads, seed): the latest record wins, so duplicate fits of one seed count once."""
    if not records:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=COLUMNS)
    df = pd.DataFrame([_row(r) for r in records])
    cell = ["system", "sae", "settings", "seed"]
    ok = df[df.status == "ok"].drop_duplicates("key", keep="last")
    ok = ok.drop_duplicates(cell, keep="last").reset_index(drop=True)
    failed = df[df.status != "ok"]
    done_keys, done_cells = set(ok.key), set(ok[cell].itertuples(index=False, name=None))
    cells = failed[cell].itertuples(index=False, name=None)
    keep = [
        k not in done_keys and c not in done_cells for k, c in zip(failed.key, cells, strict=True)
    ]
    failed = failed[np.array(keep, dtype=bool)].drop_duplicates(cell, keep="last")
    return ok, failed.reset_index(drop=True)


def main_profile(per_seed: pd.DataFrame) -> str:
    """The profile most finished cells ran under (`default` wins a tie)."""
    if not len(per_seed):
        return NO_PROFILE
    counts = per_seed.profile.value_counts()
    top = counts[counts == counts.max()].index
    return "default" if "default" in top else str(top[0])


def label_rows(per_seed: pd.DataFrame, main: str | None = None) -> pd.DataFrame:
    """Add `label`: the SAE name, plus `key=value` for each setting that differs between the
    rows of that SAE on that system and profile, plus `[profile]` outside the main profile."""
    per_seed = per_seed.copy()
    main = main_profile(per_seed) if main is None else main
    labels = pd.Series(per_seed.sae.to_numpy(), index=per_seed.index, dtype=object)
    for (_, profile, sae), rows in per_seed.groupby(["system", "profile", "sae"], sort=False):
        parsed = {s: json.loads(s) for s in rows.settings.unique()}
        keys = sorted({k for d in parsed.values() for k in d})
        differ = [k for k in keys if len({json.dumps(d.get(k)) for d in parsed.values()}) > 1]
        tag = "" if profile == main else f" [{profile}]"
        for idx, row in rows.iterrows():
            d = parsed[row.settings]
            short = [f"{k.removeprefix(sae + '.')}={d.get(k)}" for k in differ]
            labels[idx] = " ".join([sae, *short]) + tag
    per_seed["label"] = labels
    per_seed["ranked"] = (per_seed.group != "reference") & (per_seed.profile == main)
    return per_seed


def floor_rows(ok: pd.DataFrame) -> pd.DataFrame:
    """The `data` reference rows, per seed: one per (system, seed, data settings, profile),
    with each distribution metric's noise floor (every cell of that seed carries the same)."""
    rows = []
    for r in ok.itertuples():
        if r.noise_floor:
            rows.append(
                {
                    "system": r.system,
                    "sae": FLOOR,
                    "group": "reference",
                    "seed": r.seed,
                    "profile": r.profile,
                    "settings": r.data_settings,
                    **{m: float(v) for m, v in r.noise_floor.items() if v is not None},
                }
            )
    if not rows:
        return pd.DataFrame()
    floor = pd.DataFrame(rows)
    return floor.drop_duplicates(["system", "seed", "settings", "profile"], keep="last")


def share(values: pd.Series) -> str | None:
    """`n/m`: how many of the cells with a known flag have it set (None when none is known:
    closed-form references, old records)."""
    known = values.dropna()
    return f"{int(known.astype(bool).sum())}/{len(known)}" if len(known) else None


def aggregate(per_seed: pd.DataFrame) -> pd.DataFrame:
    """One row per (system, label): sae, group, profile, ranked, n_seeds, converged_share,
    overfit_share, `<metric>_mean`, `<metric>_std` (std over seeds, ddof 1)."""
    if not len(per_seed):
        return pd.DataFrame(columns=["system", "label", "sae", "group", "n_seeds"])
    metrics = [m for m in [*METRICS, "coefficient"] if m in per_seed.columns]
    if "coefficient" in metrics and per_seed.coefficient.isna().all():
        metrics.remove("coefficient")
    keys = ["system", "label", "sae", "group", "profile", "ranked"]
    numeric = per_seed[metrics].apply(pd.to_numeric, errors="coerce")
    grouped = pd.concat([per_seed[keys], numeric], axis=1).groupby(keys, sort=False)
    agg = grouped[metrics].agg(["mean", "std"])
    agg.columns = [f"{m}_{stat}" for m, stat in agg.columns]
    agg.insert(0, "n_seeds", grouped.size())
    for flag in ("converged", "overfit"):
        column = per_seed[flag] if flag in per_seed else pd.Series(None, index=per_seed.index)
        flags = pd.concat([per_seed[keys], column.rename(flag)], axis=1)
        agg.insert(1, f"{flag}_share", flags.groupby(keys, sort=False)[flag].agg(share))
    return sort_rows(agg.reset_index())


def registry_rank(saes: pd.Series) -> pd.Series:
    """Each SAE's place in the registry (groups in order); unregistered names last."""
    order = {name: i for i, name in enumerate(sae_names(["all"]))}
    return saes.map(order).fillna(len(order))


def sort_rows(agg: pd.DataFrame) -> pd.DataFrame:
    """Groups in GROUPS order, the `data` row last of the references, other profiles last."""
    order = {g: i for i, g in enumerate(GROUPS)}
    agg = agg.assign(
        _order=agg.group.map(order).fillna(len(order)) + (agg.sae == FLOOR) * 0.5,
        _sae=registry_rank(agg.sae),
        _apart=~agg.ranked.astype(bool) & (agg.group != "reference"),  # other profiles: last
    )
    agg = agg.sort_values(["_apart", "_order", "_sae"], kind="stable")
    return agg.drop(columns=["_order", "_apart", "_sae"]).reset_index(drop=True)


def best_labels(agg: pd.DataFrame, system: str) -> dict[str, set[str]]:
    """For each ranked metric, the ranked rows (competitors of the main profile) whose mean is
    best on `system`; references and other profiles are never marked best."""
    rows = agg[(agg.system == system) & (agg.group != "reference")]
    if "ranked" in rows:
        rows = rows[rows.ranked.astype(bool)]
    out = {}
    for m in METRICS.values():
        col = f"{m.name}_mean"
        if not m.better or col not in rows or not rows[col].notna().any():
            continue
        values = rows[col] if m.better != "one" else -(rows[col] - 1).abs()
        target = values.min() if m.better == "lower" else values.max()
        out[m.name] = set(rows.label[np.isclose(values, target, rtol=1e-9, atol=0)])
    return out
