"""The generated parts of docs/cli.md: the command line's help and the profiles.

`parts()` gives the template's `{{help}}` (`chaos-sae-bench --help` and every subcommand's
`--help`, from `bench.cli.parser()`, formatted by argparse at `WIDTH` columns, whatever the
terminal), `{{python}}` (the Python whose argparse formatted it: versions lay help out a little
differently) and `{{profiles}}` (`bench.config.PROFILES`: every setting of each profile, its
default seeds and its optimiser steps). It runs no command.
"""

import argparse
import dataclasses
import functools
import sys

from bench.config import PROFILES, TrainConfig
from bench.docs.markdown import table, value_text

WIDTH = 100


def parsers() -> dict[str, argparse.ArgumentParser]:
    """The parser of `chaos-sae-bench` and of each command, by prog, in the help's order."""
    from bench.cli import parser

    top = parser()
    [commands] = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return {top.prog: top} | {sub.prog: sub for sub in commands.choices.values()}


def help_text(parser: argparse.ArgumentParser) -> str:
    """The parser's --help at WIDTH columns."""
    parser.formatter_class = functools.partial(argparse.HelpFormatter, width=WIDTH)
    return parser.format_help().rstrip("\n")


def help_sections() -> str:
    return "\n\n".join(
        f"### `{prog}`\n\n```text\n{help_text(parser)}\n```" for prog, parser in parsers().items()
    )


def optimiser_steps(cfg: TrainConfig) -> int:
    """Steps of one trained cell: full batches per epoch (the last, incomplete one is dropped,
    `bench.train.batches`) times epochs."""
    return cfg.n_train // cfg.batch_size * cfg.epochs


def profiles_table() -> str:
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    rows = [[f"`{n}`"] for n in names] + [["seeds (`--seeds` default)"], ["optimiser steps"]]
    for cfg, seeds in PROFILES.values():
        values = [value_text(getattr(cfg, n)) for n in names]
        for row, value in zip(rows, [*values, str(seeds), str(optimiser_steps(cfg))], strict=True):
            row.append(value)
    return table(["setting", *(f"`{p}`" for p in PROFILES)], rows)


def parts() -> dict[str, str]:
    return {
        "help": help_sections(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "profiles": profiles_table(),
    }
