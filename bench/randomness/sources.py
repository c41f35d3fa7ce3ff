"""Where a bit stream comes from: a cell's SAE (trained now, or loaded from a `--save-saes`
folder), any saved SAE folder, the raw orbit, or a control, and the one function that turns
each into its endless stream of bits.

An SAE works in its cell's standardised window space: `bench.data.make_dataset(system, cell
config, seed)` rebuilds the standardisation it was trained with. Fresh windows come from the
system's own generator `data_rng("<system>:randomness", seed)`, the same for every SAE of the
system, and the calibration chunk from `data_rng("<system>:randomness-calibration", seed)`, so
it is never part of a stream. This module does not run a battery or write reports.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from bench.errors import BenchError
from bench.randomness.stream import (
    ControlBits,
    Encoder,
    LatentBits,
    constant_chunks,
    pcg64_chunks,
)
from bench.randomness.windows import FreshWindows

CONTROLS: dict[str, Callable[[int], ControlBits]] = {  # name → stream of a seed
    "pcg64": lambda seed: ControlBits(pcg64_chunks(seed)),
    "constant": lambda seed: ControlBits(constant_chunks(seed)),
}


@dataclass
class Subject:
    """What a latent stream reads: a system's fresh windows through an encoder."""

    system_name: str  # names the window generators
    system: object  # a `systems.base.System`
    window: int  # steps per window
    standardise: Callable[[np.ndarray], torch.Tensor]  # raw (n, d_in) → float32 (n, d_in)
    encode: Encoder | None  # None: the raw orbit


def _encoder(model, device: str) -> Encoder:
    """A fitted sae-lens SAE (every variant, references included, is one) in eval mode."""
    model.eval()
    return lambda x: model.encode(x.to(device))


def cell_subject(cell, device: str, save_saes_dir: Path | None) -> tuple[Subject, str]:
    """(the cell's Subject, "trained" or "loaded"). With save_saes_dir, an SAE saved there (by
    `run --save-saes` or an earlier call) is loaded instead of trained, and one trained now is
    saved there."""
    from bench.data import make_dataset
    from bench.registry import get_system
    from bench.run.save import save_sae
    from bench.run.score import trained_model

    system = get_system(cell.system)(**cell.system_params)
    saved = None if save_saes_dir is None else Path(save_saes_dir) / cell.key
    if saved is not None and (saved / "cfg.json").is_file():
        model, data, how = (
            _load(saved, device),
            make_dataset(system, cell.config, cell.seed),
            "loaded",
        )
    else:
        fitted = trained_model(cell, device)
        model, data = fitted.model, fitted.data
        how = "trained"
        if saved is not None:
            save_sae(model, cell, Path(save_saes_dir))
    subject = Subject(cell.system, system, data.window, data.standardise, _encoder(model, device))
    return subject, how


def saved_subject(folder: Path, device: str) -> Subject:
    """The Subject of a folder written by `run --save-saes DIR` (DIR/<cell key>/: cfg.json,
    the weights and record.json, which names the system, its settings and the seed)."""
    from bench.config import TrainConfig
    from bench.data import make_dataset
    from bench.registry import get_system

    folder = Path(folder)
    record_file = folder / "record.json"
    if not (folder / "cfg.json").is_file() or not record_file.is_file():
        raise BenchError(f"{folder} is not a saved SAE (needs cfg.json and record.json)")
    record = json.loads(record_file.read_text())
    known = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in record["config"].items() if k in known})
    system = get_system(record["system"])(**record.get("system_params", {}))
    data = make_dataset(system, config, record["seed"])
    model = _load(folder, device)
    return Subject(record["system"], system, data.window, data.standardise, _encoder(model, device))


def system_subject(system_name: str, profile_name: str, seed: int) -> Subject:
    """The raw orbit of a system, standardised as the profile's cells of `seed` see it."""
    from bench.config import profile
    from bench.data import make_dataset
    from bench.registry import get_system

    system = get_system(system_name)()
    data = make_dataset(system, profile(profile_name)[0], seed)
    return Subject(system_name, system, data.window, data.standardise, None)


def raw_subject(subject: Subject) -> Subject:
    """The same windows with no encoder: the raw orbit control."""
    return Subject(subject.system_name, subject.system, subject.window, subject.standardise, None)


def _load(folder: Path, device: str):
    """A saved sae-lens SAE (`import bench`, done by importing this module, registers the
    project's own architectures with sae-lens)."""
    from sae_lens import SAE

    return SAE.load_from_disk(str(folder), device=device)


def one_torch_thread() -> None:
    """Train and encode on one torch thread, as the matrix's cells do: a matmul's rounding
    depends on its thread count, and `lsb` bits read the rounding, so without this a stream's
    bits would depend on the cores and on --jobs."""
    import torch

    torch.set_num_threads(1)


def latent_stream(subject: Subject, extraction: str, seed: int) -> LatentBits:
    """The endless `extraction` bits of `subject`'s latents on fresh windows (seeded by
    `seed`); the calibration chunk is drawn and read on construction."""
    from bench.data import data_rng

    def windows(stream: str) -> FreshWindows:
        rng = data_rng(f"{subject.system_name}:{stream}", seed)
        return FreshWindows(subject.system, subject.window, rng)

    return LatentBits(
        windows("randomness"),
        windows("randomness-calibration"),
        standardise=subject.standardise,
        encode=subject.encode,
        extraction=extraction,
    )
