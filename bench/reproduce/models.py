"""The seed paper's deep autoencoders (Dense ReLU 64/128, V1–V4), rebuilt in PyTorch with Keras
semantics, and the Keras-style regularisation penalties that go with them.

All share 784 → 256 → 128 → latent → 128 → 256 → 784 with a sigmoid output; what differs is the
hidden activation, the latent regularisers, dropout and TopK (see `SPECS`). Keras conventions
followed:
- Dense init is glorot_uniform for kernels and zeros for biases.
- Kernel regularisers are penalty *sums* on the latent layer's kernel only (L1: c·Σ|W|,
  L2: c·ΣW², no ½).
- Activity regularisers act on the latent Dense layer's output: after ReLU in V1 (Keras applies
  the Dense `activation` before the regulariser), on the pre-activation in V4 (Dense with no
  activation, then a separate chaos Activation). Keras 3 (up to keras PR #22021, Jan 2026) adds
  the regulariser's value as is; Keras 2 / tf.keras divided it by the batch size. We follow
  Keras 3 by default; `Spec.activity_batch_mean=True` gives the Keras 2 behaviour.
"the latent" (for every metric) is the latent layer's output after activation, TopK and dropout,
in eval mode (dropout is then the identity): the tensor the decoder sees at test time.
This file does not train, measure or load data.
"""

from dataclasses import dataclass, replace

import torch
from torch import nn

from baselines.chaos_kernels import chaos_eager, topk_scatter
from baselines.ksparse_chaos import target_variance_loss

D_IN = 784


class Chaos(nn.Module):
    """The paper's chaos activation as a layer: the shared eager kernel (plain autograd, bitwise
    what the reproduction always computed), not the fused one the benchmark SAE uses."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return chaos_eager(x)


@dataclass(frozen=True)
class Spec:
    """One of the paper's architectures; coefficients of 0 mean "no such regulariser"."""

    name: str
    latent: int = 128
    activation: str = "relu"  # "relu" or "chaos", used on every hidden layer
    topk: int | None = None
    activity_l1: float = 0.0  # on the latent output (after ReLU)
    kernel_l1: float = 0.0  # on the latent layer's kernel
    kernel_l2: float = 0.0
    dropout: float = 0.0  # after the latent layer
    var_coef: float = 0.0  # target-variance regulariser coefficient (on the pre-activation)
    var_target: float = 0.1
    activity_batch_mean: bool = False  # True: Keras 2 (activity penalty / batch size)


SPECS: dict[str, Spec] = {
    "Dense ReLU 64": Spec("Dense ReLU 64", latent=64),
    "Dense ReLU 128": Spec("Dense ReLU 128", latent=128),
    "V1": Spec("V1", activity_l1=1e-4, kernel_l1=1e-4, dropout=0.2),
    "V2": Spec("V2", kernel_l2=1e-4),
    "V3": Spec("V3", topk=32),
    "V4": Spec("V4", activation="chaos", topk=32, var_coef=0.01),
}


def v4(k: int) -> Spec:
    """V4 with TopK(k) (the K ablation); k = 32 is the paper's V4."""
    return replace(SPECS["V4"], name="V4" if k == 32 else f"V4 K={k}", topk=k)


def keras2(spec: Spec) -> Spec:
    """The same model with Keras-2 (batch-averaged) activity regularisers."""
    return replace(spec, name=f"{spec.name} (Keras 2)", activity_batch_mean=True)


def _dense(n_in: int, n_out: int) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    nn.init.xavier_uniform_(layer.weight)  # = Keras glorot_uniform: U(±sqrt(6/(in+out)))
    nn.init.zeros_(layer.bias)
    return layer


def l1_penalty(t: torch.Tensor, coef: float) -> torch.Tensor:
    """Keras L1: coef·Σ|t| (a sum, not a mean)."""
    return coef * t.abs().sum()


def l2_penalty(t: torch.Tensor, coef: float) -> torch.Tensor:
    """Keras L2: coef·Σt² (no ½)."""
    return coef * t.square().sum()


class PaperAE(nn.Module):
    """784 → 256 → 128 → latent → 128 → 256 → 784 autoencoder of the paper, sigmoid output."""

    def __init__(self, spec: Spec) -> None:
        super().__init__()
        self.spec = spec
        act: type[nn.Module] = Chaos if spec.activation == "chaos" else nn.ReLU
        if spec.activation not in ("relu", "chaos"):
            raise ValueError(f"unknown activation {spec.activation!r}")
        self.encoder = nn.Sequential(_dense(D_IN, 256), act(), _dense(256, 128), act())
        self.latent = _dense(128, spec.latent)
        self.latent_act = act()
        self.dropout = nn.Dropout(spec.dropout) if spec.dropout else nn.Identity()
        self.decoder = nn.Sequential(
            _dense(spec.latent, 128),
            act(),
            _dense(128, 256),
            act(),
            _dense(256, D_IN),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (n, 784) → reconstruction (n, 784), latent z (n, m), latent pre-activation (n, m)."""
        pre = self.latent(self.encoder(x))
        a = self.latent_act(pre)
        if self.spec.topk:
            a = topk_scatter(a, self.spec.topk)  # the k largest values (not |values|) per row
        z = self.dropout(a)
        return self.decoder(z), z, pre

    def penalty(self, pre: torch.Tensor) -> torch.Tensor:
        """Sum of the Keras regularisation losses given the batch's latent pre-activation (n, m)."""
        s, w = self.spec, self.latent.weight
        total = pre.new_zeros(())
        if s.kernel_l1:
            total = total + l1_penalty(w, s.kernel_l1)
        if s.kernel_l2:
            total = total + l2_penalty(w, s.kernel_l2)
        activity = pre.new_zeros(())
        if s.activity_l1:
            # V1's Dense(activation="relu") output: what Keras' activity regulariser sees
            activity = activity + l1_penalty(self.latent_act(pre), s.activity_l1)
        if s.var_coef:
            # shared loss; here added to Keras' mean-over-entries MSE, not sae-lens' sum over d_in
            activity = activity + s.var_coef * target_variance_loss(pre, s.var_target)
        if s.activity_batch_mean:
            activity = activity / pre.shape[0]
        return total + activity

    def decoder_in_rows(self) -> torch.Tensor:
        """(m, 128): row j = the first decoder layer's weights on latent j (its norm is the scale
        the decoder puts on latent j)."""
        return self.decoder[0].weight.T
