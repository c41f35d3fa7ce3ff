"""The `randomness` command: NIST SP 800-22, and with `--battery dieharder` dieharder too, on
bits drawn from every cell's SAE latents.

For each (system, SAE) cell of the profile (one seed): get its SAE (trained, or loaded from
`--save-saes`), then per extraction build its endless stream (`sources.latent_stream`). NIST
reads the stream's first `bits` bits; dieharder reads the same stream from its start for as
long as its tests want. Controls go through the same code: numpy PCG64, a constant stream, and
each system's raw orbit (the standardised windows read by the same extractions). Prints one
line per cell and per stream, then where it wrote randomness.md, .csv, .json (and
dieharder.csv). A run resumes from the streams its folder records (`records`).
The CLI wiring lives in bench/cli.py.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

from rich.console import Console

from bench.errors import BenchError
from bench.randomness import dieharder, records
from bench.randomness.extract import check_extractions
from bench.randomness.nist import MIN_BITS_ALL, run_battery
from bench.randomness.report import Stream, write_reports
from bench.randomness.sources import (
    CONTROLS,
    cell_subject,
    latent_stream,
    one_torch_thread,
    raw_subject,
)
from bench.randomness.stream import BitStream, StreamError, packed

MIN_BITS = MIN_BITS_ALL  # every one of the 15 tests needs this many bits to apply
MAX_WINDOWS = 100_000  # a stream that needs more windows for the NIST bits is short, untested
BATTERIES = {"nist": "NIST SP 800-22", "dieharder": "NIST SP 800-22 and dieharder"}


def check(bits: int, extractions: tuple[str, ...], battery: str = "nist") -> None:
    """Every input error as one line, before anything trains."""
    check_extractions(list(extractions))
    if battery not in BATTERIES:
        raise BenchError(f"unknown battery {battery!r}; valid: {', '.join(BATTERIES)}")
    if bits < MIN_BITS:
        raise BenchError(
            f"--bits {bits:,} is too small: the NIST SP 800-22 battery needs {MIN_BITS:,} "
            "bits per stream for all 15 tests to apply"
        )
    if battery == "dieharder":
        dieharder.executable()


class Progress:
    """One line per cell and per stream, cropped to the console's width."""

    def __init__(self, console: Console, total: int):
        self.console, self.total, self.done = console, total, 0

    def line(self, text: str) -> None:
        self.console.print(text, no_wrap=True, overflow="ellipsis", highlight=False)

    def stream(self, s: Stream, kept: bool = False) -> None:
        self.done += 1
        head = f"[{self.done:>{len(str(self.total))}}/{self.total}] {s.label}:"
        if kept:
            head += " kept,"
        if not s.results:
            return self.line(f"{head} {s.note}")
        passed, applicable, _ = s.counts
        text = f"{head} NIST {passed}/{applicable}"
        if s.dieharder:  # tests passed of those run, as for NIST
            text += f", dieharder {len(s.verdicts()['PASSED'])}/{len(s.dieharder)}"
        self.line(f"{text} ({s.nist_s + s.dieharder_s:.0f} s)")


def assess(
    stream: Stream,
    make: Callable[[], BitStream],
    bits: int,
    *,
    battery: str,
    tests: tuple[dieharder.Test, ...],
    status=None,
) -> Stream:
    """NIST on the first `bits` bits of `make()`; dieharder on a second `make()` from its start."""
    t0 = time.perf_counter()
    try:
        source = make()
        got, stream.windows, stream.note = source.take(bits, MAX_WINDOWS)
    except StreamError as exc:
        stream.note = str(exc)
        return stream
    stream.bits = got.size
    if stream.note:
        return stream
    stream.results = run_battery(got)
    stream.nist_s = time.perf_counter() - t0
    if battery == "dieharder":
        t0, blocks = time.perf_counter(), packed(iter(make()))
        for test in tests:
            if status is not None:
                status.update(f"{stream.label}: dieharder {test.name}")
            stream.dieharder += dieharder.run_tests(blocks, (test,))
        stream.dieharder_s = time.perf_counter() - t0
    return stream


def run_settings(
    bits: int, seed: int, battery: str, tests: list[str] | None, profile_name: str
) -> dict:
    """What a run's streams depend on besides their own names (randomness.json): the profile
    by its values too, since the raw orbit's standardisation follows its training windows."""
    from bench.config import profile

    config = asdict(profile(profile_name)[0])
    return {"bits": bits, "seed": seed, "battery": battery, "tests": tests,
            "profile": profile_name, "config": config}  # fmt: skip


