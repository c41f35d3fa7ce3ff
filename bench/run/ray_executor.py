"""Run the matrix on Ray: one task per cell, each record yielded the moment its task finishes.

`ray_executor(address)` returns an `Executor` (see `bench.run.runner`) for `run_matrix`, which
appends records as they arrive, so resume and failure rules are the local ones. Each task is
`run_cell` with `num_cpus=threads`, plus one GPU when the device is `cuda` (Ray sets
`CUDA_VISIBLE_DEVICES`). A task Ray loses (worker killed, node gone) becomes a failed record,
tried again on the next run. Ctrl-C cancels the pending tasks, then propagates.

Cluster: `address` (`--ray-address`) or `RAY_ADDRESS`, else a fresh local instance (no
dashboard, worker logs not forwarded) shut down at the end; its workers import the installed
package. It does not ship code to a remote cluster: install chaos-sae-bench on its nodes, or
submit the run as a job with a runtime_env (`ray job submit --runtime-env-json
'{"pip": ["chaos-sae-bench"]}' -- chaos-sae-bench run --executor ray`). The device is resolved
on the driver. No autoscaling, no retries of failed cells, no core pinning.
"""

import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

from bench.errors import BenchError
from bench.run.cell import Cell
from bench.run.record import failed_record
from bench.run.runner import Executor, run_cell


def ray_executor(address: str | None) -> Executor:
    try:
        import ray
    except ImportError:
        raise BenchError("--executor ray needs Ray: pip install 'chaos-sae-bench[ray]'") from None
    address = address or os.environ.get("RAY_ADDRESS") or None

    def execute(cells: list[Cell], device: str, threads: int) -> Iterator[dict[str, Any]]:
        if not cells:  # nothing to do (all resumed): don't start or join a cluster
            return
        started = connect(ray, address)
        task = ray.remote(run_cell).options(num_cpus=threads, num_gpus=1 if device == "cuda" else 0)
        refs = {task.remote(cell, device, threads): cell for cell in cells}
        try:
            while refs:
                [ref], _ = ray.wait(list(refs), num_returns=1)
                cell = refs.pop(ref)
                try:
                    record = ray.get(ref)
                except ray.exceptions.RayError as e:  # the task, not the cell, failed
                    record = lost(cell, e, device=device, threads=threads)
                yield record
        finally:  # Ctrl-C, an error in the consumer, or a closed generator
            for ref in refs:
                ray.cancel(ref, force=True)
            if started:
                ray.shutdown()

    return execute


def connect(ray: Any, address: str | None) -> bool:
    """Join `address` (or an already initialised Ray); else start a local one. True if started."""
    if ray.is_initialized():
        return False
    try:
        if address:
            probe(address)
            ray.init(address=address, logging_level=logging.WARNING)
            return False
        # "local": never attach to another user's cluster found in /tmp/ray by accident
        ray.init(
            address="local",
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,  # hides the token-auth notice of a private instance
        )
        return True
    except (ConnectionError, ValueError, RuntimeError) as e:
        where = f"connect to Ray at {address}" if address else "start a local Ray instance"
        raise BenchError(f"cannot {where}: {e}".splitlines()[0]) from None


def probe(address: str) -> None:
    """Fail fast on an unreachable `host:port` (Ray itself retries for minutes)."""
    rest = address.removeprefix("ray://")
    host, _, port = rest.rpartition(":")
    if "://" in rest or not (host and port.isdigit()):
        return  # "auto" and the like: Ray resolves and reports those itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as e:
        raise BenchError(f"cannot connect to Ray at {address}: {e}") from None


def lost(cell: Cell, error: Exception, *, device: str, threads: int) -> dict[str, Any]:
    """The failed record of a cell whose task Ray lost."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return failed_record(cell, f"{type(error).__name__}: {message}", device=device, threads=threads)
