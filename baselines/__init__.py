"""SAE variants, one file each; importing this package registers them all (cheaply: sae-lens
is imported only when a variant builds its model)."""

from baselines import (  # noqa: F401
    abstopk,
    batchtopk,
    gated,
    jumprelu,
    ksparse_chaos,
    l1,
    matryoshka,
    relu,
    topk,
)
