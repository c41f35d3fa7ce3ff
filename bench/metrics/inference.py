"""What the metrics read of a fitted model: its latents, reconstruction and effective decoder
rows on a batch of windows, refusing non-finite output. It neither trains nor scores.
"""

import torch

from bench.errors import BenchError


@torch.no_grad()
def encode_decode(sae, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Latents z (n, m), reconstruction x_hat (n, d_in) and effective decoder rows (m, d_in).

    The effective rows are decode(e_j) − decode(0): exact for every linear decoder, including
    TopK's, which divides latents by the decoder norms before the matmul.
    """
    sae.eval()
    x = x.to(sae.device)
    z = sae.encode(x)
    x_hat = sae.decode(z)
    eye = torch.eye(z.shape[1], device=sae.device, dtype=z.dtype)
    w_dec = sae.decode(eye) - sae.decode(torch.zeros_like(eye[:1]))
    if not (torch.isfinite(z).all() and torch.isfinite(x_hat).all()):
        raise BenchError("training diverged: non-finite latents or reconstruction")
    return z.cpu(), x_hat.cpu(), w_dec.cpu()
