"""Support for tests/test_readme_claims.py: the committed run's tables, and numbers as the
README writes them.

Every number the README quotes is recomputed here from the committed records, through the
leaderboard's own `tables` (so it is the number the leaderboard shows), and rounded once, from
the unrounded mean, as the README rounds it.
"""

import importlib.util
import json
from collections import Counter
from functools import cache
from pathlib import Path

import pandas as pd

from bench.report.leaderboard import Tables, tables
from bench.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "reference"
README = ROOT / "README.md"
CHAOTIC = ("logistic", "henon", "lorenz96", "mackey_glass")


@cache
def records() -> list[dict]:
    """The committed reference run's records, read once."""
    return RunStore(REFERENCE / "runs.jsonl").load()


@cache
def run() -> Tables:
    """The committed reference run's tables (Welch's tests against K-Sparse Chaos)."""
    return tables(records(), reference="ksparse_chaos")


@cache
def readme() -> str:
    """The README with its white space folded (a sentence may wrap anywhere)."""
    return " ".join(README.read_text().split())


def says(text: str) -> bool:
    return " ".join(text.split()) in readme()


def value(frame: pd.DataFrame, system: str, label: str, metric: str, stat: str = "mean") -> float:
    """One aggregated cell: `metric`'s mean (or std) of row `label` on `system`."""
    rows = frame[(frame.system == system) & (frame.label == label)]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows for {label} on {system}")
    return float(rows[f"{metric}_{stat}"].iloc[0])


def fmt(x: float) -> str:
    """x rounded once to 3 decimals, as the README writes it."""
    return f"{x:.3f}"


def sig(x: float, digits: int = 2) -> str:
    """x rounded once to `digits` significant digits (trailing zeros kept), as the README
    writes it."""
    return f"{x:#.{digits}g}".rstrip(".")


# ----------------------------------------------------------------------------- the claims
# Each function renders one passage of the README from the committed records; the test checks
# that the README contains it word for word.

NAMES = {"logistic": "logistic", "henon": "Hénon", "lorenz96": "Lorenz-96",
         "mackey_glass": "Mackey-Glass"}  # fmt: skip
SUBJECT = "ksparse_chaos"


def main_records() -> list[dict]:
    return [r for r in records() if r["status"] == "ok" and r["profile"] == run().main_profile]


def plain_trained() -> pd.DataFrame:
    """Per-seed rows of the main table's trained SAEs (references and the data row left out)."""
    plain = run().plain
    return plain[(plain.group != "reference") & (plain.sae != "data")]


def profile_text() -> str:
    """The main profile's sizes, read from its records."""
    configs = Counter(tuple(sorted(r["config"].items())) for r in main_records())
    seeds = {r["seed"] for r in main_records()}
    c = dict(configs.most_common(1)[0][0])  # the plain cells' settings
    return (
        f"{c['n_train']} / {c['n_test']} windows, {c['epochs']} epochs, batch {c['batch_size']}, "
        f"Adam {c['lr']:g}, d_sae = {c['d_sae']}, k = {c['k']}, {len(seeds)} seeds"
    )


def cells_text() -> str:
    t = run()
    return f"{len(t.ok)} cells finished and {len(t.failed)} failed"


def converged_text() -> str:
    """How many trained cells of the main table converged by the records' own criterion."""
    rows = plain_trained()
    done, n = int(rows.converged.astype(bool).sum()), len(rows)
    by_sae = rows.groupby("sae").converged.mean().sort_values()
    low = ", ".join(f"{s} {share:.0%}" for s, share in by_sae.items() if share < 0.5)
    return (
        f"{done} of the {n} trained cells of the main table ({done / n:.0%}) converged; "
        f"below half: {low}"
    )


def headline_rows() -> pd.DataFrame:
    """The matched-L0 table's FVU on the chaotic systems: one row per label, best first by the
    mean over the systems."""
    m = run().matched
    m = m[m.system.isin(CHAOTIC)]
    wide = m.pivot_table(index=["label", "group"], columns="system", values="fvu_mean")
    wide = wide[list(CHAOTIC)].reset_index()
    return wide.assign(order=wide[list(CHAOTIC)].mean(axis=1)).sort_values("order")


def headline_table() -> str:
    rows = headline_rows()
    trained = rows[rows.group != "reference"]
    best = {s: trained[s].min() for s in CHAOTIC}
    lines = ["| sae | " + " | ".join(NAMES[s] for s in CHAOTIC) + " |",
             "|---|" + "---|" * len(CHAOTIC)]  # fmt: skip
    for _, r in rows.iterrows():
        name = f"`{r.label}` (ref)" if r.group == "reference" else r.label
        name = f"**{name}**" if r.label == SUBJECT else name
        cells = [f"**{sig(r[s], 3)}**" if r.group != "reference" and r[s] == best[s]
                 else sig(r[s], 3) for s in CHAOTIC]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def trained_agg(system: str) -> pd.DataFrame:
    """The main table's trained SAEs on one system (no references, no data row)."""
    agg = run().agg
    return agg[(agg.system == system) & (agg.group != "reference") & (agg.sae != "data")]


