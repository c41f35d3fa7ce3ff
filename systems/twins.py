"""The twin orbits of the dynamics probe, and the seed paper's twin trajectories.

`TwinOrbits` is mixed into `systems.base.System`: from a system's `settle`, `run` and
`observe` it makes pairs of orbits displaced by eps along the leading Lyapunov vector
(`twin_orbits`, found by a finite-difference Benettin warm-up that needs no equations, so any
system that can twin uses it, dysts flows included) and sizes the probe's horizon from the
reference λ₁. It does not score the probe (see `bench.metrics.dynamics`).
"""

import math

import numpy as np

from bench.errors import BenchError
from systems.checks import _check_positive, _finite

WARMUP_STEPS = 300  # least Benettin warm-up before a twin displacement, in observation steps
WARMUP_LYAPUNOV_TIMES = 5.0  # ... and at least this many Lyapunov times 1/λ₁
MAX_PROBE_HORIZON = 2000  # cap on the probe's horizon (slow systems such as Mackey-Glass)


class TwinOrbits:
    """Twin orbits for a `System` (a mixin: it uses the system's settle, run and observe)."""

    # --- the seed paper's probe (kept for `reproduce divergence`) ---

    def perturb(self, state: np.ndarray, eps: float, rng: np.random.Generator) -> np.ndarray:
        """A copy of `state` (1, *state) moved by a random vector of Euclidean norm `eps`."""
        direction = rng.standard_normal(state.shape)
        return state + eps * direction / np.linalg.norm(direction)

    def twin_trajectories(self, steps: int, eps: float, rng: np.random.Generator) -> np.ndarray:
        """Two trajectories whose initial states differ by `eps`: (2, steps, D) float64."""
        _check_positive(self, steps=steps)
        state = self.settle(1, rng)
        pair = np.concatenate([state, self.perturb(state, eps, rng)])
        obs, _ = self.run(pair, steps)
        return _finite(self, obs)

    # --- the twin-orbit probe of the dynamics metrics ---

    def probe_horizon(self, eps: float | None = None) -> int:
        """H: steps for a displacement eps to grow to the attractor's size (taken as 1) at the
        reference λ₁, plus 25 %, capped at `MAX_PROBE_HORIZON`; 2 · window if λ₁ is unknown."""
        rate = self.lyapunov * self.obs_dt  # growth per observation step
        if not (np.isfinite(rate) and rate > 0):
            return min(2 * self.window, MAX_PROBE_HORIZON)
        steps = 1.25 * math.log(1.0 / (eps or self.probe_eps)) / rate
        return int(min(math.ceil(steps) + 10, MAX_PROBE_HORIZON))

    def twin_orbits(
        self, n_orbits: int, window: int, horizon: int, eps: float, rng: np.random.Generator
    ) -> np.ndarray:
        """Orbits a and their twins b: (2, n_orbits, window + horizon, D) float64, raw units.

        a and b share observations 0 … window − 2. At index window − 1 (the last observation
        of the first window) b's state is a's displaced by `eps` (Euclidean norm over the whole
        state, e.g. Mackey-Glass' history buffer) along the leading Lyapunov vector; both then
        run `horizon` more steps. The vector comes from a Benettin warm-up by finite
        differences: a random displacement, carried along a and renormalised to eps every
        `_renorm_every()` steps, for max(window, `WARMUP_STEPS`, 5 / (λ₁ Δt)) steps up to that
        point. The j-th windows are orbits[..., j : j + window, :], j = 0 … horizon.
        Draws from `rng`: the starts (as `settle`) and one Gaussian direction per orbit.
        """
        _check_positive(self, n_orbits=n_orbits, window=window, horizon=horizon)
        if not self.can_twin:
            raise BenchError(f"{self.name}: a recorded series cannot make twin orbits")
        if not (np.isfinite(eps) and eps > 0):
            raise BenchError(f"{self.name}: twin displacement eps must be positive, got {eps}")
        a = self.settle(n_orbits, rng)
        u = rng.standard_normal(a.shape)
        u /= _norms(u)
        warm = max(window, WARMUP_STEPS, self._warmup_lyapunov_steps())
        a, u, _ = self._carry(a, u, warm - window, eps)
        a, u, first = self._carry(a, u, window, eps)  # first: (n, window, D)
        b = a + eps * u
        rest, _ = self.run(np.concatenate([a, b]), horizon)  # (2n, horizon, D)
        orbits = np.empty((2, n_orbits, window + horizon, self.dim))
        orbits[:, :, :window] = first
        orbits[1, :, window - 1] = self.observe(b)
        orbits[:, :, window:] = rest.reshape(2, n_orbits, horizon, self.dim)
        return _finite(self, orbits)

    def _warmup_lyapunov_steps(self) -> int:
        rate = self.lyapunov * self.obs_dt
        ok = np.isfinite(rate) and rate > 0
        return math.ceil(WARMUP_LYAPUNOV_TIMES / rate) if ok else 0

    def _renorm_every(self) -> int:
        """Steps between renormalisations: about 0.5 expected log growth, at least 1."""
        rate = self.lyapunov * self.obs_dt
        return max(1, math.floor(0.5 / rate)) if np.isfinite(rate) and rate > 0 else 1

    def _carry(
        self, a: np.ndarray, u: np.ndarray, steps: int, eps: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance states a (n, *state) `steps` steps with the unit displacement u (n, *state)
        carried by finite differences (twin at a + eps u, renormalised every few steps).
        Returns the new a, the new u and a's observations (n, steps, D)."""
        n, obs, done = len(a), [], 0
        while done < steps:
            k = min(self._renorm_every(), steps - done)
            seen, pair = self.run(np.concatenate([a, a + eps * u]), k)
            a, u = pair[:n], pair[n:] - pair[:n]
            norm = _norms(u)
            if not np.all(np.isfinite(norm) & (norm > 0)):
                raise BenchError(
                    f"{self.name}: twin warm-up left the attractor (its displacement became zero "
                    f"or non-finite) with {self.changed_params()}"
                )
            u /= norm
            obs.append(seen[:n])
            done += k
        return a, u, np.concatenate(obs, axis=1) if obs else np.empty((n, 0, self.dim))


def _norms(v: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row of v (n, *state), shaped (n, 1, ...) to broadcast, summed
    in a fixed order (not BLAS) so the probe is the same on every machine."""
    flat = v.reshape(len(v), -1)
    total = flat[:, 0] * flat[:, 0]
    for j in range(1, flat.shape[1]):
        total = total + flat[:, j] * flat[:, j]
    return np.sqrt(total).reshape((len(v),) + (1,) * (v.ndim - 1))
