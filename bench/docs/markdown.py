"""Markdown pieces the generated reference pages share: tables, a dataclass's fields as a
table, and values written as `--set` takes them. Formatting only: nothing here reads the
registry or writes a file."""

import dataclasses
import inspect
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]  # the checkout the pages link into


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table; a `|` inside a cell is escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def value_text(value: Any) -> str:
    """A default as `--set` spells it: true/false for booleans, Python's repr otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def type_text(kind: Any) -> str:
    """A dataclass field's type as written (`float`), whether a class or a string annotation."""
    return kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))


def fields_table(cls: type, scope: str) -> str:
    """The dataclass fields of `cls` (its parameters) as a table, with the `--set` line that
    sets each; an empty string for a class without fields."""
    rows = [
        [f"`{f.name}`", type_text(f.type), f"`{value_text(f.default)}`", f"`{scope}.{f.name}=…`"]
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING
    ]
    return table(["parameter", "type", "default", "set with `--set`"], rows) if rows else ""


def docstring(cls: type) -> str:
    """The class docstring, dedented (empty when none)."""
    return inspect.getdoc(cls) or ""


def source_link(module: str) -> str:
    """`path/to/module.py` as a link relative to docs/, for a module of this checkout."""
    path = Path(sys.modules[module].__file__).resolve().relative_to(REPO).as_posix()
    return f"[{path}](../{path})"
