"""Extractions (hand-computed bits, calibrated on a separate chunk), fresh windows from long
settled trajectories, the bit stream (packing, the pipe, clean stop), the reports, and
`command.run` end to end with a monkeypatched `trained_model` (a tiny random linear encoder on
logistic-map windows), so these tests do not depend on the training code. dieharder's own
tests are in test_dieharder.py."""

import csv
import io
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from rich.console import Console

from bench.cli import parser
from bench.data import data_rng
from bench.errors import BenchError
from bench.randomness import command, dieharder, emit, extract, nist, sources, stream, windows
from bench.registry import get_system

ROOT = Path(__file__).resolve().parents[1]


def test_threshold_by_hand():
    z_cal = np.array([[0.0, 5.0], [1.0, -1.0], [2.0, 0.0]])  # medians: 1.0 and 0.0
    cal = extract.calibrate("threshold", z_cal)
    assert cal.median.tolist() == [1.0, 0.0]
    z = np.array([[3.0, 0.0], [1.0, 0.5]])  # a later chunk, read with the calibration's medians
    assert extract.extract(cal, z).tolist() == [1, 0, 0, 1]  # row-major
    assert extract.bits_per_window(cal, z).tolist() == [2, 2]


def test_lsb_by_hand():
    # latent 0: active calibration values 1..3 → lo 1, step 2/2¹⁶; latent 1: 0 is inactive,
    # active 1e-3 and 2e-3 → step 1e-3/2¹⁶; latent 2: never active → no bits
    z_cal = np.array([[1.0, 0.0, 0.0], [2.0, 1e-3, 0.0], [3.0, 2e-3, 1e-7]])
    cal = extract.calibrate("lsb", z_cal)
    assert cal.lo[:2].tolist() == [1.0, 1e-3] and np.isinf(cal.step[2])
    assert cal.step[0] == 2 / 65536
    # 1.5 → level 16384 (even); one level more: odd; 3.0 → level 65536 (even, the grid goes
    # on past the calibration range); 0.0 → level −32768 (even); latent 1 at 1e-3 + 1.5 steps
    step = 2 / 65536
    z = np.array([[1.5, 0.0, 5.0], [1.5 + step, 1e-3 + 1.5e-3 / 65536, 0.0], [3.0, 0.0, 0.0]])
    assert extract.extract(cal, z).tolist() == [0, 1, 1, 0]
    assert extract.bits_per_window(cal, z).tolist() == [1, 2, 1]  # latent 2 never gives a bit
    z = np.array([[1.0 - step / 2, 0.0, 0.0], [-1.0, 0.0, 0.0]])  # below the range: −1, −65536
    assert extract.extract(cal, z).tolist() == [1, 0]
    constant = extract.calibrate("lsb", np.full((3, 1), 0.5))  # no range: no bits
    assert extract.extract(constant, np.array([[0.5], [0.7]])).size == 0


def test_unknown_extraction():
    with pytest.raises(BenchError, match="unknown extraction 'msb'; valid: threshold, lsb"):
        extract.calibrate("msb", np.zeros((2, 2)))


def test_lifetime_makes_the_transient_a_small_share():
    # ⌈8 · transient / window⌉ windows per settled trajectory
    assert windows.lifetime_windows(400, 20) == 160  # lorenz96: 3200 steps for 400 of transient
    assert windows.lifetime_windows(1000, 784) == 11  # logistic
    assert windows.lifetime_windows(0, 1) == 1


def test_fresh_windows_continue_their_trajectories_until_their_lifetime():
    system = get_system("logistic")()
    fresh = windows.FreshWindows(system, 784, data_rng("logistic:test", 0), chunk=4)
    assert fresh.lifetime == 11  # ⌈8 · 1000 / 784⌉
    chunks = [fresh.next_chunk() for _ in range(12)]
    assert chunks[0].shape == (4, 784)

    def continues(a: np.ndarray, b: np.ndarray) -> bool:  # x' = r x (1 − x), row by row
        return np.allclose(system.r * a[:, -1] * (1 - a[:, -1]), b[:, 0])

    assert all(continues(a, b) for a, b in zip(chunks[:10], chunks[1:11], strict=True))
    assert not continues(chunks[10], chunks[11])  # the 12th chunk: new trajectories
    again = windows.FreshWindows(system, 784, data_rng("logistic:test", 0), chunk=4)
    assert np.array_equal(again.next_chunk(), chunks[0])  # the same seed, the same windows