def run(
    systems: list[str],
    saes: list[str],
    bits: int,
    out_dir: Path,
    device: str,
    *,
    seed: int = 0,
    save_saes_dir: Path | None = None,
    extractions: tuple[str, ...] = ("threshold", "lsb"),
    battery: str = "nist",
    profile_name: str = "default",
    tests: tuple[dieharder.Test, ...] = dieharder.TESTS,
    console: Console | None = None,
    jobs: int = 1,
) -> list[Stream]:
    """Every (system, SAE, extraction) stream plus the controls; writes the reports. With
    `jobs` > 1, that many streams are assessed at once in threads (window generation, encoding
    and the batteries' subprocesses release the GIL; each stream's bits depend only on its own
    seeded generators, so the results are those of one job), while cells train in order.
    Resumes: a stream out_dir already records (made with the same settings) is kept, not run
    again, and a cell whose streams are all kept is not trained; streams out_dir records that
    this run does not plan are kept too, after the planned ones."""
    from bench.config import profile
    from bench.run.cell import plan

    check(bits, tuple(extractions), battery)
    if jobs < 1:
        raise BenchError(f"--jobs must be a positive integer, got {jobs}")
    names = [t.name for t in tests] if battery == "dieharder" else None
    cfg = profile(profile_name)[0]
    settings = run_settings(bits, seed, battery, names, profile_name)
    records.check_settings(Path(out_dir), settings)
    kept = records.read_finished(Path(out_dir))
    cells = [replace(c, seed=seed) for c in plan(systems, saes, 1, config=cfg)]
    console = console or Console()
    n_systems = len(dict.fromkeys(c.system for c in cells))
    progress = Progress(console, len(CONTROLS) + (n_systems + len(cells)) * len(extractions))
    one_torch_thread()
    lock = threading.Lock()
    pending: list[Future] = []
    planned: list[Stream] = []  # every stream, in planned order
    finished: set[int] = set()  # id() of the streams assessed (or kept) so far

    def report(streams: list[Stream], partial: bool) -> list[Path]:
        planned_ids = {p.ids for p in planned}
        extra = [s for ids, s in kept.items() if ids not in planned_ids]
        return write_reports(streams + extra, Path(out_dir), bits, seed, tests=names,
                             planned=progress.total + len(extra) if partial else None,
                             settings=settings)  # fmt: skip

    with console.status("") as status, ThreadPoolExecutor(max_workers=jobs) as pool:

        def assessed(stream: Stream) -> Stream:
            with lock:  # one progress line at a time; the reports so far, so a run stopped
                progress.stream(stream)  # midway keeps every stream it finished
                finished.add(id(stream))
                report([s for s in planned if id(s) in finished], partial=True)
            return stream

        def add(stream: Stream, make: Callable[[], BitStream]) -> None:
            if stream.ids in kept:
                planned.append(kept[stream.ids])
                with lock:
                    progress.stream(planned[-1], kept=True)
                    finished.add(id(planned[-1]))
                return
            planned.append(stream)
            if jobs == 1:  # in order, with the status line naming the test being run
                status.update(f"{stream.label}: NIST")
                assessed(assess(stream, make, bits, battery=battery, tests=tests, status=status))
                return
            job = pool.submit(lambda: assess(stream, make, bits, battery=battery, tests=tests))
            job.add_done_callback(lambda done: done.exception() or assessed(done.result()))
            pending.append(job)

        def all_kept(cell, raw_too: bool) -> bool:
            wanted = [("sae", cell.system, cell.sae, cell.key, n) for n in extractions]
            wanted += [("raw", cell.system, "", "", n) for n in extractions if raw_too]
            return all(w in kept for w in wanted)

        for name, control in CONTROLS.items():
            add(Stream(name, "", "", "", "", 0, 0), lambda c=control: c(seed))
        seen: set[str] = set()
        for cell in cells:
            first = cell.system not in seen  # the raw orbit, once per system
            seen.add(cell.system)
            subject = raw = None
            if not all_kept(cell, raw_too=first):
                status.update(f"{cell.system} {cell.sae}: training or loading")
                t0 = time.perf_counter()
                subject, how = cell_subject(cell, device, save_saes_dir)
                with lock:
                    progress.line(
                        f"{cell.system} {cell.sae}: {how} in {time.perf_counter() - t0:.0f} s"
                    )
                raw = raw_subject(subject)
            for name in extractions if first else ():
                row = Stream("raw", cell.system, "", "", name, 0, 0)
                add(row, lambda n=name, r=raw: latent_stream(r, n, seed))
            for name in extractions:
                row = Stream("sae", cell.system, cell.sae, cell.key, name, 0, 0)
                add(row, lambda n=name, r=subject: latent_stream(r, n, seed))
        status.update(f"{len(pending)} streams in {jobs} threads")
        for job in pending:  # assess fills in the planned stream itself
            job.result()
    # the whole run once more, here: a write that fails inside a future's callback is only
    # logged, so this is where it surfaces as an error
    paths = report(planned, partial=False)
    console.print(f"wrote {Path(out_dir)}/: " + ", ".join(p.name for p in paths), highlight=False)
    return planned
