"""Build an execution's inputs from the values a user supplies and the flow's definitions.

Inputs resolve one at a time, each after the inputs its `dependsOn` lists, otherwise in
declaration order (see `dependencies`). For each input:

1. If a `dependsOn` input is disabled, or `dependsOn.condition` does not render to true, the
   input is disabled: it is left out of the result and any supplied value is ignored. If a
   `dependsOn` input is invalid, the input is skipped without a problem of its own, because
   its problems would only echo the first one.
2. The value is the supplied one. A null value counts as not supplied, as in Kestra. Without
   a value, the default is used, with its expressions rendered against the inputs resolved so
   far. Without a default, SELECT and MULTISELECT inputs with `autoSelectFirst` take their
   first value. `prefill` is never used: it only fills the form in the UI.
3. A required input without a value is a problem, and an optional one resolves to None.
4. The value is parsed and validated (see `validation`).

Every problem is collected and raised together as InvalidInputs. Only when there are none
are uploaded files stored, so a rejected execution leaves no files behind. Supplied names that
the flow does not declare are ignored with a logged warning, as Kestra does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lanner.errors import InvalidInputs, Problem
from lanner.flows.inputs.coercion import CoercionError, parse_text, to_json_value
from lanner.flows.inputs.dependencies import dependency_ids, resolution_order
from lanner.flows.inputs.models import (
    AnyInput,
    FileInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
)
from lanner.flows.inputs.nesting import nest_values
from lanner.flows.inputs.rendering import (
    RenderFunctions,
    contains_expression,
    is_true,
    render_nested,
)
from lanner.flows.inputs.secrets import SecretError, encrypt_secret
from lanner.flows.inputs.validation import (
    check_file_extension,
    declared_choices,
    item_type_of,
    parse_input_value,
    shown_value,
)

logger = logging.getLogger(__name__)

# Stores an uploaded file for an input and returns its kestra:// URI:
# store_file(input_id, filename, content).
StoreFile = Callable[[str, str, bytes], Awaitable[str]]


@dataclass(frozen=True)
class UploadedFile:
    """A file sent for a FILE input, as the API or the CLI received it."""

    filename: str
    content: bytes


class _Outcome(Enum):
    RESOLVED = "resolved"
    DISABLED = "disabled"
    INVALID = "invalid"


@dataclass
class _Resolution:
    """The state of one resolve_inputs call."""

    inputs: Sequence[AnyInput]
    supplied: Mapping[str, Any]
    files: Mapping[str, UploadedFile]
    render: RenderFunctions
    encryption_key: str | None
    variables: Mapping[str, Any]
    outcomes: dict[str, _Outcome] = field(default_factory=dict)
    # JSON values by input id, as expressions see them: SECRET values in plain text.
    values: dict[str, Any] = field(default_factory=dict)
    # Values that differ in the result: encrypted SECRET values and stored FILE URIs.
    stored_values: dict[str, Any] = field(default_factory=dict)
    pending_files: dict[str, UploadedFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, input: AnyInput, message: str, hint: str | None = None) -> None:
        self.outcomes[input.id] = _Outcome.INVALID
        self.problems.append(
            Problem(message=f"input {input.id!r}: {message}", path=f"inputs.{input.id}", hint=hint)
        )

    def context(self) -> dict[str, Any]:
        """Build the expression context: the caller's variables and the inputs so far."""
        nested, _ = nest_values(self.values)
        return {**self.variables, "inputs": nested}


