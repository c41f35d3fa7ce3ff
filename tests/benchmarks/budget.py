"""`make bench-budget`: the budget study that sets the `default` profile.

For every chaotic system and `superposition`, the core SAEs are trained (one seed, the
`default` profile's other settings) at a ladder of budgets: more fresh windows first, then
more epochs. Each budget runs the plain matrix and the matched-L0 matrix (coefficient SAEs
calibrated to L0 = k) through the real command line, into one results file, so every number
comes from the same code as the leaderboard. From the records it reports, per budget: the
held-out FVU, FVU at matched L0, D_stsp and mcc of every cell, the share of converged cells
(`converged` in the records: validation FVU improved < 1 % over the last quarter of the
steps), and Kendall's τ of each system's SAE ranking between consecutive budgets (FVU at
matched L0, D_stsp, mcc). Then it checks the default's three criteria: ≥ 90 % of cells
converged, quadrupling the windows moves no core SAE's held-out FVU by more than 3 %
(relative), and every ranking's τ against 4× is ≥ 0.9. It also reports how far each budget is
from the 1 % line: the validation FVU's relative gain over the last quarter of training.
Writes results/benchmarks/budget.md from results/benchmarks/budget/runs.jsonl, the study's
committed records (resumable: a cell whose key is there is not trained again, whichever run
made it). `--matched-rungs N` runs the matched-L0 matrix on the first N budgets only.
"""

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from bench.train import CONVERGED_GAIN, last_quarter_gain

SYSTEMS = ("logistic", "henon", "lorenz96", "mackey_glass", "superposition")
MAX_FVU_SHIFT = 0.03  # quadrupling the windows moves no core SAE's FVU by more than this
MIN_CONVERGED = 0.90
MIN_TAU = 0.9
RANKINGS = {  # ranking name: (metric column, lower is better, which cells)
    "FVU at matched L0": ("fvu", True, "matched"),
    "D_stsp": ("state_space_divergence", True, "plain"),
    "mcc": ("mcc", False, "plain"),
}


@dataclass(frozen=True)
class Budget:
    name: str  # "1×", "4×", …: samples seen against the first budget
    n_train: int
    epochs: int

    @property
    def samples(self) -> int:
        return self.n_train * self.epochs

    def settings(self) -> list[str]:
        return [f"n_train={self.n_train}", f"epochs={self.epochs}"]


def ladder(n0: int, epochs0: int, steps: int, max_windows: int) -> list[Budget]:
    """1×, 4×, 16×, … the samples seen: windows × 4 while they stay ≤ max_windows, then epochs."""
    out, n, e = [], n0, epochs0
    for i in range(steps):
        out.append(Budget(f"{4**i}×", n, e))
        if n * 4 <= max_windows:
            n *= 4
        else:
            e *= 4
    return out


def run(budgets: list[Budget], out: Path, *, jobs: str, matched_rungs: int) -> None:
    for i, budget in enumerate(budgets):
        for mode in ([], ["--matched-l0"])[: 2 if i < matched_rungs else 1]:
            cmd = [sys.executable, "-m", "bench", "run", "--profile", "default", "--seeds", "1"]
            cmd += ["--systems", *SYSTEMS, "--saes", "core", *mode, "--jobs", jobs]
            cmd += ["--out", str(out), "--set", *budget.settings()]
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            print(f"{budget.name} {' '.join(mode) or 'plain'}: {time.perf_counter() - start:.0f} s")


# --- reading the records ---


def records(path: Path) -> pd.DataFrame:
    """One row per finished cell: system, sae, budget (n_train, epochs), mode, metrics, flags."""
    rows = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r.get("status") != "ok":
            continue
        m, curve = r["metrics"], r.get("curve") or {}
        rows.append(
            {
                "system": r["system"],
                "sae": r["sae"],
                "n_train": r["config"]["n_train"],
                "epochs": r["config"]["epochs"],
                "matched": bool(r["config"].get("target_l0")),
                "l0_control": r.get("l0_control"),
                "fvu": m.get("fvu"),
                "l0": m.get("l0"),
                "state_space_divergence": m.get("state_space_divergence"),
                "mcc": m.get("mcc"),
                "converged": r.get("converged"),
                "gain": last_quarter_gain(curve["samples"], curve["val_fvu"]) if curve else None,
                "key": r["key"],
                "finished": r.get("finished_at", ""),
            }
        )
    return pd.DataFrame(rows).drop_duplicates(
        ["system", "sae", "n_train", "epochs", "matched"], keep="last"
    )


def cells_at(df: pd.DataFrame, budget: Budget, which: str) -> pd.DataFrame:
    """The cells of a budget: "plain" (no calibration), or "matched" (calibrated cells, and the
    k-set cells, whose plain run is their matched cell: L0 = k)."""
    at = df[(df.n_train == budget.n_train) & (df.epochs == budget.epochs)]
    if which == "plain":
        return at[~at.matched]
    return pd.concat([at[at.matched], at[~at.matched & (at.l0_control == "k")]])


