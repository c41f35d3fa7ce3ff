"""`--save-saes`: a saved SAE's folder gets the modes the user's umask gives."""

import os
import stat

import pytest

from bench.config import TrainConfig
from bench.run.cell import Cell
from bench.run.save import save_record, save_sae


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_saved_folders_follow_the_umask(tmp_path, umask):
    from sae_lens import StandardSAE, StandardSAEConfig

    sae = StandardSAE(StandardSAEConfig(d_in=4, d_sae=8, device="cpu"))
    cell = Cell("logistic", "relu", 0, TrainConfig())
    previous = os.umask(umask)
    try:
        folder = save_sae(sae, cell, tmp_path)
        save_record({"key": cell.key, "status": "ok"}, tmp_path)
    finally:
        os.umask(previous)
    assert folder == str(tmp_path / cell.key)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o777 & ~umask
    for name in os.listdir(folder):
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o666 & ~umask, name
    assert [p.name for p in tmp_path.iterdir()] == [cell.key]  # no staging folder left
