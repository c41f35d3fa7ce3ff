"""OMP inference on a fixed dictionary, and a dictionary with OMP as its encoder.

x (n, d_in) in the standardised space; w_dec (m, d_in) dictionary rows (learned atoms, or an
SAE's effective decoder rows); b (d_in,) the decoder bias, so x̂ = z @ w_dec + b. OMP is
scikit-learn's `orthogonal_mp_gram` (Cholesky OMP) in float64 on x − b, with atoms scaled to
unit norm and codes scaled back, at exactly k non-zeros: it stops earlier only when the residual
is exactly representable already or the selected atoms become linearly dependent (e.g. the
± pairs of the PCA reference), silently. `gram_omp` runs scikit-learn's algorithm call for call
on the same BLAS/LAPACK routines (bit for bit its codes, pinned by a test) without its
per-iteration Python wrappers, which cost half its time at a dense SAE's L0. Zero rows (dead
latents, norm ≤ ZERO_NORM) are never selected and get code 0. `OMPModel` is the sparse-coding
reference row's model; the metrics (`bench.metrics.sparse_inference`) use `omp_codes` for the
amortisation gap. Nothing trains here.
"""

import math

import numpy as np
import torch

ZERO_NORM = 1e-12  # a dictionary row with norm at most this is dead


def omp_codes(x: torch.Tensor, w_dec: torch.Tensor, b: torch.Tensor, k: int) -> torch.Tensor:
    """Codes z (n, m) float64 with at most k non-zeros per row, from OMP on x − b.

    k is clipped to [1, number of non-zero rows of w_dec]. All-zero w_dec gives z = 0.
    """
    xd = (x.double() - b.double().reshape(1, -1)).cpu().numpy()  # (n, d_in)
    w = w_dec.double().cpu().numpy()  # (m, d_in)
    norms = np.linalg.norm(w, axis=1)  # (m,)
    alive = np.flatnonzero(norms > ZERO_NORM)
    z = np.zeros((xd.shape[0], w.shape[0]))
    if alive.size == 0 or xd.shape[0] == 0:
        return torch.from_numpy(z)
    atoms = w[alive] / norms[alive, None]  # (m', d_in), unit rows
    k = int(min(max(k, 1), alive.size))
    coef = gram_omp(atoms @ atoms.T, atoms @ xd.T, k)  # (m', n)
    z[:, alive] = coef.T / norms[alive]
    return torch.from_numpy(z)


def gram_omp(gram: np.ndarray, xy: np.ndarray, k: int) -> np.ndarray:
    """Codes (m, n) float64 of scikit-learn's `orthogonal_mp_gram(gram, xy, n_nonzero_coefs=k)`
    for gram (m, m) = atoms · atomsᵀ and xy (m, n) = atoms · xᵀ, 1 ≤ k ≤ m: its `_gram_omp`
    replayed per sample with the same BLAS/LAPACK calls on the same operands (so the same bits),
    minus scipy's `solve_triangular` wrapper (LAPACK trtrs called directly). Stops early, as it
    does, on a repeated atom, a vanishing correlation or dependent atoms (no warning)."""
    from scipy.linalg import get_blas_funcs, get_lapack_funcs

    gram = np.asfortranarray(gram, dtype=np.float64)
    nrm2, swap = get_blas_funcs(("nrm2", "swap"), (gram,))
    potrs, trtrs = get_lapack_funcs(("potrs", "trtrs"), (gram,))
    min_float = np.finfo(gram.dtype).eps
    m, n = xy.shape
    coef = np.zeros((m, n))
    chol = np.empty((k, k))  # lower triangle: read only where written for the current sample
    for s in range(n):
        g = gram.copy("F")  # rows and columns are swapped as atoms become active
        target = xy[:, s].copy()
        indices = np.arange(m)
        alpha, gamma, active = target, np.empty(0), 0
        while True:
            lam = int(np.abs(alpha).argmax())
            if lam < active or alpha[lam] ** 2 < min_float:
                break
            if active > 0:
                chol[active, :active] = g[lam, :active]
                # = solve_triangular(chol[:a, :a], row, lower=True) on this C-ordered matrix
                solved, _ = trtrs(
                    chol[:active, :active].T, chol[active, :active], overwrite_b=1, trans=1
                )
                chol[active, :active] = solved
                lkk = g[lam, lam] - nrm2(chol[active, :active]) ** 2
                if lkk <= min_float:
                    break
                chol[active, active] = math.sqrt(lkk)
            else:
                chol[0, 0] = math.sqrt(g[lam, lam])
            g[active], g[lam] = swap(g[active], g[lam])
            g.T[active], g.T[lam] = swap(g.T[active], g.T[lam])
            indices[active], indices[lam] = indices[lam], indices[active]
            target[active], target[lam] = target[lam], target[active]
            active += 1
            gamma, _ = potrs(chol[:active, :active], target[:active], lower=True)
            alpha = target - np.dot(g[:, :active], gamma)
            if active == k:
                break
        coef[indices[:active], s] = gamma
    return coef


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
