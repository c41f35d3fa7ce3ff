"""Chaotic systems, one file each; importing this package registers them all, plus two name
prefixes resolved on first use: `dysts:<Flow>` (the optional dysts extra) and `file:<path>`
(a user's recorded series)."""

from bench.registry import register_resolver
from systems import (  # noqa: F401  (this order is the listing order)
    logistic,
    henon,
    lorenz96,
    mackey_glass,
    superposition,
    mixed_sources,
    synth_hierarchy,
)
from systems.file_series import register_file_series


def _register_dysts(name: str) -> None:
    from systems.dysts_bridge import register_dysts  # optional extra: BenchError if absent

    register_dysts(name)


register_resolver("dysts:", _register_dysts)
register_resolver("file:", register_file_series)
