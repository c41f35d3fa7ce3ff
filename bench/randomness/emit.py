"""The `stream` command: one endless bit stream on standard output, for any battery that reads
raw bits from a pipe (`dieharder -g 200`, PractRand's `RNG_test stdin`).

The source is one of: a cell's SAE (`--system` and `--sae`: trained at `--profile`, or loaded
from `--save-saes`), a saved SAE folder (`--saved DIR/<cell key>`), the raw orbit
(`--system` with `--control raw`) or a control (`--control pcg64|constant`), read through one
`--extraction`. Bytes are bits packed MSB first. It stops cleanly when the reader closes the
pipe, or after `--bits` bits. Messages go to standard error. The CLI wiring is in bench/cli.py.
"""

import sys
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from bench.errors import BenchError
from bench.randomness.extract import check_extractions
from bench.randomness.sources import (
    CONTROLS,
    cell_subject,
    latent_stream,
    one_torch_thread,
    saved_subject,
    system_subject,
)
from bench.randomness.stream import BitStream, packed, write_stream

CHOICES = (*CONTROLS, "raw")


def open_stream(
    *,
    system: str | None,
    sae: str | None,
    saved: Path | None,
    control: str | None,
    extraction: str,
    profile_name: str = "default",
    seed: int = 0,
    device: str = "cpu",
    save_saes_dir: Path | None = None,
    log: Console | None = None,
) -> BitStream:
    """The stream the arguments name; BenchError (one line) when they name none or several."""
    check_extractions([extraction])
    named = [bool(saved), bool(control), bool(sae)]
    if sum(named) != 1:
        raise BenchError("name one source: --sae (with --system), --saved DIR or --control")
    if control is not None and control not in CHOICES:
        raise BenchError(f"unknown control {control!r}; valid: {', '.join(CHOICES)}")
    if (sae or control == "raw") and not system:
        raise BenchError(f"--{'sae' if sae else 'control raw'} needs --system")
    if control in CONTROLS:
        return CONTROLS[control](seed)
    one_torch_thread()
    if saved:
        return latent_stream(saved_subject(Path(saved), device), extraction, seed)
    if control == "raw":
        return latent_stream(system_subject(system, profile_name, seed), extraction, seed)
    from bench.config import profile
    from bench.run.cell import plan

    cell = replace(plan([system], [sae], 1, config=profile(profile_name)[0])[0], seed=seed)
    t0 = time.perf_counter()
    subject, how = cell_subject(cell, device, save_saes_dir)
    if log is not None:
        log.print(f"{system} {sae}: {how} in {time.perf_counter() - t0:.0f} s", highlight=False)
    return latent_stream(subject, extraction, seed)


def check_bits(bits: int | None) -> None:
    if bits is not None and bits < 8:
        raise BenchError(f"--bits must be at least 8, got {bits}")


def run(stream: BitStream, bits: int | None = None, fd: int | None = None) -> int:
    """Writes the stream's bytes to `fd` (default: standard output) until its reader closes it,
    or `bits` bits (rounded down to whole bytes); returns the bytes written."""
    check_bits(bits)
    fd = sys.stdout.fileno() if fd is None else fd
    written, _ = write_stream(packed(iter(stream)), fd, None if bits is None else bits // 8)
    return written
