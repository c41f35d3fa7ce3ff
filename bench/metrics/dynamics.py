"""The `dynamics` metric family: does an SAE keep the structure of the chaos?

Pure numpy float64 functions of the held-out windows x and reconstructions x_hat, both
(n, window, D) in raw units (the formulas are in `METRICS`):
- `state_space_divergence(x, x_hat, lag)` (`bench.metrics.state_space`): KL between
  delay-plane occupation histograms, binned as the DSR literature bins them;
- `spectrum_distance(x, x_hat)`: Hellinger distance between smoothed power spectra;
- `forecast_r2(...)`: ridge probe from latents (or raw windows) to the next observation;
- the twin-orbit probe (`bench.metrics.twin_probe`): `lyapunov_ratio`, `sensitivity`,
  `input_lyapunov`.
`compute` gives them for one scored cell; what depends on the data alone (the raw-window
forecast, the probe's input side) is computed once per dataset in a process and reused for
every SAE scored on it. Nothing here trains an SAE, generates data or stores.
"""

import numpy as np

from bench.metrics.base import Metric, ScoringInput, data_side
from bench.metrics.state_space import state_space_divergence

Array = np.ndarray

ALPHAS = np.logspace(-4, 4, 9)  # ridge penalties tried by `forecast_r2`
# The forecast probe fits on the first this many training windows: ample for its ≤ d_in
# features, and encoding all 32000 default windows costs ~30 s a cell for OMP-coded references.
PROBE_ROWS = 8000


def delay_plane_divergence(x: Array, y: Array, system) -> float:
    """`state_space_divergence` of raw window sets x, y (n, window, D) of `system` at its delay
    lag; NaN when a window holds no delay pair (window ≤ lag)."""
    if x.shape[1] <= system.delay_lag:
        return float("nan")
    return state_space_divergence(x, y, system.delay_lag)


def spectrum_between(x: Array, y: Array, system) -> float:
    """`spectrum_distance` of raw window sets x, y (n, window, D), measured where the geometry
    is (window > the delay lag), NaN elsewhere (a one-step window has no spectrum)."""
    if x.shape[1] <= system.delay_lag:
        return float("nan")
    return spectrum_distance(x, y)


FAMILY = "dynamics"
TITLE = "Dynamics: does it keep the chaos?"
METRICS = (
    Metric(
        "state_space_divergence",
        "lower",
        "KL(p ‖ q) of 30 × 30 histograms of delay pairs (o_t, o_{t+ℓ}) pooled over components"
        " and windows, data p vs reconstruction q, by the DSR literature's recipe (GTF-shPLRNN"
        " stsp_measure.jl): per axis 30 equal bins from min − 0.1σ to max + 0.1σ of the data's"
        " pairs (σ with ddof 0); pairs outside dropped; p = (h + α)/(Σh + α·30²) with"
        " α = 1e-5, the same for q; Σ p log(p/q); NaN if no reconstructed pair is inside",
        FAMILY,
        distribution=True,
        between=delay_plane_divergence,
    ),
    Metric(
        "spectrum_distance",
        "lower",
        "Hellinger distance of smoothed (σ = 2 bins) power spectra, mean over components",
        FAMILY,
        distribution=True,
        between=spectrum_between,
    ),
    Metric(
        "lyapunov_ratio",
        "one",
        "growth rate of twin-orbit latent distances / that of input distances",
        FAMILY,
    ),
    Metric(
        "sensitivity",
        "one",
        "median ‖x̂(a) − x̂(b)‖ / ‖a − b‖ over twin windows before saturation",
        FAMILY,
    ),
    Metric(
        "forecast_r2",
        "higher",
        "held-out R² of a ridge probe (fitted on ≤ 8000 training windows) from a window's "
        "latents to its next observation",
        FAMILY,
    ),
    Metric(
        "forecast_r2_input", None, "the same ridge probe on the raw window", FAMILY, per_system=True
    ),
    Metric(
        "input_lyapunov",
        None,
        "λ₁ measured through the windows: input growth rate / Δt (per time unit)",
        FAMILY,
        per_system=True,
    ),
)
PROBE = ("lyapunov_ratio", "sensitivity", "input_lyapunov")


# --- power-spectrum distance ---


