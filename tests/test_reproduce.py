"""Fast checks of the seed-paper reproduction (bench/reproduce): model shapes, TopK, the Keras
penalties and the target-variance regulariser on hand-computed values, the paper's numbers file,
the metrics, determinism, device names, and a tiny end-to-end `run("evolution")`. The real run
lives in results/reproduction/, not here."""

import inspect
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from rich.console import Console

from bench.cli import parser
from bench.errors import BenchError
from bench.reproduce import EXPERIMENTS, Sizes, run
from bench.reproduce.models import SPECS, PaperAE, keras2, v4
from bench.reproduce.report import load_paper
from bench.reproduce.training import COLUMNS, latent_metrics, load_data, train

TINY = Sizes(n_train=64, n_test=32, epochs=1, div_pairs=2, div_windows=2)


@pytest.mark.parametrize("spec", [*SPECS.values(), v4(4), v4(112)], ids=lambda s: s.name)
def test_model_shapes_and_sigmoid_output(spec):
    torch.manual_seed(0)
    model = PaperAE(spec).eval()
    xhat, z, pre = model(torch.rand(5, 784))
    assert xhat.shape == (5, 784) and z.shape == (5, spec.latent) == pre.shape
    assert ((xhat > 0) & (xhat < 1)).all()
    widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [256, 128, spec.latent, 128, 256, 784]


def test_glorot_uniform_init_and_zero_bias():
    model = PaperAE(SPECS["V2"])
    for layer in (m for m in model.modules() if isinstance(m, torch.nn.Linear)):
        limit = math.sqrt(6 / (layer.in_features + layer.out_features))
        assert layer.weight.abs().max() <= limit
        assert layer.weight.abs().max() > 0.9 * limit  # uniform over the whole range
        assert (layer.bias == 0).all()


@pytest.mark.parametrize("k", [4, 32, 96])
def test_v4_latent_keeps_top_k_values_of_the_chaos_activation(k):
    torch.manual_seed(1)
    model = PaperAE(v4(k)).eval()
    _, z, pre = model(torch.rand(16, 784))
    assert ((z != 0).sum(dim=1) <= k).all()
    act = torch.sin(8 * pre) + 0.5 * torch.tanh(4 * pre)
    kth = act.topk(k, dim=1).values[:, -1:]  # (16, 1) the k-th largest value per row
    assert torch.equal(z, torch.where(act >= kth, act, torch.zeros_like(act)))
    assert (act.min(dim=1).values < 0).all()  # values can be negative: top-k is not by |a|


def test_v1_dropout_only_in_training():
    torch.manual_seed(2)
    model = PaperAE(SPECS["V1"])
    x = torch.rand(8, 784)
    model.eval()
    _, z_eval, pre = model(x)
    assert torch.equal(z_eval, torch.relu(pre))
    model.train()
    _, z_train, pre = model(x)
    kept = z_train != 0
    assert torch.allclose(z_train[kept], torch.relu(pre)[kept] / 0.8)
    assert (torch.relu(pre) > 0).sum() > kept.sum()  # some live units were dropped


def test_v4_target_variance_penalty_known_value():
    model = PaperAE(v4(4))  # V4's only regulariser: 0.01·|mean_j Var(pre_j) − 0.1|
    pre = torch.tensor([[0.0, 1.0], [2.0, 3.0]])  # column variances (ddof 0): 1 and 1
    assert model.penalty(pre).item() == pytest.approx(0.01 * 0.9)
    pre = torch.tensor([[0.0, 0.0], [0.2, 0.0]])  # variances 0.01, 0 → mean 0.005
    assert model.penalty(pre).item() == pytest.approx(0.01 * 0.095)
    assert PaperAE(keras2(SPECS["V4"])).penalty(pre).item() == pytest.approx(0.01 * 0.095 / 2)


def _fixed(spec):
    model = PaperAE(spec)
    with torch.no_grad():
        model.latent.weight.fill_(0.5)  # 128 × 128 kernel
    pre = torch.cat([-torch.ones(1, 128), 2 * torch.ones(1, 128)])  # relu sum = 256
    return model, pre


def test_keras_l1_kernel_and_activity_penalties_known_values():
    model, pre = _fixed(SPECS["V1"])
    kernel, activity = 1e-4 * 0.5 * 128 * 128, 1e-4 * 256
    assert model.penalty(pre).item() == pytest.approx(kernel + activity, rel=1e-6)
    model, pre = _fixed(keras2(SPECS["V1"]))  # Keras 2 divides the activity term by n = 2
    assert model.penalty(pre).item() == pytest.approx(kernel + activity / 2, rel=1e-6)


def test_keras_l2_kernel_penalty_and_none_for_dense():
    model, pre = _fixed(SPECS["V2"])
    assert model.penalty(pre).item() == pytest.approx(1e-4 * 0.25 * 128 * 128, rel=1e-6)
    model, pre = _fixed(SPECS["Dense ReLU 128"])
    assert model.penalty(pre).item() == 0.0