def pca_text(system: str) -> str:
    """How many calibrated trained SAEs reach a lower FVU than PCA at matched L0 on `system`,
    and which do not."""
    m = run().matched
    rows = m[m.system == system]
    pca = float(rows[rows.sae == "pca"].fvu_mean.iloc[0])
    trained = rows[(rows.group != "reference") & rows.fvu_mean.notna()]
    below, above = trained[trained.fvu_mean < pca], trained[trained.fvu_mean >= pca]
    return (
        f"{NAMES[system]} {len(below)} of {len(trained)} below PCA's {fmt(pca)} "
        f"(above: {', '.join(above.label) or 'none'})"
    )


def rank_text(system: str, metric: str) -> str:
    """`ksparse_chaos`' rank on `metric` (1 = lowest) among the trained SAEs of `system`."""
    rows = trained_agg(system).dropna(subset=[f"{metric}_mean"]).sort_values(f"{metric}_mean")
    place = list(rows.label).index(SUBJECT) + 1
    return f"{place} of {len(rows)}"


def value_text(system: str, label: str, metric: str) -> str:
    """One mean of the main table, as the README writes it."""
    return fmt(value(run().agg, system, label, metric))


def best_text(system: str, metric: str, n: int = 3) -> str:
    """The n trained SAEs highest on `metric`, with their means: "l1 0.988, gated 0.982, …"."""
    rows = trained_agg(system).sort_values(f"{metric}_mean", ascending=False).head(n)
    return ", ".join(f"{r.label} {fmt(r[f'{metric}_mean'])}" for _, r in rows.iterrows())


# The seed paper's budget: the reference run committed on 2026-11-29 (the code of that day).
PAPER_BUDGET = ROOT / "results" / "paper-budget" / "runs.jsonl"


@cache
def paper_budget() -> pd.DataFrame:
    """Its plain cells (k = 32, no calibration): one row per record, metrics as columns."""
    rows = [json.loads(line) for line in PAPER_BUDGET.read_text().splitlines() if line.strip()]
    plain = [r for r in rows if r["status"] == "ok" and not r["config"]["target_l0"]]
    return pd.DataFrame(
        [
            {
                "system": r["system"],
                "sae": r["sae"],
                "seed": r["seed"],
                "k": r["config"]["k"],
                **r["metrics"],
            }
            for r in plain
        ]  # fmt: skip
    )


def paper_value(system: str, sae: str, metric: str) -> float:
    rows = paper_budget()
    rows = rows[(rows.system == system) & (rows.sae == sae) & (rows.k == 32)]
    if len(rows) != 3:
        raise KeyError(f"{len(rows)} paper-budget records for {sae} on {system}")
    return float(rows[metric].mean())


def budget_change(system: str, sae: str, metric: str) -> str:
    """ "0.568 → 0.988": the paper budget's mean, then the default's (plain run)."""
    new = value(run().agg, system, sae, metric)
    return f"{fmt(paper_value(system, sae, metric))} → {fmt(new)}"


def extreme_systems(metric: str) -> list[str]:
    """The chaotic systems on which `ksparse_chaos` has the highest mean of `metric` among the
    trained SAEs of the main table."""
    out = []
    for system in CHAOTIC:
        rows = trained_agg(system).set_index("label")[f"{metric}_mean"].dropna()
        if rows.idxmax() == SUBJECT:
            out.append(NAMES[system])
    return out


def listing(names: list[str]) -> str:
    """ "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def all_dead_free(system: str) -> str:
    """How many trained SAEs have no dead latent on `system` (mean dead fraction 0)."""
    rows = trained_agg(system)
    return f"{int((rows.dead_frac_mean == 0).sum())} of {len(rows)}"


def data_floor(system: str, metric: str = "state_space_divergence") -> float:
    agg = run().agg
    return float(agg[(agg.system == system) & (agg.sae == "data")][f"{metric}_mean"].iloc[0])


def dstsp_text(system: str) -> str:
    """The data row's D_stsp, the best trained SAE's, and K-Sparse Chaos'."""
    rows = trained_agg(system).set_index("label").state_space_divergence_mean
    best = rows.idxmin()
    return (
        f"{NAMES[system]}: data {sig(data_floor(system))}, best {best} {sig(rows[best], 3)}, "
        f"ksparse_chaos {sig(rows[SUBJECT], 3)}"
    )


