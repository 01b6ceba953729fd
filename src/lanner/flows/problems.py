"""Turn pydantic validation errors into located, readable flow problems."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from lanner.errors import Problem
from lanner.flows.yaml_source import Path, YamlDocument, format_path


def problems_from_validation(
    error: ValidationError,
    document: YamlDocument,
    prefix: Path,
    raw: Any,
    model: type[BaseModel],
) -> list[Problem]:
    problems = []
    for detail in error.errors():
        path = _clean_location(raw, tuple(detail["loc"]))
        full_path = (*prefix, *path)
        kind = detail["type"]
        if kind == "extra_forbidden":
            name = str(path[-1]) if path else "?"
            allowed = allowed_keys(model, path[:-1])
            matches = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.6)
            hint = f"did you mean {matches[0]!r}?" if matches else None
            problems.append(document.problem(full_path, f"unknown property {name!r}", hint))
        elif kind == "missing":
            name = str(path[-1]) if path else "?"
            problems.append(document.problem(full_path[:-1], f"missing required property {name!r}"))
        else:
            problems.append(document.problem(_value_path(full_path), _message(detail)))
    return problems


def _value_path(path: Path) -> Path:
    # Point at the value rather than the key when the YAML source recorded it.
    return (*path, "<value>") if path else path


def _message(detail: Any) -> str:
    message = str(detail["msg"])
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if message.startswith("Assertion failed, "):
        return message.removeprefix("Assertion failed, ")
    value = detail.get("input")
    if isinstance(value, (dict, list)):
        return f"invalid value: {_lower_first(message)}"
    return f"invalid value {value!r}: {_lower_first(message)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _clean_location(raw: Any, location: tuple[Any, ...]) -> Path:
    """Drop the parts pydantic adds for unions (`constant`, `function-after[...]`)."""
    path: list[str | int] = []
    current = raw
    for part in location:
        if (isinstance(current, dict) and isinstance(part, str) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str) and not _is_union_tag(part):
            # A missing or unknown key: it ends the path.
            path.append(part)
            current = None
        elif isinstance(current, BaseModel):
            path.append(part)
            current = None
    return tuple(path)


def _is_union_tag(part: str) -> bool:
    return (
        "[" in part or part in ("constant", "exponential", "random") or part.startswith("function-")
    )


def allowed_keys(model: type[BaseModel], path: Path) -> set[str]:
    """List the property names valid at `path` inside `model`, for "did you mean" hints."""
    candidates: list[Any] = [model]
    for part in path:
        next_candidates: list[Any] = []
        for candidate in candidates:
            for annotation in _unwrap(candidate):
                if isinstance(part, int):
                    next_candidates += _element_types(annotation)
                elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    field = _field_by_key(annotation, part)
                    if field is not None:
                        next_candidates.append(field)
        candidates = next_candidates
    keys: set[str] = set()
    for candidate in candidates:
        for annotation in _unwrap(candidate):
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                keys |= {info.alias or name for name, info in annotation.model_fields.items()}
    return keys


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        result = []
        for argument in typing.get_args(annotation):
            result += _unwrap(argument)
        return result
    return [annotation]


def _element_types(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (list, tuple, set):
        return list(typing.get_args(annotation)[:1])
    return []


__all__ = ["allowed_keys", "format_path", "problems_from_validation"]
