"""The extended battery: an endless bit stream piped into `dieharder -g 200`.

dieharder (Debian's package, 3.31.1: `apt-get install dieharder`) reads raw 32-bit words from
standard input with generator 200, as many as each test wants. `run_tests` runs each chosen test
in a dieharder process of its own on the same continuing stream (test i reads the bytes after
those test i − 1 read), and records per test its result lines (one per ntuple; dieharder's
final p-value over its psamples and its PASSED / WEAK / FAILED assessment), the bytes it read
from the pipe and its wall time. Bytes read = bytes written − bytes still unread in the pipe
when dieharder exited (FIONREAD on our write end): exact, not an estimate. dieharder's output
fields are chosen with -D, which also skips its generator-speed measurement (that alone reads
about 40 MB). This module neither makes the streams nor formats the reports.
"""

import array
import fcntl
import shutil
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bench.errors import BenchError
from bench.randomness.stream import write_stream

INSTALL = "dieharder is not installed; install Debian's package: apt-get install dieharder"
FIELDS = ("test_name", "ntuple", "tsamples", "psamples", "pvalues", "assessment")
VERDICTS = ("PASSED", "WEAK", "FAILED")
IDLE_S = 600.0  # a test that reads nothing this long while bytes wait for it is stopped
POLL_S = 1.0  # how often the watch looks at the pipe

CAP = 4  # a test is stopped after CAP times the bytes it reads from PCG64


@dataclass(frozen=True)
class Test:
    number: int  # dieharder -d
    name: str  # as dieharder prints it
    pcg64_bytes: int  # bytes it read from numpy's PCG64 (seed 0)


# Measured one by one on PCG64 through the same pipe (dieharder 3.31.1, default sizes; times
# and the tests left out are in the notes): these read 4.8–15 MB each, 36 MB (2.9·10⁸ bits) in
# all, ~290 times NIST's 10⁶ bits. Our streams come at 0.2–10 Mbit/s, so bits, not dieharder's
# own CPU, set the time. Left out: the heavier readers (count-1s stream 26 MB, bitstream 105 MB,
# operm5 400 MB, rank 32×32 512 MB, rank 6×8 240 MB, count-1s bytes 512 MB, squeeze 922 MB,
# craps 540 MB, GCD 8 GB, the STS and RGB tests 40–640 MB), the tests dieharder marks "Suspect"
# or "Do Not Use" (OPSO, OQSO, DNA, sums) and rgb_minimum_distance without -n (it reads nothing
# and spins).
TESTS: tuple[Test, ...] = (
    Test(0, "diehard_birthdays", 15_364_096),
    Test(10, "diehard_parking_lot", 9_601_024),
    Test(11, "diehard_2dsphere", 6_402_048),
    Test(12, "diehard_3dsphere", 4_800_512),
)


@dataclass(frozen=True)
class Line:
    """One result line of dieharder: a test at one ntuple."""

    test: str
    ntuple: int
    tsamples: int
    psamples: int
    pvalue: float
    assessment: str  # PASSED, WEAK or FAILED


@dataclass
class TestRun:
    """One dieharder test on a stream."""

    number: int
    name: str
    lines: list[Line] = field(default_factory=list)
    bytes_read: int = 0
    wall_s: float = 0.0
    note: str = ""  # why there is no result (timeout, dieharder error), else ""

    @property
    def assessment(self) -> str:
        """FAILED if any line failed, else WEAK if any is weak, else PASSED; "—" if none."""
        found = {line.assessment for line in self.lines}
        return next((v for v in reversed(VERDICTS) if v in found), "—")

    @property
    def pvalues(self) -> tuple[float, ...]:
        return tuple(line.pvalue for line in self.lines)


def executable() -> str:
    """The path of `dieharder`, or BenchError with the line that says how to install it."""
    exe = shutil.which("dieharder")
    if exe is None:
        raise BenchError(INSTALL)
    return exe


