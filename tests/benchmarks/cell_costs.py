"""`make bench-scaling` sections 4 and 5: where the time of a cell goes, and training
throughput against a measured one-core float32 matmul peak.

Section 4 takes cells as the matrix plans them (`bench.run.cell.plan`, default profile unless
told otherwise): one `topk` cell per chaotic system and one matched-L0 `l1` cell, and times
each piece with the library's own functions: the data (`bench.data.make_dataset`, its cache
emptied before each repeat, split into what the system's sampling calls cost), the training
(`bench.train.fit_tracked`, learning curve included, as a cell runs it), calibration
(`bench.run.calibrate.calibrate`: its trials × training), the encoding of the held-out
windows, and each metric family's `compute` on the `ScoringInput` that scoring builds
(`bench.run.score`), plus the noise floor. A family's first call on a dataset also computes
values of the dataset alone, which the other cells of that (system, seed) reuse; those are
reported apart, as the data is. Section 5 turns the training times of sections 4 and 6 into
GFLOP/s of their matmuls (`timing.step_flops`) against `torch.matmul` alone. Nothing is kept.
"""

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

import torch
from timing import Work, clock, step_flops, timed

TOPK_SYSTEMS = ("logistic", "henon", "lorenz96", "mackey_glass")
CALIBRATED = ("lorenz96", "l1")  # the matched-L0 cell: system, SAE (it reuses that system's data)
PARTS = {"split_samples": "train + test", "samples": "val", "twin_orbits": "twins"}


class TimedSystem:
    """A system that adds up the seconds of its sampling calls made from outside (train + test,
    val, floor, twins); every attribute is the wrapped system's own."""

    def __init__(self, system) -> None:
        self._system = system
        self.seconds: dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str):
        value = getattr(self._system, name)
        if name not in PARTS:
            return value

        def timed_call(*args, **kwargs):
            seconds, out = clock(lambda: value(*args, **kwargs))
            self.seconds["floor" if kwargs.get("held_out") else PARTS[name]] += seconds
            return out

        return timed_call


@dataclass
class CellCost:
    """Median seconds of one cell's pieces."""

    label: str
    data: dict[str, float]  # part → s, "total" among them; {} where the data is shared
    train: float = 0.0
    encode: float = 0.0
    families: dict[str, float] = field(default_factory=dict)  # family (or noise_floor) → s
    dataset_side: float = 0.0  # first-call extra of the families: once per (system, seed)
    calibration: float | None = None
    trials: int = 0
    failed: str | None = None  # calibration's error, where it reached no coefficient
    work: Work | None = None

    @property
    def cell(self) -> float:
        """What every cell pays: its training (or calibration), encoding and metrics."""
        fit = self.train if self.calibration is None else self.calibration
        return fit + self.encode + sum(self.families.values())


