"""End to end: the whole matrix in the quick profile, then the leaderboard, then a resume.
Counts and names come from the registry, so a new system or SAE is covered with no edit."""

import json
import math

from bench.cli import main
from bench.metrics import METRICS
from bench.registry import get_system, sae_names, system_names

DYNAMICS = ("state_space_divergence", "spectrum_distance", "lyapunov_ratio", "sensitivity")


def test_quick_matrix_end_to_end(tmp_path, capsys):
    out = str(tmp_path)
    assert main(["run", "--profile", "quick", "--out", out, "--threads", "2"]) == 0
    records = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    n_cells = len(system_names()) * len(sae_names(["core"]))
    assert len(records) == n_cells
    assert {r["status"] for r in records} == {"ok"}, [r["error"] for r in records]
    for r in records:
        assert set(r["metrics"]) <= set(METRICS)
        assert all(math.isfinite(r["metrics"][m]) for m in ("l0", "fvu", "cossim", "omp_fvu"))
        if get_system(r["system"])().can_twin:  # a system with equations: the probe applies
            assert all(math.isfinite(r["metrics"][m]) for m in (*DYNAMICS, "forecast_r2"))
        assert r["device"] == "cpu" and r["versions"]["sae-lens"] and r["wall_s"] > 0
        assert len(r["curve"]["val_fvu"]) == 12 and isinstance(r["converged"], bool)

    assert main(["leaderboard", "--runs", f"{out}/runs.jsonl", "--out", out]) == 0
    board = (tmp_path / "leaderboard.md").read_text()
    for name in system_names():
        assert f"## {name}" in board
    csv_lines = (tmp_path / "leaderboard.csv").read_text().splitlines()
    floors = {r["system"] for r in records if r["noise_floor"]}  # systems with a `data` row
    assert floors
    # header + one row per (system, sae) with one seed + the noise floor's `data` rows
    assert len(csv_lines) == 1 + n_cells + len(floors)

    capsys.readouterr()
    assert main(["run", "--profile", "quick", "--out", out, "--threads", "2"]) == 0
    assert f"{n_cells} already in" in capsys.readouterr().out  # resume: nothing re-run
    assert len((tmp_path / "runs.jsonl").read_text().splitlines()) == n_cells
