"""Turn pydantic validation errors into located, readable flow problems, each with a fix hint.

Pydantic reports one error per failed check, with a location that also names union members
(`STRING`, `plugin:io.kestra...`, `list[str]`). This module maps each location back to the
YAML path the user wrote, merges the errors that one wrong value causes in several union
members, and words each problem with what to change.

A validator may raise a `PydanticCustomError` whose context contains a `hint`, and an `index`
when the problem is one item of a list value. The problem then points at that item.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from lanner.errors import Problem
from lanner.flows.plugin_registry import suggest_type_name
from lanner.flows.yaml_source import Path, YamlDocument, format_path
from lanner.tasks.properties import TypeKind
from lanner.tasks.typed_union import KNOWN_TYPES, TAG_PREFIX, UNKNOWN_PLUGIN_TYPE

# How many valid property names a hint lists at most.
MAX_LISTED_KEYS = 12

# Pydantic error types that only report "this member of a union did not fit", with what each
# member expected.
_EXPECTED: dict[str, str] = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "nothing (remove the value)",
}

# Hints for the other pydantic error types, formatted with the error's context.
_HINTS: dict[str, str] = {
    "greater_than_equal": "use a value of at least {ge}",
    "greater_than": "use a value greater than {gt}",
    "less_than_equal": "use a value of at most {le}",
    "less_than": "use a value less than {lt}",
    "too_short": "give at least {min_length} item(s)",
    "too_long": "give at most {max_length} item(s)",
    "string_too_short": "write at least {min_length} character(s)",
    "string_too_long": "write at most {max_length} character(s)",
    "literal_error": "use {expected}",
    "enum": "use {expected}",
    "string_pattern_mismatch": "match the pattern {pattern}",
}

# A validator message written as "what is wrong: what to do".
_ADVICE = re.compile(r"^(?P<message>.*?'[^']*'|[^:']*?): (?P<hint>\S.*)$", re.DOTALL)


@dataclass(frozen=True)
class Issue:
    """A validation problem, placed relative to the map that was validated."""

    path: Path
    message: str
    hint: str | None = None
    # True when the path points at a property's value rather than at its key.
    at_value: bool = False


def problems_from_validation(
    error: ValidationError,
    document: YamlDocument,
    prefix: Path,
    raw: Any,
    model: type[BaseModel],
) -> list[Problem]:
    """Place every issue of a validation error in the document, below `prefix`."""
    return [
        document.problem(issue_path((*prefix, *issue.path), issue), issue.message, issue.hint)
        for issue in validation_issues(error, raw, model)
    ]


def issue_path(path: Path, issue: Issue) -> Path:
    """Point at the value rather than the key when the issue is about the value."""
    return (*path, "<value>") if issue.at_value and path else path


def validation_issues(error: ValidationError, raw: Any, model: type[BaseModel]) -> list[Issue]:
    """Turn a validation error of `model`, validated from `raw`, into issues."""
    grouped: dict[tuple[Path, str], list[Any]] = {}
    for detail in error.errors():
        location = tuple(detail["loc"])
        path = _clean_location(raw, location)
        kind = "missing" if detail["type"] == "missing" else "other"
        grouped.setdefault((path, kind), []).append(detail)

    issues = []
    for (path, _kind), details in grouped.items():
        issues.append(_issue(path, details, raw, model))
    return _drop_misspelled_missing(issues)


def _issue(path: Path, details: list[dict[str, Any]], raw: Any, model: type[BaseModel]) -> Issue:
    specific = [detail for detail in details if detail["type"] not in _EXPECTED]
    detail = specific[0] if specific else details[0]
    kind = str(detail["type"])
    context = detail.get("ctx") or {}
    name = str(path[-1]) if path else "?"

    if kind == "missing":
        return Issue(path[:-1], f"missing required property {name!r}", f"add {name!r}")
    if kind == "extra_forbidden":
        return _unknown_property(path, tuple(detail["loc"]), model)
    if kind.startswith(UNKNOWN_PLUGIN_TYPE):
        return _unknown_type(path, kind.partition(":")[2], detail.get("input"))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _unknown_tag(path, detail, model)
    if "hint" in context:
        index = context.get("index")
        where = (*path, index) if isinstance(index, int) else path
        return Issue(where, str(detail["msg"]), str(context["hint"]), at_value=True)
    if kind in ("value_error", "assertion_error"):
        return _advice_issue(path, str(detail["msg"]))
    if not specific:
        expected = _unique(_EXPECTED[str(item["type"])] for item in details)
        return Issue(
            path,
            f"invalid value {_shown(detail.get('input'))}",
            "expected " + " or ".join(expected),
            at_value=True,
        )
    if kind == "too_short" and detail.get("input") in ([], {}, ""):
        return Issue(path, "empty value", f"give at least {context.get('min_length', 1)} item(s)")
    template = _HINTS.get(kind)
    hint = template.format(**context) if template else _lower_first(str(detail["msg"]))
    return Issue(path, f"invalid value {_shown(detail.get('input'))}", hint, at_value=True)


def _unknown_property(path: Path, location: tuple[Any, ...], model: type[BaseModel]) -> Issue:
    name = str(path[-1]) if path else "?"
    allowed = _keys_at(model, location[:-1])
    matches = difflib.get_close_matches(name, sorted(allowed), n=1, cutoff=0.6)
    if matches:
        hint = f"did you mean {matches[0]!r}?"
    elif allowed and len(allowed) <= MAX_LISTED_KEYS:
        hint = "remove it; the properties here are " + ", ".join(sorted(allowed))
    else:
        hint = "remove it or correct its spelling"
    return Issue(path, f"unknown property {name!r}", hint)


def _unknown_type(path: Path, kind: str, value: Any) -> Issue:
    names = KNOWN_TYPES.get(kind, [])
    type_name = value.get("type") if isinstance(value, dict) else None
    if not isinstance(type_name, str):
        example = next((name for name in names if name.startswith("io.kestra.plugin.")), "")
        hint = f"set 'type' to a {kind} type, such as {example!r}" if example else "set 'type'"
        return Issue(path, "missing required property 'type'", hint)
    suggestion = suggest_type_name(type_name, names)
    hint = f"did you mean {suggestion!r}?" if suggestion else f"use one of Lanner's {kind} types"
    return Issue((*path, "type"), f"unknown {kind} type {type_name!r}", hint, at_value=True)


def _unknown_tag(path: Path, detail: dict[str, Any], model: type[BaseModel]) -> Issue:
    """Word a missing or unknown `type` of a union chosen by `Field(discriminator=...)`."""
    context = detail.get("ctx") or {}
    field = str(context.get("discriminator", "type")).strip("'")
    annotations = _annotations_at(model, tuple(detail["loc"]))
    tags = _tags(annotations, field) or re.findall(r"'([^']*)'", str(context.get("expected_tags")))
    listed = ", ".join(tags)
    if detail["type"] == "union_tag_not_found":
        hint = f"add {field!r}, one of: {listed}" if tags else f"add {field!r}"
        return Issue(path, f"missing required property {field!r}", hint)

    value = detail.get("input")
    tag = value.get(field) if isinstance(value, dict) else context.get("tag")
    suggestion = _closest(tag, tags) if isinstance(tag, str) else None
    if suggestion:
        hint = f"did you mean {suggestion!r}?"
    else:
        hint = f"use one of: {listed}" if tags else f"correct the {field!r} property"
    kind = _type_kind(annotations)
    label = f"{kind} {field}" if kind else field
    return Issue((*path, field), f"unknown {label} {_shown(tag)}", hint, at_value=True)


def _closest(name: str, choices: list[str]) -> str | None:
    """Find the choice closest to `name`, ignoring case because type names often differ in it."""
    by_folded = {choice.casefold(): choice for choice in choices}
    matches = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[matches[0]] if matches else None


def _tags(annotations: list[Any], field: str) -> list[str]:
    """List the values of `field` that select each model of the unions in `annotations`."""
    tags: list[str] = []
    for candidate in annotations:
        for member in _unwrap(candidate):
            if not (isinstance(member, type) and issubclass(member, BaseModel)):
                continue
            info = member.model_fields.get(field)
            if info is not None and typing.get_origin(info.annotation) is typing.Literal:
                tags += [str(tag) for tag in typing.get_args(info.annotation)]
    return _unique(tags)


def _type_kind(annotations: list[Any]) -> str | None:
    """Find the `TypeKind` name among the `Annotated` metadata of `annotations`."""
    for annotation in annotations:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            kinds = [item for item in annotation.__metadata__ if isinstance(item, TypeKind)]
            if kinds:
                return kinds[0].name
        if origin is typing.Annotated or origin in (typing.Union, types.UnionType):
            kind = _type_kind(list(typing.get_args(annotation)))
            if kind:
                return kind
    return None


def _advice_issue(path: Path, message: str) -> Issue:
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    match = _ADVICE.match(message)
    if match is None:
        return Issue(path, message, "correct the value", at_value=True)
    return Issue(path, match["message"], match["hint"], at_value=True)


def _drop_misspelled_missing(issues: list[Issue]) -> list[Issue]:
    """Drop "missing 'x'" where an unknown property next to it is a misspelling of 'x'."""
    suggested = {
        (issue.path[:-1], (issue.hint or "").removeprefix("did you mean ").removesuffix("?"))
        for issue in issues
        if issue.message.startswith("unknown property") and (issue.hint or "").startswith("did")
    }
    return [
        issue
        for issue in issues
        if not (
            issue.message.startswith("missing required property")
            and (issue.path, repr(issue.message.split("'")[1])) in suggested
        )
    ]


def _unique(items: typing.Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "(a mapping)"
    if isinstance(value, list):
        return "(a list)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _clean_location(raw: Any, location: tuple[Any, ...]) -> Path:
    """Map a pydantic error location to the path written in the YAML document."""
    path: list[str | int] = []
    current = raw
    in_converted_map = False
    for part in location:
        if _is_union_tag(part) or _is_type_tag(current, part):
            continue
        if in_converted_map and part in ("key", "value"):
            # The map entry is the key and the value already.
            in_converted_map = False
            continue
        in_converted_map = False
        if _contains(current, part):
            path.append(part)
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, int) and 0 <= part < len(current):
            # A map turned into a list before validation, such as labels: name the key.
            key = list(current)[part]
            path.append(key)
            current = current[key]
            in_converted_map = True
        elif isinstance(current, dict) and isinstance(part, str):
            # A missing or unknown key: it ends the path.
            path.append(part)
            current = None
        elif isinstance(current, BaseModel):
            path.append(part)
            current = None
    return tuple(path)


def _contains(container: Any, part: Any) -> bool:
    if isinstance(container, dict):
        return isinstance(part, str) and part in container
    if isinstance(container, list):
        return isinstance(part, int) and 0 <= part < len(container)
    return False


def _is_union_tag(part: Any) -> bool:
    if not isinstance(part, str):
        return False
    return part.startswith(TAG_PREFIX) or "[" in part or part in ("str", "int", "float", "bool")


def _is_type_tag(current: Any, part: Any) -> bool:
    """Tell whether `part` is the tag of the member a union chose by `type`, such as `STRING`."""
    return isinstance(current, dict) and part not in current and current.get("type") == part


def allowed_keys(model: type[BaseModel], path: Path) -> set[str]:
    """List the property names valid at `path` inside `model`, for "did you mean" hints."""
    return _keys_at(model, path)


def _keys_at(model: type[BaseModel], location: tuple[Any, ...]) -> set[str]:
    keys: set[str] = set()
    for candidate in _annotations_at(model, location):
        for annotation in _unwrap(candidate):
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                keys |= {info.alias or name for name, info in annotation.model_fields.items()}
    return keys


def _annotations_at(model: type[BaseModel], location: tuple[Any, ...]) -> list[Any]:
    """Find the annotations that can describe the value at a pydantic error location."""
    candidates: list[Any] = [model]
    for part in location:
        next_candidates: list[Any] = []
        members = [member for candidate in candidates for member in _unwrap(candidate)]
        if isinstance(part, str):
            chosen = [member for member in members if _has_tag(member, part)]
            if chosen or _is_union_tag(part):
                candidates = chosen or candidates
                continue
        for annotation in members:
            if isinstance(part, int):
                next_candidates += _element_types(annotation)
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                field = _field_by_key(annotation, part)
                if field is not None:
                    next_candidates.append(field)
            elif typing.get_origin(annotation) is dict:
                arguments = typing.get_args(annotation)
                next_candidates += [arguments[-1]] if arguments else []
        candidates = next_candidates
    return candidates


def _has_tag(annotation: Any, tag: str) -> bool:
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return False
    if tag.startswith(TAG_PREFIX):
        names: tuple[str, ...] = getattr(annotation, "type_names", ())
        return bool(names) and names[0] == tag.removeprefix(TAG_PREFIX)
    type_field = annotation.model_fields.get("type")
    if type_field is None:
        return False
    return tag in typing.get_args(type_field.annotation)


def _field_by_key(model: type[BaseModel], key: Any) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            # Pydantic moves the metadata of a field's top-level `Annotated` to `metadata`.
            if info.metadata:
                return typing.Annotated[info.annotation, *info.metadata]
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


__all__ = [
    "Issue",
    "allowed_keys",
    "format_path",
    "issue_path",
    "problems_from_validation",
    "validation_issues",
]
