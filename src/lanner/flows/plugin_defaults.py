"""Apply `pluginDefaults` (older name `taskDefaults`) to the raw task and trigger maps of a flow.

A default matches a task when its `type` is the task's type or a dotted prefix of it. The task's
own value wins unless the default is `forced`. Maps merge key by key; lists and scalars replace.
A default written for an older type name (`io.kestra.core.tasks.log.Log`) applies to the same
task under its current name, and the other way round.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from lanner.flows.model import PluginDefault


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
    names_of: Callable[[str], tuple[str, ...]],
) -> dict[str, Any]:
    """Return a copy of one raw task or trigger map with the matching defaults applied."""
    type_name = raw.get("type")
    if not isinstance(type_name, str) or not defaults:
        return raw
    names = names_of(type_name)
    result = raw
    # The task's own values win over every non-forced default, and an earlier default wins
    # over a later one because it has already been merged into `result`.
    for default in defaults:
        if not _matches(default.type, names, names_of):
            continue
        forced = default.forced
        result = merge(result, default.values) if forced else merge(default.values, result)
    return result


def _matches(
    default_type: str, task_names: tuple[str, ...], names_of: Callable[[str], tuple[str, ...]]
) -> bool:
    if type_matches(default_type, task_names):
        return True
    # A default written with another name of the same type.
    return bool(set(names_of(default_type)) & set(task_names))
