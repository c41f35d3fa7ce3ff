"""`--jobs N`: run cells in N worker processes, yielding each record the moment it arrives.

Why a pool of our own and not `concurrent.futures.ProcessPoolExecutor`: that pool marks itself
broken when one worker dies and fails every in-flight future, without saying whose worker died.
Here each worker is a spawned process with its own pipe that runs one cell at a time, so a
worker that dies (SIGKILL, the out-of-memory killer) names exactly one cell: that cell gets a
failed record ("worker died: killed by SIGKILL"), a fresh worker takes the dead one's place and
the rest of the matrix goes on.

Each worker sets its torch threads, imports sae-lens and the harness once (before any cell's
timer starts), then builds records with `bench.run.runner.run_cell`, the same helper as the
in-process path, so records are the in-process ones key by key (wall_s, finished_at aside).
Workers share built datasets through a folder under the output folder
(`bench.data.share_through`, `bench.run.scratch`), so each is built once; a run killed before
it could remove that folder leaves it to the next run, which does. An idle worker is handed a
pending cell whose data it holds if there is one, else one whose data no other worker holds
(it builds that while the others train), else the first; this changes only the order in which
records arrive.

Ctrl-C: workers ignore SIGINT (so a terminal's Ctrl-C reaches the parent alone); the parent's
KeyboardInterrupt closes this generator, which terminates the workers, so in-flight cells are
dropped and finished ones are already stored. A worker exits on SIGTERM through Python's own
shutdown (SystemExit), so what it holds is released: the named semaphore that tqdm (inside
sae-lens' trainer) makes would otherwise be reported as leaked. A worker whose parent dies
exits the same way at once.
Workers are spawned, so a script that calls `run_matrix(..., jobs=N)` needs the usual
`if __name__ == "__main__":` guard (the CLI has it).
Test hook: when CHAOS_BENCH_CELL_STARTS names a file or FIFO, each worker appends
"<pid> <cell key>" to it as it starts a cell. This module does not score or store anything.
"""

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from bench.data import CACHE_SIZE, dataset_key
from bench.errors import BenchError
from bench.run.cell import Cell
from bench.run.record import failed_record
from bench.run.runner import run_cell, warm_up
from bench.run.scratch import run_folder

STARTS_ENV = "CHAOS_BENCH_CELL_STARTS"  # test hook: where workers announce "<pid> <key>"


