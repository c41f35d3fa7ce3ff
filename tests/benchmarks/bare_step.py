"""The bare torch SAE training step the scaling script measures sae-lens against: sae-lens'
`standard` loss written out (`bare_loss`), checked equal to sae-lens' own on one batch
(`check_same_loss`), and a plain loop of it with clipping and Adam (`bare_train`).

Part of `make bench-scaling` (tests/benchmarks/scaling.py, lockstep.py); not library code and
not a test. It trains nothing the benchmark reports.
"""

import torch

GRAD_CLIP = 1.0  # sae-lens' default gradient clipping norm, as `bench.train` runs it


def bare_loss(x, w_enc, b_enc, w_dec, b_dec, coef: float) -> torch.Tensor:
    """sae-lens `standard` training loss: Σ_d (x̂ − x)² averaged over the batch, plus
    coef · mean over the batch of Σ_j z_j ‖W_dec[j]‖ (z = ReLU((x − b_dec) W_enc + b_enc)).

    x (batch, d_in); one model's w_enc (d_in, d_sae), b_enc (d_sae,), w_dec (d_sae, d_in),
    b_dec (d_in,) give the loss (a scalar); N models stacked along a leading axis (w_enc
    (N, d_in, d_sae), b_enc (N, 1, d_sae), w_dec (N, d_sae, d_in), b_dec (N, 1, d_in)) give
    each model's loss (N,) in one pass of batched matmuls."""
    z = torch.relu((x - b_dec) @ w_enc + b_enc)  # ([N,] batch, d_sae)
    x_hat = z @ w_dec + b_dec  # ([N,] batch, d_in)
    mse = (x_hat - x).pow(2).sum(dim=-1).mean(dim=-1)
    penalty = (z * w_dec.norm(dim=-1).unsqueeze(-2)).norm(p=1, dim=-1)  # ([N,] batch)
    return mse + (coef * penalty).mean(dim=-1)


def sae_params(sae) -> list[torch.Tensor]:
    """Fresh leaf copies of a sae-lens SAE's (W_enc, b_enc, W_dec, b_dec)."""
    return [
        p.detach().clone().requires_grad_() for p in (sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec)
    ]


def bare_train(
    params: list[torch.Tensor], data: torch.Tensor, *, batch: int, coef: float, lr: float
):
    """Train (W_enc, b_enc, W_dec, b_dec) in place on data (n, d_in) in order, `batch` rows a
    step: the bare loss, clipping at `GRAD_CLIP`, Adam (β = 0.9, 0.999). Returns the last loss."""
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))
    loss = torch.zeros(())
    for x in data.split(batch):
        loss = bare_loss(x, *params, coef)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP)
        opt.step()
        opt.zero_grad()
    return loss


def check_same_loss(variant, d_in: int, cfg, x: torch.Tensor) -> None:
    """The bare loss equals sae-lens' training loss on one batch x (batch, d_in) from the same
    weights (an l1-style variant: its `l1_coefficient` is the loss's coef)."""
    from baselines.sae_lens_adapter import step_input

    torch.manual_seed(0)
    sae = variant.build(d_in, cfg, "cpu")
    theirs = sae.training_forward_pass(step_input(sae, x)).loss
    ours = bare_loss(x, sae.W_enc, sae.b_enc, sae.W_dec, sae.b_dec, variant.l1_coefficient)
    assert torch.allclose(theirs, ours, rtol=1e-5), (theirs.item(), ours.item())
