"""Optimal-ish sparse inference on a fixed dictionary: OMP codes, their FVU, amortisation gap.

x (n, d_in) in the standardised space; w_dec (m, d_in) dictionary rows (an SAE's effective
decoder rows, or learned atoms); b (d_in,) the decoder bias, so x̂ = z @ w_dec + b. OMP is
scikit-learn's `orthogonal_mp_gram` (Cholesky OMP) in float64 on x − b, with atoms scaled to
unit norm and codes scaled back, at exactly k non-zeros: it stops earlier only when the residual
is exactly representable already or the selected atoms become linearly dependent (e.g. the
± pairs of the PCA reference), silently. Zero rows (dead latents) are never
selected and get code 0 (`baselines.omp`, shared with the sparse-coding reference row). This
module neither trains nor encodes with an SAE.
"""

import itertools
import math

import torch

from baselines.omp import omp_codes
from bench.metrics.core import fvu


def omp_k(l0: float, n_atoms: int) -> int:
    """The OMP budget for a cell: its held-out L0 rounded half up, clipped to [1, n_atoms]."""
    k = math.floor(l0 + 0.5) if math.isfinite(l0) else 1
    return int(min(max(k, 1), max(n_atoms, 1)))


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
