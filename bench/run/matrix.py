"""Drive a planned matrix through an executor into the store, with rich progress.

Skips cells already in the store (resume), appends each record the moment it arrives, and
prints one line per finished cell. Which executor runs the cells is a name: `local` (this
process) or `ray` (one task per cell on a Ray cluster).
"""

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.run.cell import Cell, pending
from bench.run.executors import executor_named
from bench.store import RunStore


def run_matrix(
    cells: list[Cell],
    runs_path: Path,
    *,
    device: str,
    console: Console,
    threads: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    jobs: int = 1,
    save_dir: Path | None = None,
) -> dict[str, int]:
    """Run every cell not yet in `runs_path`; returns counts of ok / failed / skipped cells.

    `jobs` > 1 runs local cells in that many worker processes; `save_dir` keeps each finished
    cell's SAE and record there (bench.run.save)."""
    execute = executor_named(
        executor,
        ray_address=ray_address,
        jobs=jobs,
        save_dir=save_dir,
        scratch_dir=runs_path.parent,
    )
    store = RunStore(runs_path)
    todo = pending(cells, store.done_keys())
    counts = {"ok": 0, "failed": 0, "skipped": len(cells) - len(todo)}
    console.print(
        f"{describe_plan(cells, runs_path)} on {device} "
        f"({executor} executor, {plural(threads, 'thread')} per cell"
        f"{f', {jobs} worker processes' if executor == 'local' and jobs > 1 else ''})"
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("cells", total=len(todo))
        for record in execute(todo, device, threads):
            store.append(record)
            counts[record["status"]] += 1
            progress.advance(task)
            progress.console.print(cell_line(record), soft_wrap=True)
    console.print(
        f"done: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['skipped']} skipped; results in {runs_path}"
    )
    return counts


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe_plan(cells: list[Cell], runs_path: Path) -> str:
    """'N cells: M already in <runs>, K to run' for a planned matrix and its results file."""
    todo = pending(cells, RunStore(runs_path).done_keys())
    done = len(cells) - len(todo)
    return f"{plural(len(cells), 'cell')}: {done} already in {runs_path}, {len(todo)} to run"


def cell_line(record: dict) -> str:
    where = f"{record['system']:<13} {record['sae']:<14} seed {record['seed']}"
    if record["status"] != "ok":
        return f"[red]✗[/] {where}  {record['error']}"
    m = record["metrics"]
    return (
        f"[green]✓[/] {where}  l0 {m['l0']:6.1f}  dead {m['dead_frac']:.2f}  "
        f"fvu {m['fvu']:.3f}  var {m['variance']:.3g}  {record['wall_s']:.1f}s"
    )
