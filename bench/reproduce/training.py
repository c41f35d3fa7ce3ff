"""Data, the Keras-like training loop and the paper's metrics for the reproduction of the seed
paper (bench/reproduce): one (system, model, seed) at a time.

Data: logistic windows are used raw (already in (0, 1), as in the paper). Hénon windows are
min-max scaled per observed coordinate (x and y separately) with train-split min and max, so the
sigmoid output can reach them; held-out values may fall slightly outside [0, 1].
Training: Adam (lr 1e-3, Keras' eps 1e-7), batch 32 with a reshuffle every epoch and a partial
last batch (as Keras' `fit`), loss = MSE (mean over all entries) + the Keras penalty sums.
Metrics are the benchmark's own (bench.metrics.core, the paper's definitions) on the held-out
split, plus the dead-latent count the paper reports (see `latent_metrics`).
This file does not pick experiments, aggregate seeds or write reports.
"""

from dataclasses import dataclass

import numpy as np
import torch

from bench.config import PAPER
from bench.errors import BenchError
from bench.metrics.core import dead_mask, evaluate
from bench.reproduce.models import PaperAE, Spec
from systems.base import System
from systems.henon import Henon
from systems.logistic import Logistic

# The per-(model, seed) metric columns, in the order the CSVs have always had.
COLUMNS = (
    "sparsity",
    "l0",
    "dead",
    "dead_frac",
    "variance",
    "variance_alive",
    "decoded_variance",
    "mse",
    "fvu",
    "score",
)
SYSTEMS: dict[str, type[System]] = {"logistic": Logistic, "henon": Henon}


@dataclass(frozen=True)
class Sizes:
    """Experiment sizes; the defaults are the paper's (`bench.config.PAPER`, the `paper`
    profile; the divergence sizes are ours)."""

    n_train: int = PAPER.n_train
    n_test: int = PAPER.n_test
    epochs: int = PAPER.epochs
    batch: int = PAPER.batch_size
    lr: float = PAPER.lr
    div_pairs: int = 16  # twin-trajectory pairs per seed
    div_windows: int = 8  # consecutive non-overlapping windows per trajectory


@dataclass(frozen=True)
class Data:
    """Train (n_train, 784) and held-out (n_test, 784) float32 windows, and the per-column affine
    map raw → model input: (raw − lo) / (hi − lo), lo and hi (784,)."""

    system: str
    train: np.ndarray
    test: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def scale(self, raw: np.ndarray) -> np.ndarray:
        return ((raw - self.lo) / (self.hi - self.lo)).astype(np.float32)


