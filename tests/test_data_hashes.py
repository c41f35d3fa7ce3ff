"""The same seed gives bit-identical data on every machine (issue 11).

Pins a sha256 of the first windows of each built-in system at its default parameters, drawn
from the dataset's own stream (`bench.data.data_rng(name, 0)`), so CI on any processor catches
drift; and checks that the generators use only correctly rounded IEEE operations (+ − × ÷
sqrt), never `pow`, `exp`, `log` or trigonometry, whose last bit can depend on the CPU.
A pinned hash changes only on purpose: a new generator, a new seed stream or a new numpy
random algorithm; then update it here and say why in the commit. Four windows come from four
starts; `PINNED_SEVERAL` pins 2000 short windows, where systems with a decorrelation gap
draw several per start (systems/sampling.py: the gap and the windows per start are part of
what makes the data).
"""

import ast
import hashlib
import inspect

import numpy as np
import pytest

from bench.data import data_rng
from bench.registry import get_system
from systems import henon, logistic, lorenz96, mackey_glass, maps, sampling
from systems.mackey_glass import hill_power

PINNED = {
    "logistic": "28c960429be2c2ff286199a18786afa63586f9aa81e0f5e44e6cc4e0c1506f28",
    "henon": "7300c210698bb24aca3ed80e36d0014b3e75321796aeae2192e2ef867dbccb11",
    "lorenz96": "325c53545520b3e2f2691d7eda72cc73b6fb9c197a864373d666b5ef9bdd32ab",
    "mackey_glass": "64864a903d18179ae95a2469a286b2938b0181a7eefed91c78f1713e3617f61a",
    # the ground-truth systems: IEEE arithmetic in their chaotic / periodic parts, features
    # rounded to float32 (systems/ground_truth.py)
    "superposition": "57c6c3256ef972d7146bdc16d0b18cb8be484fdf26dfeb517ad9c4207ef0fe74",
    "mixed_sources": "9cbeda824b9dfcb767c6b4efbb4a30d3cba16d1977fb7a9f13e7680017cb9719",
}


# samples(2000, window 8): 3, 5, 6 and 13 windows per start (mackey_glass, mixed_sources: 1)
PINNED_SEVERAL = {
    "logistic": "ff9ff9983e520f55bbb7d642e4cbf498c03ce75cd4f40c220b2b7a55e4e18a9f",
    "henon": "21834a4a68468d07f3bea0f6847e461a1d985a38988f3cd38abb97167744433f",
    "lorenz96": "edf770ad093e457e4ff334249b99cb1f1f4480dd318ead232a4ebbdc76f2b5e0",
    "superposition": "25d824b919455809648886edd9cd04bab8d85c9e302a659ad47ff88e4017bd2e",
}


@pytest.mark.parametrize("name", list(PINNED))
def test_first_windows_are_pinned(name):
    windows = get_system(name)().windows(4, data_rng(name, 0))  # (4, d_in) float64
    assert windows.dtype == np.float64
    assert hashlib.sha256(windows.tobytes()).hexdigest() == PINNED[name]


@pytest.mark.parametrize("name", list(PINNED_SEVERAL))
def test_windows_drawn_several_per_start_are_pinned(name):
    windows = get_system(name)().samples(2000, 8, data_rng(name, 0)).windows  # (2000, 8 D)
    assert hashlib.sha256(windows.tobytes()).hexdigest() == PINNED_SEVERAL[name]


NOT_CORRECTLY_ROUNDED = {
    "power",
    "exp",
    "expm1",
    "log",
    "log1p",
    "sin",
    "cos",
    "tanh",
    "float_power",
}


@pytest.mark.parametrize("module", [logistic, henon, lorenz96, mackey_glass, maps, sampling])
def test_generators_use_only_correctly_rounded_operations(module):
    """No `**`, `np.power`, `np.exp`, ... in a generator module, except `hill_power`'s
    documented fallback for a non-integer Hill exponent."""
    fallback = inspect.getsource(hill_power)
    source = inspect.getsource(module).replace(fallback, "") if module is mackey_glass else None
    tree = ast.parse(source or inspect.getsource(module))
    pows = [node for node in ast.walk(tree) if isinstance(node, ast.BinOp | ast.AugAssign)]
    assert not [n for n in pows if isinstance(n.op, ast.Pow)]
    called = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not called & NOT_CORRECTLY_ROUNDED


def test_hill_power_is_a_fixed_chain_of_multiplications():
    x = np.random.default_rng(0).uniform(0.2, 1.6, 10_000)
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    np.testing.assert_array_equal(hill_power(x, 10.0), x8 * x2)
    np.testing.assert_array_equal(hill_power(x, 3), x * x2)
    np.testing.assert_allclose(hill_power(x, 10.0), np.power(x, 10.0), rtol=4e-15)
    np.testing.assert_allclose(hill_power(x, 9.65), np.power(x, 9.65), rtol=0)  # the fallback
