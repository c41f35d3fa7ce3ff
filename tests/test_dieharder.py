"""dieharder through the pipe: its output parser, the one-line install message when it is
missing (exit 2 before anything trains), the reports' dieharder table, and CI's smoke: the
PCG64 stream passes and the constant stream fails diehard_parking_lot (9.6 MB) through the same
code. Without dieharder the
smoke skips locally and fails in CI (CI=true); .ci/run installs Debian's package."""

import csv
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.errors import BenchError
from bench.randomness import command, dieharder, report
from bench.randomness.report import Stream
from bench.randomness.sources import CONTROLS
from bench.randomness.stream import constant_chunks, packed, pcg64_chunks

ROOT = Path(__file__).resolve().parents[1]

OUTPUT = (
    "   diehard_birthdays|   0|       100|     100|0.97396410|  PASSED  \n"
    "      diehard_operm5|   0|   1000000|     100|0.00000000|  FAILED  \n"
    "  diehard_rank_32x32|   0|     40000|     100|0.99712345|   WEAK   \n"
    "# stdin_input_raw(): Error: EOF\n"
)


def test_parser_reads_dieharder_result_lines():
    lines = dieharder.parse(OUTPUT)
    assert [(x.test, x.tsamples, x.pvalue, x.assessment) for x in lines] == [
        ("diehard_birthdays", 100, 0.97396410, "PASSED"),
        ("diehard_operm5", 1000000, 0.0, "FAILED"),
        ("diehard_rank_32x32", 40000, 0.99712345, "WEAK"),
    ]


def test_a_test_is_as_bad_as_its_worst_line():
    lines = dieharder.parse(OUTPUT)
    run = dieharder.TestRun(0, "x", lines[:1])
    assert run.assessment == "PASSED" and run.pvalues == (0.97396410,)
    assert dieharder.TestRun(0, "x", [lines[0], lines[2]]).assessment == "WEAK"
    assert dieharder.TestRun(0, "x", lines).assessment == "FAILED"
    assert dieharder.TestRun(0, "x").assessment == "—"  # no result


def test_missing_dieharder_is_one_line(monkeypatch):
    monkeypatch.setattr(dieharder.shutil, "which", lambda name: None)
    with pytest.raises(BenchError, match="apt-get install dieharder"):
        dieharder.executable()


