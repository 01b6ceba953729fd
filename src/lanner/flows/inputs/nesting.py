"""Nesting of dotted input ids: `user.name` and `user.age` become {"user": {"name", "age"}}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def nest_values(flat: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Build nested mappings from dotted ids, in the order given.

    Returns the nested values and the ids that could not be placed because another input
    already has a value at that key: `user` and `user.name` cannot both have a value. A value
    that is itself a mapping, such as a JSON input's, is never merged with nested ids.
    """
    nested: dict[str, Any] = {}
    branches: set[tuple[str, ...]] = set()
    collisions: list[str] = []
    for input_id, value in flat.items():
        parts = input_id.split(".")
        node = nested
        placed = True
        for depth, part in enumerate(parts[:-1]):
            path = tuple(parts[: depth + 1])
            if part not in node:
                node[part] = {}
                branches.add(path)
            elif path not in branches:
                placed = False
                break
            node = node[part]
        if placed and parts[-1] in node:
            placed = False
        if placed:
            node[parts[-1]] = value
        else:
            collisions.append(input_id)
    return nested, collisions
