"""What a newcomer runs: `make leaderboard` on a fresh clone trains the whole matrix into its
own folder (never resuming from the committed reference run), a new TORCH_SPEC reinstalls
torch, the README's metric table is the one `METRICS` generates, and `list | head` is quiet."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.metrics import metrics_markdown

ROOT = Path(__file__).resolve().parents[1]


def make_dry(cwd: Path, *args: str) -> str:
    done = subprocess.run(["make", "-n", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git repository")
def test_make_leaderboard_on_a_fresh_clone_trains_every_cell(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert (clone / "results" / "reference" / "runs.jsonl").is_file()  # the committed run
    runs = [line for line in make_dry(clone, "leaderboard").splitlines() if " run " in line]
    assert runs and all("results/reference" not in line for line in runs)
    counts = []
    for line in runs:
        argv = shlex.split(line)
        argv = [sys.executable, "-m", "bench", *argv[1:], "--dry-run"]
        done = subprocess.run(argv, cwd=clone, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        counts.append(done.stdout.split(" cells:")[0].split()[-1])
        assert "0 already in results/latest/runs.jsonl" in done.stdout, done.stdout
    # what the clone registers (its own tree: a new SAE or system not yet committed is in
    # neither side): systems, all SAEs, reference SAEs
    count = "from bench.registry import sae_names as s, system_names as y\n"
    count += "print(len(y()), len(s(['all'])), len(s(['reference'])))"
    done = subprocess.run(
        [sys.executable, "-c", count], cwd=clone, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    n_systems, n_saes, n_references = map(int, done.stdout.split())
    seeds = 3  # the default profile's
    assert int(counts[0]) == n_systems * n_saes * seeds
    curves = [line for line in runs if "k=8,16,64" in line]  # the reference curves: one sweep
    assert len(curves) == 1
    assert int(counts[runs.index(curves[0])]) == n_systems * n_references * len((8, 16, 64))


def test_a_new_torch_spec_reinstalls_torch(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    (tmp_path / ".venv" / "bin" / "python").chmod(0o755)
    stamp = [
        line
        for line in make_dry(tmp_path, ".venv/.installed-dev").splitlines()
        if "touch .venv/.torch-" in line
    ]
    assert stamp, "the default torch build has a stamp"
    (tmp_path / stamp[0].split()[-1]).touch()
    (tmp_path / ".venv" / ".installed-dev").touch()
    assert "pip install" not in make_dry(tmp_path, ".venv/.installed-dev")  # up to date
    again = make_dry(tmp_path, ".venv/.installed-dev", "TORCH_SPEC=torch")
    assert 'pip install --quiet "torch"' in again and "pip install --quiet -e" in again


def test_readme_metric_table_is_generated_from_metrics():
    assert metrics_markdown() in (ROOT / "README.md").read_text()


def test_list_into_head_ends_quietly():
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{shlex.quote(sys.executable)} -m bench list | head -2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines()[0] == "systems:"
