"""The generated parts of docs/extending.md: the lists a recipe asks you to extend, as the code
has them now.

`parts()` gives the template's `{{groups}}`, `{{l0_controls}}` (`baselines.base.L0_CONTROLS`
with what each means), `{{builtin_packages}}` (`bench.registry.BUILTIN_PACKAGES`), `{{families}}`
(`bench.metrics.FAMILY_MODULES`), `{{metric_fields}}` (the fields of a `Metric`) and
`{{directions}}` (the values of `Metric.better`) and `{{entry_points}}` (the registry's
entry-point groups). The recipes themselves are the
template's prose; tests/test_docs.py runs their code blocks.
"""

import dataclasses

from baselines.base import L0_CONTROLS
from bench import registry
from bench.docs.markdown import table
from bench.docs.saes import L0_TEXT, MATCHED_L0_TEXT, l0_text_of
from bench.metrics import DIRECTION, FAMILY_MODULES, Metric


def l0_controls() -> str:
    rows = []
    for control in L0_CONTROLS:
        texts = [
            l0_text_of(t[control], field="<sparsity_field>", direction="<denser_when>")
            for t in (L0_TEXT, MATCHED_L0_TEXT)
        ]
        rows.append([f'`"{control}"`', *texts])
    return table(["`l0_control`", "L0 set by", "matched-L0 run"], rows)


def metric_fields() -> str:
    """`name`, `better`, …, `family` (default `'core'`), …: a `Metric`'s fields in order."""
    return ", ".join(
        f"`{f.name}`"
        if f.default is dataclasses.MISSING
        else f"`{f.name}` (default `{f.default!r}`)"
        for f in dataclasses.fields(Metric)
    )


def directions() -> str:
    """The values of `Metric.better` and how the tables read each (`bench.metrics.DIRECTION`)."""
    return ", ".join(f"`{value!r}` ({text})" for value, text in DIRECTION.items())


def parts() -> dict[str, str]:
    return {
        "groups": ", ".join(f"`{g}`" for g in registry.GROUPS),
        "l0_controls": l0_controls(),
        "builtin_packages": " and ".join(f"`{p}/`" for p in registry.BUILTIN_PACKAGES),
        "families": ", ".join(f"`{m.__name__.rpartition('.')[2]}`" for m in FAMILY_MODULES),
        "metric_fields": metric_fields(),
        "directions": directions(),
        "entry_points": " and ".join(f"`{g}`" for g in registry._ENTRY_POINT_GROUPS),
    }
