"""`--save-saes DIR`: keep each finished cell's trained SAE (sae-lens' own format) and record.

DIR/<cell key>/ holds `cfg.json` + `sae_weights.safetensors` (written by sae-lens'
`SAE.save_model`, so `sae_lens.SAE.load_from_disk(DIR/<key>)` loads it; K-Sparse Chaos loads
too once `import bench` has registered its architecture with sae-lens) and `record.json`, the
cell's record as appended to runs.jsonl. The SAE works in the cell's standardised window space:
`bench.data.make_dataset(system, cell config, seed)` rebuilds those windows. A reference row
that is not a sae-lens SAE (e.g. sparse coding's OMP model) is not saved; its record says why.
Writes go to a temporary name first, so an interrupted save never leaves a half-written SAE;
folders and files get the modes the user's umask gives (not mkdtemp's private 0700).
This module neither trains nor scores.
"""

import json
import os
import secrets
import shutil
import stat
from pathlib import Path
from typing import Any

from bench.run.cell import Cell


def save_sae(model: Any, cell: Cell, save_dir: Path) -> str:
    """Save `model` (the cell's fitted inference model) in save_dir/<cell.key>/.

    Returns the note the record keeps under "saved_sae": the directory, or why it was skipped.
    """
    from sae_lens import SAE

    if not isinstance(model, SAE):
        return f"skipped: {type(model).__name__} is not a sae-lens SAE"
    target = Path(save_dir) / cell.key
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{cell.key}-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()  # mode 0777 less the umask, as any folder the user makes
    try:
        model.save_model(staging)
        file_mode = stat.S_IMODE(staging.stat().st_mode) & 0o666  # 0666 less the umask
        for file in staging.iterdir():  # safetensors writes its file 0600 whatever the umask
            file.chmod(file_mode)
        if target.exists():  # a rerun of the same cell replaces its SAE
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)


def save_record(record: dict[str, Any], save_dir: Path) -> None:
    """Write a finished cell's record as save_dir/<key>/record.json (failed cells: nothing)."""
    if record.get("status") != "ok":
        return
    folder = Path(save_dir) / record["key"]
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".record.json.{os.getpid()}"
    staging.write_text(json.dumps(record, sort_keys=True, indent=1, allow_nan=True) + "\n")
    staging.replace(folder / "record.json")