class LinearEncoder:
    """A fixed random linear map with ReLU: (n, d_in) → (n, m), about half the latents active."""

    def __init__(self, d_in: int, m: int):
        self.w = torch.randn(d_in, m, generator=torch.Generator().manual_seed(0))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ self.w)

    def eval(self) -> "LinearEncoder":  # as a trained SAE has it (an nn.Module's)
        return self


def logistic_subject(encode=None) -> sources.Subject:
    return sources.Subject(
        "logistic",
        get_system("logistic")(),
        16,
        lambda raw: torch.from_numpy((raw - 0.5) / 0.35).float(),
        encode,
    )


def test_latent_stream_calibrates_on_windows_it_never_reads():
    subject = logistic_subject(LinearEncoder(16, 8).encode)
    bits = sources.latent_stream(subject, "threshold", seed=0)
    fresh = windows.FreshWindows(subject.system, 16, data_rng("logistic:randomness", 0))
    cal = windows.FreshWindows(subject.system, 16, data_rng("logistic:randomness-calibration", 0))
    raw_stream, raw_cal = fresh.next_chunk(), cal.next_chunk()
    assert not {r.tobytes() for r in raw_stream} & {r.tobytes() for r in raw_cal}  # disjoint
    z_stream, z_cal = bits.latents(raw_stream), bits.latents(raw_cal)
    assert np.array_equal(bits.calibration.median, np.median(z_cal, axis=0))
    assert np.array_equal(next(iter(bits)), extract.extract(bits.calibration, z_stream))
    # the raw orbit reads the same standardised windows as they are
    raw = sources.latent_stream(sources.raw_subject(subject), "threshold", seed=0)
    w = fresh.next_chunk()[:3]
    assert np.array_equal(raw.latents(w), subject.standardise(w).double().numpy())


def test_take_counts_the_windows_that_gave_the_bits():
    subject = logistic_subject(LinearEncoder(16, 8).encode)
    bits, used, note = sources.latent_stream(subject, "threshold", seed=0).take(40_000, 10**6)
    assert bits.size == 40_000 and used == 5000 and note == ""  # 8 bits a window
    lsb = sources.latent_stream(subject, "lsb", seed=0)
    bits, used, _ = lsb.take(30_000, 10**6)
    fresh = windows.FreshWindows(subject.system, 16, data_rng("logistic:randomness", 0))
    z = np.concatenate([lsb.latents(fresh.next_chunk()) for _ in range(2)])
    counts = extract.bits_per_window(lsb.calibration, z)
    assert counts.sum() > 30_000 > counts[: fresh.chunk].sum()  # two chunks were read
    assert used == int(np.searchsorted(np.cumsum(counts), 30_000)) + 1
    assert np.array_equal(bits, extract.extract(lsb.calibration, z[:used])[:30_000])


def test_a_stream_too_sparse_for_the_cap_is_short_and_untested():
    dead = logistic_subject(lambda x: torch.zeros(len(x), 4))
    bits, used, note = sources.latent_stream(dead, "lsb", seed=0).take(50_000, 1000)
    assert bits.size == 0 and used == 0 and note.startswith("short: 0 bits a window")


def test_non_finite_latents_stop_the_stream_with_one_line():
    nan = logistic_subject(lambda x: torch.full((len(x), 4), float("nan")))
    with pytest.raises(stream.StreamError, match="non-finite latents on the calibration chunk"):
        sources.latent_stream(nan, "lsb", seed=0)


def test_packed_carries_the_bits_that_do_not_fill_a_byte():
    chunks = [[1, 0, 1], [1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], [0, 1]]
    blocks = stream.packed(np.array(c, np.uint8) for c in chunks)
    assert list(blocks) == [b"\xb0", b"\xfd"]  # 1011 0000, then 1111 1101


def test_controls_through_the_same_code():
    pcg = sources.CONTROLS["pcg64"](3)
    bits, used, note = pcg.take(1000, 0)
    assert bits.dtype == np.uint8 and set(np.unique(bits)) == {0, 1} and used == 0 and not note
    assert np.array_equal(bits, sources.CONTROLS["pcg64"](3).take(1000, 0)[0])
    assert sources.CONTROLS["constant"](0).take(50, 0)[0].all()