def lowest_everywhere(metric: str) -> str:
    """ "`kl_sparse` is the lowest on all four" when one SAE is lowest on every chaotic system."""
    names = {trained_agg(s).set_index("label")[f"{metric}_mean"].idxmin() for s in CHAOTIC}
    if len(names) != 1:
        raise AssertionError(f"no single lowest {metric}: {names}")
    return f"`{names.pop()}` is the lowest on all four"


def dstsp_worst_elsewhere() -> str:
    """Who has the worst D_stsp on the chaotic systems where K-Sparse Chaos does not."""
    names = {
        trained_agg(s).set_index("label").state_space_divergence_mean.idxmax() for s in CHAOTIC
    } - {SUBJECT}
    if len(names) != 1:
        raise AssertionError(f"several worst: {names}")
    return f"`{names.pop()}` is worse on the other systems"


def floor_ratio() -> str:
    """The smallest ratio of any trained SAE's D_stsp to the data row's, over the chaotic
    systems, rounded down."""
    ratios = [trained_agg(s).state_space_divergence_mean.min() / data_floor(s) for s in CHAOTIC]
    return f"Every SAE stays at least {int(min(ratios))}× above the floor"


REFERENCES = ("pca", "sparse_coding")


def mcc_rank_change(sae: str, system: str = "superposition") -> str:
    """`sae`'s rank by mcc (1 = best) among the trained SAEs, at the paper budget and now."""
    old = paper_budget()
    old = old[(old.system == system) & (old.k == 32) & ~old.sae.isin(REFERENCES)]
    old_rank = list(old.groupby("sae").mcc.mean().sort_values(ascending=False).index).index(sae)
    new = trained_agg(system).sort_values("mcc_mean", ascending=False)
    new_rank = list(new.label).index(sae)
    return f"rank {old_rank + 1} of {old.sae.nunique()} then, {new_rank + 1} of {len(new)} now"


# SynthSAEBench-16k's published pattern at L0 = 20 and 25 (SAELens' docs/synth_sae_bench.md):
# (statement, metric, "max" or "min", the SAE it names)
SYNTH_PATTERN = (
    ("Matching Pursuit: the highest variance explained (lowest FVU)", "fvu", "min", "mp"),
    ("Matching Pursuit: the lowest F1", "f1", "min", "mp"),
    ("Matching Pursuit: the lowest uniqueness", "uniqueness", "min", "mp"),
    ("Matryoshka: the highest F1", "f1", "max", "matryoshka"),
    ("Matryoshka: the highest uniqueness", "uniqueness", "max", "matryoshka"),
    ("standard L1: the lowest MCC", "mcc", "min", "l1"),
)
SYNTH_LEVELS = (3.0, 4.0, 32.0)  # the fronts' levels near its true L0 (4.7), and the main run's


def synth_points(level: float) -> pd.DataFrame:
    p = run().points
    rows = p[(p.system == "synth_hierarchy") & (p.level == level)]
    rows = rows[rows.group.isin(("core", "extended")) & (rows.sae != SUBJECT)]  # sae-lens' own
    return rows.set_index("label")


def synth_cell(level: float, metric: str, pick: str, named: str) -> str:
    rows = synth_points(level)[metric].dropna()
    if named not in rows.index:
        return "not run"
    who = rows.idxmin() if pick == "min" else rows.idxmax()
    if who == named:
        return f"holds ({named} {sig(rows[who], 3)})"
    return f"no: {who} {sig(rows[who], 3)} ({named} {sig(rows[named], 3)})"


