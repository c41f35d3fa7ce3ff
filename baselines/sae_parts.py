"""Pieces shared by this project's own sae-lens SAE classes (K-Sparse Chaos, KL-sparse).

`ActivationEncoder` is the encoder both the inference and the training class of such an SAE
use: z = activation(W_enc (x − b_dec) + b_enc), with the activation from the class's
`get_activation_fn` (n, d_in) → (n, d_sae). `LinearDecoder` is the inference classes' decoder,
x̂ = z W_dec + b_dec. This module imports only torch.
"""

import torch
from torch import nn


class ActivationEncoder:
    """Mixin: a linear encoder with a bias, followed by the class's activation."""

    b_enc: nn.Parameter

    def initialize_weights(self) -> None:
        super().initialize_weights()  # type: ignore[misc]
        self.b_enc = nn.Parameter(torch.zeros(self.cfg.d_sae, dtype=self.dtype, device=self.device))

    def encode_with_hidden_pre(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        sae_in = self.process_sae_in(x)  # (n, d_in)
        hidden_pre = self.hook_sae_acts_pre(sae_in @ self.W_enc + self.b_enc)  # (n, d_sae)
        return self.hook_sae_acts_post(self.activation_fn(hidden_pre)), hidden_pre

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_with_hidden_pre(x)[0]


class LinearDecoder:
    """Mixin for inference classes: x̂ = z W_dec + b_dec, through sae-lens' output hooks."""

    def decode(self, feature_acts: torch.Tensor) -> torch.Tensor:
        sae_out = self.hook_sae_recons(feature_acts @ self.W_dec + self.b_dec)
        return self.reshape_fn_out(self.run_time_activation_norm_fn_out(sae_out), self.d_head)
