"""The generated parts of docs/saes.md: every built-in SAE from the registry.

`parts()` gives the template's `{{groups}}`, `{{sae_table}}` and `{{sae_details}}`: per SAE its
name, group, summary, how its L0 is controlled (`l0_control`, `sparsity_field`,
`denser_when`), its own hyperparameters with their defaults (its dataclass fields) and what
implements it. The implementation is read from the code, not declared: a tiny instance is
built (or, for a closed-form reference, fitted on 64 random rows) and the class of its
training SAE and of the inference model the bench evaluates (`bench.train.inference_sae`, the
form sae-lens saves and loads) are named. Needs sae-lens (seconds); trains nothing.
"""

from typing import Any

from baselines.base import L0_CONTROLS, closed_form
from bench.config import PAPER, TrainConfig
from bench.docs.markdown import docstring, fields_table, source_link, table
from bench.registry import GROUPS, get_sae, is_builtin, sae_names, saes, summary

# How each `l0_control` value reads in the table (every value of L0_CONTROLS, checked below).
L0_TEXT = {
    "per_row": "at most `k` active latents per row",
    "batch_mean": "`k` active latents per row on average over a training batch",
    "coefficient": "`{field}`: a {direction} value gives a higher L0",
    "none": "nothing",
}
MATCHED_L0_TEXT = {
    "per_row": "`--matched-l0` runs it at k = `target_l0`.",
    "batch_mean": "`--matched-l0` runs it at k = `target_l0`.",
    "coefficient": "`--matched-l0` calibrates `{field}` until its L0 on the validation windows"
    " is within {tolerance} % of `target_l0` (at most {trials} trials, else the cell fails).",
    "none": "`--matched-l0` leaves it out (one point per run).",
}
assert set(L0_TEXT) == set(MATCHED_L0_TEXT) == set(L0_CONTROLS), "describe every l0_control"

TINY = TrainConfig(n_train=64, n_test=8, epochs=1, batch_size=8, d_sae=16, k=4)
TINY_D_IN = 8
PAPER_D_IN = 784  # the seed paper's input width (28 × 28), the default d_in of most systems


def builtin_saes() -> dict[str, type]:
    """The built-in SAEs (not plugins), in listing order (`sae_names(["all"])`)."""
    table_ = saes()
    return {n: table_[n] for n in sae_names(["all"]) if is_builtin(table_[n])}


def l0_text(cls: type, texts: dict[str, str]) -> str:
    return l0_text_of(texts[cls.l0_control], field=cls.sparsity_field, direction=cls.denser_when)


def l0_text_of(text: str, *, field: str | None, direction: str | None) -> str:
    """One of L0_TEXT / MATCHED_L0_TEXT filled in (the calibration's tolerance from its code)."""
    from bench.run.calibrate import MAX_TRIALS, TOLERANCE

    percent = f"{TOLERANCE * 100:g}"
    return text.format(field=field, direction=direction, tolerance=percent, trials=MAX_TRIALS)


def models(cls: type) -> tuple[type | None, type]:
    """(training class, or None for a closed-form fit; class of the evaluated model) of a tiny
    instance of `cls` at its defaults, on the CPU."""
    import torch

    from bench.train import inference_sae

    torch.manual_seed(0)
    variant = cls()
    if closed_form(cls):
        rows = torch.randn(TINY.n_train, TINY_D_IN, generator=torch.Generator().manual_seed(0))
        return None, type(variant.fit(rows, TINY, "cpu", 0))
    training = variant.build(TINY_D_IN, TINY, "cpu")
    return type(training), type(inference_sae(training))


def class_text(cls: type) -> str:
    """sae-lens `TopKSAE`, or `OMPModel` with a link to the project's file."""
    if cls.__module__.split(".")[0] == "sae_lens":
        return f"sae-lens `{cls.__name__}`"
    return f"`{cls.__name__}` ({source_link(cls.__module__)})"


def implementation(cls: type) -> tuple[str, str]:
    """(how it is fitted, what is evaluated) as table text."""
    training, inference = models(cls)
    fitted = f"closed form (`fit`, {source_link(cls.__module__)})"
    return (fitted if training is None else class_text(training)), class_text(inference)


def sae_table(found: dict[str, tuple[str, str]]) -> str:
    rows = []
    for name, cls in builtin_saes().items():
        trained_as, evaluated_as = found[name]
        rows.append(
            [f"`{name}`", cls.group, summary(cls), l0_text(cls, L0_TEXT), trained_as, evaluated_as]
        )
    header = ["SAE", "group", "what", "L0 set by", "trained as", "evaluated as"]
    return table(header, rows)


def sae_details() -> str:
    """Per SAE: its docstring, where it is defined, its hyperparameters, its matched-L0 run."""
    sections = []
    for name, cls in builtin_saes().items():
        fields = fields_table(cls, name) or "No hyperparameters of its own."
        sections.append(
            f"### `{name}` ({cls.group})\n\n{docstring(cls)}\n\n"
            f"Defined as `{cls.__name__}` in {source_link(cls.__module__)}. "
            f"{l0_text(cls, MATCHED_L0_TEXT)}\n\n{fields}"
        )
    return "\n\n".join(sections)


def ksparse_parts() -> dict[str, str]:
    """K-Sparse Chaos' defaults as the notes quote them, and the `variance_coefficient` that
    gives the seed paper's weighting at d_in = 784 (its loss averages the squared error over
    the inputs; sae-lens' sums it: `PAPER_D_IN` times larger)."""
    defaults = get_sae("ksparse_chaos")()
    return {
        "ks_target_variance": f"{defaults.target_variance:g}",
        "ks_variance_coefficient": f"{defaults.variance_coefficient:g}",
        "ks_paper_coefficient": f"{defaults.variance_coefficient * PAPER_D_IN:g}",
        "paper_d_in": str(PAPER_D_IN),
    }


def parts() -> dict[str, Any]:
    from bench.docs.cli import optimiser_steps

    found = {name: implementation(cls) for name, cls in builtin_saes().items()}
    return ksparse_parts() | {
        "paper_steps": str(optimiser_steps(PAPER)),
        "groups": ", ".join(f"`{g}`" for g in GROUPS),
        "sae_table": sae_table(found),
        "sae_details": sae_details(),
    }
