"""OMP inference on a fixed dictionary, and a dictionary with OMP as its encoder.

x (n, d_in) in the standardised space; w_dec (m, d_in) dictionary rows (learned atoms, or an
SAE's effective decoder rows); b (d_in,) the decoder bias, so x̂ = z @ w_dec + b. OMP is
scikit-learn's `orthogonal_mp_gram` (Cholesky OMP) in float64 on x − b, with atoms scaled to
unit norm and codes scaled back, at exactly k non-zeros: it stops earlier only when the residual
is exactly representable already or the selected atoms become linearly dependent (e.g. the
± pairs of the PCA reference), silently. Zero rows (dead latents, norm ≤ ZERO_NORM) are never
selected and get code 0. `OMPModel` is the sparse-coding reference row's model; the metrics
(`bench.metrics.sparse_inference`) use `omp_codes` for the amortisation gap. Nothing trains here.
"""

import warnings

import numpy as np
import torch

ZERO_NORM = 1e-12  # a dictionary row with norm at most this is dead


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