def median_parts(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each part's median over repeats (a part a repeat did not time counts 0 there)."""
    return {key: statistics.median(run.get(key, 0.0) for run in runs) for key in runs[0]}


def timed_calibration(variant, data, *, cfg, seed: int, repeats: int):
    """(median s, calibrated variant, its trained SAE, trials, None) of `calibrate` on the
    dataset's train and val splits; where it fails, (median s, the variant as given, None,
    MAX_TRIALS, the error)."""
    from bench.errors import BenchError
    from bench.run.calibrate import MAX_TRIALS, calibrate

    times, sae, trials, failed = [], None, MAX_TRIALS, None
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            found, sae, _, record = calibrate(
                variant, data.train, data.val, cfg=cfg, device="cpu", seed=seed
            )
            trials = len(record["trials"])
        except BenchError as error:
            found, failed = variant, str(error)
        times.append(time.perf_counter() - start)
    return statistics.median(times), found, sae, trials, failed


def measure_cell(cell, repeats: int, data=None) -> tuple[CellCost, object]:
    """The median cost of each piece of `cell`, and its dataset (built unless `data` is given)."""
    import bench.data
    from baselines.base import calibrated
    from bench.metrics import FAMILY_MODULES, ScoringInput, base, noise_floor
    from bench.metrics.inference import encode_decode
    from bench.registry import get_sae, get_system
    from bench.train import fit_tracked

    system = get_system(cell.system)(**cell.system_params)
    variant = get_sae(cell.sae)(**cell.sae_params)
    cfg, seed = cell.config, cell.seed
    cost, sae = CellCost(f"{cell.system} `{cell.sae}`", {}), None
    if data is None:
        runs = []
        for _ in range(repeats):
            bench.data._cache.clear()  # else make_dataset returns the dataset it built before
            timed_system = TimedSystem(system)
            total, data = clock(lambda s=timed_system: bench.data.make_dataset(s, cfg, seed))
            runs.append({"total": total} | dict(timed_system.seconds))
        cost.data = median_parts(runs)
    if cfg.target_l0 and calibrated(variant):
        cost.label += f" at L0 {cfg.target_l0:g}"
        cost.calibration, variant, sae, cost.trials, cost.failed = timed_calibration(
            variant, data, cfg=cfg, seed=seed, repeats=repeats
        )
    if cost.calibration is not None and sae is not None:  # the accepted trial's model
        cost.train = cost.calibration / cost.trials  # a trial's training, on average
    else:
        cost.train, (sae, _) = timed(
            lambda: fit_tracked(variant, data.train, data.val, cfg, "cpu", seed), repeats
        )
    steps = data.train.shape[0] // cfg.batch_size * cfg.epochs
    d_in = data.train.shape[1]
    cost.work = Work(
        f"{cost.label}, `fit_tracked`", cost.train, steps, cfg.batch_size, d_in, cfg.d_sae
    )
    cost.encode, (z, x_hat, w_dec) = timed(lambda: encode_decode(sae, data.test), repeats)
    inputs = ScoringInput(
        x=data.test,
        x_hat=x_hat,
        z=z,
        w_dec=w_dec,
        model=sae,
        variant=variant,
        data=data,
        system=system,
        cell=cell,
        device="cpu",
    )
    pieces = {family.FAMILY: family.compute for family in FAMILY_MODULES}
    pieces["noise floor"] = noise_floor
    first, again = defaultdict(list), defaultdict(list)
    for _ in range(repeats):
        base._DATA_SIDE.clear()  # the dataset's own values: computed again by the first call
        for runs in (first, again):
            for name, compute in pieces.items():
                runs[name].append(clock(lambda c=compute: c(inputs))[0])
    cost.families = {name: statistics.median(again[name]) for name in pieces}
    extra = sum(statistics.median(first[name]) for name in pieces) - sum(cost.families.values())
    cost.dataset_side = max(extra, 0.0)
    return cost, data


def cell_section(cfg, *, repeats: int) -> tuple[list[str], list[CellCost]]:
    """Section 4: the pieces of one `topk` cell per chaotic system and of the matched-L0 cell."""
    from bench.metrics import FAMILY_MODULES
    from bench.run.cell import plan

    costs, datasets = [], {}
    for name in TOPK_SYSTEMS:
        [cell] = plan([name], ["topk"], 1, config=cfg)
        cost, datasets[name] = measure_cell(cell, repeats)
        costs.append(cost)
        print(
            f"  {cost.label}: cell {cost.cell:.2f} s, data {cost.data['total']:.2f} s", flush=True
        )
    name, sae = CALIBRATED
    [cell] = plan([name], [sae], 1, config=cfg, matched_l0=True)
    cost, _ = measure_cell(cell, repeats, data=datasets[name])
    costs.append(cost)
    print(f"  {cost.label}: cell {cost.cell:.2f} s, {cost.trials} trials", flush=True)
    failures = [f"Calibration failed: {c.failed}." for c in costs if c.failed]

    families = [family.FAMILY for family in FAMILY_MODULES] + ["noise floor"]
    lines = [
        "## 4. Where the time of a cell goes",
        "",
        f"Cells as the matrix plans them: {cfg.n_train} training windows × {cfg.epochs} epochs, "
        f"batch {cfg.batch_size}, Adam {cfg.lr:g}, d_sae {cfg.d_sae}, k {cfg.k}, n_test "
        f"{cfg.n_test}, {cfg.probe_orbits} probe orbits; seed {cell.seed}. Medians of {repeats}. "
        "train = `bench.train.fit_tracked` (learning curve and the inference model's save and "
        "load included; for the matched-L0 cell, calibration ÷ trials); calibration = "
        "`bench.run.calibrate.calibrate` (every trial a full training; its accepted trial is "
        "the cell's model, so the cell does not train again); "
        "encode = `encode_decode` of the held-out windows; then each metric family's `compute` "
        "on the cell's `ScoringInput`, as a second SAE on the same dataset pays it.",
        "",
        "### Every cell pays (seconds)",
        "",
        "| cell | train | calibration (trials) | encode | "
        + " | ".join(families)
        + " | cell | train or calibration share |",
        "|---" * (len(families) + 6) + "|",
    ]
    for c in costs:
        fit = c.train if c.calibration is None else c.calibration
        calib = "—" if c.calibration is None else f"{c.calibration:.2f} ({c.trials})"
        calib += " failed" if c.failed else ""
        values = " | ".join(f"{c.families[f]:.3f}" for f in families)
        lines.append(
            f"| {c.label} | {c.train:.2f} | {calib} | {c.encode:.3f} | {values} | "
            f"{c.cell:.2f} | {fit / c.cell:.0%} |"
        )
    parts = ["train + test", "val", "floor", "twins"]
    lines += [
        "",
        "### Once per (system, seed) in a process, shared by its cells (seconds)",
        "",
        "data = `make_dataset` (windows generated, standardised; the parts are the system's "
        "sampling calls); dataset-side metric values = the families' and the noise floor's "
        "first call on a dataset less a second (forecast from the raw windows, probe inputs "
        "from the twin orbits, the noise floor).",
        "",
        "| system | data | " + " | ".join(parts) + " | other | dataset-side metric values |",
        "|---" * (len(parts) + 4) + "|",
    ]
    for c in costs:
        if c.data:
            other = c.data["total"] - sum(c.data.get(p, 0.0) for p in parts)
            split = " | ".join(f"{c.data.get(p, 0.0):.2f}" for p in parts)
            lines.append(
                f"| {c.label.split()[0]} | {c.data['total']:.2f} | {split} | {other:.2f} | "
                f"{c.dataset_side:.2f} |"
            )
    return lines + (["", *failures] if failures else []), costs


def matmul_gflops(shapes: list[tuple[int, int, int, bool]], *, repeats: int, min_s: float) -> float:
    """Median GFLOP/s of `torch.matmul` over `shapes`, each (m, k, n, transposed): one round
    multiplies an (m, k) by a (k, n) matrix for each shape (with transposed, the left one is
    the transposed view of a (k, m) matrix, as backward passes read it); rounds repeat for
    at least `min_s` seconds, and the median of `repeats` such timings counts."""
    pairs = []
    for m, k, n, transposed in shapes:
        left = torch.randn(k, m).t() if transposed else torch.randn(m, k)
        pairs.append((left, torch.randn(k, n)))
    flops = sum(2.0 * m * k * n for m, k, n, _ in shapes)

    def rate() -> float:
        rounds, seconds = 0, 0.0
        while seconds < min_s:
            seconds += clock(lambda: [torch.matmul(a, b) for a, b in pairs])[0]
            rounds += 1
        return rounds * flops / seconds / 1e9

    return statistics.median(rate() for _ in range(repeats))


def throughput_section(
    works: list[Work], *, repeats: int, batch: int, d_in: int, d_sae: int, square: int
) -> list[str]:
    """Section 5: each measured training's matmul GFLOP/s against torch.matmul's, one core."""
    step = [  # the five matmuls of a step: forward encoder, decoder; backward dW_dec, dz, dW_enc
        (batch, d_in, d_sae, False),
        (batch, d_sae, d_in, False),
        (d_sae, batch, d_in, True),
        (batch, d_in, d_sae, False),
        (d_in, batch, d_sae, True),
    ]
    step_peak = matmul_gflops(step, repeats=repeats, min_s=0.5)
    square_peak = matmul_gflops([(square, square, square, False)], repeats=repeats, min_s=1.0)
    lines = [
        "## 5. Training throughput against a one-core matmul peak",
        "",
        f"FLOPs counted: only the SAE step's matmuls, {step_flops(1, 1, 1):.0f} · batch · d_in · "
        "d_sae per step (`timing.step_flops`: two forward, three backward, 2 FLOPs per "
        "multiply-add); not the top-k, the AuxK loss, the L1 penalty, Adam, clipping, the "
        "learning curve or data handling. Peaks: `torch.matmul` in float32 on this thread, "
        f"medians of {repeats}: the step's five matmuls at batch {batch}, d_in {d_in}, d_sae "
        f"{d_sae} ({step_peak:.1f} GFLOP/s) and one {square} × {square} square "
        f"({square_peak:.1f} GFLOP/s).",
        "",
        "| training | steps | s | GFLOP/s | of the step's matmul peak | of the square peak |",
        "|---|---|---|---|---|---|",
    ]
    for w in works:
        rate = w.flops / w.seconds / 1e9
        lines.append(
            f"| {w.label} | {w.steps} | {w.seconds:.2f} | {rate:.2f} | {rate / step_peak:.0%} | "
            f"{rate / square_peak:.0%} |"
        )
    return lines
