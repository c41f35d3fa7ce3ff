"""SAE variants: `sae_lens_saes` (sae-lens' own architectures, one entry each), the project's
own architectures (`ksparse_chaos`, `l1_decorr`, `kl_sparse`, `wta`: sae-lens classes and the
bench's entry, one file each), the closed-form reference rows (`pca`, `sparse_coding`) and what
they share. Importing this package registers nothing: `bench.registry` imports its modules on
its first lookup."""
