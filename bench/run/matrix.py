"""Drive a planned matrix through an executor into the store, with rich progress.

Skips cells already in the store (resume), appends each record the moment it arrives, and
prints one row per finished cell (`bench.run.progress` lays them out). Which executor runs the
cells is a name: `local` (this process, or `jobs` worker processes) or `ray` (one task per cell
on a Ray cluster).
"""

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.run.cell import Cell, pending
from bench.run.executors import executor_named
from bench.run.progress import Rows, banner, plural
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

    `jobs` > 1 runs local cells in that many worker processes (their shared data under
    runs_path's folder); `save_dir` keeps each finished cell's SAE and record there
    (bench.run.save)."""
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
    workers = min(jobs, len(todo)) if executor == "local" else 0
    for line in banner(
        describe_plan(cells, runs_path),
        device=device,
        executor=executor,
        workers=workers,
        threads=threads,
    ):
        console.print(line, soft_wrap=True, highlight=False)
    rows = Rows.of(todo, console.width)
    if todo:
        console.print(rows.header(), highlight=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # not on a pipe or file: there the bar shows nothing and rich ends it with a blank line
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_interactive
    ) as progress:
        task = progress.add_task("cells", total=len(todo))
        for record in execute(todo, device, threads):
            store.append(record)
            counts[record["status"]] += 1
            progress.advance(task)
            for line in rows.lines(record):
                progress.console.print(line, soft_wrap=True, highlight=False)
    console.print(
        f"done: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped; "
        f"results in {runs_path}",
        soft_wrap=True,
        highlight=False,
    )
    return counts


def describe_plan(cells: list[Cell], runs_path: Path) -> str:
    """'N cells: M already in <runs>, K to run' for a planned matrix and its results file."""
    todo = pending(cells, RunStore(runs_path).done_keys())
    done = len(cells) - len(todo)
    return f"{plural(len(cells), 'cell')}: {done} already in {runs_path}, {len(todo)} to run"
