"""Plugin types by name: Kestra's full type names, their older aliases, and "did you mean" hints.

Triggers and any other plugin kind selected by a `type` property use this registry. Task types
keep their own registry (`lanner.tasks.registry`), which behaves the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import ClassVar, Generic, Protocol, TypeVar


class NamedType(Protocol):
    """A plugin: its class lists its Kestra full type name first, then its older names."""

    type_names: ClassVar[tuple[str, ...]]


Plugin = TypeVar("Plugin", bound=NamedType)


class PluginRegistry(Generic[Plugin]):
    """Map every accepted type name of one plugin kind to its class."""

    def __init__(self, kind: str, plugin_types: Iterable[type[Plugin]] = ()) -> None:
        self.kind = kind
        self._classes: dict[str, type[Plugin]] = {}
        for plugin_type in plugin_types:
            self.register(plugin_type)

    def register(self, plugin_type: type[Plugin]) -> None:
        if not plugin_type.type_names:
            raise ValueError(f"{plugin_type.__name__} declares no type_names")
        for name in plugin_type.type_names:
            existing = self._classes.get(name)
            if existing is not None and existing is not plugin_type:
                raise ValueError(
                    f"{self.kind} type {name!r} is registered twice: {existing.__name__} and "
                    f"{plugin_type.__name__}"
                )
            self._classes[name] = plugin_type

    def resolve(self, type_name: str) -> type[Plugin] | None:
        return self._classes.get(type_name)

    def canonical(self, type_name: str) -> str:
        """Return the current name of a type, given any of its names."""
        plugin_type = self._classes.get(type_name)
        return plugin_type.type_names[0] if plugin_type else type_name

    def names_of(self, type_name: str) -> tuple[str, ...]:
        plugin_type = self._classes.get(type_name)
        return plugin_type.type_names if plugin_type else (type_name,)

    def names(self) -> list[str]:
        return sorted(self._classes)

    def suggest(self, type_name: str) -> str | None:
        """Find the closest known type name, for a "did you mean" hint."""
        return suggest_type_name(type_name, self.names())

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._classes


def suggest_type_name(type_name: str, names: list[str]) -> str | None:
    """Find the known type name closest to `type_name`, preferring current Kestra names."""
    current = [name for name in names if name.startswith("io.kestra.plugin.")] or names
    for candidates in (current, names):
        matches = difflib.get_close_matches(type_name, candidates, n=1, cutoff=0.6)
        if matches:
            return matches[0]
    # A short name such as "Schedule", or the right class in a wrong package.
    short = type_name.rsplit(".", 1)[-1].lower()
    for name in current:
        if name.rsplit(".", 1)[-1].lower() == short:
            return name
    return None
