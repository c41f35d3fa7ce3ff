"""Registration: duplicates are refused, and an SAE from outside the repo joins the matrix and
the leaderboard through the entry-point group with no edit to this project."""

import os
import subprocess
import sys
import textwrap

import pytest

from bench.registry import register_sae, register_system, saes, systems

TOY_MODULE = '''
from dataclasses import dataclass

from baselines.base import SAEVariant
from bench.registry import register_sae


@register_sae("toy")
@dataclass
class Toy(SAEVariant):
    """Toy ReLU SAE registered from a package outside the repo."""

    l1_coefficient: float = 0.5
    group = "extended"
    l0_control, sparsity_field, denser_when = "coefficient", "l1_coefficient", "lower"

    def build(self, d_in, cfg, device):
        from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig

        return StandardTrainingSAE(StandardTrainingSAEConfig(
            d_in=d_in, d_sae=cfg.d_sae, l1_coefficient=self.l1_coefficient, device=device))
'''


def test_registering_a_name_twice_is_an_error():
    saes(), systems()  # the built-ins are registered on the first lookup
    with pytest.raises(ValueError, match="SAE 'topk' is already registered"):
        register_sae("topk")(type("Again", (), {}))
    with pytest.raises(ValueError, match="system 'logistic' is already registered"):
        register_system("logistic")(type("Again", (), {}))


def test_an_sae_must_declare_its_group():
    class NoGroup:
        """An SAE that forgot its group."""

    with pytest.raises(ValueError, match="SAE 'nogroup' must declare group = one of core"):
        register_sae("nogroup")(NoGroup)


def test_toy_sae_from_entry_point_runs_in_matrix_and_leaderboard(tmp_path):
    site = tmp_path / "site"
    (site / "toy_plugin-0.1.dist-info").mkdir(parents=True)
    (site / "toy_sae.py").write_text(TOY_MODULE)
    (site / "toy_plugin-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toy-plugin\nVersion: 0.1\n"
    )
    (site / "toy_plugin-0.1.dist-info" / "entry_points.txt").write_text(
        textwrap.dedent("[chaos_sae_bench.saes]\ntoy = toy_sae\n")
    )
    env = {**os.environ, "PYTHONPATH": str(site)}

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bench", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "toy              Toy ReLU SAE registered from a package outside the repo." in cli(
        "list"
    )
    out = tmp_path / "results"
    cli(
        "run",
        "--profile",
        "quick",
        "--systems",
        "logistic",
        "--saes",
        "toy",
        "relu",
        "--out",
        str(out),
        "--threads",
        "2",
    )
    cli("leaderboard", "--runs", str(out / "runs.jsonl"), "--out", str(out))
    board = (out / "leaderboard.md").read_text()
    assert "| toy | 1 |" in board and "| relu | 1 |" in board