def parse(output: str) -> list[Line]:
    """The result lines of dieharder's table ("name|ntup|tsamples|psamples|p-value|Assessment")."""
    out = []
    for text in output.splitlines():
        f = [part.strip() for part in text.split("|")]
        if len(f) == 6 and f[5] in VERDICTS:
            out.append(Line(f[0], int(f[1]), int(f[2]), int(f[3]), float(f[4]), f[5]))
    return out


def unread_bytes(fd: int) -> int:
    """Bytes written to a pipe that its reader has not read (FIONREAD on the pipe's fd)."""
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


class ReaderWatch:
    """Whether a pipe's reader has stalled: read nothing for `idle_s` seconds while bytes
    waited for it. A reader waiting on an empty pipe (a slow stream, a loaded machine) is never
    idle, so the verdict does not depend on how fast the bits come."""

    def __init__(self, fd: int, idle_s: float, clock: Callable[[], float] = time.monotonic):
        self.fd, self.idle_s, self.clock = fd, idle_s, clock
        self.written = 0  # bytes written to the pipe so far (`wrote` hears each write)
        self.last_read, self.since = 0, clock()  # bytes read at the last look, and since when
        self.killed = False  # set by `watch` when it stopped the reader

    def wrote(self, k: int) -> None:
        self.written += k

    def stalled(self) -> bool:
        unread = unread_bytes(self.fd)
        read = self.written - unread
        if unread == 0 or read != self.last_read:
            self.last_read, self.since = read, self.clock()
            return False
        return self.clock() - self.since >= self.idle_s


def watch(proc: subprocess.Popen, reader: ReaderWatch, done: threading.Event) -> None:
    """Kill `proc` once its reader has stalled; return when `done` is set or it is killed."""
    while not done.wait(POLL_S):
        if reader.stalled():
            reader.killed = True
            proc.kill()
            return


def run_test(
    blocks: Iterator[bytes],
    number: int,
    name: str,
    *,
    max_bytes: int | None = None,
    idle_s: float = IDLE_S,
) -> TestRun:
    """`dieharder -g 200 -d number` reading `blocks` from a pipe until it exits, or until it
    has been given `max_bytes` (then the pipe is closed: dieharder stops at end of input with
    no result; on an all-zero stream the sphere tests read without end), or until it has read
    nothing for `idle_s` seconds while bytes waited for it (then it is killed)."""
    cmd = [executable(), "-g", "200", "-d", str(number)] + [a for f in FIELDS for a in ("-D", f)]
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
        fd = proc.stdin.fileno()
        reader, done = ReaderWatch(fd, idle_s), threading.Event()
        watcher = threading.Thread(target=watch, args=(proc, reader, done), daemon=True)
        watcher.start()
        try:
            written, closed = write_stream(blocks, fd, max_bytes, on_write=reader.wrote)
            unread = unread_bytes(fd) if closed else 0  # an ended stream is read to its end
        finally:
            done.set()
            watcher.join()  # before the pipe closes: the watch reads it
            proc.stdin.close()
            proc.wait()
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode(errors="replace")
    run = TestRun(number, name, parse(text), written - unread, wall)
    if not run.lines:
        last = [t for t in text.splitlines() if t.strip()][-1:] or ["no output"]
        if reader.killed:
            run.note = f"stalled: read nothing for {idle_s:g} s with bytes waiting"
        elif max_bytes is not None and written >= max_bytes:
            run.note = f"no result after {8 * written:.3g} bits (the cap): stopped"
        else:
            run.note = f"no result: {last[0].lstrip('# ')}"
    return run


def run_tests(
    blocks: Iterator[bytes], tests: tuple[Test, ...] = TESTS, idle_s: float = IDLE_S
) -> list[TestRun]:
    """Each test in turn on the continuing stream `blocks`, each capped at CAP × its PCG64
    bytes."""
    return [
        run_test(blocks, t.number, t.name, max_bytes=CAP * t.pcg64_bytes, idle_s=idle_s)
        for t in tests
    ]