async def resolve_inputs(
    inputs: Sequence[AnyInput],
    supplied: Mapping[str, Any],
    *,
    files: Mapping[str, UploadedFile],
    render: RenderFunctions,
    store_file: StoreFile,
    encryption_key: str | None,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Resolve the inputs of a new execution, or raise InvalidInputs listing every bad input.

    `supplied` maps input ids to text (CLI, forms) or JSON values (API, subflows), and `files`
    maps input ids to uploads. `variables` are extra top-level names for expressions, such as
    `flow` and `execution`, while `inputs` is always the inputs resolved so far. Dotted ids nest in
    the result, and optional inputs without a value are present with None. Errors raised by
    `store_file` propagate unchanged.
    """
    state = _Resolution(
        inputs=inputs,
        supplied=supplied,
        files=files,
        render=render,
        encryption_key=encryption_key,
        variables=variables or {},
    )
    _warn_unknown_names(inputs, supplied, files)

    order = resolution_order(inputs)
    for input in order.inputs:
        _resolve_one(state, input)
    for cycle in order.cycles:
        message = f"dependsOn forms a cycle {' -> '.join(cycle)}"
        hint = "remove one of these dependencies"
        state.problems.append(
            Problem(
                message=f"input {cycle[0]!r}: {message}", path=f"inputs.{cycle[0]}", hint=hint
            )
        )

    result_values = {
        input.id: state.stored_values.get(input.id, state.values.get(input.id))
        for input in inputs
        if state.outcomes.get(input.id) is _Outcome.RESOLVED
    }
    result, collisions = nest_values(result_values)
    for input_id in collisions:
        state.problems.append(
            Problem(
                message=f"input {input_id!r}: cannot nest the value, because another input "
                "has a value at that key",
                path=f"inputs.{input_id}",
            )
        )
    if state.problems:
        raise InvalidInputs(problems=state.problems)

    for input_id, upload in state.pending_files.items():
        uri = await store_file(input_id, upload.filename, upload.content)
        result_values[input_id] = uri
    if state.pending_files:
        result, _ = nest_values(result_values)
    return result


def _resolve_one(state: _Resolution, input: AnyInput) -> None:
    known = {candidate.id for candidate in state.inputs}
    dependencies = [d for d in dependency_ids(input) if d != input.id and d in known]
    outcomes = [state.outcomes.get(d) for d in dependencies]
    if any(
        outcome is not _Outcome.RESOLVED and outcome is not _Outcome.DISABLED
        for outcome in outcomes
    ):
        # Invalid, or on a dependency cycle: the dependency's own problem is reported.
        state.outcomes[input.id] = _Outcome.INVALID
        return
    if _Outcome.DISABLED in outcomes or not _condition_holds(state, input):
        if input.id not in state.outcomes:
            state.outcomes[input.id] = _Outcome.DISABLED
        return

    choices = _choices(state, input)
    if state.outcomes.get(input.id) is _Outcome.INVALID:
        return

    upload = state.files.get(input.id)
    if upload is not None:
        _accept_upload(state, input, upload)
        return

    raw, source = _supplied_or_default(state, input, choices)
    if state.outcomes.get(input.id) is _Outcome.INVALID:
        return
    if raw is None:
        if input.required:
            state.fail(
                input, "is required but has no value", "supply a value, or give the input a default"
            )
            return
        state.values[input.id] = None
        state.outcomes[input.id] = _Outcome.RESOLVED
        return

    try:
        parsed = parse_input_value(input, raw, choices=choices)
    except CoercionError as error:
        state.fail(input, f"{source} {shown_value(input, raw)} {error}")
        return
    state.values[input.id] = to_json_value(input.type, parsed, item_type_of(input))
    if isinstance(input, SecretInput):
        try:
            state.stored_values[input.id] = encrypt_secret(parsed, state.encryption_key or "")
        except SecretError as error:
            state.fail(input, f"cannot encrypt the SECRET value: {error}")
            return
    state.outcomes[input.id] = _Outcome.RESOLVED


def _condition_holds(state: _Resolution, input: AnyInput) -> bool:
    condition = input.depends_on.condition if input.depends_on is not None else None
    if condition is None:
        return True
    try:
        return is_true(state.render.render_typed(condition, state.context()))
    except Exception as error:  # the engine may raise any error, reported against the input
        state.fail(input, f"dependsOn.condition {condition!r} could not be rendered: {error}")
        return False


def _choices(state: _Resolution, input: AnyInput) -> list[str] | None:
    """Return the values a SELECT or MULTISELECT accepts, rendering its `expression` if any."""
    if not isinstance(input, (SelectInput, MultiselectInput)) or input.expression is None:
        return declared_choices(input)
    try:
        rendered = state.render.render_typed(input.expression, state.context())
    except Exception as error:  # the engine may raise any error, reported against the input
        state.fail(input, f"expression {input.expression!r} could not be rendered: {error}")
        return None
    if not isinstance(rendered, (list, tuple)):
        state.fail(
            input,
            f"expression {input.expression!r} rendered {rendered!r}, expected a list of values",
        )
        return None
    try:
        # Kestra drops null entries and uses the text of the others.
        return [parse_text(choice) for choice in rendered if choice is not None]
    except CoercionError as error:
        state.fail(input, f"expression {input.expression!r} rendered a value that {error}")
        return None


def _supplied_or_default(
    state: _Resolution, input: AnyInput, choices: list[str] | None
) -> tuple[Any, str]:
    """Return the raw value and what it is ("value" or "default") for messages."""
    raw = state.supplied.get(input.id)
    if raw is not None:
        return raw, "value"
    if input.defaults is not None:
        if not contains_expression(input.defaults):
            return input.defaults, "default"
        try:
            return render_nested(input.defaults, state.render, state.context()), "rendered default"
        except Exception as error:  # the engine may raise any error, reported against the input
            state.fail(input, f"default {input.defaults!r} could not be rendered: {error}")
            return None, "default"
    auto_select = isinstance(input, (SelectInput, MultiselectInput)) and input.auto_select_first
    if auto_select and choices:
        first = choices[0]
        return ([first] if isinstance(input, MultiselectInput) else first), "first value"
    return None, "value"


def _accept_upload(state: _Resolution, input: AnyInput, upload: UploadedFile) -> None:
    if not isinstance(input, FileInput):
        state.fail(input, f"a file was uploaded, but the input is of type {input.type}, not FILE")
        return
    try:
        check_file_extension(input, upload.filename)
    except CoercionError as error:
        state.fail(input, f"upload {upload.filename!r} {error}")
        return
    # NOTE: until the file is stored, expressions of later inputs see None for this input.
    state.values[input.id] = None
    state.pending_files[input.id] = upload
    state.outcomes[input.id] = _Outcome.RESOLVED


def _warn_unknown_names(
    inputs: Sequence[AnyInput], supplied: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> None:
    declared = {input.id for input in inputs}
    unknown = sorted((set(supplied) | set(files)) - declared)
    if unknown:
        logger.warning(
            "ignoring supplied inputs that the flow does not declare: %s", ", ".join(unknown)
        )
