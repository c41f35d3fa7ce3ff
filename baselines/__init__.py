"""SAE variants, one file each; importing this package registers them all, in the order the
leaderboard lists them (cheaply: sae-lens is imported only when a variant builds its model)."""

from baselines import (  # noqa: F401  (this order is the listing order)
    relu,
    l1,
    topk,
    jumprelu,
    gated,
    ksparse_chaos,
    batchtopk,
    matryoshka,
    abstopk,
    mp,
    l1_decorr,
    kl_sparse,
    wta,
    pca,
    sparse_coding,
)
