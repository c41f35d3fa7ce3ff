"""Optional second battery: `dieharder`, where its binary is installed (never installed here).

`run_dieharder(bits)` writes the stream as raw bytes and runs `dieharder -a -g 201 -f FILE`
(generator 201 = raw binary file input) under a timeout; it returns a one-line summary, or
None when the binary is absent (a clean skip, not an error). dieharder's tests want far more
than 10⁶ bits: on a short file it rewinds and reuses the data, which it warns invalidates its
p-values, so the summary is indicative only. This module does not run the NIST battery.
"""

import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

TIMEOUT_S = 300.0
VERDICTS = ("PASSED", "WEAK", "FAILED")


def parse(output: str) -> Counter:
    """Counts of PASSED / WEAK / FAILED over dieharder's result table lines
    ("name|ntup|tsamples|psamples|p-value|Assessment")."""
    counts: Counter = Counter()
    for line in output.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) == 6 and fields[5] in VERDICTS:
            counts[fields[5]] += 1
    return counts


def summary_line(counts: Counter, timed_out_after: float | None = None) -> str:
    """e.g. "110 passed, 3 weak, 1 failed of 114", marked partial after a timeout."""
    total = sum(counts.values())
    text = ", ".join(f"{counts[v]} {v.lower()}" for v in VERDICTS) + f" of {total}"
    return text + (f" (timed out after {timed_out_after:g} s: partial)" if timed_out_after else "")


def run_dieharder(bits: np.ndarray, timeout_s: float = TIMEOUT_S) -> str | None:
    """dieharder -a on the stream (packed MSB first); None if `dieharder` is not installed."""
    exe = shutil.which("dieharder")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stream.bin"
        path.write_bytes(np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes())
        cmd = [exe, "-a", "-g", "201", "-f", str(path)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
            return summary_line(parse(done.stdout))
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            return summary_line(parse(out), timeout_s)
