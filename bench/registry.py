"""Two name → class tables, one for chaotic systems and one for SAE variants, filled on demand.

This module imports no system or SAE module. `BUILTIN_PACKAGES` below is the one place the
built-ins are named: on the first lookup (`get_system`, `get_sae`, `system_names`, `sae_names`,
`systems()`, `saes()`) every module of those packages is imported, package by package and in
name order, which is the listing order; each registers its members with `@register_system` /
`@register_sae` as it is imported. So a new built-in is a new file and nothing else. Then every
third-party module named in the entry-point groups `chaos_sae_bench.systems` and
`chaos_sae_bench.saes` is imported the same way. Names with a prefix (`dysts:<Flow>`,
`file:<path>`) are registered one by one, when first asked for, by a resolver.
"""

import importlib
import pkgutil
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TypeVar

from bench.errors import BenchError

T = TypeVar("T", bound=type)

# The packages whose modules are the built-in systems and SAE variants (and what they share).
BUILTIN_PACKAGES = ("systems", "baselines")
# name prefix → "module:function" that registers such a name when it is first looked up
BUILTIN_RESOLVERS = {
    "dysts:": "systems.dysts_bridge:register_dysts",  # the optional dysts extra
    "file:": "systems.file_series:register_file_series",  # a user's recorded series
}
GROUPS = ("core", "extended", "classic", "reference")  # SAE groups, in the leaderboard's order
_ENTRY_POINT_GROUPS = ("chaos_sae_bench.systems", "chaos_sae_bench.saes")

# Filled by `_fill()`; read them through `systems()` / `saes()` (or the lookups), never directly.
SYSTEMS: dict[str, type] = {}
SAES: dict[str, type] = {}
_filled = False


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


def register_resolver(prefix: str, resolve: Callable[[str], object]) -> None:
    """Names starting with `prefix` are registered on first lookup by `resolve(rest)`
    (e.g. "dysts:Lorenz" → any dysts flow, imported only when asked for)."""
    RESOLVERS[prefix] = resolve


def _lazy_resolver(target: str) -> Callable[[str], object]:
    """A resolver that imports "module:function" only when a name with its prefix is asked for."""
    module, function = target.split(":")

    def resolve(rest: str) -> object:
        return getattr(importlib.import_module(module), function)(rest)

    return resolve


RESOLVERS: dict[str, Callable[[str], object]] = {
    prefix: _lazy_resolver(target) for prefix, target in BUILTIN_RESOLVERS.items()
}


def builtin_modules() -> list[str]:
    """Every public module of `BUILTIN_PACKAGES`, package by package, in name order."""
    names: list[str] = []
    for package in BUILTIN_PACKAGES:
        found = pkgutil.iter_modules(importlib.import_module(package).__path__)
        names += sorted(f"{package}.{m.name}" for m in found if not m.name.startswith("_"))
    return names


def is_builtin(cls: type) -> bool:
    """True for a system or SAE defined in one of `BUILTIN_PACKAGES` (not a plugin)."""
    return cls.__module__.partition(".")[0] in BUILTIN_PACKAGES


def _fill() -> None:
    """Import the built-in modules, then the entry-point plugins, once."""
    global _filled
    if _filled:
        return
    _filled = True  # first: a module imported here may look a name up
    try:
        for module in builtin_modules():
            importlib.import_module(module)
        for group in _ENTRY_POINT_GROUPS:
            for ep in entry_points(group=group):
                importlib.import_module(ep.value)
    except BaseException:
        _filled = False  # the next lookup tries again (modules imported so far are kept)
        raise


def systems() -> dict[str, type]:
    """Every registered system, name → class, built-ins first in listing order."""
    _fill()
    return SYSTEMS


def saes() -> dict[str, type]:
    """Every registered SAE variant, name → class, built-ins first in listing order."""
    _fill()
    return SAES


def summary(cls: type) -> str:
    """First line of a class docstring: the one-line description `list` prints."""
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def _lookup(table: dict[str, type], kind: str, name: str) -> type:
    _fill()
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
    return [n for n in systems() if not any(n.startswith(p) for p in RESOLVERS)]


def sae_names(selection: list[str] | None = None) -> list[str]:
    """Registered SAE names; `selection` may mix names with the groups (GROUPS) and `all`."""
    table = saes()
    out: list[str] = []
    for item in selection or ["core"]:
        if item == "all":
            out += [name for group in GROUPS for name, cls in table.items() if cls.group == group]
        elif item in GROUPS:
            out += [name for name, cls in table.items() if cls.group == item]
        else:
            out.append(get_sae(item).name)
    return list(dict.fromkeys(out))
