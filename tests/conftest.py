"""Shared test settings: two torch threads, as on the CI machine."""

import os

import torch

torch.set_num_threads(2)

if os.environ.get("CHAOS_SAE_BENCH_TOYS") == "1":  # tests/test_registry_contract.py
    import toys  # noqa: F401  (registers a toy SAE and a toy system)
