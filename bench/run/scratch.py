"""The folder where `--jobs` workers share built datasets, kept where a later run finds it.

A run's folder lives under `<output folder>/.shared-data/` (the system's temporary directory
when there is no output folder), named at random, and holds a lock file that the run keeps
locked (`flock`) while it lives. The lock goes with the process, however it ends, so a
folder whose lock can be taken belongs to a run that was killed before it could remove it:
`remove_stale` deletes those, and every run calls it as it starts. A folder appears under its
final name only once its lock is held, so a starting run never deletes a live one's. This
module does not know what is stored in the folder.
"""

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

FOLDER = ".shared-data"  # under the output folder
LOCK = "owner.lock"
STAGING = ".new-"  # a folder being made: not yet locked, never removed by another run


def base_for(scratch_dir: Path | None) -> Path:
    """Where the run folders of `scratch_dir` (an output folder, or None) live."""
    if scratch_dir is None:
        return Path(tempfile.gettempdir()) / "chaos-sae-bench-data"
    return Path(scratch_dir) / FOLDER


def remove_stale(scratch_dir: Path | None) -> list[Path]:
    """Delete the run folders under `scratch_dir` that no live run holds; returns them."""
    base = base_for(scratch_dir)
    removed = []
    for folder in sorted(base.glob("*")) if base.is_dir() else []:
        if folder.name.startswith(STAGING) or not folder.is_dir():
            continue
        try:
            fd = os.open(folder / LOCK, os.O_RDWR)
        except OSError:  # no lock file: not a run folder of ours
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live run's
            continue
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    with suppress(OSError):
        base.rmdir()  # only if empty
    return removed


@contextmanager
def run_folder(scratch_dir: Path | None) -> Iterator[Path]:
    """A fresh folder for this run, locked while the block runs and removed after it (stale
    folders of killed runs are removed first)."""
    remove_stale(scratch_dir)
    base = base_for(scratch_dir)
    for attempt in range(3):  # another run may remove the empty base between the two calls
        base.mkdir(parents=True, exist_ok=True)
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=base))
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    fd = os.open(staging / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        folder = base / staging.name.removeprefix(STAGING)
        staging.rename(folder)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            with suppress(OSError):
                base.rmdir()
    finally:
        os.close(fd)
        shutil.rmtree(staging, ignore_errors=True)  # only if the rename never happened