def synth_table() -> str:
    """The published pattern beside ours on synth_hierarchy, at each level that ran."""
    levels = [lv for lv in SYNTH_LEVELS if len(synth_points(lv))]
    lines = [
        "| SynthSAEBench-16k, L0 = 20 and 25 | "
        + " | ".join(f"ours, L0 = {lv:g} ({len(synth_points(lv))} sae-lens SAEs)" for lv in levels)
        + " |",
        "|---|" + "---|" * len(levels),
    ]
    for statement, metric, pick, named in SYNTH_PATTERN:
        cells = [synth_cell(lv, metric, pick, named) for lv in levels]
        lines.append(f"| {statement} | " + " | ".join(cells) + " |")
    cells = []
    for lv in levels:
        mcc = synth_points(lv).mcc
        if {"batchtopk", "jumprelu"} <= set(mcc.index):
            pair = (f"{name} {sig(mcc[name], 3)}" for name in ("batchtopk", "jumprelu"))
            cells.append(", ".join(pair))
        else:
            cells.append("not run")
    lines.append("| BatchTopK ≈ JumpReLU (MCC) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failed_text() -> str:
    """The failed cells, by what failed: "wta at L0 8 and 16 on mixed_sources, …"."""
    failed = [r for r in records() if r["status"] != "ok"]
    if not all("reached L0" in r["error"] for r in failed):
        raise AssertionError("a failed cell that is not a calibration miss: say what it is")
    by: dict[tuple[str, str], list[str]] = {}
    for r in failed:
        by.setdefault((r["sae"], r["system"]), []).append(f"{r['config']['target_l0']:g}")
    return "; ".join(
        f"{sae} at L0 {listing(levels)} on {system}" for (sae, system), levels in by.items()
    )


# ----------------------------------------------------------------------------- the budget study
# Read from the study's committed records (results/benchmarks/budget/runs.jsonl) through the
# study's own code (tests/benchmarks/budget.py), as results/benchmarks/budget.md shows them.

BUDGET_RECORDS = ROOT / "results" / "benchmarks" / "budget" / "runs.jsonl"
INDEPENDENT_CHECK = {"lorenz96": ("topk", "relu", "ksparse_chaos"), "superposition": ("l1", "topk")}


@cache
def budget_module():
    spec = importlib.util.spec_from_file_location(
        "budget", ROOT / "tests" / "benchmarks" / "budget.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def budget_study() -> tuple[list, pd.DataFrame, dict]:
    """(the ladder of budgets, the study's cells, its analysis), with `make bench-budget`'s
    defaults."""
    b = budget_module()
    budgets = b.ladder(2000, 10, 4, 128_000)
    df = b.records(BUDGET_RECORDS)
    return budgets, df, b.analyse(df, budgets)


def budget_ladder_text() -> str:
    budgets, _, result = budget_study()
    shares = [f"{row['plain_converged']:.0%}" for row in result["by_budget"]]
    names = [b.name for b in budgets]
    return (
        f"{budgets[0].n_train} to {budgets[-1].n_train} fresh windows × {budgets[0].epochs} "
        f"epochs): the share of converged plain cells is {', '.join(shares[:-1])} and "
        f"{shares[-1]} at {', '.join(names[:-1])} and {names[-1]} the samples"
    )


def default_check_text() -> str:
    """The default's criteria, read against 4× its windows; and whether any budget meets them."""
    from bench.config import PROFILES

    study = budget_module()
    cfg = PROFILES["default"][0]
    budgets, _, result = budget_study()
    [default] = [b for b in budgets if (b.n_train, b.epochs) == (cfg.n_train, cfg.epochs)]
    [check] = [c for c in result["checks"] if c["budget"] == default.name]
    meeting = [c["budget"] for c in result["checks"] if c["ok"]]
    return (
        f"{'No budget' if not meeting else 'Only ' + ', '.join(meeting)} on its ladder meets "
        f"the criteria set for a converged default (≥ {study.MIN_CONVERGED:.0%} converged, "
        f"≤ {study.MAX_FVU_SHIFT:.0%} FVU shift and τ ≥ {study.MIN_TAU:g} against 4× the "
        f"windows): the default ({default.name}) has {check['converged']:.0%} of its cells "
        f"converged, quadrupling its windows moves a core SAE's held-out FVU by up to "
        f"{check['worst_shift']:+.1%} ({check['worst_cell']}), and the smallest Kendall τ of a "
        f"ranking against 4× is {check['min_tau']:.2f}"
    )


CHECK_LIMIT = 0.05  # the independent check: no named FVU moves by more than 5 %


def independent_check_text() -> str:
    """The issue's check: 4× the default's windows against the default, on the named cells."""
    from bench.config import PROFILES

    cfg = PROFILES["default"][0]
    _, df, _ = budget_study()
    plain = df[~df.matched & (df.epochs == cfg.epochs)]
    at = plain[plain.n_train == cfg.n_train].set_index(["system", "sae"]).fvu
    at4 = plain[plain.n_train == 4 * cfg.n_train].set_index(["system", "sae"]).fvu
    parts, over, reordered = [], [], False
    for system, saes in INDEPENDENT_CHECK.items():
        moves = []
        for sae in saes:
            shift = at4[system, sae] / at[system, sae] - 1
            moves.append(
                f"{sae} {sig(at[system, sae], 3)} → {sig(at4[system, sae], 3)} ({shift:+.1%})"
            )
            if abs(shift) > CHECK_LIMIT:
                over.append(f"{NAMES.get(system, system)} {sae}")
        kept = list(at[system][list(saes)].sort_values().index) == list(
            at4[system][list(saes)].sort_values().index
        )
        reordered |= not kept
        parts.append(
            f"{NAMES.get(system, system)}: {', '.join(moves)}, order "
            f"{'kept' if kept else 'changed'}"
        )
    verdict = "fails" if over or reordered else "passes"
    moved = f"; moved by more than {CHECK_LIMIT:.0%}: {', '.join(over) or 'none'}"
    return "; ".join(parts) + moved + f". The check {verdict}"
