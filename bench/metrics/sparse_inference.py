"""Optimal-ish sparse inference on a fixed dictionary: OMP codes, their FVU, amortisation gap.

x (n, d_in) in the standardised space; w_dec (m, d_in) dictionary rows (an SAE's effective
decoder rows, or learned atoms); b (d_in,) the decoder bias, so x̂ = z @ w_dec + b. OMP is
scikit-learn's `orthogonal_mp_gram` (Cholesky OMP) in float64 on x − b, with atoms scaled to
unit norm and codes scaled back, at exactly k non-zeros: it stops earlier only when the residual
is exactly representable already or the selected atoms become linearly dependent (e.g. the
± pairs of the PCA reference), silently. Zero rows (dead latents, norm ≤ ZERO_NORM) are never
selected and get code 0. `OMPModel` wraps a dictionary with OMP as its encoder (the
sparse-coding reference row). This module neither trains nor encodes with an SAE.
"""

import itertools
import math
import warnings

import numpy as np
import torch

from bench.metrics.core import fvu

ZERO_NORM = 1e-12  # a dictionary row with norm at most this is dead


def omp_k(l0: float, n_atoms: int) -> int:
    """The OMP budget for a cell: its held-out L0 rounded half up, clipped to [1, n_atoms]."""
    k = math.floor(l0 + 0.5) if math.isfinite(l0) else 1
    return int(min(max(k, 1), max(n_atoms, 1)))


def omp_codes(x: torch.Tensor, w_dec: torch.Tensor, b: torch.Tensor, k: int) -> torch.Tensor:
    """Codes z (n, m) float64 with at most k non-zeros per row, from OMP on x − b.

    k is clipped to [1, number of non-zero rows of w_dec]. All-zero w_dec gives z = 0.
    """
    from sklearn.linear_model import orthogonal_mp_gram

    xd = (x.double() - b.double().reshape(1, -1)).cpu().numpy()  # (n, d_in)
    w = w_dec.double().cpu().numpy()  # (m, d_in)
    norms = np.linalg.norm(w, axis=1)  # (m,)
    alive = np.flatnonzero(norms > ZERO_NORM)
    z = np.zeros((xd.shape[0], w.shape[0]))
    if alive.size == 0 or xd.shape[0] == 0:
        return torch.from_numpy(z)
    atoms = w[alive] / norms[alive, None]  # (m', d_in), unit rows
    k = int(min(max(k, 1), alive.size))
    with warnings.catch_warnings():  # early stop on dependent atoms is expected, not an error
        warnings.simplefilter("ignore", RuntimeWarning)
        coef = orthogonal_mp_gram(atoms @ atoms.T, atoms @ xd.T, n_nonzero_coefs=k)  # (m', n)
    coef = coef.reshape(alive.size, -1)  # a single row comes back 1-D
    z[:, alive] = coef.T / norms[alive]
    return torch.from_numpy(z)


def omp_reconstruction(
    x: torch.Tensor, w_dec: torch.Tensor, b: torch.Tensor, k: int
) -> torch.Tensor:
    """OMP's reconstruction z @ w_dec + b (n, d_in), float64."""
    z = omp_codes(x, w_dec, b, k)
    return z @ w_dec.double().cpu() + b.double().cpu().reshape(1, -1)


def omp_fvu(x: torch.Tensor, w_dec: torch.Tensor, b: torch.Tensor, k: int) -> float:
    """FVU (`bench.metrics.core.fvu`) of OMP's k-sparse reconstruction of x."""
    return fvu(x.double().cpu(), omp_reconstruction(x, w_dec, b, k))


def decoder_bias(model, m: int) -> torch.Tensor:
    """b = decode(0) (d_in,) of a model with m latents: the bias its effective rows sit on."""
    with torch.no_grad():
        tensor = next(itertools.chain(model.parameters(), model.buffers()), None)
        dtype = tensor.dtype if tensor is not None else torch.float32
        zero = torch.zeros(1, m, device=model.device, dtype=dtype)
        return model.decode(zero)[0].detach().cpu()


def amortization_gap(
    x: torch.Tensor, x_hat: torch.Tensor, w_dec: torch.Tensor, b: torch.Tensor, l0: float
) -> tuple[float, float]:
    """(omp_fvu, amortization_gap = fvu(x, x_hat) − omp_fvu) at the cell's rounded L0."""
    f_omp = omp_fvu(x, w_dec, b, omp_k(l0, w_dec.shape[0]))
    return f_omp, fvu(x, x_hat) - f_omp


class OMPModel(torch.nn.Module):
    """A dictionary with OMP as its encoder, shaped like a sae-lens inference SAE.

    Buffers W_dec (m, d_in) and b_dec (d_in,) in float64; encode(x (n, d_in)) -> z (n, m) is
    `omp_codes` at k, decode(z) -> z @ W_dec + b_dec; both compute in float64 and return the
    input's dtype, so float32 and float64 callers (and `.double()`) work. Has no W_enc.
    """

    def __init__(self, w_dec: torch.Tensor, b: torch.Tensor, k: int):
        super().__init__()
        self.register_buffer("W_dec", w_dec.detach().double().clone())
        self.register_buffer("b_dec", b.detach().double().clone())
        self.k = k

    @property
    def device(self) -> torch.device:
        return self.W_dec.device

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        z = omp_codes(x, self.W_dec, self.b_dec, self.k)  # (n, m) float64, cpu
        return z.to(device=x.device, dtype=x.dtype)

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        x_hat = z.double() @ self.W_dec.double() + self.b_dec.double()
        return x_hat.to(z.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