def endless_blocks(size: int = 4096):
    while True:
        yield b"\x55" * size


def test_write_stream_stops_cleanly_and_counts_what_the_reader_read():
    read_fd, write_fd = os.pipe()
    got = []

    def reader():  # reads once, then leaves, as dieharder does when its test is done
        got.append(os.read(read_fd, 1000))
        os.close(read_fd)

    thread = threading.Thread(target=reader)
    thread.start()
    written, closed = stream.write_stream(endless_blocks(), write_fd)
    thread.join()
    unread = dieharder.unread_bytes(write_fd)  # still in the pipe, never read
    os.close(write_fd)
    assert closed and written - unread == len(got[0]) > 0


def test_write_stream_stops_at_its_limit():
    read_fd, write_fd = os.pipe()
    written, closed = stream.write_stream(endless_blocks(7), write_fd, limit=10)
    os.close(write_fd)
    assert (written, closed) == (10, False) and os.read(read_fd, 100) == b"\x55" * 10
    os.close(read_fd)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "name one source"),
        ({"sae": "topk", "control": "pcg64"}, "name one source"),
        ({"control": "xorshift"}, "unknown control 'xorshift'; valid: pcg64, constant, raw"),
        ({"sae": "topk"}, "--sae needs --system"),
        ({"control": "raw"}, "--control raw needs --system"),
        ({"control": "pcg64", "extraction": "msb"}, "unknown extraction 'msb'"),
    ],
)
def test_stream_arguments_fail_in_one_line(kwargs, message):
    args = {"system": None, "sae": None, "saved": None, "control": None, "extraction": "lsb"}
    with pytest.raises(BenchError, match=message):
        emit.open_stream(**(args | kwargs))


def test_saved_folder_without_a_record_is_refused(tmp_path):
    with pytest.raises(BenchError, match="is not a saved SAE"):
        sources.saved_subject(tmp_path, "cpu")


def test_stream_command_stops_cleanly_when_the_reader_leaves():
    # `chaos-sae-bench stream --control pcg64 | head -c 16`: 16 bytes, exit 0, nothing on stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "stream", "--control", "pcg64"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    head = proc.stdout.read(16)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0 and proc.stderr.read() == b""
    first = np.packbits(next(stream.pcg64_chunks(0))[:128]).tobytes()
    assert head == first  # the PCG64 control's first bytes, MSB first


@pytest.fixture
def fake_training(monkeypatch):
    """bench.run.score.trained_model replaced by a linear encoder on 16-step logistic windows;
    records the cells it was asked for."""
    import bench.run.score as score

    asked = []
    system = get_system("logistic")()

    def trained_model(cell, device):
        asked.append(cell)
        data = SimpleNamespace(
            system=system,
            window=16,
            standardise=lambda raw: torch.from_numpy((raw - 0.5) / 0.35).float(),
        )
        return score.Fitted(None, LinearEncoder(16, 8), data, None, None)

    monkeypatch.setattr(score, "trained_model", trained_model)
    monkeypatch.setattr(command, "MIN_BITS", 40_000)  # the 15 tests need 10⁶: too slow here
    return asked