def tau(a: pd.Series, b: pd.Series) -> float:
    """Kendall's τ of two rankings given as values by SAE (the SAEs both have, NaN dropped)."""
    both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
    if len(both) < 3:
        return float("nan")
    return float(kendalltau(both.a, both.b).statistic)


def analyse(df: pd.DataFrame, budgets: list[Budget]) -> dict:
    out: dict = {"by_budget": [], "shifts": [], "taus": [], "checks": []}
    for b in budgets:
        plain, matched = cells_at(df, b, "plain"), cells_at(df, b, "matched")
        trained = pd.concat([plain, matched[matched.matched]])
        flags, gains = trained.converged.dropna(), trained.gain.dropna()
        out["by_budget"].append(
            {
                "budget": b.name,
                "n_train": b.n_train,
                "epochs": b.epochs,
                "cells": len(flags),
                "converged": flags.astype(bool).mean() if len(flags) else float("nan"),
                "plain_converged": plain.converged.dropna().astype(bool).mean(),
                "gain_median": gains.median() if len(gains) else float("nan"),
                "gain_max": gains.max() if len(gains) else float("nan"),
            }
        )
    for b, b4 in zip(budgets, budgets[1:], strict=False):
        p, p4 = cells_at(df, b, "plain"), cells_at(df, b4, "plain")
        both = p.merge(p4, on=["system", "sae"], suffixes=("", "_4"))
        both["shift"] = both.fvu_4 / both.fvu - 1
        out["shifts"] += [
            {"from": b.name, "to": b4.name, **r}
            for r in both[["system", "sae", "fvu", "fvu_4", "shift"]].to_dict("records")
        ]
        for name, (col, _, which) in RANKINGS.items():
            x, y = cells_at(df, b, which), cells_at(df, b4, which)
            for system in SYSTEMS:
                xs = x[x.system == system].set_index("sae")[col]
                ys = y[y.system == system].set_index("sae")[col]
                out["taus"].append(
                    {
                        "from": b.name,
                        "to": b4.name,
                        "ranking": name,
                        "system": system,
                        "tau": tau(xs, ys),
                    }
                )
    shifts, taus = pd.DataFrame(out["shifts"]), pd.DataFrame(out["taus"])
    for row in out["by_budget"][:-1]:
        name = row["budget"]
        s = shifts[shifts["from"] == name]
        t = taus[(taus["from"] == name)].dropna(subset=["tau"])
        worst = s.loc[s["shift"].abs().idxmax()] if len(s) else None
        out["checks"].append(
            {
                "budget": name,
                "converged": row["converged"],
                "max_shift": s["shift"].abs().max(),
                "worst_shift": worst["shift"] if worst is not None else float("nan"),
                "worst_cell": f"{worst.system} {worst.sae}" if worst is not None else "—",
                "min_tau": t.tau.min(),
                "ok": bool(
                    row["converged"] >= MIN_CONVERGED
                    and s["shift"].abs().max() <= MAX_FVU_SHIFT
                    and t.tau.min() >= MIN_TAU
                ),
            }
        )
    return out


# --- the report ---


def fmt(x: float, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}g}"


def share(x: float, decimals: int = 1) -> str:
    return "—" if np.isnan(x) else f"{x:.{decimals}%}"


def by_budget(frame: pd.DataFrame, metric: str, title: str, *, as_share: bool) -> list[str]:
    """A markdown table of `metric` by (system, sae) and budget's windows; [] if none has it."""
    sub = frame.dropna(subset=[metric])
    if not len(sub):
        return []
    table = sub.pivot_table(index=["system", "sae"], columns="n_train", values=metric)
    lines = ["", f"## {title}, by budget", ""]
    lines += [
        "| system | sae | " + " | ".join(f"{n} windows" for n in table.columns) + " |",
        "|---|---|" + "---|" * len(table.columns),
    ]
    for (system, sae), row in table.iterrows():
        values = (share(v) if as_share else fmt(v, 4) for v in row)
        lines.append(f"| {system} | {sae} | " + " | ".join(values) + " |")
    return lines


