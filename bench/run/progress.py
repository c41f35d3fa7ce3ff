"""What a person reads while the matrix runs: the banner, one row per finished cell, the end.

Every line fits the console (80 columns and wider). The rows share one header; the system and
SAE columns are as wide as the longest planned name, and a name too long for the console is
shortened in the middle (`file:` paths), so the metric columns stay aligned. Under a cell's row,
indented, comes what sets it apart from the other planned cells of its system and SAE (the
swept settings, as `--set` writes them: `k=16`, `lorenz96.forcing=10`) and, for a calibrated
cell, the coefficient the matched-L0 search found and the trials it took; under a failed
cell, its error. This module formats text; it does not run or store anything.
"""

import json
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rich.markup import escape

from bench.run.cell import Cell

# l0, dead fraction, FVU, latent variance, wall time: (header, width, format)
METRICS = (
    ("l0", 6, "{:6.1f}"),
    ("dead", 5, "{:5.2f}"),
    ("fvu", 6, "{:6.3f}"),
    ("var", 8, "{:8.3g}"),
)
TIME_WIDTH = 7
GAP = "  "
SEED_WIDTH = 4
# "✓ " + system + " " + sae + " " + seed + the metric columns, each after a gap
FIXED = 2 + 1 + 1 + SEED_WIDTH + sum(len(GAP) + w for _, w, _ in METRICS) + len(GAP) + TIME_WIDTH
INDENT = "    "
MIN_NAME = 6  # a column never narrower than its header


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def banner(plan_line: str, *, device: str, executor: str, workers: int, threads: int) -> list[str]:
    """The lines printed before the first cell: the plan, then where it runs."""
    where = f"on {device}: {executor} executor"
    if workers > 1:
        where += f", {workers} worker processes"
    return [plan_line, f"{where}, {plural(threads, 'thread')} per cell"]


@dataclass(frozen=True)
class Rows:
    """The layout of the per-cell rows of one planned matrix at one console width."""

    system_width: int
    sae_width: int
    settings: dict[str, str]  # cell key → its swept settings ("k=16 lr=0.002"), if any
    width: int

    @classmethod
    def of(cls, cells: list[Cell], width: int) -> "Rows":
        system = max([len("system"), *(len(c.system) for c in cells)])
        sae = max([len("sae"), *(len(c.sae) for c in cells)])
        while system + sae > width - FIXED and max(system, sae) > MIN_NAME:
            if system >= sae:
                system -= 1
            else:
                sae -= 1
        return cls(system, sae, swept_settings(cells), width)

    def header(self) -> str:
        names = (
            f"  {'system':<{self.system_width}} {'sae':<{self.sae_width}} {'seed':>{SEED_WIDTH}}"
        )
        heads = "".join(f"{GAP}{head:>{w}}" for head, w, _ in METRICS)
        return f"[dim]{names}{heads}{GAP}{'time':>{TIME_WIDTH}}[/]"

    def lines(self, record: dict[str, Any]) -> list[str]:
        """The row of a finished cell's record and the indented lines under it (rich markup)."""
        system = shorten(record["system"], self.system_width)
        sae = shorten(record["sae"], self.sae_width)
        names = f"{system:<{self.system_width}} {sae:<{self.sae_width}}"
        where = f"{escape(names)} {record['seed']:>{SEED_WIDTH}}"
        notes = [self.settings.get(record["key"], "")]
        if record["status"] != "ok":
            return [f"[red]✗[/] {where}{GAP}[red]failed[/]", *self._under(record["error"], "red")]
        metrics = record["metrics"]
        values = [metrics["l0"], metrics["dead_frac"], metrics["fvu"], metrics["variance"]]
        cells = "".join(
            f"{GAP}{fmt.format(v)}" for (_, _, fmt), v in zip(METRICS, values, strict=True)
        )
        wall = f"{record['wall_s']:.1f}s"
        notes.append(calibration_note(record.get("calibration")))
        note = "  ".join(n for n in notes if n)
        return [f"[green]✓[/] {where}{cells}{GAP}{wall:>{TIME_WIDTH}}", *self._under(note, "dim")]

    def _under(self, text: str, style: str) -> list[str]:
        """`text` wrapped to the console, indented under a row."""
        if not text:
            return []
        wrapped = textwrap.wrap(text, self.width - len(INDENT), break_on_hyphens=False)
        return [f"[{style}]{INDENT}{escape(line)}[/]" for line in wrapped]


def shorten(name: str, width: int) -> str:
    """`name` cut to `width` characters in the middle (a path keeps its file name)."""
    if len(name) <= width:
        return name
    head = (width - 1) * 2 // 5
    return name[:head] + "…" + name[len(name) - (width - 1 - head) :]


def calibration_note(calibration: dict[str, Any] | None) -> str:
    """'l1_coefficient 0.0123 after 5 trials' for a calibrated cell; '' for others."""
    if not calibration:
        return ""
    trials = plural(len(calibration["trials"]), "trial")
    return f"{calibration['field']} {calibration['coefficient']:.3g} after {trials}"


def swept_settings(cells: list[Cell]) -> dict[str, str]:
    """For each cell key, the settings it reads whose value differs among the planned cells of
    its system and SAE, as `--set` writes them."""
    groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for cell in cells:
        groups[cell.system, cell.sae].append(cell)
    out = {}
    for group in groups.values():
        settings = [_settings(cell) for cell in group]
        names = list(dict.fromkeys(name for s in settings for name in s))
        varying = [n for n in names if len({json.dumps(s.get(n)) for s in settings}) > 1]
        for cell, values in zip(group, settings, strict=True):
            out[cell.key] = " ".join(f"{n}={values.get(n)}" for n in varying)
    return out


def _settings(cell: Cell) -> dict[str, Any]:
    return {
        **cell.key_config(),
        **{f"{cell.system}.{k}": v for k, v in cell.system_params.items()},
        **{f"{cell.sae}.{k}": v for k, v in cell.sae_params.items()},
    }
