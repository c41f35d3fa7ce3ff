"""Welch's t-tests of one reference SAE (the leaderboard's `--reference`, K-Sparse Chaos by
default) against every other SAE, per system, over seeds.

Pure pandas/scipy on the per-seed table; it draws no conclusions beyond p-values (no
multiple-comparison correction is applied: the number of tests is printed beside them).
"""

import warnings

import numpy as np
import pandas as pd
from scipy import stats

TESTED = ("dead_frac", "variance", "decoded_variance", "fvu", "sensitivity", "forecast_r2")
ALPHA = 0.05


def welch_tests(
    per_seed: pd.DataFrame, reference: str, metrics: tuple[str, ...] = TESTED
) -> pd.DataFrame:
    """One row per (system, sae, metric): both means, Welch's t and its two-sided p-value;
    `reference` is the row label every other row is tested against.

    per_seed: one row per finished cell with columns system, label (the SAE and what sets its
    row apart) and the metrics. Pairs with fewer than two seeds on either side are left out; p
    is NaN when both sides are constant.
    """
    rows = []
    metrics = tuple(m for m in metrics if m in per_seed)
    for system, group in per_seed.groupby("system", sort=False):
        ref = group[group.label == reference]
        for sae, other in group.groupby("label", sort=False):
            if sae == reference or len(ref) < 2 or len(other) < 2:
                continue
            for metric in metrics:
                a, b = ref[metric].to_numpy(float), other[metric].to_numpy(float)
                with warnings.catch_warnings():  # constant samples: t and p are NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    t, p = stats.ttest_ind(a, b, equal_var=False)
                rows.append(
                    {
                        "system": system,
                        "sae": sae,
                        "metric": metric,
                        f"{reference}_mean": a.mean(),
                        "other_mean": b.mean(),
                        "t": float(t),
                        "p": float(p),
                        "n_ref": len(a),
                        "n_other": len(b),
                    }
                )
    return pd.DataFrame(rows)


def p_text(p: float) -> str:
    if np.isnan(p):
        return "n/a"
    return f"{p:.2g}{' *' if p < ALPHA else ''}"
