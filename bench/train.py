"""Training for every SAE: sae-lens' `SAETrainer` over our windows, with a learning curve.

Epochs of shuffled mini-batches (a seeded generator, incomplete last batch dropped) feed the
trainer as the infinite iterator it wants; Adam at a constant rate (lr_end = lr), sae-lens'
gradient clipping at norm 1, dead-latent window = one epoch. sae-lens' own checkpoint seam
(`n_checkpoints`, `save_checkpoint_fn`, with no checkpoint directory: nothing is written)
measures the validation FVU and L0 at `CURVE_POINTS` evenly spaced points of training, the
last at the end; `convergence` reads the curve. This module neither chooses SAEs nor scores
them on the held-out split (`bench.metrics.inference.encode_decode` reads a fitted model).
"""

import math
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import torch

from bench.config import TrainConfig
from bench.errors import BenchError

CURVE_POINTS = 12  # validation points at 1/12, 2/12, …, 12/12 of the training samples
CONVERGED_GAIN = 0.01  # converged: val FVU improved < 1 % (relative) over the last 25 %
OVERFIT_RISE = 0.02  # overfit: final val FVU > 2 % above its minimum


@dataclass
class Curve:
    """Validation FVU and L0 of the training SAE at evenly spaced points of its training."""

    step: list[int] = field(default_factory=list)  # optimiser steps done at each point
    samples: list[int] = field(default_factory=list)  # training windows seen
    val_fvu: list[float] = field(default_factory=list)
    val_l0: list[float] = field(default_factory=list)

    @torch.no_grad()
    def measure(self, sae, val: torch.Tensor, steps: int, samples: int) -> None:
        """Append the FVU and L0 of the training SAE `sae` on val (n_val, d_in)."""
        from bench.metrics.core import fvu, l0

        was_training = sae.training
        sae.eval()
        z = sae.encode(val.to(sae.device))
        x_hat = sae.decode(z)
        sae.train(was_training)
        self.step.append(steps)
        self.samples.append(samples)
        self.val_fvu.append(fvu(val, x_hat.cpu()))
        self.val_l0.append(l0(z.cpu()))

    def as_record(self) -> dict[str, list]:
        return asdict(self)


def convergence(samples: list[int], val_fvu: list[float]) -> tuple[bool | None, bool | None]:
    """(converged, overfit) of a learning curve (training samples seen, validation FVU), the
    last point at the end of training. converged: the FVU improved by less than CONVERGED_GAIN
    (relative) from the last point at or before 75 % of the samples to the end; overfit: the
    final FVU is more than OVERFIT_RISE above the curve's minimum. (None, None) for a curve
    too short to have a point in its first three quarters."""
    gain = last_quarter_gain(samples, val_fvu)
    if gain is None:
        return None, None
    overfit = val_fvu[-1] > (1 + OVERFIT_RISE) * min(val_fvu)
    return bool(gain < CONVERGED_GAIN), bool(overfit)


def last_quarter_gain(samples: list[int], val_fvu: list[float]) -> float | None:
    """How much the validation FVU improved (relative) from the last point at or before 75 %
    of the samples to the end; None for a curve with no point in its first three quarters."""
    quarter = [i for i, s in enumerate(samples[:-1]) if s <= 0.75 * samples[-1]]
    if not quarter:
        return None
    before, final = val_fvu[quarter[-1]], val_fvu[-1]
    if before == 0:  # a perfect reconstruction has nothing left to gain
        return 0.0 if final == 0 else -math.inf
    return (before - final) / before


def batches(data: torch.Tensor, batch_size: int, seed: int) -> Iterator[torch.Tensor]:
    """Endless epochs of shuffled (batch_size, d_in) batches of data (n, d_in)."""
    gen = torch.Generator().manual_seed(seed)
    n_full = data.shape[0] // batch_size * batch_size
    while True:
        order = torch.randperm(data.shape[0], generator=gen)[:n_full]
        yield from data[order].split(batch_size)


def train_sae(
    sae, data: torch.Tensor, cfg: TrainConfig, device: str, seed: int, *, val=None
) -> Curve | None:
    """Train the sae-lens TrainingSAE `sae` in place on data (n_train, d_in); with val
    (n_val, d_in) also measure its learning curve, which is returned (else None)."""
    from sae_lens import LoggingConfig, SAETrainer
    from sae_lens.config import SAETrainerConfig

    from baselines.sae_lens_adapter import quiet_trainer_progress

    quiet_trainer_progress()  # the matrix shows one rich progress bar, not one per cell

    steps_per_epoch = data.shape[0] // cfg.batch_size
    total = steps_per_epoch * cfg.epochs * cfg.batch_size
    trainer_cfg = SAETrainerConfig(
        total_training_samples=total,
        train_batch_size_samples=cfg.batch_size,
        lr=cfg.lr,
        lr_end=cfg.lr,
        device=device,
        dead_feature_window=steps_per_epoch,
        feature_sampling_window=steps_per_epoch,
        logger=LoggingConfig(log_to_wandb=False),
        n_checkpoints=CURVE_POINTS - 1 if val is not None else 0,
        checkpoint_path=None,  # the checkpoint seam only calls back: nothing is written
    )
    curve = Curve() if val is not None else None

    def measure(checkpoint_path=None) -> None:
        curve.measure(sae, val, trainer.n_training_steps + 1, trainer.n_training_samples)

    trainer = SAETrainer(
        trainer_cfg,
        sae,
        batches(data, cfg.batch_size, seed),
        save_checkpoint_fn=measure if curve is not None else None,
    )
    trainer.fit()
    if not all(torch.isfinite(p).all() for p in sae.parameters()):
        raise BenchError("training diverged: non-finite weights")
    if curve is not None:
        curve.measure(sae, val, trainer.n_training_steps, trainer.n_training_samples)
    return curve


def fit(variant, data: torch.Tensor, cfg: TrainConfig, device: str, seed: int):
    """Build `variant`'s SAE from `seed`, train it on data (n, d_in), return its inference form."""
    return fit_tracked(variant, data, None, cfg, device, seed)[0]


def fit_tracked(variant, train: torch.Tensor, val, cfg: TrainConfig, device: str, seed: int):
    """(inference SAE, learning curve or None): `fit`, measuring the curve on val (n_val, d_in)."""
    torch.manual_seed(seed)
    sae = variant.build(train.shape[1], cfg, device)
    curve = train_sae(sae, train, cfg, device, seed, val=val)
    return inference_sae(sae), curve


def inference_sae(training_sae):
    """The inference SAE sae-lens makes of a trained one (saved and loaded as sae-lens does).

    This is what users deploy, and it matters: BatchTopK trains with a batch-dependent top-k
    but is saved as a JumpReLU SAE with the learned threshold, and TopK folds its decoder norms.
    """
    from sae_lens import SAE

    with tempfile.TemporaryDirectory() as tmp:
        training_sae.save_inference_model(tmp)
        return SAE.load_from_disk(tmp, device=str(training_sae.device))
