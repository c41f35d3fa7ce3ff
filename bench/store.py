"""`runs.jsonl`: one JSON object per finished cell, appended whole, flushed and fsynced.

Appends hold a file lock (`<file>.lock`) so two runs never interleave lines; a torn last line
left by a crash is closed off before the next append and skipped on reading, as is any line
that is not a record (valid JSON of the wrong shape, a metric that is not a number): reading
counts them and warns once. The store checks a record's shape, not what a cell computes; a
record's `config` is whatever settings the run had (older records lack `key_config` and
`profile` and are read all the same).
"""

import json
import os
import warnings
from pathlib import Path
from typing import Any

from filelock import FileLock

from bench.errors import BenchError


class RunStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = FileLock(str(self.path) + ".lock")

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True, allow_nan=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, open(self.path, "a+b") as f:
                if f.tell() > 0:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":  # a crash tore the last line: close it off
                        f.write(b"\n")
                f.write(line.encode())
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise BenchError(f"cannot write results to {self.path}: {e.strerror}") from None

    def read(self) -> tuple[list[dict[str, Any]], int]:
        """(every well-formed record, how many non-blank lines are not records)."""
        if not self.path.exists():
            return [], 0
        try:
            lines = self.path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise BenchError(f"cannot read {self.path}: {e}") from None
        records, skipped = [], 0
        for line in lines:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if is_record(record):
                records.append(record)
            else:
                skipped += 1
        return records, skipped

    def load(self) -> list[dict[str, Any]]:
        """Every well-formed record; one warning counts the torn or corrupt lines skipped (it
        never echoes a line: it may be huge or binary)."""
        records, skipped = self.read()
        if skipped:
            warnings.warn(skipped_note(self.path, skipped), stacklevel=2)
        return records

    def done_keys(self) -> set[str]:
        """Keys of cells that finished successfully (failed cells are tried again)."""
        return {r["key"] for r in self.load() if r.get("status") == "ok"}


def skipped_note(path: Path, skipped: int) -> str:
    lines = (
        "1 line that is not a record" if skipped == 1 else f"{skipped} lines that are not records"
    )
    return f"{path}: skipped {lines} (torn or corrupt)"


def is_record(record: Any) -> bool:
    """True for a dict shaped like a cell's record (what the leaderboard reads from it)."""
    if not isinstance(record, dict):
        return False
    text = ("key", "system", "sae")
    if not all(isinstance(record.get(k), str) for k in text):
        return False
    if record.get("status") not in ("ok", "failed") or not isinstance(record.get("seed"), int):
        return False
    config, metrics = record.get("config"), record.get("metrics")
    if not isinstance(config, dict):
        return False
    if not isinstance(metrics, dict):
        return False
    numbers = all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool))
        for v in metrics.values()
    )
    return numbers and (record["status"] == "failed" or "fvu" in metrics)
