"""What a metric family is made of: `Metric` (one table entry) and `ScoringInput` (what every
family's `compute` reads for one scored cell).

A family module (`bench.metrics.core`, `saebench`, `dynamics`, `ground_truth`, listed once in
`bench.metrics.FAMILY_MODULES`) exports `FAMILY` (its section key), `TITLE`, `METRICS` (a
tuple of `Metric`) and `compute(inputs: ScoringInput) -> dict[str, float]`, whose keys are
names of its own `METRICS` (a family that does not apply to a cell returns NaN for its
metrics, or nothing at all, as ground truth does on systems without it). A distribution metric
also carries `between`, its value for any two sets of raw windows (the noise floor uses it).
`data_side` keeps a value of a dataset alone (the same for every SAE scored on it) for the
next cell of that dataset. This module holds no metric.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np
    import torch

    from baselines.base import SAEVariant
    from bench.data import Dataset
    from systems.base import System

Better = Literal["higher", "lower", "one"] | None  # "one": closer to 1; None: reported
# between(x_raw, y_raw, system): a distribution metric of two sets of raw windows of a system,
# (n, window, D) and (n', window, D): its value for data x and "reconstruction" y
Between = Callable[["np.ndarray", "np.ndarray", "System"], float]


@dataclass(frozen=True)
class Metric:
    name: str
    better: Better
    formula: str
    family: str = "core"  # the docs' and the page's section: core, saebench, dynamics, ...
    per_system: bool = False  # a property of the system's data, the same for every SAE
    # compares distributions of windows, not windows one by one (state_space_divergence,
    # spectrum_distance); `between` computes it for any two sets of windows, so it has a noise
    # floor: its value between the held-out windows and a second sample of the system
    distribution: bool = False
    between: Between | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ScoringInput:
    """One fitted cell on its held-out split, as the families read it.

    x, x_hat (n, d_in): held-out windows and reconstructions, standardised (train mean/std);
    z (n, m): the latents the decoder sees; w_dec (m, d_in): effective decoder rows
    (`bench.train.encode_decode`), all on the CPU. `model` is the fitted inference model
    (sae-lens SAE or reference model), `variant` the (calibrated, if so) variant that built it.
    """

    x: "torch.Tensor"
    x_hat: "torch.Tensor"
    z: "torch.Tensor"
    w_dec: "torch.Tensor"
    model: Any
    variant: "SAEVariant"
    data: "Dataset"
    system: "System"
    cell: Any  # the `bench.run.cell.Cell` being scored
    device: str


# (id(dataset), name, threads) → (dataset, value)
_DATA_SIDE: dict[tuple[int, str, int], tuple[Any, Any]] = {}
DATA_SIDE_ENTRIES = 9  # 3 values (probe inputs, raw-window forecast, noise floor) of 3 datasets


def data_side(data, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, a value of the dataset `data` alone, once per dataset object and thread
    count in a process (the same for every SAE scored on it; cells of one (system, seed) share
    one Dataset). The thread count is in the key because sums are rounded by it: a cell runs on
    as many torch and BLAS threads as it was given, and reads only values computed so."""
    import torch

    key = (id(data), name, torch.get_num_threads())
    hit = _DATA_SIDE.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    if len(_DATA_SIDE) >= DATA_SIDE_ENTRIES:
        _DATA_SIDE.pop(next(iter(_DATA_SIDE)))
    value = compute()
    _DATA_SIDE[key] = (data, value)
    return value
