"""Shared test settings: two torch threads, as on the CI machine."""

import torch

torch.set_num_threads(2)
