"""The `ground_truth` metric family: does an SAE find the true features and sources?

Only for systems that declare ground truth (`systems.ground_truth.GroundTruthSystem`).
w_dec (m, d_in): the SAE's effective decoder rows in the standardised input space;
features (F, d_in): the true unit features in that same space (`standardised_features`);
z (n, m): latents on held-out samples; sources (n, S): the true sources of those samples.

- mcc: sae-lens' `mean_correlation_coefficient(w_dec, features)`: Hungarian one-to-one matching
  of |cos| between decoder rows and true features, mean over the min(m, F) matched pairs.
- uniqueness: sae-lens' `feature_uniqueness(w_dec, features)`: the number of distinct true
  features that are some latent's best |cos| match, divided by m (1 = no two latents share one).
- source_corr: mean over true sources of the best |Pearson r| any latent has with it. A
  constant latent has r = 0; a source constant on the held-out samples (a rare feature that
  never fired) is left out of the mean (NaN if all are).
- f1: sae-lens' `compute_classification_metrics(latents, feature_acts, w_dec, features)`,
  SynthSAEBench's per-latent F1: each latent is matched to its best-|cos| true feature, and
  its firing (|z| ≥ ε, the firing that `l0` counts) classifies that feature's firing (source
  ≠ 0) on the held-out samples; F1 per latent (0 when undefined, e.g. a latent that never
  fires), mean over all latents. Only where the system's sources are firing magnitudes, 0
  exactly when the feature is off (`GroundTruthSystem.sources_fire`: superposition, not
  mixed_sources, whose sine source is never off), and features are known; NaN elsewhere.
  Source column r belongs to feature row r (`GroundTruthSystem.features`).

The floor (an untrained decoder's values) is these functions applied to an untrained SAE of
the same variant (seeded by the cell's seed); a closed-form reference has no floor (NaN).
Pure functions, the family's table entries and its `compute`, which returns nothing for a
system without ground truth.
"""

import math

import numpy as np
import torch

from bench.metrics.base import Metric, ScoringInput

FAMILY = "ground_truth"
TITLE = "Ground truth (systems that declare it)"
MEASURED = (
    Metric(
        "mcc",
        "higher",
        "mean |cos| of decoder rows and true features, Hungarian-matched (sae-lens)",
        FAMILY,
    ),
    Metric(
        "uniqueness",
        "higher",
        "share of true features matched by distinct latents (sae-lens)",
        FAMILY,
    ),
    Metric(
        "source_corr",
        "higher",
        "mean over true sources of the best |Pearson r| of any latent with it",
        FAMILY,
    ),
    Metric(
        "f1",
        "higher",
        "mean over latents of the F1 score of the latent's firing (|z| ≥ ε) as a detector of"
        " its best-|cos| true feature's firing (source ≠ 0) on held-out samples (sae-lens"
        " compute_classification_metrics); — where sources are not firing magnitudes",
        FAMILY,
    ),
)
METRICS = MEASURED + tuple(
    Metric(f"{m.name}_floor", None, f"{m.name} of the same SAE untrained", FAMILY) for m in MEASURED
)


def _tensor(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def mcc(w_dec, features) -> float:
    """Mean |cos| of the best one-to-one matching of decoder rows (m, d) and features (F, d)."""
    from sae_lens.synthetic import mean_correlation_coefficient

    return mean_correlation_coefficient(_tensor(w_dec), _tensor(features))


def uniqueness(w_dec, features) -> float:
    """Distinct true features (F, d) that are a decoder row's (m, d) best match, over m."""
    from sae_lens.synthetic import feature_uniqueness

    return feature_uniqueness(_tensor(w_dec), _tensor(features))


def abs_correlations(z, sources) -> np.ndarray:
    """|Pearson r| between every latent of z (n, m) and every source (n, S): (m, S).

    A constant column (latent or source) gets r = 0.
    """
    z = np.asarray(z, dtype=np.float64)
    s = np.asarray(sources, dtype=np.float64)
    zc, sc = z - z.mean(axis=0), s - s.mean(axis=0)
    zn, sn = np.sqrt((zc * zc).sum(axis=0)), np.sqrt((sc * sc).sum(axis=0))  # (m,), (S,)
    denom = np.outer(zn, sn)
    cov = zc.T @ sc  # (m, S)
    r = np.divide(cov, denom, out=np.zeros_like(cov), where=denom > 0)
    return np.minimum(np.abs(r), 1.0)


def source_corr(z, sources) -> float:
    """Mean over non-constant sources (n, S) of the best |Pearson r| of any latent of z (n, m)."""
    s = np.asarray(sources, dtype=np.float64)
    varying = s.std(axis=0) > 0  # (S,)
    if not varying.any():
        return math.nan
    return float(abs_correlations(z, s[:, varying]).max(axis=0).mean())


def f1(z, w_dec, sources, features) -> float:
    """Mean per-latent F1 (sae-lens' `compute_classification_metrics`) of latents z (n, m)
    firing (|z| ≥ ε) against their best-|cos| features' (F, d) firing (sources (n, F) ≠ 0),
    matched by decoder rows w_dec (m, d)."""
    from sae_lens.synthetic import compute_classification_metrics

    from bench.metrics.core import EPS

    fires = np.abs(np.asarray(z, dtype=np.float64)) >= EPS  # (n, m)
    on = np.asarray(sources, dtype=np.float64) != 0  # (n, F)
    if on.shape[1] != np.shape(features)[0]:
        raise ValueError(f"f1 needs one source per feature, got {on.shape[1]} and {len(features)}")
    result = compute_classification_metrics(
        _tensor(fires), _tensor(on), _tensor(w_dec), _tensor(features)
    )
    return float(result.f1_score)


def ground_truth_metrics(
    z, w_dec, sources, features_std, *, sources_fire: bool = False
) -> dict[str, float]:
    """mcc, uniqueness (NaN when `features_std` is None), source_corr and f1 (NaN unless
    `sources_fire` and features are known) of one SAE.

    z (n, m) held-out latents, w_dec (m, d_in) effective decoder rows, sources (n, S) the
    held-out samples' true sources, features_std (F, d_in) standardised true features or None.
    """
    if features_std is None:
        m, u = math.nan, math.nan
    else:
        m, u = mcc(w_dec, features_std), uniqueness(w_dec, features_std)
    f = math.nan
    if sources_fire and features_std is not None:
        f = f1(z, w_dec, sources, features_std)
    return {"mcc": m, "uniqueness": u, "source_corr": source_corr(z, sources), "f1": f}


def compute(inputs: ScoringInput) -> dict[str, float]:
    """The measured metrics and their floors, or {} for a system without ground truth."""
    data = inputs.data
    if data.test_sources is None:
        return {}
    from baselines.base import closed_form
    from bench.metrics.inference import encode_decode

    fire = inputs.system.sources_fire
    out = ground_truth_metrics(
        inputs.z, inputs.w_dec, data.test_sources, data.features, sources_fire=fire
    )
    floor = dict.fromkeys(out, math.nan)
    if not closed_form(type(inputs.variant)):  # a trained SAE has an untrained floor
        torch.manual_seed(inputs.cell.seed)
        untrained = inputs.variant.build(data.train.shape[1], inputs.cell.config, inputs.device)
        z0, _, w0 = encode_decode(untrained, data.test)
        floor = ground_truth_metrics(z0, w0, data.test_sources, data.features, sources_fire=fire)
    return out | {f"{name}_floor": value for name, value in floor.items()}
