"""The house's layers: `systems/` and `baselines/` import from `bench` only its bottom layer
(`bench.registry`, `bench.errors`), so a system or an SAE never depends on the harness; and in
a fresh interpreter `import bench` loads no system, no SAE and not sae-lens, a system loads no
SAE, `--help` never imports sae-lens (seconds), and `list` imports every built-in module."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bench.registry import builtin_modules

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


def modules_after(code: str) -> set[str]:
    """The modules of systems, baselines and sae_lens a fresh interpreter has after `code`."""
    probe = (
        f"{code}\nimport sys\n"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in PACKAGES))"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"PACKAGES = ('systems', 'baselines', 'sae_lens')\n{probe}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_import_bench_loads_no_system_no_sae_and_not_sae_lens():
    assert modules_after("import bench") == set()


def test_a_system_module_loads_no_sae_module():
    loaded = modules_after("import systems.logistic")
    assert "systems.logistic" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("baselines", "sae_lens")}, loaded


def test_help_does_not_import_sae_lens_and_list_imports_every_builtin():
    quiet = "import contextlib, io\nfrom bench.cli import main\n"
    quiet += "with contextlib.redirect_stdout(io.StringIO()):\n"
    helped = modules_after(quiet + "    with contextlib.suppress(SystemExit): main(['--help'])")
    assert "sae_lens" not in helped
    listed = modules_after(quiet + "    main(['list'])")  # one file per SAE: sae-lens classes too
    assert set(builtin_modules()) <= listed


@pytest.mark.parametrize("first", ["", "import sae_lens\n"])
def test_an_sae_module_imported_first_registers_and_fills_the_registry(first):
    """`import bench` can start inside a half-imported SAE module (`baselines.base` imports
    `bench.errors`); its post-import hook must not fail then, and every SAE registers."""
    code = first + "from baselines.ksparse_chaos import KSparseChaosSAE\n"
    code += "from bench.registry import saes\nassert {'ksparse_chaos', 'wta'} <= set(saes())"
    assert "baselines.wta" in modules_after(code)
