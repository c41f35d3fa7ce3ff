"""chaos-sae-bench: the harness (registry, data, training, metrics), running and reporting.

Importing `bench` imports no system, no SAE and not sae-lens: the registry (`bench.registry`)
imports the built-ins on its first lookup. It does register one post-import hook: the moment
sae_lens is imported (at once if it already is), the registry is filled, which imports every
SAE module and so registers the project's own sae-lens classes (and a plugin's) with sae-lens.
After a plain `import bench`, `sae_lens.SAE.load_from_disk` loads every SAE the bench saved.
"""

import contextlib

from wrapt import register_post_import_hook


def _register_own_sae_lens_classes(sae_lens: object) -> None:
    from bench.registry import saes

    # `import bench` may come from inside a half-imported SAE module, with sae_lens already
    # imported (`import sae_lens; from baselines.wta import ...`): then the registry cannot fill
    # yet; that module registers its own classes as it finishes, the rest on the first lookup.
    with contextlib.suppress(ImportError):
        saes()


register_post_import_hook(_register_own_sae_lens_classes, "sae_lens")