def test_run_end_to_end(fake_training, tmp_path):
    shown = io.StringIO()
    console = Console(width=80, file=shown)
    streams = command.run(["logistic"], ["relu", "topk"], 40_000, tmp_path, "cpu", console=console)
    assert [c.sae for c in fake_training] == ["relu", "topk"]
    kinds = [(s.source, s.sae, s.extraction) for s in streams]
    assert kinds == [
        ("pcg64", "", ""), ("constant", "", ""),
        ("raw", "", "threshold"), ("raw", "", "lsb"),
        ("sae", "relu", "threshold"), ("sae", "relu", "lsb"),
        ("sae", "topk", "threshold"), ("sae", "topk", "lsb"),
    ]  # fmt: skip
    assert all(s.bits == 40_000 and len(s.results) == 15 for s in streams)
    by = {(s.source, s.sae, s.extraction): s for s in streams}
    # at 40,000 bits 10 tests apply: PCG64 passes them all, the constant stream fails them all
    assert by["pcg64", "", ""].counts[:2] == (10, 10)
    assert by["constant", "", ""].counts[:2] == (0, 10)
    assert by["sae", "relu", "threshold"].windows == 5000  # 8 bits a window, 40,000 bits
    assert by["raw", "", "threshold"].windows == 2500  # 16 bits a window
    assert by["sae", "relu", "threshold"].key == fake_training[0].key
    rows = list(csv.DictReader((tmp_path / "randomness.csv").open()))
    assert len(rows) == 8 and rows[0]["source"] == "pcg64" and rows[0]["passed"] == "10"
    assert rows[1]["Frequency"] == "0" and rows[1]["OverlappingTemplate"] == "n/a"
    text = (tmp_path / "randomness.md").read_text()
    assert "| numpy PCG64 | — | — | 10/10 |" in text
    assert "| logistic | relu | lsb |" in text and "dieharder" not in text
    assert not (tmp_path / "dieharder.csv").exists()
    # progress: a line per cell and per stream, none wider than 80 columns; then where it wrote
    lines = shown.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("[1/8] pcg64: NIST 10/10 (") and "logistic relu: trained" in lines[2]
    wrote = f"wrote {tmp_path}/: randomness.md, randomness.csv, randomness.json"  # may wrap
    assert " ".join(" ".join(lines).split()).endswith(wrote)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_stopped_midway_keeps_the_streams_it_finished(
    fake_training, tmp_path, monkeypatch, jobs
):
    real, seen = command.assess, []

    def stop_at_the_fourth(stream, *args, **kwargs):
        seen.append(stream)
        if len(seen) == 4:
            raise KeyboardInterrupt  # Ctrl-C, or a killed run, while the raw orbit's lsb runs
        return real(stream, *args, **kwargs)

    monkeypatch.setattr(command, "assess", stop_at_the_fourth)
    console = Console(file=io.StringIO())
    with pytest.raises(KeyboardInterrupt):
        command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=console, jobs=jobs)
    rows = list(csv.DictReader((tmp_path / "randomness.csv").open()))
    assert [(r["source"], r["extraction"]) for r in rows][:3] == [
        ("pcg64", ""),
        ("constant", ""),
        ("raw", "threshold"),
    ]
    text = (tmp_path / "randomness.md").read_text()
    assert f"**Partial:** {len(rows)} of the 6 planned streams finished." in text


def test_default_output_is_git_ignored(fake_training, tmp_path, monkeypatch):
    default = parser().parse_args(["randomness"]).out
    assert default == "results/latest/randomness"
    # a tiny run with that default, in a fresh repository with our .gitignore: git status clean
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / ".gitignore").write_text((ROOT / ".gitignore").read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    for args in (["init", "-q"], ["add", ".gitignore"], ["commit", "-qm", "ignores"]):
        subprocess.run(git + args, cwd=clone, check=True)
    monkeypatch.chdir(clone)
    command.run(
        ["logistic"], ["relu"], 40_000, Path(default), "cpu", console=Console(file=io.StringIO())
    )
    assert (clone / default / "randomness.md").is_file()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=clone, capture_output=True, text=True, check=True)  # fmt: skip
    assert status.stdout == ""


@pytest.mark.parametrize(
    "bits, extractions, battery, message",
    [
        (999_999, ("threshold",), "nist", "--bits 999,999 is too small: the NIST SP 800-22"),
        (1_000_000, ("threshold", "msb"), "nist", "unknown extraction 'msb'"),
        (1_000_000, (), "nist", "no extraction given"),
        (1_000_000, ("lsb",), "practrand", "unknown battery 'practrand'; valid: nist, dieharder"),
    ],
)
def test_bad_input_before_any_training(monkeypatch, tmp_path, bits, extractions, battery, message):
    import bench.run.score as score

    def no_training(cell, device):
        raise AssertionError("trained before checking its input")

    monkeypatch.setattr(score, "trained_model", no_training)
    with pytest.raises(BenchError, match=message):
        command.run(
            ["logistic"], ["relu"], bits, tmp_path, "cpu", extractions=extractions, battery=battery
        )
    assert command.MIN_BITS == nist.MIN_BITS_ALL == 1_000_000


