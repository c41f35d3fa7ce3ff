"""The randomness command's outputs: `randomness.csv` (one row per stream, every NIST test's
smallest p-value), `randomness.md` (NIST: controls first, then system × SAE × extraction; then
dieharder's table where it ran), `randomness.json` (the run's settings) and, where dieharder
ran, `dieharder.csv` (one row per result line: stream, test, ntuple, p-value, assessment, bytes
read). `records` reads them back.

A stream is one bit source read one way: an SAE's latents ("sae"), the raw standardised
windows ("raw"), or a control ("pcg64", "constant"). This module formats; it runs nothing.
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from bench.randomness.dieharder import VERDICTS, TestRun
from bench.randomness.nist import ALPHA, TEST_NAMES, TestResult, summary
from bench.randomness.windows import CHUNK, RUN_FACTOR


@dataclass
class Stream:
    source: str  # "sae", "raw", "pcg64" or "constant"
    system: str  # "" for the pcg64 and constant controls
    sae: str  # the SAE's name; "" for controls and raw streams
    key: str  # the cell's key (identifies the trained SAE); "" where none
    extraction: str  # "threshold", "lsb", or "" for controls
    bits: int  # bits given to the NIST battery
    windows: int  # windows encoded for those bits (0 for pcg64/constant)
    results: list[TestResult] = field(default_factory=list)  # [] if NIST did not run on it
    note: str = ""  # why it was not tested, if so
    dieharder: list[TestRun] = field(default_factory=list)  # [] where dieharder did not run
    nist_s: float = 0.0  # wall time of drawing the NIST bits and running the battery
    dieharder_s: float = 0.0  # wall time of dieharder's tests, the stream included

    @property
    def counts(self) -> tuple[int, int, float | None]:
        return summary(self.results)

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.applies and not r.passed]

    @property
    def dieharder_bits(self) -> int:
        return 8 * sum(t.bytes_read for t in self.dieharder)

    def verdicts(self) -> dict[str, list[str]]:
        """dieharder test names by assessment (PASSED, WEAK, FAILED, and "—": no result)."""
        out: dict[str, list[str]] = {v: [] for v in (*VERDICTS, "—")}
        for t in self.dieharder:
            out[t.assessment].append(t.name)
        return out

    @property
    def ids(self) -> tuple[str, ...]:
        """What names the stream in the records: its values of IDS."""
        return tuple(getattr(self, name) for name in IDS)

    @property
    def label(self) -> str:
        """e.g. "lorenz96 topk lsb", "raw lorenz96 lsb", "pcg64"."""
        head = {"sae": self.sae, "raw": "raw"}.get(self.source, self.source)
        parts = [self.system, head] if self.source == "sae" else [head, self.system]
        return " ".join(p for p in (*parts, self.extraction) if p)


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


IDS = ("source", "system", "sae", "key", "extraction")  # what names a stream
SETTINGS = "randomness.json"  # the run's settings, beside its reports
CSV_FIELDS = (*IDS, "bits", "windows", "passed", "applicable", "min_p", "failed", *TEST_NAMES,
              "note", "nist_s", "dieharder_s")  # fmt: skip
DIEHARDER_FIELDS = (*IDS, "test_number", "test",
                    "ntuple", "tsamples", "psamples", "pvalue", "assessment", "test_bytes_read",
                    "test_wall_s", "note")  # fmt: skip


def _ids(s: Stream) -> dict[str, str]:
    return dict(zip(IDS, s.ids, strict=True))


def write_csv(streams: list[Stream], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for s in streams:
            passed, applicable, smallest = s.counts
            by_test = {r.name: r for r in s.results}
            row = _ids(s) | {
                "bits": s.bits, "windows": s.windows, "passed": passed,
                "applicable": applicable, "min_p": _p(smallest), "failed": ";".join(s.failed),
                "note": s.note, "nist_s": f"{s.nist_s:.1f}", "dieharder_s": f"{s.dieharder_s:.1f}",
            }  # fmt: skip
            for name in TEST_NAMES:
                row[name] = _p(by_test[name].min_p) if name in by_test else "n/a"
            writer.writerow(row)


def write_dieharder_csv(streams: list[Stream], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=DIEHARDER_FIELDS)
        writer.writeheader()
        for s in streams:
            for t in s.dieharder:
                test = {"test_number": t.number, "test": t.name, "test_bytes_read": t.bytes_read,
                        "test_wall_s": f"{t.wall_s:.1f}", "note": t.note}  # fmt: skip
                for line in t.lines or [None]:
                    got = {} if line is None else {
                        "ntuple": line.ntuple, "tsamples": line.tsamples,
                        "psamples": line.psamples, "pvalue": f"{line.pvalue:.8f}",
                        "assessment": line.assessment,
                    }  # fmt: skip
                    writer.writerow(_ids(s) | test | got)


def _row(label: list[str], s: Stream) -> str:
    passed, applicable, smallest = s.counts
    score = f"{passed}/{applicable}" if s.results else "—"
    failed = ", ".join(s.failed) or ("—" if s.results else s.note)
    return "| " + " | ".join([*label, score, _p(smallest), failed]) + " |"


def _control_name(s: Stream) -> str:
    return {"pcg64": "numpy PCG64", "constant": "constant (all 1)"}.get(s.source, "raw orbit")


def nist_markdown(streams: list[Stream], bits: int, seed: int) -> list[str]:
    lines = [
        "# Randomness of bits drawn from SAE latents (NIST SP 800-22 Rev. 1a)",
        "",
        f"{bits:,} bits per stream (its first bits), seed {seed}, α = {ALPHA}. A stream reads "
        f"fresh windows, one from each of {CHUNK} trajectories per chunk, each trajectory "
        f"settled once and run for {RUN_FACTOR} transients' worth of windows; threshold's medians "
        f"and lsb's ranges come from a separate {CHUNK}-window calibration chunk. A test with "
        'several p-values passes by NIST\'s proportion rule on its own p-values; "passed" counts '
        "tests that pass of those that apply (n/a: below the test's minimum length, or random "
        "excursions with fewer than 500 cycles). Smallest p: over every p-value of every test "
        "that applies.",
        "",
        "## Controls",
        "",
        "| stream | system | extraction | passed | smallest p | failed tests |",
        "|---|---|---|---|---|---|",
    ]
    for s in streams:
        if s.source != "sae":
            lines.append(_row([_control_name(s), s.system or "—", s.extraction or "—"], s))
    lines += [
        "",
        "## SAE latents",
        "",
        "| system | SAE | extraction | windows | passed | smallest p | failed tests |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in streams:
        if s.source == "sae":
            lines.append(_row([s.system, s.sae, s.extraction, f"{s.windows:,}"], s))
    return lines


def dieharder_markdown(streams: list[Stream], tests: list[str]) -> list[str]:
    lines = [
        "",
        "## dieharder",
        "",
        f"Each stream piped into `dieharder -g 200` (standard input), tests "
        f"{', '.join(tests)}, each at dieharder's default sizes in a process of its own, "
        "reading on where the previous test stopped. dieharder's assessment per result "
        "line: WEAK for p < 0.005 or p > 0.995, FAILED for p < 10⁻⁶ or p > 1 − 10⁻⁶; a test "
        "is FAILED if any of its lines is, else WEAK if any is. Bits read: counted at the pipe. "
        "Per-line p-values: `dieharder.csv`.",
        "",
        "| stream | passed | weak | failed | weak or failed tests | bits read | wall |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in streams:
        if not s.dieharder:
            continue
        v = s.verdicts()
        bad = [f"{n} (F)" for n in v["FAILED"]] + [f"{n} (W)" for n in v["WEAK"]]
        bad += [f"{n} (no result)" for n in v["—"]]
        label = (
            s.label
            if s.source == "sae"
            else " ".join(p for p in (_control_name(s), s.system, s.extraction) if p)
        )
        cells = [label, *(str(len(v[k])) for k in VERDICTS), ", ".join(bad) or "—",
                 f"{s.dieharder_bits:.3g}", f"{s.dieharder_s:.0f} s"]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(
    streams: list[Stream],
    bits: int,
    seed: int,
    *,
    tests: list[str] | None = None,
    planned: int | None = None,
) -> str:
    lines = nist_markdown(streams, bits, seed)
    if planned is not None and planned > len(streams):
        lines[1:1] = ["", f"**Partial:** {len(streams)} of the {planned} planned streams finished."]
    if any(s.dieharder for s in streams):
        lines += dieharder_markdown(streams, tests or [])
    return "\n".join(lines) + "\n"


def write_reports(
    streams: list[Stream],
    out_dir: Path,
    bits: int,
    seed: int,
    *,
    tests: list[str] | None = None,
    planned: int | None = None,
    settings: dict | None = None,
) -> list[Path]:
    """Writes out_dir/randomness.md, randomness.csv, the run's `settings` (randomness.json, so
    that a later run can resume it) and, where dieharder ran, dieharder.csv; returns their
    paths. With `planned` above len(streams), the page says the run is partial."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, table = out_dir / "randomness.md", out_dir / "randomness.csv"
    md.write_text(markdown(streams, bits, seed, tests=tests, planned=planned))
    write_csv(streams, table)
    paths = [md, table]
    if settings is not None:
        paths.append(out_dir / SETTINGS)
        paths[-1].write_text(json.dumps(settings, indent=1) + "\n")
    if any(s.dieharder for s in streams):
        paths.append(out_dir / "dieharder.csv")
        write_dieharder_csv(streams, paths[-1])
    return paths
