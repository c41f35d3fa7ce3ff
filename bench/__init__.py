"""chaos-sae-bench harness: registry, data, training, metrics, runner, store, leaderboard, CLI."""
