"""The budget study's arithmetic (tests/benchmarks/budget.py) on hand-made cells: the ladder,
the converged shares, the FVU shift at 4× the windows, Kendall's τ and the default's check."""

import pandas as pd
import pytest
from readme_claims import budget_module

budget = budget_module()


def test_the_ladder_grows_windows_then_epochs():
    rungs = budget.ladder(2000, 10, 4, 32_000)
    assert [(b.name, b.n_train, b.epochs) for b in rungs] == [
        ("1×", 2000, 10), ("4×", 8000, 10), ("16×", 32000, 10), ("64×", 32000, 40),
    ]  # fmt: skip


def cell(sae: str, n_train: int, fvu: float, converged: bool, gain: float) -> dict:
    """A plain cell of a k-set SAE (so also its matched-L0 cell)."""
    return {"system": "lorenz96", "sae": sae, "n_train": n_train, "epochs": 10, "matched": False,
            "l0_control": "k", "fvu": fvu, "state_space_divergence": None, "mcc": None,
            "converged": converged, "gain": gain}  # fmt: skip


def test_shares_shift_and_tau_by_hand():
    b1, b4 = budget.ladder(100, 10, 2, 10_000)
    df = pd.DataFrame(
        [
            cell("a", 100, 0.40, False, 0.05),
            cell("b", 100, 0.50, True, 0.00),
            cell("c", 100, 0.60, False, 0.02),
            # at 4×: a and b swap places, c stays last; a moves 0.40 → 0.38 (−5 %)
            cell("a", 400, 0.38, True, 0.001),
            cell("b", 400, 0.36, True, 0.002),
            cell("c", 400, 0.59, True, 0.003),
        ]
    )
    result = budget.analyse(df, [b1, b4])
    first, second = result["by_budget"]
    assert first["converged"] == pytest.approx(1 / 3) and second["converged"] == 1.0
    assert first["gain_median"] == pytest.approx(0.02) and first["gain_max"] == 0.05
    [check] = result["checks"]
    # shifts: a −5 %, b −28 %, c −1/60; the largest in size is b's
    assert check["max_shift"] == pytest.approx(0.28)
    assert check["worst_shift"] == pytest.approx(-0.28) and check["worst_cell"] == "lorenz96 b"
    # τ of (0.40, 0.50, 0.60) against (0.38, 0.36, 0.59): pairs ab discordant, ac and bc
    # concordant: (2 − 1) / 3
    [tau] = [t["tau"] for t in result["taus"] if t["system"] == "lorenz96" and t["ranking"]
             == "FVU at matched L0"]  # fmt: skip
    assert tau == pytest.approx(1 / 3) and check["min_tau"] == pytest.approx(1 / 3)
    assert check["ok"] is False
