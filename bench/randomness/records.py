"""A randomness run's finished streams, read back from the files it wrote, so that a run
resumes where it stopped (or grows by new systems and SAEs) without assessing a stream twice.

`randomness.json` holds the settings the streams were made with; a run with other settings
refuses the folder. `randomness.csv` gives each stream's NIST outcome as the reports show it
(per test: its smallest p-value and whether it passed, `RecordedResult`), and `dieharder.csv`
its dieharder result lines. Reading and writing them again gives the same files.
"""

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.randomness.dieharder import Line, TestRun
from bench.randomness.nist import TEST_NAMES
from bench.randomness.report import IDS, SETTINGS, Stream

Ids = tuple[str, ...]  # (source, system, sae, key, extraction): one stream
MENDING = "restore it, or give another --out"  # what to do with a record that cannot be read


@dataclass(frozen=True)
class RecordedResult:
    """A NIST test's outcome as randomness.csv keeps it (duck-types nist.TestResult)."""

    name: str
    min_p: float | None  # None: the test did not apply
    passed: bool | None

    @property
    def applies(self) -> bool:
        return self.min_p is not None


def _row_ids(row: dict[str, str]) -> Ids:
    return tuple(row[name] for name in IDS)


def check_settings(out_dir: Path, settings: dict) -> None:
    """BenchError in one line if out_dir holds streams made with other settings (or with no
    record of its settings)."""
    if not (out_dir / "randomness.csv").exists():
        return
    path = out_dir / SETTINGS
    try:
        found = json.loads(path.read_text()) if path.exists() else None
    except json.JSONDecodeError as err:
        raise BenchError(f"{path} is not a settings record ({err}); {MENDING}") from None
    if found != settings:
        why = f"made with {found}" if found else f"without {SETTINGS}"
        raise BenchError(
            f"{out_dir} holds a randomness run {why}, not {settings}; "
            "give another --out, or remove its randomness files to start afresh"
        )


@contextmanager
def _rows(path: Path) -> Iterator[Iterator[dict[str, str]]]:
    """The rows of a CSV this command wrote; BenchError in one line, naming the line, where
    one cannot be read back (a missing column, a value of the wrong kind)."""
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            yield reader
        except (KeyError, TypeError, ValueError) as err:
            why = f"no column {err}" if isinstance(err, KeyError) else str(err)
            raise BenchError(
                f"{path}, line {reader.line_num}: not a record this command wrote ({why}); "
                + MENDING
            ) from None


def _nist(row: dict[str, str]) -> list[RecordedResult]:
    failed = set(filter(None, row["failed"].split(";")))
    out = []
    for name in TEST_NAMES:
        p = None if row[name] == "n/a" else float(row[name])
        out.append(RecordedResult(name, p, None if p is None else name not in failed))
    return out


def _dieharder(path: Path) -> dict[Ids, list[TestRun]]:
    runs: dict[Ids, list[TestRun]] = {}
    if not path.exists():
        return runs
    with _rows(path) as rows:
        for row in rows:
            tests = runs.setdefault(_row_ids(row), [])
            if not tests or tests[-1].number != int(row["test_number"]):
                tests.append(
                    TestRun(
                        int(row["test_number"]),
                        row["test"],
                        bytes_read=int(row["test_bytes_read"]),
                        wall_s=float(row["test_wall_s"]),
                        note=row["note"],
                    )
                )
            if row["ntuple"]:  # a test with no result has one row and no line
                tests[-1].lines.append(
                    Line(row["test"], int(row["ntuple"]), int(row["tsamples"]),
                         int(row["psamples"]), float(row["pvalue"]), row["assessment"])
                )  # fmt: skip
    return runs


def read_finished(out_dir: Path) -> dict[Ids, Stream]:
    """The streams out_dir's randomness.csv (and dieharder.csv) record, by their ids, in file
    order; {} where there is no randomness.csv."""
    table = out_dir / "randomness.csv"
    if not table.exists():
        return {}
    dieharder = _dieharder(out_dir / "dieharder.csv")
    streams: dict[Ids, Stream] = {}
    with _rows(table) as rows:
        for row in rows:
            key = _row_ids(row)
            streams[key] = Stream(
                *key,
                bits=int(row["bits"]),
                windows=int(row["windows"]),
                results=[] if row["note"] else _nist(row),  # a note: it was not tested
                note=row["note"],
                dieharder=dieharder.get(key, []),
                nist_s=float(row["nist_s"]),
                dieharder_s=float(row.get("dieharder_s") or 0.0),
            )
    return streams
