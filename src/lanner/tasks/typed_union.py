"""A pydantic union of plugin models chosen by their `type` property, older names included.

Conditions and task runners are closed sets of types, so a union validates them wherever they
appear, also when a worker rebuilds a task from its JSON form. An unknown or missing `type` is
the error `unknown_plugin_type:<kind>`; `KNOWN_TYPES[kind]` lists the names for a "did you mean".
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag

UNKNOWN_PLUGIN_TYPE = "unknown_plugin_type"
# Tags start with this prefix, so that error locations can tell a tag from a property name.
TAG_PREFIX = "plugin:"

# Every type name each kind of union accepts, by kind ("condition", "task runner").
KNOWN_TYPES: dict[str, list[str]] = {}


def typed_union(kind: str, *classes: type[Any]) -> Any:
    """Build the union of `classes`, selected by `type` among each class's `type_names`."""
    tags: dict[str, str] = {}
    for cls in classes:
        for name in cls.type_names:
            tags[name] = TAG_PREFIX + cls.type_names[0]

    def discriminate(value: Any) -> str | None:
        type_name = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
        return tags.get(type_name) if isinstance(type_name, str) else None

    KNOWN_TYPES[kind] = sorted(tags)
    members = tuple(Annotated[cls, Tag(TAG_PREFIX + cls.type_names[0])] for cls in classes)
    return Annotated[
        Union[members],  # noqa: UP007 - a runtime tuple of members needs the subscript form
        Discriminator(
            discriminate,
            # No context: a dict would make the type unhashable inside `X | None`.
            custom_error_type=f"{UNKNOWN_PLUGIN_TYPE}:{kind}",
            custom_error_message=f"unknown {kind} type",
        ),
    ]