def load_data(system: str, seed: int, sizes: Sizes) -> Data:
    """Windows from `seed`'s random starts: the first n_train train, the next n_test held out."""
    sys_ = SYSTEMS[system]()
    n, rng = sizes.n_train + sizes.n_test, np.random.default_rng(seed)
    # the paper's sampling: every window from its own settled start (not `System.windows`,
    # which takes several per start)
    raw = sys_.trajectories(n, sys_.window, rng).reshape(n, sys_.window * sys_.dim)  # (n, 784)
    lo, hi = np.zeros(raw.shape[1]), np.ones(raw.shape[1])
    if system != "logistic":
        train = raw[: sizes.n_train].reshape(sizes.n_train, -1, sys_.dim)  # (n, steps, D)
        lo = np.tile(train.min(axis=(0, 1)), raw.shape[1] // sys_.dim)
        hi = np.tile(train.max(axis=(0, 1)), raw.shape[1] // sys_.dim)
    data = Data(system, raw[: sizes.n_train], raw[sizes.n_train :], lo, hi)
    return Data(system, data.scale(data.train), data.scale(data.test), lo, hi)


def train(spec: Spec, data: Data, seed: int, sizes: Sizes, device: str) -> PaperAE:
    """Train the paper's model `spec` on `data.train` for `sizes.epochs`; deterministic in seed."""
    torch.manual_seed(seed)
    model = PaperAE(spec).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=sizes.lr, eps=1e-7)
    x = torch.as_tensor(data.train, device=device)  # (n_train, 784)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(sizes.epochs):
        order = torch.randperm(len(x), generator=gen).to(device)
        for start in range(0, len(x), sizes.batch):
            xb = x[order[start : start + sizes.batch]]
            xhat, _, pre = model(xb)
            loss = torch.mean((xhat - xb) ** 2) + model.penalty(pre)
            if not torch.isfinite(loss):
                raise BenchError(f"{spec.name}: non-finite loss in epoch {epoch + 1} (seed {seed})")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


def latent_metrics(
    x: torch.Tensor, xhat: torch.Tensor, z: torch.Tensor, w_dec: torch.Tensor
) -> dict[str, float]:
    """`COLUMNS` of bench.metrics.core.evaluate, plus `dead`, the count of dead latents.
    x, xhat (n, d); z (n, m) latents the decoder sees; w_dec (m, 128) first decoder layer rows."""
    out = evaluate(x, xhat, z, w_dec)
    out["dead"] = float(dead_mask(z).sum().item())
    return {c: out[c] for c in COLUMNS}


@torch.no_grad()
def measure(model: PaperAE, data: Data, sizes: Sizes, device: str) -> dict[str, float]:
    """Metrics on the held-out split, plus `keras_val_loss`: what Keras reports as val_loss
    (MSE + regularisation penalties per batch of `sizes.batch`, averaged weighted by batch size)."""
    x = torch.as_tensor(data.test, device=device)  # (n_test, 784)
    xhat, z, _ = model(x)
    out = latent_metrics(*(t.double().cpu() for t in (x, xhat, z, model.decoder_in_rows())))
    total = 0.0
    for start in range(0, len(x), sizes.batch):
        xb = x[start : start + sizes.batch]
        xh, _, pre = model(xb)
        total += len(xb) * float(torch.mean((xh - xb) ** 2) + model.penalty(pre))
    out["keras_val_loss"] = total / len(x)
    return out


@torch.no_grad()
def divergence(
    model: PaperAE, data: Data, seed: int, sizes: Sizes, device: str
) -> dict[str, float]:
    """The paper's chaotic-divergence probe. For each of `div_pairs` twin trajectories (starts
    1e-6 apart, `System.twin_trajectories`), cut `div_windows` consecutive non-overlapping
    784-value windows, encode them, and compare the first and last windows' distances.
    Ratios are of pair-averaged distances (last / first), in latent and in input space."""
    sys_ = SYSTEMS[data.system]()
    rng = np.random.default_rng([seed, 6])
    steps = sizes.div_windows * sys_.window
    pairs = [
        sys_.twin_trajectories(steps, 1e-6, rng).reshape(2, sizes.div_windows, -1)
        for _ in range(sizes.div_pairs)
    ]
    x = data.scale(np.stack(pairs))  # (P, 2, W, 784)
    _, z, _ = model(torch.as_tensor(x.reshape(-1, x.shape[-1]), device=device))
    z = z.double().cpu().numpy().reshape(*x.shape[:3], -1)  # (P, 2, W, m)
    # Ratio of pair-averaged distances, as the paper; bench.metrics.core.divergence_ratio is the
    # benchmark's per-pair ratio, a different statistic.
    dz = np.linalg.norm(z[:, 0] - z[:, 1], axis=-1)  # (P, W)
    dx = np.linalg.norm(x[:, 0].astype(np.float64) - x[:, 1], axis=-1)  # (P, W)
    first_z, last_z = dz[:, 0].mean(), dz[:, -1].mean()
    return {
        "latent_first": float(first_z),
        "latent_last": float(last_z),
        "latent_ratio": float(last_z / first_z) if first_z > 0 else float("nan"),
        "input_first": float(dx[:, 0].mean()),
        "input_last": float(dx[:, -1].mean()),
        "input_ratio": float(dx[:, -1].mean() / dx[:, 0].mean()),
    }
