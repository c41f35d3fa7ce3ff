"""Interrupting a real quick run (Ctrl-C and a hard kill) keeps every finished cell; a rerun
finishes the rest, and every cell ends up in runs.jsonl exactly once with no corrupt line.

The child gets the default SIGINT handler whatever its parent ignores (a script started in the
background ignores SIGINT, and its children inherit that), and every wait is for an observable
event (a record written, the process gone), bounded, never a fixed sleep."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from baselines.chaos_kernels import NO_COMPILE_ENV

SAES = ["relu", "topk", "ksparse_chaos", "l1"]
SYSTEMS = ["logistic", "henon"]
# The children run K-Sparse Chaos on its plain-torch kernels: an inductor build in every child
# costs more than the cells, and the kernels are not what these tests are about.
ENV = {**os.environ, NO_COMPILE_ENV: "1"}


def command(out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench",
        "run",
        "--profile",
        "quick",
        "--systems",
        *SYSTEMS,
        "--saes",
        *SAES,
        "--out",
        str(out),
        "--threads",
        "1",
    ]


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path, sig):
    runs = tmp_path / "runs.jsonl"
    proc = subprocess.Popen(
        command(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 240
    while len(lines(runs)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval for the event "two records written", not a wait
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "rerun the same command to resume" in err and "Traceback" not in err, err
    else:
        assert proc.returncode == -signal.SIGKILL
    kept = [json.loads(line) for line in lines(runs)]  # every line whole
    assert 2 <= len(kept) < len(SAES) * len(SYSTEMS), err

    rerun = subprocess.run(command(tmp_path), capture_output=True, text=True, timeout=300, env=ENV)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(kept)} already in" in rerun.stdout
    records = [json.loads(line) for line in lines(runs)]
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)) == len(SAES) * len(SYSTEMS)
    assert all(r["status"] == "ok" for r in records)
    assert records[: len(kept)] == kept  # nothing already written was touched
    assert not (tmp_path / ".shared-data").exists()  # a killed run's folder went at the rerun


def test_a_child_gets_pythons_sigint_handler_even_when_sigint_was_ignored():
    """A script launched in the background ignores SIGINT and its children inherit that, which
    would make the SIGINT test's signal a no-op; `default_sigint` resets it before the child's
    exec, so the child starts with Python's KeyboardInterrupt handler. The control shows what an
    inherited ignored SIGINT does without it."""
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"

    def ignored() -> None:  # what the child would inherit from a background launch
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def ignored_then_reset() -> None:
        ignored()
        default_sigint()

    def child_handler(preexec) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, preexec_fn=preexec
        )
        return done.stdout.strip()

    assert child_handler(ignored) == "False"
    assert child_handler(ignored_then_reset) == "True"
