"""The one training loop for every SAE: sae-lens' `SAETrainer` over our windows.

Epochs of shuffled mini-batches (a seeded generator, incomplete last batch dropped) feed the
trainer as the infinite iterator it wants; Adam at a constant rate (lr_end = lr), sae-lens'
gradient clipping at norm 1, dead-latent window = one epoch. Afterwards `encode_decode` gives
what the metrics need. This module neither chooses SAEs nor scores them.
"""

import tempfile
from collections.abc import Iterator

import torch

from bench.config import TrainConfig
from bench.errors import BenchError


def batches(data: torch.Tensor, batch_size: int, seed: int) -> Iterator[torch.Tensor]:
    """Endless epochs of shuffled (batch_size, d_in) batches of data (n, d_in)."""
    gen = torch.Generator().manual_seed(seed)
    n_full = data.shape[0] // batch_size * batch_size
    while True:
        order = torch.randperm(data.shape[0], generator=gen)[:n_full]
        yield from data[order].split(batch_size)


def train_sae(sae, data: torch.Tensor, cfg: TrainConfig, device: str, seed: int):
    """Train the sae-lens TrainingSAE `sae` in place on data (n_train, d_in); returns it."""
    from sae_lens import LoggingConfig, SAETrainer
    from sae_lens.config import SAETrainerConfig

    from baselines.sae_lens_adapter import quiet_trainer_progress

    quiet_trainer_progress()  # the matrix shows one rich progress bar, not one per cell

    steps_per_epoch = data.shape[0] // cfg.batch_size
    trainer_cfg = SAETrainerConfig(
        total_training_samples=steps_per_epoch * cfg.epochs * cfg.batch_size,
        train_batch_size_samples=cfg.batch_size,
        lr=cfg.lr,
        lr_end=cfg.lr,
        device=device,
        dead_feature_window=steps_per_epoch,
        feature_sampling_window=steps_per_epoch,
        logger=LoggingConfig(log_to_wandb=False),
    )
    SAETrainer(trainer_cfg, sae, batches(data, cfg.batch_size, seed)).fit()
    if not all(torch.isfinite(p).all() for p in sae.parameters()):
        raise BenchError("training diverged: non-finite weights")
    return sae


def fit(variant, data: torch.Tensor, cfg: TrainConfig, device: str, seed: int):
    """Build `variant`'s SAE from `seed`, train it on data (n, d_in), return its inference form."""
    torch.manual_seed(seed)
    sae = variant.build(data.shape[1], cfg, device)
    return inference_sae(train_sae(sae, data, cfg, device, seed))


def inference_sae(training_sae):
    """The inference SAE sae-lens makes of a trained one (saved and loaded as sae-lens does).

    This is what users deploy, and it matters: BatchTopK trains with a batch-dependent top-k
    but is saved as a JumpReLU SAE with the learned threshold, and TopK folds its decoder norms.
    """
    from sae_lens import SAE

    with tempfile.TemporaryDirectory() as tmp:
        training_sae.save_inference_model(tmp)
        return SAE.load_from_disk(tmp, device=str(training_sae.device))


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