def test_streams_assessed_in_threads_give_the_same_results(fake_training, tmp_path):
    """--jobs 2: the same streams, in the same order, with the same p-values as one job."""
    quiet = Console(file=io.StringIO())
    one = command.run(["logistic"], ["relu"], 40_000, tmp_path / "1", "cpu", console=quiet)
    two = command.run(["logistic"], ["relu"], 40_000, tmp_path / "2", "cpu", console=quiet, jobs=2)
    assert [s.label for s in one] == [s.label for s in two]
    assert [[r.pvalues for r in s.results] for s in one] == [
        [r.pvalues for r in s.results] for s in two
    ]
    untimed = [  # every column but the wall time
        [{k: v for k, v in row.items() if k != "nist_s"} for row in csv.DictReader(path.open())]
        for path in (tmp_path / "1" / "randomness.csv", tmp_path / "2" / "randomness.csv")
    ]
    assert untimed[0] == untimed[1] and len(untimed[0]) == len(one)


def _untimed(folder: Path) -> list[dict[str, str]]:
    rows = csv.DictReader((folder / "randomness.csv").open())
    return [{k: v for k, v in row.items() if not k.endswith("_s")} for row in rows]


def test_a_stopped_run_resumes_without_assessing_a_stream_twice(
    fake_training, tmp_path, monkeypatch
):
    quiet = Console(file=io.StringIO())
    whole = command.run(["logistic"], ["relu"], 40_000, tmp_path / "whole", "cpu", console=quiet)
    real, seen = command.assess, []

    def stop_at_the_fourth(stream, *args, **kwargs):
        seen.append(stream.label)
        if len(seen) == 4:
            raise KeyboardInterrupt
        return real(stream, *args, **kwargs)

    monkeypatch.setattr(command, "assess", stop_at_the_fourth)
    folder = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        command.run(["logistic"], ["relu"], 40_000, folder, "cpu", console=quiet)
    assert len(_untimed(folder)) == 3
    seen.clear()
    shown = io.StringIO()
    resumed = command.run(
        ["logistic"], ["relu"], 40_000, folder, "cpu", console=Console(file=shown, width=80)
    )
    # the three finished streams are kept, the other three assessed: none twice
    assert seen == ["raw logistic lsb", "logistic relu threshold", "logistic relu lsb"]
    assert "[1/6] pcg64: kept, NIST 10/10" in shown.getvalue()
    assert [s.label for s in resumed] == [s.label for s in whole]
    assert _untimed(folder) == _untimed(tmp_path / "whole")
    assert (folder / "randomness.md").read_text() == (tmp_path / "whole/randomness.md").read_text()


def test_a_run_grows_by_an_sae_without_training_the_finished_cells(fake_training, tmp_path):
    quiet = Console(file=io.StringIO())
    command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=quiet)
    fake_training.clear()
    grown = command.run(["logistic"], ["relu", "topk"], 40_000, tmp_path, "cpu", console=quiet)
    assert [c.sae for c in fake_training] == ["topk"]  # relu's streams are all kept
    assert len(grown) == 8 and len(_untimed(tmp_path)) == 8
    # and a narrower run later keeps the streams it does not plan, after its own
    fake_training.clear()
    narrow = command.run(["logistic"], ["topk"], 40_000, tmp_path, "cpu", console=quiet)
    assert fake_training == [] and [s.sae for s in narrow] == ["", "", "", "", "topk", "topk"]
    assert [r["sae"] for r in _untimed(tmp_path)][-2:] == ["relu", "relu"]
    assert "Partial" not in (tmp_path / "randomness.md").read_text()


def test_a_folder_of_other_settings_is_refused_and_kept(fake_training, tmp_path, monkeypatch):
    quiet = Console(file=io.StringIO())
    command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=quiet)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(BenchError, match="holds a randomness run made with .*'seed': 0"):
        command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", seed=1, console=quiet)
    # the same profile name with other values: the raw orbit's standardisation follows them
    import bench.config

    settings, seeds = bench.config.PROFILES["default"]
    monkeypatch.setitem(
        bench.config.PROFILES, "default", (replace(settings, n_train=settings.n_train * 2), seeds)
    )
    with pytest.raises(BenchError, match="holds a randomness run made with .*'n_train': 32000"):
        command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=quiet)
    monkeypatch.setitem(bench.config.PROFILES, "default", (settings, seeds))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    (tmp_path / "randomness.json").unlink()
    with pytest.raises(BenchError, match="holds a randomness run without randomness.json"):
        command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=quiet)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == {k: v for k, v in before.items() if k != "randomness.json"}


