"""Apply `pluginDefaults` (older name `taskDefaults`) to the raw task and trigger maps of a flow.

A default matches a plugin when its `type` is the plugin's type or a dotted prefix of it. The
plugin's own value wins unless the default is `forced`. Maps merge key by key; lists and scalars
replace. A default written for an older type name (`io.kestra.core.tasks.log.Log`) applies to
the same plugin under its current name, and the other way round.

A default that matches by prefix only sets the properties the plugin has, because one prefix
covers plugins with different properties (`io.kestra.plugin.scripts` covers shell and Python
tasks alike). A default for the exact type sets all its values, so that a misspelled one is
reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from lanner.flows.model import PluginDefault
from lanner.flows.yaml_source import Path

NamesOf = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class LocatedDefault:
    """A plugin default and where it is written, to place problems its values cause."""

    default: PluginDefault
    path: Path


@dataclass
class Defaulted:
    """A raw plugin map with its defaults applied, and the default behind each property set."""

    raw: dict[str, Any]
    # Property name to the path of the default value that set it.
    origins: dict[str, Path]


def type_matches(default_type: str, names: Iterable[str]) -> bool:
    return any(name == default_type or name.startswith(default_type + ".") for name in names)


def merge(base: Any, override: Any) -> Any:
    """Merge `override` over `base`: maps key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def apply_defaults(
    raw: dict[str, Any],
    defaults: list[PluginDefault],
    names_of: NamesOf,
) -> dict[str, Any]:
    """Return a copy of one raw task or trigger map with the matching defaults applied."""
    located = [LocatedDefault(default, ()) for default in defaults]
    return apply_located_defaults(raw, located, names_of).raw


def apply_located_defaults(
    raw: dict[str, Any],
    defaults: list[LocatedDefault],
    names_of: NamesOf,
    properties: Collection[str] | None = None,
) -> Defaulted:
    """Apply the matching defaults to a raw plugin map.

    `properties` lists the plugin's property names; a default matched by prefix only sets
    those. The plugin's own values win over every non-forced default, and an earlier default
    wins over a later one because it has already been merged into the result.
    """
    type_name = raw.get("type")
    result = Defaulted(raw, {})
    if not isinstance(type_name, str) or not defaults:
        return result
    names = names_of(type_name)
    for located in defaults:
        default = located.default
        exact = bool(set(names_of(default.type)) & set(names))
        if not exact and not type_matches(default.type, names):
            continue
        values = default.values
        if not exact and properties is not None:
            values = {key: value for key, value in values.items() if key in properties}
        for key in values:
            if default.forced or key not in result.raw:
                result.origins[key] = (*located.path, "values", key)
        merged = merge(result.raw, values) if default.forced else merge(values, result.raw)
        result.raw = merged
    return result
