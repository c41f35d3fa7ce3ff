"""The `randomness` command: NIST SP 800-22 on bits drawn from every cell's SAE latents.

For each (system, SAE) cell of the default profile (one seed), get its trained model, encode
fresh held-out windows (a stream of its own, never trained on nor scored, shared by every SAE
of the system so each reads the same windows), draw `bits` bits per extraction, run the
battery (and dieharder, where installed). Controls through the same code: numpy PCG64, a
constant stream, and each system's raw standardised windows read by the same extractions.
Writes out_dir/randomness.md and .csv. The CLI wiring lives in bench/cli.py.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from bench.errors import BenchError
from bench.randomness.controls import CONTROLS
from bench.randomness.dieharder import run_dieharder
from bench.randomness.extract import bits_per_window, check_extractions, extract
from bench.randomness.nist import MIN_BITS_ALL, run_battery
from bench.randomness.report import Stream, write_reports

MIN_BITS = MIN_BITS_ALL  # every one of the 15 tests needs this many bits to apply
CHUNK = 2048  # windows drawn and encoded per call
PILOT = 256  # windows that estimate the bits per window of an extraction
MAX_WINDOWS = 100_000  # a stream that needs more windows is reported short, not tested


def model_and_data(cell, device: str, save_saes_dir: Path | None):
    """(model with encode(x (n, d_in) float32) → (n, m), data with standardise, system and
    window) of one cell: the one place that gets a trained model. With save_saes_dir, a model
    saved there by `run --save-saes` (or by an earlier call) is loaded instead of trained."""
    from types import SimpleNamespace

    from bench.data import make_dataset
    from bench.registry import get_system
    from bench.run.save import save_sae
    from bench.run.score import trained_model

    system = get_system(cell.system)(**cell.system_params)
    saved = None if save_saes_dir is None else Path(save_saes_dir) / cell.key
    if saved is not None and (saved / "cfg.json").is_file():
        from sae_lens import SAE

        model, data = (
            SAE.load_from_disk(str(saved), device=device),
            make_dataset(system, cell.config, cell.seed),
        )
    else:
        _, model, data, _ = trained_model(cell, device)
        if saved is not None:
            save_sae(model, cell, Path(save_saes_dir))
    return model, SimpleNamespace(standardise=data.standardise, system=system, window=data.window)


class WindowPool:
    """Fresh standardised windows of one system, drawn on demand from their own stream;
    row i is the same window for every SAE of the system. Rows: (n, d_in) float32."""

    def __init__(self, data, system: str, seed: int):
        from bench.data import data_rng

        self.data, self.rng = data, data_rng(f"{system}:randomness", seed)
        self.rows = torch.zeros(0)

    def first(self, n: int) -> torch.Tensor:
        if self.rows.shape[0] < n:
            parts = [self.rows] if self.rows.numel() else []
            for _ in range(-(-(n - self.rows.shape[0]) // CHUNK)):
                raw = self.data.system.windows(CHUNK, self.rng, self.data.window)
                parts.append(self.data.standardise(raw).float())
            self.rows = torch.cat(parts)
        return self.rows[:n]


class Latents:
    """Latents of the pool's first n windows, encoded once and cached: (n, m) float64."""

    def __init__(self, pool: WindowPool, encode: Callable[[torch.Tensor], torch.Tensor] | None):
        self.pool, self.encode, self.z = pool, encode, np.zeros((0, 0))

    def first(self, n: int) -> np.ndarray:
        if self.z.shape[0] < n:
            x = self.pool.first(n)[self.z.shape[0] :]
            parts = [self.z] if self.z.size else []
            for chunk in torch.split(x, CHUNK):
                if self.encode is None:  # the raw orbit: the windows are the "latents"
                    parts.append(chunk.double().numpy())
                    continue
                with torch.no_grad():
                    parts.append(self.encode(chunk).detach().cpu().double().numpy())
            self.z = np.concatenate(parts)
        return self.z[:n]


def draw(latents: Latents, extraction: str, bits: int) -> tuple[np.ndarray, int, str]:
    """(bits, windows, note): the stream is the first W windows, W the fewest that give
    `bits` bits (medians and ranges are over those W), read and cut to `bits`. Draws more
    windows until there are enough, or MAX_WINDOWS (then the note says it is short)."""
    rows = PILOT
    while True:
        z = latents.first(rows)
        if not np.isfinite(z).all():
            return np.zeros(0, np.uint8), rows, "non-finite latents"
        total = np.cumsum(bits_per_window(extraction, z))
        if total[-1] >= bits:
            used = int(np.searchsorted(total, bits)) + 1
            return extract(extraction, z[:used])[:bits], used, ""
        if rows >= MAX_WINDOWS:
            got = extract(extraction, z)
            return got, rows, f"short: {got.size:,} bits from {rows:,} windows"
        per_window = total[-1] / rows
        need = MAX_WINDOWS if per_window == 0 else int(np.ceil(1.05 * bits / per_window)) + 1
        rows = min(MAX_WINDOWS, max(need, rows + 1))


def assess(stream: Stream, bits: np.ndarray, wanted: int) -> Stream:
    """Runs the battery (and dieharder) on a full-length stream; a short one stays untested."""
    if bits.size >= wanted:
        stream.results = run_battery(bits)
        stream.dieharder = run_dieharder(bits)
    return stream


def check(bits: int, extractions: tuple[str, ...]) -> None:
    check_extractions(list(extractions))
    if bits < MIN_BITS:
        raise BenchError(
            f"--bits {bits:,} is too small: the NIST SP 800-22 battery needs {MIN_BITS:,} "
            "bits per stream for all 15 tests to apply"
        )


def run(
    systems: list[str],
    saes: list[str],
    bits: int,
    out_dir: Path,
    device: str,
    seed: int = 0,
    save_saes_dir: Path | None = None,
    extractions: tuple[str, ...] = ("threshold", "lsb"),
) -> list[Stream]:
    """Every (system, SAE, extraction) stream plus the controls; writes the reports."""
    from bench.config import profile
    from bench.run.cell import plan

    check(bits, tuple(extractions))
    cells = [replace(c, seed=seed) for c in plan(systems, saes, 1, config=profile("default")[0])]
    streams = [
        assess(Stream(name, "", "", "", "", bits, 0), make(bits, seed), bits)
        for name, make in CONTROLS.items()
    ]
    pools: dict[str, WindowPool] = {}
    for cell in cells:
        model, data = model_and_data(cell, device, save_saes_dir)
        if cell.system not in pools:  # the raw orbit, once per system
            pools[cell.system] = WindowPool(data, cell.system, seed)
            raw = Latents(pools[cell.system], None)
            for name in extractions:
                got, used, note = draw(raw, name, bits)
                row = Stream("raw", cell.system, "", "", name, got.size, used, note=note)
                streams.append(assess(row, got, bits))
        latents = Latents(pools[cell.system], _encoder(model, device))
        for name in extractions:
            got, used, note = draw(latents, name, bits)
            row = Stream("sae", cell.system, cell.sae, cell.key, name, got.size, used, note=note)
            streams.append(assess(row, got, bits))
    write_reports(streams, Path(out_dir), bits, seed)
    return streams


def _encoder(model, device: str) -> Callable[[torch.Tensor], torch.Tensor]:
    if hasattr(model, "eval"):
        model.eval()
    return lambda x: model.encode(x.to(device))
