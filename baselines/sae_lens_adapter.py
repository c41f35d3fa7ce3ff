"""Everything that touches sae-lens internals, in one place.

- `LinearEncoder`, `ActivationEncoder`, `LinearDecoder`: the encoder and decoder of the
  project's own sae-lens SAE classes, through sae-lens' input processing (`process_sae_in`:
  dtype, hooks, x − b_dec), its hook points and its output reshaping (`reshape_fn_out`,
  `d_head`).
- `training_classes`: the sae-lens training class and config of an architecture.
- `register_architecture`: register an inference and a training class with sae-lens.
- `step_input`: the private `TrainStepInput` of one training step outside the trainer.
- `quiet_trainer_progress`: `SAETrainer` draws a tqdm bar per run; the matrix shows its own.

Only torch is imported at module level; sae-lens is imported inside the functions, so this
module can be imported before sae-lens without setting off `import bench`'s hook early.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from sae_lens import SAE, SAEConfig, TrainingSAE, TrainingSAEConfig
    from sae_lens.saes.sae import TrainStepInput, TrainStepOutput  # noqa: F401  (re-exported)


class LinearEncoder:
    """Mixin: the affine part of an encoder with its own bias b_enc (sae-lens' `standard`
    initialisation, plus b_enc = 0)."""

    b_enc: nn.Parameter

    def initialize_weights(self) -> None:
        super().initialize_weights()  # type: ignore[misc]
        self.b_enc = nn.Parameter(torch.zeros(self.cfg.d_sae, dtype=self.dtype, device=self.device))

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        """W_enc (x − b_dec) + b_enc through sae-lens' input processing: (n, d_in) → (n, d_sae)."""
        sae_in = self.process_sae_in(x)  # (n, d_in)
        return self.hook_sae_acts_pre(sae_in @ self.W_enc + self.b_enc)


class ActivationEncoder(LinearEncoder):
    """Mixin: z = activation(pre_activation(x)), the activation from `get_activation_fn`."""

    def encode_with_hidden_pre(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden_pre = self.pre_activation(x)  # (n, d_sae)
        return self.hook_sae_acts_post(self.activation_fn(hidden_pre)), hidden_pre

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_with_hidden_pre(x)[0]


class LinearDecoder:
    """Mixin for inference classes: x̂ = z W_dec + b_dec, through sae-lens' output hooks."""

    def decode(self, feature_acts: torch.Tensor) -> torch.Tensor:
        sae_out = self.hook_sae_recons(feature_acts @ self.W_dec + self.b_dec)
        return self.reshape_fn_out(self.run_time_activation_norm_fn_out(sae_out), self.d_head)


def training_classes(architecture: str) -> tuple[type[TrainingSAE], type[TrainingSAEConfig]]:
    """(training class, its config class) that sae-lens registered for `architecture` (the
    project's own are registered by their modules, which the bench's registry imports)."""
    import sae_lens  # noqa: F401  (registers sae-lens' own architectures)
    from sae_lens.registry import get_sae_training_class

    return get_sae_training_class(architecture)


def register_architecture(
    architecture: str,
    *,
    inference: tuple[type[SAE], type[SAEConfig]],
    training: tuple[type[TrainingSAE], type[TrainingSAEConfig]],
) -> None:
    """Register an architecture's (class, config) pairs, so `SAE.load_from_disk` loads it."""
    from sae_lens import register_sae_class, register_sae_training_class

    register_sae_class(architecture, *inference)
    register_sae_training_class(architecture, *training)


def step_input(sae: TrainingSAE, x: torch.Tensor) -> TrainStepInput:
    """The input of one training step on the batch x (n, d_in), with the SAE's own
    coefficients at full strength: `sae.training_forward_pass(step_input(sae, x))`."""
    from sae_lens.saes.sae import TrainCoefficientConfig, TrainStepInput

    coefficients: dict[str, Any] = {  # a warm-up config gives its full value
        name: value.value if isinstance(value, TrainCoefficientConfig) else value
        for name, value in sae.get_coefficients().items()
    }
    return TrainStepInput(
        sae_in=x,
        coefficients=coefficients,
        dead_neuron_mask=None,
        n_training_steps=0,
        is_logging_step=False,
    )


def quiet_trainer_progress() -> None:
    """Turn off the tqdm bar `SAETrainer` draws for each run (once per process)."""
    from sae_lens.training import sae_trainer

    if not isinstance(sae_trainer.tqdm, partial):
        sae_trainer.tqdm = partial(sae_trainer.tqdm, disable=True)
