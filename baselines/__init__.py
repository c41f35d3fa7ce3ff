"""SAE variants, one file each; importing this package registers them all (cheaply: sae-lens
is imported only when a variant builds its model)."""

from baselines import gated, jumprelu, ksparse_chaos, l1, relu, topk  # noqa: F401