def test_cli_without_dieharder_says_how_to_install_it_and_exits_2(tmp_path):
    env = os.environ | {"PATH": str(tmp_path)}  # no dieharder (and nothing else) on PATH
    done = subprocess.run(
        [sys.executable, "-m", "bench", "randomness", "--battery", "dieharder",
         "--systems", "logistic", "--saes", "relu", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == f"chaos-sae-bench: error: {dieharder.INSTALL}\n"
    assert not (tmp_path / "out" / "randomness.md").exists()  # refused before any training


@pytest.fixture
def installed():
    if dieharder.shutil.which("dieharder") is None:
        reason = "dieharder is not installed (apt-get install dieharder); .ci/run installs it"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_smoke_pcg64_passes_and_constant_fails_through_the_pipe(installed):
    (test,) = [t for t in dieharder.TESTS if t.name == "diehard_parking_lot"]
    good = dieharder.run_tests(packed(pcg64_chunks(0)), (test,))[0]
    assert good.assessment == "PASSED" and good.pvalues == (0.42137346,) and good.note == ""
    # counted at the pipe: 12,000 cars × 100 samples × 8 bytes, read in 4 KiB blocks
    assert good.bytes_read == test.pcg64_bytes == 2344 * 4096
    bad = dieharder.run_tests(packed(constant_chunks()), (test,))[0]
    assert bad.assessment == "FAILED" and bad.pvalues == (0.0,)
    assert bad.bytes_read == test.pcg64_bytes


def test_a_test_that_never_ends_is_stopped_at_its_cap(installed):
    # on an all-zero stream diehard_3dsphere reads without end; the cap closes the pipe
    test = dieharder.Test(12, "diehard_3dsphere", 100_000)
    zeros = np.zeros(1 << 20, np.uint8)
    run = dieharder.run_tests(packed(itertools.repeat(zeros)), (test,))[0]
    assert run.assessment == "—" and run.note.startswith("no result after 3.2e+06 bits (the cap)")


def test_a_reader_is_idle_only_while_bytes_wait_for_it():
    read_fd, write_fd = os.pipe()
    now = [0.0]
    try:
        watch = dieharder.ReaderWatch(write_fd, idle_s=5, clock=lambda: now[0])
        watch.wrote(os.write(write_fd, b"0123456789"))
        assert not watch.stalled()  # 10 bytes wait, for 0 s
        now[0] = 5.0
        assert watch.stalled()  # ... for 5 s: stalled
        assert os.read(read_fd, 4) == b"0123"
        assert not watch.stalled()  # it read: the clock starts again
        now[0] = 9.0
        assert not watch.stalled()
        now[0] = 10.0
        assert watch.stalled()
        os.read(read_fd, 6)
        now[0] = 100.0
        assert not watch.stalled()  # an empty pipe: the reader waits for us, never idle
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_a_test_that_reads_nothing_is_stopped_when_idle(installed):
    # rgb_minimum_distance without -n spins and reads nothing: the pipe fills, then it is idle
    run = dieharder.run_test(packed(pcg64_chunks(0)), 201, "rgb_minimum_distance", idle_s=2)
    assert run.bytes_read == 0 and run.lines == []
    assert run.note == "stalled: read nothing for 2 s with bytes waiting"


def test_assess_runs_dieharder_on_the_stream_from_its_start(installed):
    # NIST reads the stream's first bits; dieharder reads the same stream again from its start,
    # so its parking-lot p-value is the smoke test's
    (test,) = [t for t in dieharder.TESTS if t.name == "diehard_parking_lot"]
    stream = Stream("pcg64", "", "", "", "", 0, 0)
    command.assess(stream, lambda: CONTROLS["pcg64"](0), 40_000, battery="dieharder", tests=(test,))
    assert stream.bits == 40_000 and len(stream.results) == 15
    assert [t.pvalues for t in stream.dieharder] == [(0.42137346,)]
    assert stream.dieharder_bits == 8 * test.pcg64_bytes and stream.dieharder_s > 0


def test_reports_carry_dieharder_beside_nist(tmp_path):
    line = dieharder.Line("diehard_parking_lot", 0, 12000, 100, 0.42137346, "PASSED")
    weak = dieharder.Line("diehard_birthdays", 0, 100, 100, 0.9971, "WEAK")
    good = Stream("pcg64", "", "", "", "", 1000, 0, dieharder_s=12.4)
    good.dieharder = [
        dieharder.TestRun(10, "diehard_parking_lot", [line], 9_601_024, 8.0),
        dieharder.TestRun(0, "diehard_birthdays", [weak], 15_364_096, 4.4),
    ]
    stuck = dieharder.TestRun(12, "diehard_3dsphere", [], 19_202_048, 2.0, "no result after …")
    sae = Stream("sae", "lorenz96", "topk", "k1", "lsb", 1000, 40, dieharder_s=99.0)
    sae.dieharder = [stuck]
    names = ["diehard_parking_lot", "diehard_birthdays"]
    paths = report.write_reports([good, sae], tmp_path, 1000, 0, tests=names)
    assert [p.name for p in paths] == ["randomness.md", "randomness.csv", "dieharder.csv"]
    md = paths[0].read_text()
    assert "tests diehard_parking_lot, diehard_birthdays, each at dieharder's default" in md
    assert "| numpy PCG64 | 1 | 1 | 0 | diehard_birthdays (W) | 2e+08 | 12 s |" in md
    assert (
        "| lorenz96 topk lsb | 0 | 0 | 0 | diehard_3dsphere (no result) | 1.54e+08 | 99 s |" in md
    )
    rows = list(csv.DictReader(paths[2].open()))
    assert [(r["test"], r["pvalue"], r["assessment"]) for r in rows] == [
        ("diehard_parking_lot", "0.42137346", "PASSED"),
        ("diehard_birthdays", "0.99710000", "WEAK"),
        ("diehard_3dsphere", "", ""),
    ]
    assert rows[2]["note"] == "no result after …" and rows[2]["test_bytes_read"] == "19202048"
