"""`runs.jsonl`: one JSON object per finished cell, appended whole, flushed and fsynced.

Appends hold a file lock (`<file>.lock`) so two runs never interleave lines; a torn last line
left by a crash is closed off before the next append and skipped, with a warning, on reading.
The store does not know what a cell computes.
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

    def load(self) -> list[dict[str, Any]]:
        """Every well-formed record; corrupt or torn lines are skipped with a warning."""
        if not self.path.exists():
            return []
        try:
            lines = self.path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise BenchError(f"cannot read {self.path}: {e}") from None
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "key" not in record:
                    raise ValueError
                records.append(record)
            except ValueError:
                warnings.warn(f"{self.path}:{number}: skipping a corrupt line", stacklevel=2)
        return records

    def done_keys(self) -> set[str]:
        """Keys of cells that finished successfully (failed cells are tried again)."""
        return {r["key"] for r in self.load() if r.get("status") == "ok"}
