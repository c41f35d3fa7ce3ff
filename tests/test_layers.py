"""The house's layers: `systems/` and `baselines/` import from `bench` only its bottom layer
(`bench.registry`, `bench.errors`), so a system or an SAE never depends on the harness."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOTTOM = {"bench.registry", "bench.errors"}


def bench_imports(path: Path) -> set[str]:
    """Modules of `bench` a file imports, outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "bench":
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "bench"}
    return out


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("systems/*.py"), *ROOT.glob("baselines/*.py")]), ids=str
)
def test_systems_and_baselines_import_only_the_bottom_layer(path):
    assert bench_imports(path) <= BOTTOM, path
