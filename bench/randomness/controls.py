"""Control streams that show the battery works, run through the same code path as the SAE
streams: numpy's PCG64 bits (a good generator: must pass) and a constant stream (must fail
every test that applies to it). The third control, the raw system orbit, is the standardised
windows themselves read through the same extractions; `command.py` draws it, as it draws the
SAE latents. This module does not run the battery.
"""

import numpy as np


def pcg64_bits(n: int, seed: int = 0) -> np.ndarray:
    """n independent fair bits from numpy's PCG64 (its default bit generator): (n,) uint8."""
    return np.random.Generator(np.random.PCG64(seed)).integers(0, 2, n, dtype=np.uint8)


def constant_bits(n: int) -> np.ndarray:
    """n zero bits: (n,) uint8."""
    return np.zeros(n, dtype=np.uint8)


CONTROLS = {"pcg64": pcg64_bits, "constant": lambda n, seed=0: constant_bits(n)}
