"""Two name → class tables, one for chaotic systems and one for SAE variants.

This module imports neither `systems` nor `baselines`: those packages register their members
on import with `@register_system` / `@register_sae` (the `bench` package imports both), and
`load_plugins()` imports every third-party module named in the entry-point groups
`chaos_sae_bench.systems` and `chaos_sae_bench.saes`.
"""

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TypeVar

from bench.errors import BenchError

T = TypeVar("T", bound=type)

SYSTEMS: dict[str, type] = {}
SAES: dict[str, type] = {}
RESOLVERS: dict[str, Callable[[str], None]] = {}  # name prefix → registers such names on demand
_GROUPS = {"chaos_sae_bench.systems": SYSTEMS, "chaos_sae_bench.saes": SAES}
_loaded = False


def _register(table: dict[str, type], kind: str, name: str) -> Callable[[T], T]:
    def decorator(cls: T) -> T:
        if name in table:
            raise ValueError(f"{kind} {name!r} is already registered (by {table[name].__module__})")
        cls.name = name
        table[name] = cls
        return cls

    return decorator


def register_system(name: str) -> Callable[[T], T]:
    """Class decorator: add a chaotic system (a `systems.base.System` dataclass) as `name`."""
    return _register(SYSTEMS, "system", name)


GROUPS = ("core", "extended", "classic", "reference")  # SAE groups, in the leaderboard's order


def register_sae(name: str) -> Callable[[T], T]:
    """Class decorator: add an SAE variant (a `baselines.base.SAEVariant` dataclass) as `name`.

    The class must declare its `group` (one of GROUPS): a plugin never joins one by default."""
    register = _register(SAES, "SAE", name)

    def decorator(cls: T) -> T:
        if name in SAES:
            return register(cls)  # the duplicate-name error first
        if getattr(cls, "group", None) not in GROUPS:
            raise ValueError(f"SAE {name!r} must declare group = one of {', '.join(GROUPS)}")
        return register(cls)

    return decorator


def register_resolver(prefix: str, resolve: Callable[[str], None]) -> None:
    """Names starting with `prefix` are registered on first lookup by `resolve(rest)`
    (e.g. "dysts:Lorenz" → any dysts flow, imported only when asked for)."""
    RESOLVERS[prefix] = resolve


def load_plugins() -> None:
    """Import every third-party plugin module named in the entry-point groups, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for group in _GROUPS:
        for ep in entry_points(group=group):
            importlib.import_module(ep.value)


def summary(cls: type) -> str:
    """First line of a class docstring: the one-line description `list` prints."""
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def _lookup(table: dict[str, type], kind: str, name: str) -> type:
    load_plugins()
    for prefix, resolve in RESOLVERS.items():
        if name.startswith(prefix) and name not in table:
            resolve(name.removeprefix(prefix))
    if name not in table:
        raise BenchError(f"unknown {kind} {name!r}; valid: {', '.join(sorted(table))}")
    return table[name]


def get_system(name: str) -> type:
    return _lookup(SYSTEMS, "system", name)


def get_sae(name: str) -> type:
    return _lookup(SAES, "SAE", name)


def system_names() -> list[str]:
    """Registered systems, without those registered on demand by a prefix (`file:`, `dysts:`):
    the default matrix is the built-in and plugin systems."""
    load_plugins()
    return [n for n in SYSTEMS if not any(n.startswith(p) for p in RESOLVERS)]


def sae_names(selection: list[str] | None = None) -> list[str]:
    """Registered SAE names; `selection` may mix names with the groups (GROUPS) and `all`."""
    load_plugins()
    out: list[str] = []
    for item in selection or ["core"]:
        if item == "all":
            out += [name for group in GROUPS for name, cls in SAES.items() if cls.group == group]
        elif item in GROUPS:
            out += [name for name, cls in SAES.items() if cls.group == item]
        else:
            out.append(get_sae(item).name)
    return list(dict.fromkeys(out))