def test_records_read_back_write_the_same_files(tmp_path):
    from bench.randomness.records import read_finished
    from bench.randomness.report import Stream, write_reports

    line = dieharder.Line
    runs = [
        dieharder.TestRun(0, "diehard_birthdays", [line("diehard_birthdays", 0, 100, 100,
                          0.99492595, "WEAK")], bytes_read=15_364_096, wall_s=1.04),
        dieharder.TestRun(11, "diehard_2dsphere", [], bytes_read=25_608_192, wall_s=30.0,
                          note="stopped after 25,608,192 bytes"),
    ]  # fmt: skip
    streams = [
        Stream("pcg64", "", "", "", "", 40_000, 0, nist.run_battery(np.ones(40_000, np.uint8)),
               dieharder=runs, nist_s=0.42, dieharder_s=31.26),
        Stream("sae", "logistic", "relu", "k1", "lsb", 12, 3, note="short: 12 bits"),
    ]  # fmt: skip
    settings = {"bits": 40_000, "seed": 0, "battery": "dieharder", "tests": ["a"], "profile": "q"}
    write_reports(streams, tmp_path / "a", 40_000, 0, tests=["a"], settings=settings)
    back = list(read_finished(tmp_path / "a").values())
    assert [s.label for s in back] == ["pcg64", "logistic relu lsb"]
    assert back[0].counts == streams[0].counts and back[0].failed == streams[0].failed
    assert back[0].verdicts() == streams[0].verdicts() and back[1].results == []
    write_reports(back, tmp_path / "b", 40_000, 0, tests=["a"], settings=settings)
    for name in ("randomness.md", "randomness.csv", "dieharder.csv", "randomness.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("name", ["henon", "mackey_glass"])
def test_settling_in_batches_changes_no_number(monkeypatch, name):
    system = get_system(name)()

    def first_chunks() -> list[np.ndarray]:
        fresh = windows.FreshWindows(system, 16, np.random.default_rng(3), chunk=12)
        return [fresh.next_chunk() for _ in range(2)]

    whole = first_chunks()  # all 12 trajectories settled in one batch
    monkeypatch.setattr(windows, "SETTLE_VALUES", 5 * system.transient * system.dim)
    assert windows.settle_batch(system) == 5  # 5, 5 and 2 at a time
    batched = first_chunks()
    assert all(np.array_equal(a, b) for a, b in zip(whole, batched, strict=True))


@pytest.mark.parametrize(
    ("name", "mangle", "message"),
    [
        ("randomness.csv", lambda t: t.replace(",40000,", ",forty thousand,", 1),
         r"randomness.csv, line 2: not a record this command wrote \(invalid literal"),
        ("randomness.csv", lambda t: t.replace("nist_s", "nist_time", 1),
         r"randomness.csv, line 2: not a record this command wrote \(no column 'nist_s'\)"),
        ("randomness.json", lambda t: t[:-3], r"randomness.json is not a settings record"),
    ],
)  # fmt: skip
def test_a_mangled_record_is_one_line_and_kept(fake_training, tmp_path, name, mangle, message):
    command.run(
        ["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=Console(file=io.StringIO())
    )
    path = tmp_path / name
    path.write_text(mangle(path.read_text()))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(BenchError, match=message + ".*restore it, or give another --out"):
        command.run(["logistic"], ["relu"], 40_000, tmp_path, "cpu")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


class ThreadCountingEncoder(LinearEncoder):
    """LinearEncoder that records the torch thread count each encode runs on."""

    seen: list[int] = []

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(torch.get_num_threads())
        return super().encode(x)


def test_streams_are_encoded_on_one_torch_thread_whatever_the_jobs(
    fake_training, tmp_path, monkeypatch
):
    # a matmul's rounding depends on its thread count and lsb bits read the rounding: with
    # --jobs 1 on 2 threads, Mackey-Glass' PCA lsb stream once gave other NIST p-values
    import bench.run.score as score

    def trained_model(cell, device):
        fitted = real(cell, device)
        return fitted._replace(model=ThreadCountingEncoder(16, 8))

    real = score.trained_model
    monkeypatch.setattr(score, "trained_model", trained_model)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        command.run(
            ["logistic"], ["relu"], 40_000, tmp_path, "cpu", console=Console(file=io.StringIO())
        )
        torch.set_num_threads(2)
        emit.open_stream(system="logistic", sae="relu", saved=None, control=None, extraction="lsb")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert ThreadCountingEncoder.seen and set(ThreadCountingEncoder.seen) == {1}
