"""Dynamics metrics: does an SAE keep the structure of the chaos? Pure numpy float64 functions.

As DESIGN.md ("Dynamics metrics", "Twin-orbit probe") defines them:
- `state_space_divergence(x, x_hat, lag)`: KL between delay-plane occupation histograms;
- `spectrum_distance(x, x_hat)`: Hellinger distance between smoothed power spectra;
- `twin_probe(...)`: `lyapunov_ratio`, `sensitivity` and `input_lyapunov` from twin orbits
  (`System.twin_orbits`); `input_growth(...)` gives the input part alone;
- `forecast_r2(...)`: ridge probe from latents (or raw windows) to the next observation.
x, x_hat are (n, window, D) in raw units; the probe works on standardised flattened windows,
as the SAE sees them. `float64_codec` wraps an SAE (any module with encode/decode) as the
float64 callables the probe takes. Nothing here trains an SAE, generates data or stores.
"""

import copy
from collections.abc import Callable

import numpy as np
from scipy.ndimage import gaussian_filter1d

Array = np.ndarray
Codec = Callable[[Array], Array]

MAX_PROBE_POINTS = 151  # distances evaluated at most at this many steps j (evenly spaced)
ALPHAS = np.logspace(-4, 4, 9)  # ridge penalties tried by `forecast_r2`


# --- state-space divergence ---


