"""chaos-sae-bench: the harness (registry, data, training, metrics), running and reporting.

Importing `bench` imports no system, no SAE and not sae-lens: the registry (`bench.registry`)
imports the built-ins on its first lookup. It does register one post-import hook: the moment
sae_lens is imported (at once if it already is), every registered SAE that has sae-lens
classes of its own (`SAEVariant.sae_lens_module`) registers them with sae-lens, so that after
a plain `import bench`, `sae_lens.SAE.load_from_disk` loads every SAE the bench saved.
"""

import importlib

from wrapt import register_post_import_hook


def _register_own_sae_lens_classes(sae_lens: object) -> None:
    from bench.registry import saes

    for variant in saes().values():
        if variant.sae_lens_module is not None:
            importlib.import_module(variant.sae_lens_module)


register_post_import_hook(_register_own_sae_lens_classes, "sae_lens")