def test_paper_numbers_cover_every_row():
    paper = load_paper()
    assert set(paper["evolution"]) == {"V1", "V2", "V3", "V4"}
    for row in paper["evolution"].values():
        assert {"sparsity", "dead", "variance", "val_loss"} <= set(row)
    assert [r["k"] for r in paper["k_ablation"]] == [4, 8, 16, 32, 64, 96, 112]
    for r in paper["k_ablation"]:
        assert {"sparsity", "variance", "dead", "val_loss", "score"} <= set(r)
        assert r["score"] == pytest.approx(r["variance"] / (1 - r["sparsity"] + 0.01), abs=0.02)
    assert paper["multi_seed"]["t_V4_vs_Dense_ReLU_128"] == 68.7


def test_latent_metrics_hand_computed():
    z = torch.tensor([[0.0, 1.0], [0.0, 3.0]], dtype=torch.float64)  # latent 0 dead; 1 var 1
    x, xhat = torch.tensor([[0.0], [2.0]]), torch.tensor([[1.0], [1.0]])
    w_dec = torch.tensor([[3.0, 4.0], [0.0, 2.0]])  # row norms 5 and 2
    m = latent_metrics(x, xhat, z, w_dec)
    assert list(m) == list(COLUMNS)  # the CSV columns, in order
    assert m["sparsity"] == 0.5 and m["dead"] == 1 and m["dead_frac"] == 0.5 and m["l0"] == 1
    assert m["variance"] == 0.5 and m["variance_alive"] == 1.0
    assert m["decoded_variance"] == pytest.approx(0.5 * 1.0 * 4)
    assert m["mse"] == 1.0 and m["fvu"] == 1.0
    assert m["score"] == pytest.approx(0.5 / 0.51)


def test_henon_scaled_with_train_statistics():
    data = load_data("henon", 0, TINY)
    train_xy = data.train.reshape(len(data.train), -1, 2)
    assert np.allclose(train_xy.min(axis=(0, 1)), 0) and np.allclose(train_xy.max(axis=(0, 1)), 1)
    assert data.test.shape == (32, 784)
    logistic = load_data("logistic", 0, TINY)
    assert logistic.train.dtype == np.float32 and (logistic.train > 0).all()


def test_training_is_deterministic_in_the_seed():
    data = load_data("logistic", 3, TINY)
    a, b = (train(SPECS["V1"], data, 3, TINY, "cpu") for _ in range(2))
    c = train(SPECS["V1"], data, 4, TINY, "cpu")
    wa, wb, wc = (m.latent.weight for m in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)


ROOT = Path(__file__).resolve().parents[1]


def git_repo_with_our_ignores(path: Path) -> Path:
    """A fresh git repository at `path` with this project's .gitignore committed."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / ".gitignore", path / ".gitignore")
    for args in (["init", "-q"], ["add", ".gitignore"], ["commit", "-qm", "ignores"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=path, check=True
        )
    return path


def git_status(path: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_default_output_is_the_git_ignored_latest_folder():
    default = inspect.signature(run).parameters["out"].default
    assert default == Path("results/latest/reproduction")
    assert Path(parser().parse_args(["reproduce", "all"]).out) == default
    makefile = (ROOT / "Makefile").read_text()
    assert "reproduce all --out results/reproduction" in makefile  # the committed run: named


def test_run_evolution_smoke(tmp_path, monkeypatch):
    # a tiny real run with the default output folder, in a fresh repository with our
    # .gitignore: its files land in results/latest/reproduction and git status stays clean
    clone = git_repo_with_our_ignores(tmp_path / "clone")
    monkeypatch.chdir(clone)
    shown = io.StringIO()
    run("evolution", seeds=2, device="cpu", sizes=TINY, console=Console(width=80, file=shown))
    assert git_status(clone) == ""
    out = clone / "results/latest/reproduction"
    md = (out / "evolution.md").read_text()
    for model in ("Dense ReLU 64", "Dense ReLU 128", "| V1 |", "| V2 |", "| V3 |", "| V4 |"):
        assert model in md
    assert "37.5 % (6.1: 29.3 %)" in md  # paper values from both sections appear
    assert (out / "evolution.png").stat().st_size > 10_000
    assert (out / "evolution_runs.csv").read_text().count("\n") == 1 + 16  # 8 models × 2 seeds
    # the console at 80 columns: no line wraps, no cell or header word is split, and the
    # progress lines carry no source location
    text = shown.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert not re.search(r"\w+\.py:\d+", text)
    tokens = set(re.split(r"[\s│┃]+", text))
    lines = md.splitlines()
    headers = [lines[i - 1] for i, line in enumerate(lines) if line.startswith("|---")]
    body = [line for line in lines if line.startswith("| ") and line not in headers]
    cells = [c for row in body for c in row.strip("| ").split(" | ")]
    assert len(cells) > 100 and all(cell in text for cell in cells)  # each cell on one line
    words = [w for row in headers for h in row.strip("| ").split(" | ") for w in h.split()]
    assert all(word in tokens for word in words)  # headers break between words only


def test_run_rejects_unknown_experiment_and_bad_seeds(tmp_path):
    with pytest.raises(BenchError, match="k-ablation") as err:
        run("evolutoin", seeds=1, out=tmp_path)
    assert all(name in str(err.value) for name in EXPERIMENTS)
    with pytest.raises(BenchError, match="seeds"):
        run("evolution", seeds=0, out=tmp_path)
    with pytest.raises(BenchError, match="valid: auto, cpu, cuda, cuda:N"):
        run("evolution", seeds=1, out=tmp_path, device="gpu")
