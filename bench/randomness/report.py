"""The randomness command's outputs: `randomness.csv` (one row per stream, every test's
smallest p-value) and `randomness.md` (controls first, then system × SAE × extraction).

A stream is one bit source read one way: an SAE's latents ("sae"), the raw standardised
windows ("raw"), or a control ("pcg64", "constant"). This module formats; it runs nothing.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from bench.randomness.nist import ALPHA, TEST_NAMES, TestResult, summary


@dataclass
class Stream:
    source: str  # "sae", "raw", "pcg64" or "constant"
    system: str  # "" for the pcg64 and constant controls
    sae: str  # the SAE's name; "" for controls and raw streams
    key: str  # the cell's key (identifies the trained SAE); "" where none
    extraction: str  # "threshold", "lsb", or "" for controls
    bits: int  # bits tested
    windows: int  # held-out windows encoded to draw them (0 for pcg64/constant)
    results: list[TestResult] = field(default_factory=list)  # [] if the stream was not tested
    note: str = ""  # why it was not tested, if so
    dieharder: str | None = None  # dieharder's summary; None where it is not installed

    @property
    def counts(self) -> tuple[int, int, float | None]:
        return summary(self.results)

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.applies and not r.passed]


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


CSV_FIELDS = ("source", "system", "sae", "key", "extraction", "bits", "windows", "passed",
              "applicable", "min_p", "failed", *TEST_NAMES, "note", "dieharder")  # fmt: skip


def write_csv(streams: list[Stream], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for s in streams:
            passed, applicable, smallest = s.counts
            by_test = {r.name: r for r in s.results}
            row = {
                "source": s.source, "system": s.system, "sae": s.sae, "key": s.key,
                "extraction": s.extraction, "bits": s.bits, "windows": s.windows,
                "passed": passed, "applicable": applicable, "min_p": _p(smallest),
                "failed": ";".join(s.failed), "note": s.note, "dieharder": s.dieharder or "",
            }  # fmt: skip
            for name in TEST_NAMES:
                row[name] = _p(by_test[name].min_p) if name in by_test else "n/a"
            writer.writerow(row)


def _row(label: list[str], s: Stream, with_dieharder: bool) -> str:
    passed, applicable, smallest = s.counts
    score = f"{passed}/{applicable}" if s.results else "—"
    failed = ", ".join(s.failed) or ("—" if s.results else s.note)
    cells = [*label, score, _p(smallest), failed]
    if with_dieharder:
        cells.append(s.dieharder or "")
    return "| " + " | ".join(cells) + " |"


def markdown(streams: list[Stream], bits: int, seed: int) -> str:
    dh = any(s.dieharder for s in streams)
    extra = " dieharder |" if dh else ""
    lines = [
        "# Randomness of bits drawn from SAE latents (NIST SP 800-22 Rev. 1a)",
        "",
        f"{bits:,} bits per stream, seed {seed}, α = {ALPHA}. A test with several p-values "
        'passes by NIST\'s proportion rule on its own p-values; "passed" counts tests that '
        "pass of those that apply (n/a: below the test's minimum length, or random excursions "
        "with fewer than 500 cycles). Smallest p: over every p-value of every test that applies.",
        "",
        "## Controls",
        "",
        "| stream | system | extraction | passed | smallest p | failed tests |" + extra,
        "|---|---|---|---|---|---|" + ("---|" if dh else ""),
    ]
    for s in streams:
        if s.source in ("pcg64", "constant", "raw"):
            name = {"pcg64": "numpy PCG64", "constant": "constant (all 0)"}.get(
                s.source, "raw orbit"
            )
            lines.append(_row([name, s.system or "—", s.extraction or "—"], s, dh))
    lines += [
        "",
        "## SAE latents",
        "",
        "| system | SAE | extraction | windows | passed | smallest p | failed tests |" + extra,
        "|---|---|---|---|---|---|---|" + ("---|" if dh else ""),
    ]
    for s in streams:
        if s.source == "sae":
            lines.append(_row([s.system, s.sae, s.extraction, f"{s.windows:,}"], s, dh))
    if not dh:
        lines += ["", "dieharder: not installed, skipped."]
    return "\n".join(lines) + "\n"


def write_reports(streams: list[Stream], out_dir: Path, bits: int, seed: int) -> list[Path]:
    """Writes out_dir/randomness.md and out_dir/randomness.csv; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, table = out_dir / "randomness.md", out_dir / "randomness.csv"
    md.write_text(markdown(streams, bits, seed))
    write_csv(streams, table)
    return [md, table]