def markdown(df: pd.DataFrame, budgets: list[Budget], result: dict, *, header: str) -> str:
    lines = [header, ""]
    lines += [
        "## Budgets",
        "",
        f"Last-quarter gain: the validation FVU's relative improvement over the last quarter "
        f"of training; a cell is converged when it is below {CONVERGED_GAIN:.0%}.",
        "",
        "| budget | windows × epochs | samples seen | cells with a flag | converged | "
        "plain cells converged | median last-quarter gain | largest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b, row in zip(budgets, result["by_budget"], strict=True):
        lines.append(
            f"| {b.name} | {b.n_train} × {b.epochs} | {b.samples:,} | {row['cells']} | "
            f"{share(row['converged'], 0)} | {share(row['plain_converged'], 0)} | "
            f"{share(row['gain_median'])} | "
            f"{share(row['gain_max'])} |"
        )
    plain = df[~df.matched]
    matched = pd.concat([cells_at(df, b, "matched") for b in budgets])
    for frame, metric, title, as_share in (
        (plain, "fvu", "Held-out FVU of every plain cell", False),
        (plain, "gain", "Last-quarter gain of every plain cell", True),
        (plain, "state_space_divergence", "D_stsp of every plain cell", False),
        (plain, "mcc", "mcc of every plain cell", False),
        (
            matched,
            "fvu",
            "FVU at matched L0 (k-set cells at k, coefficient SAEs calibrated)",
            False,
        ),
    ):
        lines += by_budget(frame, metric, title, as_share=as_share)
    taus = pd.DataFrame(result["taus"])
    if len(taus):
        lines += ["", "## Kendall's τ of each system's SAE ranking, budget against the next", ""]
        order = [b.name for b in budgets]  # budgets in ladder order, not as strings sort
        taus["from"] = pd.Categorical(taus["from"], categories=order, ordered=True)
        pivot = taus.pivot_table(
            index=["from", "to", "ranking"], columns="system", values="tau", observed=True
        )
        lines += [
            "| from → to | ranking | " + " | ".join(pivot.columns) + " |",
            "|---|---|" + "---|" * len(pivot.columns),
        ]
        for (a, b, ranking), row in pivot.iterrows():
            cells = " | ".join(fmt(v, 2) for v in row)
            lines.append(f"| {a} → {b} | {ranking} | {cells} |")
    lines += ["", "## The default's criteria, each budget against 4× its windows", ""]
    lines += [
        "| budget | converged (≥ 90 %) | largest FVU shift at 4× (≤ 3 %) | where | "
        "smallest τ against 4× (≥ 0.9) | all three |",
        "|---|---|---|---|---|---|",
    ]
    for check in result["checks"]:
        lines.append(
            f"| {check['budget']} | {check['converged']:.0%} | {check['worst_shift']:+.1%} | "
            f"{check['worst_cell']} | {fmt(check['min_tau'], 2)} | "
            f"{'yes' if check['ok'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def provenance(df: pd.DataFrame, reference: Path) -> str:
    """Which records the committed reference run made (the same key and finish time): the study
    reads them as done, since a key names the cell whatever run made it."""
    made = {
        (r["key"], r.get("finished_at", ""))
        for r in map(json.loads, reference.read_text().splitlines())
    }
    shared = df[[cell in made for cell in zip(df.key, df.finished, strict=True)]]
    if not len(shared):
        return "Every record was made by this study."
    rungs = ", ".join(
        f"{n} × {e}" for n, e in sorted(set(zip(shared.n_train, shared.epochs, strict=True)))
    )
    return (
        f"{len(shared)} records ({rungs}) are the committed reference run's own seed-0 cells "
        f"({reference}): the same keys, so the study did not train them again."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/benchmarks/budget", help="records (resumable)")
    parser.add_argument("--report", default="results/benchmarks/budget.md")
    parser.add_argument("--rungs", type=int, default=4, help="1×, 4×, 16×, 64×, …")
    parser.add_argument("--n0", type=int, default=2000, help="windows of the 1× budget")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--max-windows", type=int, default=128_000)
    parser.add_argument("--jobs", default="auto")
    parser.add_argument("--matched-rungs", type=int, default=99, help="the first N run matched L0")
    parser.add_argument("--only-report", action="store_true", help="read the records only")
    args = parser.parse_args(argv)
    budgets = ladder(args.n0, args.epochs, args.rungs, args.max_windows)
    out = Path(args.out)
    start = time.perf_counter()
    if not args.only_report:
        run(budgets, out, jobs=args.jobs, matched_rungs=args.matched_rungs)
    df = records(out / "runs.jsonl")
    result = analyse(df, budgets)
    from bench.config import PROFILES

    cfg = PROFILES["default"][0]
    matched_at = sorted(set(df[df.matched].n_train))
    header = (
        "# Budget study (`make bench-budget`)\n\n"
        f"Core SAEs on {', '.join(SYSTEMS)}, one seed (0), batch {cfg.batch_size}, Adam "
        f"{cfg.lr:g}, d_sae {cfg.d_sae}, k {cfg.k}, {cfg.n_test} held-out and validation "
        "windows; budgets grow the fresh training windows 4× at a time at "
        f"{args.epochs} epochs. Made by `tests/benchmarks/budget.py` from "
        f"`{out}/runs.jsonl` ({len(df)} cells"
        + (f", {time.perf_counter() - start:.0f} s" if not args.only_report else "")
        + f", finished {min(df.finished)[:10]} to {max(df.finished)[:10]}). "
        + "The matched-L0 matrix ran at "
        + ", ".join(f"{n} windows" for n in matched_at)
        + f". {provenance(df, Path('results/reference/runs.jsonl'))}"
    )
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(df, budgets, result, header=header))
    print(f"wrote {report}")


if __name__ == "__main__":
    main()
