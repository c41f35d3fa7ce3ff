"""chaos-sae-bench: the harness (registry, data, training, metrics), running and reporting.

Importing `bench` registers the built-in systems and SAEs, as sae-lens registers its own
architectures in its package `__init__`: after a plain `import bench` the registry is full,
installed or not. Packages outside the repo add theirs through entry points (`bench.registry`).
"""

import baselines  # noqa: F401  (registers the built-in SAEs)
import systems  # noqa: F401  (registers the built-in systems)