def resolve_jobs(jobs: str | int, threads: int, device: str) -> int:
    """Worker processes for `--jobs`: a positive integer, or "auto" = usable cores // threads
    (at least 1; 1 on cuda, where the workers would share one GPU)."""
    if str(jobs) == "auto":
        if device == "cuda":
            return 1
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return max(1, (cores or os.cpu_count() or 1) // max(threads, 1))
    try:
        n = int(jobs)
    except ValueError:
        n = 0
    if n < 1:
        raise BenchError(f"--jobs must be a positive integer or auto, got {jobs!r}")
    return n


def pool_executor(jobs: int, *, save_dir: Path | None = None, scratch_dir: Path | None = None):
    """An `Executor` (see bench.run.runner) running cells in `jobs` worker processes."""

    def execute(cells: list[Cell], device: str, threads: int) -> Iterator[dict[str, Any]]:
        if not cells:
            return
        with run_folder(scratch_dir) as data_dir:
            pool = _Pool(
                min(jobs, len(cells)),
                device=device,
                threads=threads,
                save_dir=save_dir,
                data_dir=data_dir,
            )
            try:
                yield from pool.run(cells)
            finally:  # done, Ctrl-C, or the consumer stopped: no worker outlives the run
                pool.close()

    return execute


@dataclass
class _Worker:
    process: Any  # multiprocessing SpawnProcess
    conn: Connection  # the parent's end of the worker's pipe
    ready: bool = False  # imports done; may be handed cells
    cell: Cell | None = None  # the cell it is running
    recent: list[tuple] = field(default_factory=list)  # data keys of its last cells


class _Pool:
    def __init__(self, n: int, *, device: str, threads: int, save_dir: Path | None, data_dir: Path):
        self.device, self.threads = device, threads
        self.serve_args = {
            "device": device,
            "threads": threads,
            "save_dir": save_dir,
            "data_dir": data_dir,
        }
        self.context = multiprocessing.get_context("spawn")  # no fork: torch threads, CUDA
        self.workers = [self._start() for _ in range(n)]

    def _start(self) -> _Worker:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(
            target=_serve,
            args=(child_end,),
            kwargs=self.serve_args,
            daemon=True,
            name="chaos-sae-bench-worker",
        )
        with _sigint_ignored():  # inherited through exec: the worker starts deaf to Ctrl-C
            process.start()
        child_end.close()  # so the parent sees EOF when the worker dies
        return _Worker(process, parent_end)

    def run(self, cells: list[Cell]) -> Iterator[dict[str, Any]]:
        todo = list(cells)
        while todo or any(w.cell for w in self.workers):
            for worker in self.workers:
                if worker.ready and worker.cell is None and todo:
                    others = {k for w in self.workers if w is not worker for k in w.recent}
                    worker.cell = todo.pop(_pick(todo, worker.recent, others))
                    key = _data_key(worker.cell)
                    worker.recent = [key, *(k for k in worker.recent if k != key)][:CACHE_SIZE]
                    worker.conn.send(worker.cell)
            ready = wait(
                [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
            )
            for worker in list(self.workers):
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                message = _receive(worker.conn) if worker.conn.poll() else None
                if message is None:  # EOF: the worker is gone (its record, if sent, came first)
                    yield from self._replace(worker, todo)
                elif message[0] == "ready":
                    worker.ready = True
                else:
                    worker.cell = None
                    yield message[1]

    def _replace(self, dead: _Worker, todo: list[Cell]) -> Iterator[dict[str, Any]]:
        """A worker died: its cell (if any) is failed; a fresh worker takes its place."""
        dead.process.join()
        dead.conn.close()
        reason = _exit_reason(dead.process.exitcode)
        if not dead.ready:
            raise BenchError(
                f"a worker process failed to start ({reason}); run with --jobs 1 to see why"
            )
        self.workers.remove(dead)
        if todo:
            self.workers.append(self._start())
        if dead.cell is not None:
            yield failed_record(
                dead.cell, f"worker died: {reason}", device=self.device, threads=self.threads
            )

    def close(self) -> None:
        """Stop every worker: idle ones are told to exit, busy ones (Ctrl-C) terminated."""
        for worker in self.workers:
            try:
                if worker.cell is None and worker.ready:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
            except (OSError, ValueError):  # already gone
                pass
        for worker in self.workers:
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _pick(todo: list[Cell], mine: list[tuple], others: set[tuple]) -> int:
    """Index of the pending cell to hand a worker: the first whose data it built lately, else
    the first whose data no other worker holds, else the first."""
    keys = [_data_key(cell) for cell in todo]
    for i, key in enumerate(keys):
        if key in mine:
            return i
    return next((i for i, key in enumerate(keys) if key not in others), 0)


def _data_key(cell: Cell) -> tuple:
    """The cell's `bench.data.dataset_key` (a scheduling hint only: a wrong guess costs time,
    never changes a record)."""
    return dataset_key(cell.system, cell.system_params, cell.config, cell.seed)


def _receive(conn: Connection) -> tuple[str, Any] | None:
    try:
        return conn.recv()
    except (EOFError, OSError):  # the worker died: its sentinel tells the rest
        return None


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@contextmanager
def _sigint_ignored():
    """SIGINT ignored in this process while a worker is spawned (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- in the worker process ---


def _serve(
    conn: Connection, *, device: str, threads: int, save_dir: Path | None, data_dir: Path
) -> None:
    """A worker's life: set up once, then run the cells it is sent until told to stop."""
    import torch

    from bench.data import share_through

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    torch.set_num_threads(threads)
    warm_up()
    share_through(data_dir)
    conn.send(("ready", os.getpid()))
    while (cell := conn.recv()) is not None:
        _announce(cell)
        conn.send(("record", run_cell(cell, device, threads, save_dir=save_dir)))


def _exit_cleanly(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: leave through SystemExit, so finalizers release what it holds."""
    raise SystemExit(128 + signum)


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)  # the main thread exits through _exit_cleanly
        threading.Event().wait(10)  # unless native code holds it that long
        os._exit(1)


def _announce(cell: Cell) -> None:
    path = os.environ.get(STARTS_ENV)
    if not path:
        return
    try:  # O_NONBLOCK: a FIFO nobody reads is skipped, never waited on
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK)
        try:
            os.write(fd, f"{os.getpid()} {cell.key}\n".encode())
        finally:
            os.close(fd)
    except OSError:
        pass
