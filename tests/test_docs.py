"""docs/: every committed page equals what `make docs` generates from the code now, and the code
the pages show runs. The recipes of docs/extending.md register an SAE, a system and a metric
family that pass the registry-derived tests, and the tests they tell you to add pass; the
snippet of docs/cli.md loads a saved SAE."""

import contextlib
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.docs import PAGES, page

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RECIPE = re.compile(r"```python\n# (new file|add to): (\S+)\n(.*?)```", re.DOTALL)
HELP_HEADING = "\n## Every command's help\n"


@pytest.mark.parametrize("name", [name for name in PAGES if name != "cli.md"])
def test_committed_page_is_generated_from_the_code(name):
    assert (DOCS / name).read_text(encoding="utf-8") == page(name, DOCS), "run `make docs`"


def test_committed_cli_page_is_generated_from_the_parser():
    """Exact under the Python that generated it; under another, whose argparse lays help out a
    little differently, everything but the help text, and every option is in the help."""
    from bench.docs.cli import parsers, parts

    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    generated = page("cli.md", DOCS)
    if f"Python {parts()['python']}'s argparse" in committed:
        assert committed == generated, "run `make docs`"
        return
    prose, help_text = committed.split(HELP_HEADING)
    assert prose == generated.split(HELP_HEADING)[0], "run `make docs`"
    for prog, parser in parsers().items():
        assert f"### `{prog}`" in help_text
        for option in (o for action in parser._actions for o in action.option_strings):
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text), option


def test_every_template_marker_is_filled_and_every_part_used():
    from bench.docs import render

    assert render("a {{x}} b", {"x": "1"}) == "a 1 b"
    with pytest.raises(ValueError, match="differ"):
        render("a {{x}} b", {"x": "1", "y": "2"})
    with pytest.raises(ValueError, match="differ"):
        render("a {{x}} {{z}}", {"x": "1"})


def test_the_pages_name_only_tests_that_exist():
    sources = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")}
    for name in PAGES:
        text = (DOCS / name).read_text(encoding="utf-8")
        made = {path for action, path, _ in RECIPE.findall(text) if action == "new file"}
        for file in re.findall(r"tests/(test_\w+\.py)", text):
            assert file in sources or f"tests/{file}" in made, f"{name} names tests/{file}"
        recipes = "".join(code for _, _, code in RECIPE.findall(text))
        for test in set(re.findall(r"`(test_\w+)`", text)):
            assert any(f"def {test}(" in s for s in [*sources.values(), recipes]), test


def recipes() -> list[tuple[str, str, str]]:
    return RECIPE.findall((DOCS / "extending.md").read_text(encoding="utf-8"))


PLUGIN = """
import importlib

for package, folder in {folders!r}.items():  # new files join their package
    importlib.import_module(package).__path__.append(folder)
for module, source, code in {additions!r}:  # additions run inside the module they extend
    exec(compile(code, source, "exec"), vars(importlib.import_module(module)))
for module in {new_modules!r}:
    importlib.import_module(module)
"""

GENERIC_TESTS = """
import importlib

import torch

from bench import metrics
from bench.config import TrainConfig
from bench.registry import get_sae, get_system
from bench.train import fit

TINY = TrainConfig(n_train=64, n_test=8, epochs=1, batch_size=16, d_sae=16, k=4)


def test_recipe_saes_train_and_load_back_as_sae_lens_saves_them():
    for name in {saes!r}:
        model = fit(get_sae(name)(), torch.randn(64, 12), TINY, "cpu", 0)
        assert model.encode(torch.randn(3, 12)).shape == (3, 16), name


def test_recipe_systems_pass_their_preflight():
    for name in {systems!r}:
        system = get_system(name)()
        system.preflight(system.window)


def test_recipe_families_join_the_metric_table():
    for module in {families!r}:
        metrics._table((*metrics.FAMILY_MODULES, importlib.import_module(module)))
"""


def test_the_recipes_run_and_pass_the_registry_derived_tests(tmp_path):
    """Every `# new file:` / `# add to:` block of docs/extending.md, loaded into this checkout
    without touching it, then the registry-derived tests over what they register, the tests
    the recipes add, and a training run, a preflight and the metric table over each."""
    folders, additions, new_modules, tests = {}, [], [], []
    for action, path, code in recipes():
        module = path.removesuffix(".py").replace("/", ".")
        if path.startswith("tests/"):
            tests.append(code)
        elif action == "new file":
            target = tmp_path / "new" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, encoding="utf-8")
            folders[module.rpartition(".")[0]] = str(target.parent)
            new_modules.append(module)
        else:
            additions.append((module, f"docs/extending.md: {path}", code))
    every = "\n".join(code for _, _, code in recipes())
    saes = re.findall(r'@register_sae\("(\w+)"\)', every)
    systems = re.findall(r'@register_system\("(\w+)"\)', every)
    families = [m for m in new_modules if m.startswith("bench.metrics.")]
    assert saes and systems and families and tests, "each recipe shows its code"
    plugin = PLUGIN.format(folders=folders, additions=additions, new_modules=new_modules)
    (tmp_path / "docs_recipes_plugin.py").write_text(plugin, encoding="utf-8")
    generic = GENERIC_TESTS.format(saes=saes, systems=systems, families=families)
    (tmp_path / "test_recipes.py").write_text("\n\n".join([*tests, generic]), encoding="utf-8")
    names = " or ".join([*saes, *systems, "every_sae", "test_recipes"])
    tests_dir = ROOT / "tests"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
            "-p", "docs_recipes_plugin", "-k", names,
            str(tests_dir / "test_registry_contract.py"), str(tests_dir / "test_baselines.py"),
            str(tests_dir / "test_systems.py"), str(tmp_path / "test_recipes.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if line.startswith("PASSED")]
    for name in [*saes, *systems]:  # the registry-derived tests ran over each
        assert any(f"[{name}]" in line for line in passed), name
    added = re.findall(r"^def (test_\w+)\(", "\n".join([*tests, generic]), re.MULTILINE)
    assert all(re.search(r"^def test_\w+\(", code, re.MULTILINE) for code in tests)  # each adds one
    assert len(added) == len(set(added)) >= len(tests) + 3  # and the three generic ones
    for test in added:
        assert any(line.endswith(f"::{test}") for line in passed), test


def test_the_save_saes_snippet_loads_a_saved_sae(tmp_path):
    """docs/cli.md's snippet, on the quick profile, loads an SAE saved where `run --save-saes`
    puts it (`bench.run.save.save_sae`) and prints its five most active latents."""
    from bench.config import profile
    from bench.registry import get_sae, get_system
    from bench.run.cell import plan
    from bench.run.save import save_sae
    from bench.train import inference_sae

    [code] = [
        block
        for block in re.findall(r"```python\n(.*?)```", (DOCS / "cli.md").read_text("utf-8"), re.S)
        if "load_from_disk" in block
    ]
    for shown, here in [('profile("default")', 'profile("quick")'), ('f"saes/', f'f"{tmp_path}/')]:
        assert shown in code
        code = code.replace(shown, here)
    cell = plan(["lorenz96"], ["topk"], 1, config=profile("quick")[0])[0]
    system = get_system("lorenz96")()
    d_in = system.window * system.dim
    save_sae(inference_sae(get_sae("topk")().build(d_in, cell.config, "cpu")), cell, tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(textwrap.dedent(code), "docs/cli.md", "exec"), {})
    assert "topk" in out.getvalue() and "indices" in out.getvalue()
