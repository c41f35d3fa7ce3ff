"""Saved SAEs load back. Every registered SAE, saved in sae-lens' format, loads with
`SAE.load_from_disk` in a fresh process after a plain `import bench` and encodes as before; and
`--save-saes DIR` keeps each finished cell's SAE beside its record, which gives the record's
held-out metrics again. A reference row that is not a sae-lens SAE is skipped with a note in
its record."""

import inspect
import json
import subprocess
import sys

import pytest
import torch

import bench  # noqa: F401  (registers the project's own sae-lens classes once sae-lens loads)
from baselines.base import closed_form
from bench.cli import main
from bench.config import TrainConfig
from bench.registry import get_sae, get_system, sae_names
from bench.run.score import train_and_score
from bench.train import fit

LOAD_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path

import torch

import bench  # the only project import: its hook registers our sae-lens classes
from sae_lens import SAE

folder = Path(sys.argv[1])
torch.set_num_threads(2)
x = torch.load(folder / "x.pt")
latents = {}
for saved in sorted(p for p in folder.iterdir() if p.is_dir()):
    with torch.no_grad():
        latents[saved.name] = SAE.load_from_disk(str(saved)).encode(x)
torch.save(latents, folder / "latents.pt")
"""

TINY = ["n_train=128", "n_test=64", "epochs=2", "window=32", "d_sae=32", "k=8"]
WIRED = "save_dir" in inspect.signature(train_and_score).parameters


def test_every_saved_sae_loads_in_a_fresh_process_after_import_bench(tmp_path):
    from sae_lens import SAE

    cfg = TrainConfig(n_train=64, n_test=16, epochs=1, batch_size=16, d_sae=8, k=2)
    gen = torch.Generator().manual_seed(0)
    train = torch.randn(64, 12, generator=gen)  # (n_train, d_in)
    x = torch.randn(16, 12, generator=gen)  # the fixed input every SAE encodes
    torch.save(x, tmp_path / "x.pt")
    latents, skipped = {}, []
    for name in sae_names(["all"]):  # four steps of training, or a closed-form fit
        variant = get_sae(name)()
        model = variant.fit(train, cfg, "cpu", 0) if closed_form(type(variant)) else None
        model = model or fit(variant, train, cfg, "cpu", 0)
        if not isinstance(model, SAE):  # sparse_coding's OMP model: `--save-saes` notes why
            skipped.append(name)
            continue
        model.save_model(tmp_path / name)
        with torch.no_grad():
            latents[name] = model.encode(x)
    assert all(closed_form(get_sae(name)) for name in skipped)
    assert {n for n in sae_names(["all"]) if not closed_form(get_sae(n))} <= set(latents)
    done = subprocess.run(
        [sys.executable, "-c", LOAD_IN_A_FRESH_PROCESS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = torch.load(tmp_path / "latents.pt")
    assert sorted(loaded) == sorted(latents)
    for name, z in latents.items():
        assert torch.equal(loaded[name] != 0, z != 0), name  # the same active latents
        torch.testing.assert_close(loaded[name], z, msg=name)


@pytest.mark.skipif(
    not WIRED,
    reason="LEAD: train_and_score(cell, device, save_dir=None) must call "
    "bench.run.save.save_sae(sae, cell, save_dir) after scoring",
)
def test_saved_saes_load_and_give_their_records_metrics(tmp_path):
    from sae_lens import SAE

    from bench.data import make_dataset
    from bench.metrics import evaluate
    from bench.metrics.inference import encode_decode

    saved = tmp_path / "saes"
    argv = ["run", "--profile", "quick", "--systems", "henon", "--set", *TINY]
    argv += ["--saes", "topk", "ksparse_chaos", "sparse_coding", "--out", str(tmp_path)]
    assert main([*argv, "--jobs", "1", "--save-saes", str(saved)]) == 0
    records = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok"] * 3
    for record in records:
        folder = saved / record["key"]
        assert json.loads((folder / "record.json").read_text()) == record
        if record["sae"] == "sparse_coding":  # OMP over a learnt dictionary: no sae-lens SAE
            assert record["saved_sae"] == "skipped: OMPModel is not a sae-lens SAE"
            assert sorted(p.name for p in folder.iterdir()) == ["record.json"]
            continue
        assert record["saved_sae"] == str(folder)
        sae = SAE.load_from_disk(folder)
        system = get_system(record["system"])(**record["system_params"])
        data = make_dataset(system, TrainConfig(**record["config"]), record["seed"])
        torch.set_num_threads(record["threads"])
        z, x_hat, w_dec = encode_decode(sae, data.test)
        again = evaluate(data.test, x_hat, z, w_dec)
        assert again == {name: record["metrics"][name] for name in again}  # bit for bit
