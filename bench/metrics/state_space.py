"""D_stsp, the state-space divergence of the dynamics family, by the DSR literature's recipe.

The dynamical-systems-reconstruction papers of the Durstewitz lab compute D_stsp with
GTF-shPLRNN's `src/measures/stsp_measure.jl` (`state_space_divergence(X, X̃, n_bins)`, binning
"default"; the same code is OODG-in-DSR's `ReconstructionMeasures`). Here it runs on the delay
plane: x (n, window, D) raw units give pairs (o_t, o_{t+ℓ}) pooled over windows, components and t.
- per axis, `bins` equal bins from min − 0.1σ to max + 0.1σ of the DATA's pairs on that axis,
  σ their standard deviation with ddof 0;
- pairs outside the edges are dropped, the data's and the reconstruction's alike; bins are
  closed on the left, so a value equal to the upper edge is outside (StatsBase's `fit(Histogram)`);
- Laplace smoothing with α = 1e-5: p = (h + α) / (Σh + α · bins²), the same for q;
- KL(p ‖ q) = Σ p log(p / q); NaN when the reconstruction has no pair inside the edges.
Where the Julia code differs in a detail, this module follows the recipe above: Julia's `std`
uses ddof 1 (here ddof 0), it counts in UInt16 (wrapping past 65535 pairs per bin; here int64)
and computes in Float32 (here float64). Data that are constant on an axis (σ = 0: no bin has a
width) give NaN, as in Julia, where every point falls outside. Pure numpy; it neither trains
nor stores anything.
"""

import numpy as np

Array = np.ndarray

BINS = 30  # per axis
ALPHA = 1e-5  # Laplace smoothing of every bin
MARGIN = 0.1  # the edges lie this many standard deviations beyond the data's range


def delay_pairs(x: Array, lag: int) -> Array:
    """(o_t, o_{t+lag}) pooled over windows, components and t, one axis per row:
    (2, n · D · (window − lag))."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[1] <= lag or lag < 1:
        raise ValueError(f"need x (n, window, D) with window > lag >= 1, got {x.shape}, {lag}")
    return np.stack([x[:, :-lag].ravel(), x[:, lag:].ravel()])


def bin_edges(pairs: Array, bins: int) -> Array:
    """(2, bins + 1): per axis, equal edges from min − 0.1σ to max + 0.1σ of pairs (2, N)."""
    sigma = pairs.std(axis=1)  # (2,), ddof 0
    low, high = pairs.min(axis=1) - MARGIN * sigma, pairs.max(axis=1) + MARGIN * sigma
    return np.stack([np.linspace(low[a], high[a], bins + 1) for a in range(2)])


def delay_histogram(pairs: Array, edges: Array) -> Array:
    """Counts (bins, bins) of the pairs (2, N) inside `edges` (2, bins + 1); bins [e_i, e_{i+1}),
    pairs outside dropped."""
    bins = edges.shape[1] - 1
    inside = np.ones(pairs.shape[1], dtype=bool)
    flat = np.zeros(pairs.shape[1], dtype=np.int64)
    for axis in range(2):
        idx = _bin_index(pairs[axis], edges[axis])
        inside &= (idx >= 0) & (idx < bins)
        flat = flat * bins + idx
    return np.bincount(flat[inside], minlength=bins * bins).reshape(bins, bins)


def _bin_index(values: Array, edges: Array) -> Array:
    """i with edges[i] ≤ v < edges[i + 1] for each value (N,) (−1 below, len(edges) − 1 at or
    above the top): `searchsorted(edges, v, "right") − 1`, computed by arithmetic on the equal
    spacing, then moved by one where rounding put v on the wrong side of an edge (as numpy's
    `histogram` does), which is many times faster than a binary search per value."""
    last = len(edges) - 1
    guess = np.floor((values - edges[0]) * (last / (edges[-1] - edges[0])))
    idx = np.clip(guess, -1, last).astype(np.int64)
    below = (idx >= 0) & (values < edges[np.clip(idx, 0, last)])
    idx[below] -= 1
    above = (idx < last) & (values >= edges[np.clip(idx + 1, 0, last)])
    idx[above] += 1
    return idx


def laplace(counts: Array, alpha: float = ALPHA) -> Array:
    """(h + α) / (Σh + α · number of bins), flattened: a distribution with no empty bin."""
    h = np.asarray(counts, dtype=np.float64).ravel()
    return (h + alpha) / (h.sum() + alpha * h.size)


def state_space_divergence(
    x: Array, x_hat: Array, lag: int, bins: int = BINS, alpha: float = ALPHA
) -> float:
    """KL(p ‖ q) of the delay-pair histograms of data x and reconstruction x_hat, both
    (n, window, D) raw units, by the recipe of the module docstring. 0 when x_hat = x; NaN when
    no reconstructed pair lies inside the data's edges, or the data are constant on an axis."""
    data = delay_pairs(x, lag)
    if np.any(data.min(axis=1) == data.max(axis=1)):
        return float("nan")
    edges = bin_edges(data, bins)
    h_data, h_recon = delay_histogram(data, edges), delay_histogram(delay_pairs(x_hat, lag), edges)
    if h_recon.sum() == 0:
        return float("nan")
    p, q = laplace(h_data, alpha), laplace(h_recon, alpha)
    return float(np.sum(p * (np.log(p) - np.log(q))))
