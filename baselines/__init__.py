"""SAE variants: `sae_lens_saes` (every SAE trained through sae-lens, one entry each), the
project's own sae-lens classes (`ksparse_chaos`, `l1_decorr`, `kl_sparse`, `wta`), the
closed-form reference rows (`pca`, `sparse_coding`) and what they share. Importing this package
registers nothing: `bench.registry` imports the built-in modules on its first lookup."""
