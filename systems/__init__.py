"""Chaotic systems, one file each; importing this package registers them all."""

from bench.registry import register_resolver
from systems import henon, logistic, lorenz96, mackey_glass  # noqa: F401


def _register_dysts(name: str) -> None:
    from systems.dysts_bridge import register_dysts  # optional extra: BenchError if absent

    register_dysts(name)


register_resolver("dysts:", _register_dysts)