def delay_pairs(x: Array, lag: int) -> Array:
    """(o_t, o_{t+lag}) pooled over windows, components and t: (n · D · (window − lag), 2)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] <= lag or lag < 1:
        raise ValueError(f"need x (n, window, D) with window > lag >= 1, got {x.shape}, {lag}")
    return np.stack([x[:, :-lag].ravel(), x[:, lag:].ravel()], axis=1)


def delay_histogram(pairs: Array, low: float, high: float, bins: int) -> Array:
    """Counts (bins, bins) of pairs (N, 2) on [low, high]², equal bins; points outside go to
    the edge bins, and `high` itself to the last bin (as `np.histogram`)."""
    scaled = (pairs - low) / (high - low) * bins
    idx = np.clip(np.floor(scaled), 0, bins - 1).astype(np.int64)  # (N, 2)
    return np.bincount(idx[:, 0] * bins + idx[:, 1], minlength=bins * bins).reshape(bins, bins)


def kl_laplace(p_counts: Array, q_counts: Array) -> float:
    """KL(p ‖ q) = Σ p log(p / q) after adding 1 to every count (Laplace) and normalising."""
    p = (np.asarray(p_counts, dtype=np.float64) + 1).ravel()
    q = (np.asarray(q_counts, dtype=np.float64) + 1).ravel()
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum(p * (np.log(p) - np.log(q))))


def state_space_divergence(x: Array, x_hat: Array, lag: int, bins: int = 30) -> float:
    """KL(p ‖ q) of the delay-pair histograms of data x and reconstructions x_hat, both
    (n, window, D) raw units, pooled over components and windows, bins × bins over the data's
    [min, max] (all components), +1 Laplace. 0 when x_hat = x."""
    low, high = float(np.min(x)), float(np.max(x))
    if high <= low:
        low, high = low - 0.5, high + 0.5  # constant data: one unit-wide range around it
    p = delay_histogram(delay_pairs(x, lag), low, high, bins)
    q = delay_histogram(delay_pairs(x_hat, lag), low, high, bins)
    return kl_laplace(p, q)


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


# --- the twin-orbit probe ---


def probe_steps(horizon: int, max_points: int = MAX_PROBE_POINTS) -> Array:
    """The steps j at which distances are evaluated: all of 0 … horizon when that is at most
    `max_points`, else `max_points` evenly spaced ones (0 and horizon included)."""
    return np.unique(np.linspace(0, horizon, min(horizon + 1, max_points)).round().astype(int))


def twin_windows(orbits: Array, window: int, steps: Array) -> Array:
    """The j-th windows of orbits (2, P, window + H, D), flattened: (2, P, len(steps), window·D)."""
    idx = np.asarray(steps)[:, None] + np.arange(window)  # (J, window)
    two, p, _, d = orbits.shape
    return orbits[:, :, idx].reshape(two, p, len(idx), window * d)


def fit_mask(log_dx: Array, saturated: float) -> Array:
    """Steps of the fit, from the median log input distance log_dx (J,) (index 0 is j = 0):
    from the first step with d_x ≥ 10 · d_x(0) up to (not including) the first with
    d_x > 1 % of `saturated`. Bool (J,)."""
    above = log_dx > np.log(0.01 * saturated)
    end = int(np.argmax(above)) if above.any() else len(log_dx)
    return (np.arange(len(log_dx)) < end) & (log_dx >= log_dx[0] + np.log(10.0))


def growth_rate(steps: Array, log_d: Array, mask: Array) -> float:
    """Least-squares slope (per step) of log_d (J,) against steps (J,) over mask; NaN when
    fewer than 3 steps or a non-finite log distance (a distance of exactly 0) is in it."""
    if mask.sum() < 3 or not np.all(np.isfinite(log_d[mask])):
        return float("nan")
    return float(np.polyfit(np.asarray(steps, dtype=np.float64)[mask], log_d[mask], 1)[0])


def _median_log(dist: Array) -> Array:
    """Median over orbits of log distances (P, J) → (J,); log 0 = −inf, no warning."""
    with np.errstate(divide="ignore"):
        return np.median(np.log(dist), axis=0)


def _probe_inputs(orbits: Array, standardise: Codec, window: int, steps: Array):
    """Standardised twin windows (2, P, J, d_in), d_x (P, J), the saturated distance and the
    fit mask. Saturated value: median distance between the windows of unrelated orbits
    (orbit p and p + 1 of a, at every evaluated step)."""
    if orbits.ndim != 4 or orbits.shape[0] != 2 or orbits.shape[1] < 2:
        raise ValueError(f"twin orbits must be (2, P >= 2, window + H, D), got {orbits.shape}")
    raw = twin_windows(orbits, window, steps)
    std = standardise(raw.reshape(-1, raw.shape[-1])).reshape(raw.shape)
    d_x = np.linalg.norm(std[0] - std[1], axis=-1)  # (P, J)
    saturated = float(np.median(np.linalg.norm(std[0] - np.roll(std[0], 1, axis=0), axis=-1)))
    mask = fit_mask(_median_log(d_x), saturated)
    return std, d_x, saturated, mask


def input_growth(
    orbits: Array,
    standardise: Codec,
    window: int,
    obs_dt: float,
    max_points: int = MAX_PROBE_POINTS,
) -> dict[str, float]:
    """λ₁ measured through the windows: the input growth rate per step and per time unit
    (`input_lyapunov`), the saturated distance and the number of fitted steps."""
    steps = probe_steps(orbits.shape[2] - window, max_points)
    _, d_x, saturated, mask = _probe_inputs(orbits, standardise, window, steps)
    rate = growth_rate(steps, _median_log(d_x), mask)
    return {
        "input_rate": rate,
        "input_lyapunov": rate / obs_dt,
        "saturated": saturated,
        "fit_steps": int(mask.sum()),
    }


def twin_probe(
    orbits: Array,
    standardise: Codec,
    encode: Codec,
    decode: Codec,
    window: int,
    obs_dt: float,
    max_points: int = MAX_PROBE_POINTS,
    chunk: int = 4096,
) -> dict[str, float]:
    """The probe's metrics for one SAE, from twin orbits (2, P, window + H, D) raw units.

    standardise: (n, window·D) raw → standardised, float64; encode: standardised windows
    (n, d_in) → latents (n, m); decode: latents → reconstructions (n, d_in); all float64.
    Distances d_x, d_z, d_x̂ are evaluated at `probe_steps(H, max_points)` only (all steps for
    H ≤ 150, else 151 evenly spaced), encoding 2 · P · J windows in chunks: for P = 32 and a
    784 → 128 SAE about 10k windows, well under a second.
    - lyapunov_ratio: latent growth rate / input growth rate, same fitted steps (`fit_mask`);
    - sensitivity: median of d_x̂ / d_x over orbits and the pre-saturation steps (j = 0 up to
      the first step where the median d_x exceeds 1 % of the saturated distance);
    - input_lyapunov: input growth rate / obs_dt (λ₁ per time unit, a self-check).
    NaN where a rate cannot be fitted (fewer than 3 steps, or latent distances of exactly 0).
    """
    steps = probe_steps(orbits.shape[2] - window, max_points)
    std, d_x, saturated, mask = _probe_inputs(orbits, standardise, window, steps)
    flat = std.reshape(-1, std.shape[-1])
    z = np.concatenate([encode(flat[i : i + chunk]) for i in range(0, len(flat), chunk)])
    x_hat = np.concatenate([decode(z[i : i + chunk]) for i in range(0, len(z), chunk)])
    z, x_hat = z.reshape(*std.shape[:3], -1), x_hat.reshape(std.shape)
    d_z = np.linalg.norm(z[0] - z[1], axis=-1)  # (P, J)
    d_xhat = np.linalg.norm(x_hat[0] - x_hat[1], axis=-1)
    input_rate = growth_rate(steps, _median_log(d_x), mask)
    latent_rate = growth_rate(steps, _median_log(d_z), mask)
    above = _median_log(d_x) > np.log(0.01 * saturated)
    linear = np.arange(len(steps)) < (int(np.argmax(above)) if above.any() else len(steps))
    return {
        "lyapunov_ratio": latent_rate / input_rate if input_rate > 0 else float("nan"),
        "sensitivity": float(np.median(d_xhat[:, linear] / d_x[:, linear])),
        "input_lyapunov": input_rate / obs_dt,
        "latent_rate": latent_rate,
        "input_rate": input_rate,
        "fit_steps": int(mask.sum()),
    }


def float64_codec(model) -> tuple[Codec, Codec]:
    """(encode, decode) numpy float64 callables of a float64 CPU copy of `model` (an SAE or
    any torch module with encode/decode), so the probe's tiny distances stay above rounding."""
    import torch

    copied = copy.deepcopy(model).to(device="cpu", dtype=torch.float64).eval()

    @torch.no_grad()
    def encode(x: Array) -> Array:
        return copied.encode(torch.from_numpy(np.ascontiguousarray(x, np.float64))).numpy()

    @torch.no_grad()
    def decode(z: Array) -> Array:
        return copied.decode(torch.from_numpy(np.ascontiguousarray(z, np.float64))).numpy()

    return encode, decode


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