def power_spectra(x: Array, sigma: float = 2.0) -> Array:
    """Per component: mean over windows of |rFFT(o − window mean)|², smoothed by a Gaussian of
    `sigma` frequency bins (mode "mirror": the spectrum is even about 0 and Nyquist, so bin −1
    is bin 1; truncated at 4 sigma), normalised to sum 1. x (n, window, D) → (D, window//2 + 1).
    A component with no power (constant in time) gets an all-zero row."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=1, keepdims=True)
    power = (np.abs(np.fft.rfft(centred, axis=1)) ** 2).mean(axis=0).T  # (D, F)
    if sigma > 0:
        from scipy.ndimage import gaussian_filter1d

        power = gaussian_filter1d(power, sigma, axis=1, mode="mirror")
    total = power.sum(axis=1, keepdims=True)
    return np.divide(power, total, out=np.zeros_like(power), where=total > 0)


def hellinger(p: Array, q: Array) -> Array:
    """Hellinger distance √(1 − Σ √(p q)) along the last axis, computed as the equal
    √(½ Σ (√p − √q)²) (exact 0 for p = q, no cancellation); 1 if either has no mass."""
    dist = np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2, axis=-1))
    empty = (np.sum(p, axis=-1) == 0) | (np.sum(q, axis=-1) == 0)
    return np.where(empty, 1.0, dist)


def spectrum_distance(x: Array, x_hat: Array, sigma: float = 2.0) -> float:
    """Mean over the D components of the Hellinger distance between the smoothed, normalised
    power spectra of data x and reconstructions x_hat (n, window, D). 0 when x_hat = x."""
    return float(np.mean(hellinger(power_spectra(x, sigma), power_spectra(x_hat, sigma))))


# --- forecast probe ---


def ridge_predictions(x: Array, y: Array, x_new: Array, alphas: Array) -> list[Array]:
    """Ridge regression with an intercept (scikit-learn's `Ridge` objective) from x (n, m) to
    y (n, D), one prediction (n_new, D) per penalty: one eigendecomposition of the centred
    Gram matrix xᵀx (m, m) serves them all."""
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc = x - x_mean
    eigvals, v = np.linalg.eigh(xc.T @ xc)  # (m,), (m, m)
    vtxy = v.T @ (xc.T @ (y - y_mean))  # (m, D)
    projected = (x_new - x_mean) @ v  # (n_new, m)
    return [projected @ (vtxy / (eigvals + a)[:, None]) + y_mean for a in alphas]


def forecast_r2(z_train: Array, y_train: Array, z_test: Array, y_test: Array) -> float:
    """Held-out R², mean over the D components, of a ridge regression from features z (n, m)
    (latents, or raw windows for `forecast_r2_input`) to the next observation y (n, D).

    Features are standardised with the training rows' mean and std (a latent that is constant
    there is left at 0). The penalty is the best of `ALPHAS` (1e-4 … 1e4) by R² on the last
    quarter of the training rows, fitted on the first three quarters; the model is then refit
    on all training rows. Rows are independent windows, so the split needs no shuffling.
    """
    from sklearn.metrics import r2_score

    z_train, z_test = np.asarray(z_train, np.float64), np.asarray(z_test, np.float64)
    y_train, y_test = np.asarray(y_train, np.float64), np.asarray(y_test, np.float64)
    mean, std = z_train.mean(axis=0), z_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    f_train, f_test = (z_train - mean) / std, (z_test - mean) / std
    cut = (3 * len(f_train)) // 4

    def r2(y: Array, pred: Array) -> float:
        return float(r2_score(y, pred, multioutput="raw_values").mean())

    held = ridge_predictions(f_train[:cut], y_train[:cut], f_train[cut:], ALPHAS)
    best = ALPHAS[int(np.argmax([r2(y_train[cut:], p) for p in held]))]
    return r2(y_test, ridge_predictions(f_train, y_train, f_test, [best])[0])


# --- the family's compute ---


def compute(inputs: ScoringInput) -> dict[str, float]:
    """Geometry, spectrum, forecast and (for systems with equations) the twin-orbit probe; NaN
    where one does not apply (a window without delay pairs, no next observation, no twins)."""
    from bench.metrics.inference import encode_decode
    from bench.metrics.twin_probe import float64_codec, probe_inputs, twin_probe

    data, system, model = inputs.data, inputs.system, inputs.model
    out = dict.fromkeys([m.name for m in METRICS], float("nan"))
    x_raw, x_hat_raw = data.raw(inputs.x), data.raw(inputs.x_hat)  # (n, window, D) each
    for m in METRICS:
        if m.distribution:
            out[m.name] = m.between(x_raw, x_hat_raw, system)
    if data.test_next is not None:
        x_train, y_train = data.train[:PROBE_ROWS], data.train_next[:PROBE_ROWS]
        z_train = encode_decode(model, x_train)[0].double().numpy()
        out["forecast_r2"] = forecast_r2(
            z_train, y_train, inputs.z.double().numpy(), data.test_next
        )
        out["forecast_r2_input"] = data_side(
            data,
            "forecast_r2_input",
            lambda: forecast_r2(
                x_train.double().numpy(), y_train, data.test.double().numpy(), data.test_next
            ),
        )
    if data.twins is not None:

        def standardise(raw: np.ndarray) -> np.ndarray:
            return (raw - data.mean) / data.std

        probe = data_side(
            data,
            "probe_inputs",
            lambda: probe_inputs(data.twins, standardise, data.window, system.obs_dt),
        )
        result = twin_probe(probe, *float64_codec(model))
        out |= {name: result[name] for name in PROBE}
    return out
