"""Every number and superlative in the README's results, re-derived from the committed records.

Each passage below is rendered from `results/reference/runs.jsonl` (and, for the old budget,
`results/paper-budget/runs.jsonl`; for the run's wall time, `results/reference/timing.json`)
by tests/readme_claims.py and must appear in the README word for word: a sentence that stops
being true, or a number changed by one unit in its last digit, fails `make test`. A last test
checks that the results section quotes no number that none of these passages contains.
"""

import json
import re

import pytest
import readme_claims as c

CHAOTIC = c.CHAOTIC


def timing() -> dict:
    return json.loads((c.REFERENCE / "timing.json").read_text())


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


PASSAGES = {
    "profile": lambda: f"default profile: {c.profile_text()}",
    "cells": lambda: c.cells_text(),
    "failed": lambda: c.failed_text(),
    "converged": lambda: c.converged_text(),
    "headline table": lambda: c.headline_table(),
    "pca": lambda: "; ".join(c.pca_text(s) for s in CHAOTIC),
    "subject worst fvu": lambda: (
        f"the highest FVU of the {len(c.trained_agg('logistic'))} trained SAEs on "
        f"{c.listing(c.extreme_systems('fvu'))}"
    ),
    "dead free": lambda: ", ".join(c.all_dead_free(s) for s in CHAOTIC),
    "variance rank": lambda: ", ".join(c.rank_text(s, "variance") for s in CHAOTIC),
    "subject variance": lambda: ", ".join(c.value_text(s, c.SUBJECT, "variance") for s in CHAOTIC),
    "relu variance": lambda: ", ".join(c.value_text(s, "relu", "variance") for s in CHAOTIC),
    "variance lowest": lambda: c.lowest_everywhere("variance"),
    "dstsp": lambda: "; ".join(c.dstsp_text(s) for s in CHAOTIC),
    "dstsp floor": lambda: c.floor_ratio(),
    "dstsp elsewhere": lambda: c.dstsp_worst_elsewhere(),
    "dstsp worst": lambda: (
        f"the worst D_stsp only on {c.listing(c.extreme_systems('state_space_divergence'))}"
    ),
    "superposition best": lambda: c.best_text("superposition", "mcc", 4),
    "superposition subject": lambda: (
        f"ksparse_chaos {c.value_text('superposition', c.SUBJECT, 'mcc')}, "
        f"PCA {c.value_text('superposition', 'pca', 'mcc')}"
    ),
    "synth mcc": lambda: c.best_text("synth_hierarchy", "mcc", 3),
    "synth f1": lambda: c.best_text("synth_hierarchy", "f1", 3),
    "synth subject": lambda: (
        f"ksparse_chaos {c.value_text('synth_hierarchy', c.SUBJECT, 'mcc')} "
        f"(F1 {c.value_text('synth_hierarchy', c.SUBJECT, 'f1')})"
    ),
    "synth table": lambda: c.synth_table(),
    "budget l1": lambda: (
        f"L1's mcc on superposition {c.budget_change('superposition', 'l1', 'mcc')}"
    ),
    "budget l1 rank": lambda: c.mcc_rank_change("l1"),
    "budget gated": lambda: f"Gated's {c.budget_change('superposition', 'gated', 'mcc')}",
    "budget lorenz96": lambda: ", ".join(
        f"{sae} {c.budget_change('lorenz96', sae, 'fvu')}" for sae in ("relu", "topk", c.SUBJECT)
    ),
    "budget ladder": lambda: c.budget_ladder_text(),
    "budget default": lambda: c.default_check_text(),
    "budget check": lambda: c.independent_check_text(),
    "timing": lambda: (
        f"{minutes(timing()['leaderboard_s'])} of wall time for `make leaderboard` "
        f"({timing()['cells']} cells)"
    ),
    "cpu": lambda: minutes(timing()["cpu_s"] / 2),
    "fronts time": lambda: (
        f"{minutes(timing()['fronts_s'])} of wall time for {timing()['fronts_cells']} more cells"
    ),
}


@pytest.mark.parametrize("name", PASSAGES)
def test_the_readme_says_what_the_records_say(name):
    text = PASSAGES[name]()
    assert c.says(text), f"the README should say, from the committed records: {text!r}"


def test_the_timing_file_counts_the_leaderboards_cells():
    """The cells `make leaderboard` made: every record finished before it ended; `make fronts`
    made the rest, after it."""
    made = [r for r in c.records() if r["finished_at"] <= timing()["ended_at"]]
    assert timing()["cells"] == len(made)
    assert timing()["fronts_cells"] == len(c.records()) - len(made)


def results_section() -> str:
    readme = c.README.read_text()
    start = readme.index("## Results")
    return readme[start : readme.index("\n## ", start + 1)]


NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def test_every_number_in_the_results_is_a_checked_one():
    """A number typed into the results section by hand, outside every passage, fails here."""
    checked = " ".join(PASSAGES[name]() for name in PASSAGES)
    known = set(NUMBER.findall(checked))
    section = re.sub(r"\[[^\]]*\]\([^)]*\)", "", results_section())  # links: names, not claims
    section = re.sub(r"`[^`]*`", "", section)  # code: commands and names
    stray = sorted(set(NUMBER.findall(section)) - known - {"1", "2", "3", "4"})
    assert not stray, f"numbers in the README's results that no test derives: {stray}"


def test_a_number_changed_in_its_last_digit_is_caught():
    """The mechanism itself: the headline table with one digit changed is not in the README."""
    table = c.headline_table()
    last = NUMBER.findall(table)[-1]
    changed = last[:-1] + str((int(last[-1]) + 1) % 10)
    assert c.says(table)
    at = table.rindex(last)
    assert not c.says(table[:at] + changed + table[at + len(last) :])
