"""`--save-saes DIR`: each finished cell's SAE, saved in sae-lens' format beside its record,
loads with `SAE.load_from_disk` and gives the record's held-out metrics again; a reference row
that is not a sae-lens SAE is skipped with a note in its record."""

import inspect
import json

import pytest
import torch

import bench  # noqa: F401  (registers K-Sparse Chaos' architecture with sae-lens)
from bench.cli import main
from bench.config import TrainConfig
from bench.registry import get_system
from bench.run.score import train_and_score

TINY = ["n_train=128", "n_test=64", "epochs=2", "window=32", "d_sae=32", "k=8"]
WIRED = "save_dir" in inspect.signature(train_and_score).parameters


@pytest.mark.skipif(
    not WIRED,
    reason="LEAD: train_and_score(cell, device, save_dir=None) must call "
    "bench.run.save.save_sae(sae, cell, save_dir) after scoring",
)
def test_saved_saes_load_and_give_their_records_metrics(tmp_path):
    from sae_lens import SAE

    from bench.data import make_dataset
    from bench.metrics import evaluate
    from bench.train import encode_decode

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
