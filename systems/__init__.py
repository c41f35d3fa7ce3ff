"""Chaotic systems, one file each. Importing this package registers nothing: `bench.registry`
imports its modules on its first lookup, and registers `dysts:<Flow>` (the optional dysts extra)
and `file:<path>` (a user's recorded series) names when first asked for."""
