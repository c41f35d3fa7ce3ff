"""The twin-orbit probe of the dynamics family: `lyapunov_ratio`, `sensitivity`, `input_lyapunov`.

For P twin orbits (`System.twin_orbits`: (2, P, window + H, D) raw units, the twin displaced
by ε along the leading Lyapunov vector), windows slide one observation step at a time; d_x(j),
d_z(j), d_x̂(j) are the distances between the twins' j-th standardised windows, latents and
reconstructions. Growth rates are least-squares slopes of the median log distance over the
steps where d_x lies between 10 · d_x(0) and 1 % of its saturated value.

`probe_inputs` is the part that depends on the data alone (the standardised twin windows, d_x,
the fit steps, the input growth rate: λ₁ measured through the windows); it is the same for
every SAE scored on one dataset. `twin_probe` adds one SAE's latents and reconstructions.
`float64_codec` wraps an SAE (any module with encode/decode) as the float64 callables the
probe takes. Pure numpy float64; nothing here trains an SAE, generates data or stores.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
Codec = Callable[[Array], Array]

MAX_PROBE_POINTS = 151  # distances evaluated at most at this many steps j (evenly spaced)


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


@dataclass(frozen=True)
class ProbeInputs:
    """The data's side of the probe, the same for every SAE scored on one dataset."""

    steps: Array  # (J,) evaluated steps j
    windows: Array  # (2, P, J, d_in) standardised twin windows
    d_x: Array  # (P, J) input distances
    saturated: float  # median distance between the windows of unrelated orbits
    fit: Array  # (J,) bool: the steps of the growth-rate fits (`fit_mask`)
    linear: Array  # (J,) bool: j = 0 up to the first step where median d_x > 1 % saturated
    input_rate: float  # input growth rate per step
    input_lyapunov: float  # input_rate / obs_dt: λ₁ per time unit, measured through windows


def probe_inputs(
    orbits: Array,
    standardise: Codec,
    window: int,
    obs_dt: float,
    max_points: int = MAX_PROBE_POINTS,
) -> ProbeInputs:
    """The probe's data side from twin orbits (2, P, window + H, D) raw units; standardise maps
    raw windows (n, window·D) to the SAE's input space. Saturated value: median distance
    between the windows of unrelated orbits (orbit p and p + 1 of a, at every evaluated step).
    """
    if orbits.ndim != 4 or orbits.shape[0] != 2 or orbits.shape[1] < 2:
        raise ValueError(f"twin orbits must be (2, P >= 2, window + H, D), got {orbits.shape}")
    steps = probe_steps(orbits.shape[2] - window, max_points)
    raw = twin_windows(orbits, window, steps)
    std = standardise(raw.reshape(-1, raw.shape[-1])).reshape(raw.shape)
    d_x = np.linalg.norm(std[0] - std[1], axis=-1)  # (P, J)
    saturated = float(np.median(np.linalg.norm(std[0] - np.roll(std[0], 1, axis=0), axis=-1)))
    log_dx = _median_log(d_x)
    mask = fit_mask(log_dx, saturated)
    above = log_dx > np.log(0.01 * saturated)
    linear = np.arange(len(steps)) < (int(np.argmax(above)) if above.any() else len(steps))
    rate = growth_rate(steps, log_dx, mask)
    return ProbeInputs(steps, std, d_x, saturated, mask, linear, rate, rate / obs_dt)


def twin_probe(probe: ProbeInputs, encode: Codec, decode: Codec, chunk: int = 4096) -> dict:
    """The probe's metrics for one SAE on `probe_inputs`.

    encode: standardised windows (n, d_in) → latents (n, m); decode: latents → reconstructions
    (n, d_in); both float64. Distances are evaluated at `probe.steps` only (all steps for
    H ≤ 150, else 151 evenly spaced), encoding 2 · P · J windows in chunks: for P = 32 and a
    784 → 128 SAE about 10k windows.
    - lyapunov_ratio: latent growth rate / input growth rate, same fitted steps (`fit_mask`);
    - sensitivity: median of d_x̂ / d_x over orbits and the pre-saturation steps (`linear`);
    - input_lyapunov: input growth rate / obs_dt (λ₁ per time unit, a self-check).
    NaN where a rate cannot be fitted (fewer than 3 steps, or latent distances of exactly 0).
    """
    std = probe.windows
    flat = std.reshape(-1, std.shape[-1])
    z = np.concatenate([encode(flat[i : i + chunk]) for i in range(0, len(flat), chunk)])
    x_hat = np.concatenate([decode(z[i : i + chunk]) for i in range(0, len(z), chunk)])
    z, x_hat = z.reshape(*std.shape[:3], -1), x_hat.reshape(std.shape)
    d_z = np.linalg.norm(z[0] - z[1], axis=-1)  # (P, J)
    d_xhat = np.linalg.norm(x_hat[0] - x_hat[1], axis=-1)
    input_rate = probe.input_rate
    latent_rate = growth_rate(probe.steps, _median_log(d_z), probe.fit)
    linear, d_x = probe.linear, probe.d_x
    return {
        "lyapunov_ratio": latent_rate / input_rate if input_rate > 0 else float("nan"),
        "sensitivity": float(np.median(d_xhat[:, linear] / d_x[:, linear])),
        "input_lyapunov": probe.input_lyapunov,
        "latent_rate": latent_rate,
        "input_rate": input_rate,
        "fit_steps": int(probe.fit.sum()),
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
