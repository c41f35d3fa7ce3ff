"""Reproduction of the seed paper's experiments (issue 6): the paper's deep autoencoders trained
as the paper describes, with each reported number beside our measurement.

`run(name, seeds, out, device)` is the single entry point (the CLI's `reproduce`); `EXPERIMENTS`
lists the valid names. This package does not use the benchmark's SAE registry or runner: it
rebuilds the paper's own models on purpose, from the benchmark's chaos and top-k kernels,
target-variance loss, metrics and device resolution.
"""

from bench.reproduce.experiments import EXPERIMENTS, run
from bench.reproduce.training import Sizes

__all__ = ["EXPERIMENTS", "Sizes", "run"]
