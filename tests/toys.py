"""A toy SAE and a toy system, registered only when CHAOS_SAE_BENCH_TOYS=1 (tests/conftest.py):
the registry-derived tests must pass over them unchanged (tests/test_registry_contract.py)."""

from dataclasses import dataclass

import numpy as np

from baselines.base import SAEVariant
from bench.registry import register_sae, register_system
from systems.base import System


@register_sae("toy_sae")
@dataclass
class ToySAE(SAEVariant):
    """Toy ReLU + L1 SAE (sae-lens `standard`), registered by a test."""

    l1_coefficient: float = 0.5
    group = "extended"
    l0_control, sparsity_field, denser_when = "coefficient", "l1_coefficient", "lower"

    def build(self, d_in, cfg, device):
        from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig

        return StandardTrainingSAE(
            StandardTrainingSAEConfig(
                d_in=d_in, d_sae=cfg.d_sae, l1_coefficient=self.l1_coefficient, device=device
            )
        )


@register_system("toy_chebyshev")
@dataclass
class ToyChebyshev(System):
    """Toy Chebyshev map x' = 3x − 4x³ on [−1, 1] (λ₁ = ln 3), registered by a test."""

    dim = 1
    window = 64
    lyapunov = float(np.log(3.0))
    time_unit = "iteration"
    transient = 100

    def initial_states(self, n, rng):
        return rng.uniform(-0.9, 0.9, size=(n, 1))

    def advance(self, state, steps):
        x = state[:, 0].copy()
        obs = np.empty((len(x), steps, 1))
        for t in range(steps):
            x = 3.0 * x - 4.0 * x * x * x
            obs[:, t, 0] = x
        return obs, x[:, None]
