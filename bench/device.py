"""Device resolution, in one place for the matrix and the seed-paper reproduction.

`auto` picks CUDA when torch sees a GPU, else the CPU; `cuda` and `cuda:N` are accepted only
when that GPU exists. Anything else is a one-line error naming the valid choices.
"""

import torch

from bench.errors import BenchError


def resolve_device(name: str) -> str:
    """'auto' | 'cpu' | 'cuda' | 'cuda:N' → a device torch can use here."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return name
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        index = int(name[5:]) if ":" in name else 0
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            raise BenchError(f"--device {name}: CUDA is not available here; use cpu or auto")
        return name
    raise BenchError(f"unknown device {name!r}; valid: auto, cpu, cuda, cuda:N")
