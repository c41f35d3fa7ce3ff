"""The record of a cell, built in one place for every executor (local, process pool, Ray).

A record is the cell's description, its status, metrics or error, wall time and environment.
`record_of` times and guards one scoring call; `failed_record` stands in for a cell whose worker
was lost (killed, out of memory, a Ray node gone). This module does not know what is scored.
"""

import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from bench.run.cell import Cell


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("chaos-sae-bench", "torch", "sae-lens", "numpy"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    return out


def record_of(
    cell: Cell, score: Callable[[Cell, str], dict[str, Any]], *, device: str, threads: int
) -> dict[str, Any]:
    """Run `score(cell, device)`; its result, or the exception it raised, as the cell's record."""
    start = time.perf_counter()
    try:
        result = {"status": "ok", **score(cell, device), "error": None}
    except Exception as e:  # noqa: BLE001 - a failed cell is a result, not a crash
        result = {"status": "failed", "metrics": {}, "error": f"{type(e).__name__}: {e}"}
    wall_s = round(time.perf_counter() - start, 3)
    return _record(cell, result, device=device, threads=threads, wall_s=wall_s)


def failed_record(cell: Cell, reason: str, *, device: str, threads: int) -> dict[str, Any]:
    """The record of a cell whose worker was lost before it could report."""
    result = {"status": "failed", "metrics": {}, "error": reason}
    return _record(cell, result, device=device, threads=threads, wall_s=None)


def _record(
    cell: Cell, result: dict[str, Any], *, device: str, threads: int, wall_s: float | None
) -> dict[str, Any]:
    return {
        "key": cell.key,
        **cell.describe(),
        **result,
        "wall_s": wall_s,
        "device": device,
        "threads": threads,
        "versions": versions(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
