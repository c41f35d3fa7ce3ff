"""Checks derived from the registry, over every registered system and SAE: a new one is
checked with no edit here. The last test registers a toy SAE and a toy system
(tests/toys.py) and runs these checks and the SAE checks over them, unchanged."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.data import data_rng
from bench.registry import GROUPS, sae_names, saes, system_names, systems


def test_every_sae_is_listed_once_in_its_group_order():
    names, table = sae_names(["all"]), saes()
    assert sorted(names) == sorted(table) and len(names) == len(set(names))
    ranks = [GROUPS.index(table[n].group) for n in names]
    assert ranks == sorted(ranks)  # grouped: core first, reference last
    for group in GROUPS:
        assert sae_names([group]) == [n for n in names if table[n].group == group]
    first = names[0]
    assert sae_names([first, table[first].group]).count(first) == 1  # no duplicates


@pytest.mark.parametrize("name", system_names())
def test_system_contract(name):
    system = systems()[name]()
    a = system.windows(3, data_rng(name, 0))
    b = system.windows(3, data_rng(name, 0))
    assert a.shape == (3, system.window * system.dim) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)  # the same stream gives the same windows
    assert system.delay_lag >= 1 and system.obs_dt > 0
    if system.can_twin:
        orbits = system.twin_orbits(2, system.window, 5, system.probe_eps, data_rng(name, 1))
        assert orbits.shape == (2, 2, system.window + 5, system.dim)
        np.testing.assert_array_equal(
            orbits[0, :, : system.window - 1], orbits[1, :, : system.window - 1]
        )
        assert (orbits[0, :, system.window - 1] != orbits[1, :, system.window - 1]).any()


@pytest.mark.skipif(os.environ.get("CHAOS_SAE_BENCH_TOYS") == "1", reason="already the toy run")
def test_toy_sae_and_system_pass_the_registry_derived_checks():
    tests = Path(__file__).parent
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            str(tests / "test_registry_contract.py"),
            str(tests / "test_baselines.py"),
            "-k",
            "toy or every_sae",
        ],
        env={**os.environ, "CHAOS_SAE_BENCH_TOYS": "1"},  # never set inside: no recursion
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    passed = [line for line in done.stdout.splitlines() if line.startswith("PASSED")]
    assert any("[toy_chebyshev]" in line for line in passed), done.stdout[-3000:]
    assert sum("[toy_sae]" in line for line in passed) >= 3, done.stdout[-3000:]
