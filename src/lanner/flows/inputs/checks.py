"""Static checks of a flow's `inputs:` list, run when the flow is validated.

Every problem is reported, each with a path relative to the `inputs` list, such as
`(2, "defaults")`. The flow parser turns that path into a line and column. Defaults and
prefills that contain an expression are checked at execution time, when they can be rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple

from lanner.flows.inputs.coercion import ITEM_TYPES, CoercionError
from lanner.flows.inputs.dependencies import dependency_ids, resolution_order
from lanner.flows.inputs.models import (
    AnyInput,
    ArrayInput,
    DateInput,
    DateTimeInput,
    DurationInput,
    EnumInput,
    FileInput,
    FloatInput,
    IntInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
)
from lanner.flows.inputs.rendering import contains_expression
from lanner.flows.inputs.validation import parse_input_value, show_bound, shown_value


class InputProblem(NamedTuple):
    """One problem in a flow's inputs, with a path that starts at the index in the `inputs` list."""

    path: tuple[str | int, ...]
    message: str
    hint: str | None = None


def check_inputs(
    inputs: Sequence[AnyInput | None], invalid_ids: Collection[str] = ()
) -> list[InputProblem]:
    """Check ids, `dependsOn` references, property combinations and every literal default.

    A `None` entry is an input that failed validation, so that the others keep their index in
    the flow. `invalid_ids` are the ids of those inputs, which `dependsOn` may still list.
    """
    indexed = [(index, input) for index, input in enumerate(inputs) if input is not None]
    problems: list[InputProblem] = []
    problems += _check_ids(indexed)
    problems += _check_dependencies(indexed, invalid_ids)
    for index, input in indexed:
        definition_problems = _check_definition(index, input)
        problems += definition_problems
        # A broken definition (a bad regex, min above max) would make every literal fail too,
        # so the literals are checked once the definition is fixed.
        if not definition_problems:
            problems += _check_literal(index, input, "defaults", input.defaults)
            problems += _check_literal(index, input, "prefill", input.prefill)
    return problems


_Indexed = Sequence[tuple[int, AnyInput]]


def _check_ids(inputs: _Indexed) -> list[InputProblem]:
    problems: list[InputProblem] = []
    first_index: dict[str, int] = {}
    for index, input in inputs:
        if input.id in first_index:
            problems.append(
                InputProblem(
                    (index, "id"),
                    f"input id {input.id!r} is already used by inputs[{first_index[input.id]}]",
                    "give each input a unique id",
                )
            )
        else:
            first_index[input.id] = index
    for index, input in inputs:
        parts = input.id.split(".")
        for length in range(1, len(parts)):
            prefix = ".".join(parts[:length])
            if prefix in first_index:
                problems.append(
                    InputProblem(
                        (index, "id"),
                        f"input id {input.id!r} nests under {prefix!r}, which is an input "
                        "itself, so the two values would collide",
                        f"rename {prefix!r} or {input.id!r}",
                    )
                )
                break
    return problems


def _check_dependencies(inputs: _Indexed, invalid_ids: Collection[str]) -> list[InputProblem]:
    problems: list[InputProblem] = []
    first_index: dict[str, int] = {}
    for index, input in inputs:
        first_index.setdefault(input.id, index)
    for index, input in inputs:
        for position, dependency in enumerate(dependency_ids(input)):
            if dependency not in first_index and dependency not in invalid_ids:
                problems.append(
                    InputProblem(
                        (index, "dependsOn", "inputs", position),
                        f"input {input.id!r}: dependsOn lists {dependency!r}, which is not an "
                        "input of this flow",
                        "list only ids declared under inputs",
                    )
                )
    valid_inputs = [input for _index, input in inputs]
    for cycle in resolution_order(valid_inputs, self_is_cycle=True).cycles:
        problems.append(
            InputProblem(
                (first_index[cycle[0]], "dependsOn", "inputs"),
                f"input {cycle[0]!r}: dependsOn forms a cycle {' -> '.join(cycle)}",
                "remove one of these dependencies",
            )
        )
    return problems


def _check_definition(index: int, input: AnyInput) -> list[InputProblem]:
    problems: list[InputProblem] = []

    def add(path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        problems.append(InputProblem((index, *path), f"input {input.id!r}: {message}", hint))

    if input.defaults is not None and input.prefill is not None:
        add(
            ("prefill",),
            "set either defaults or prefill, not both",
            "use prefill for an optional input whose value the user may clear",
        )
    if isinstance(input, (StringInput, SecretInput)) and input.validator is not None:
        try:
            re.compile(input.validator)
        except re.error as error:
            add(
                ("validator",),
                f"validator {input.validator!r} is an invalid regex: {error}",
                "Lanner checks the regex with Python's re module, which lacks some Java "
                "constructs such as \\p{Alpha}",
            )
    if isinstance(input, StringInput):
        _check_range(add, "minLength", input.min_length, "maxLength", input.max_length)
    if isinstance(input, (IntInput, FloatInput, DurationInput)):
        _check_range(add, "min", input.min, "max", input.max)
    if isinstance(input, (DateTimeInput, DateInput, TimeInput)):
        _check_range(add, "after", input.after, "before", input.before)
    if isinstance(input, SelectInput) and input.expression is None and not input.values:
        add(("values",), "a SELECT input needs a non-empty values list or an expression")
    if isinstance(input, EnumInput) and not input.values:
        add(("values",), "an ENUM input needs a non-empty values list")
    if isinstance(input, MultiselectInput):
        if input.values is not None and input.options is not None:
            add(
                ("options",),
                "set either values or options, not both",
                "options is the old name of values",
            )
        elif input.expression is None and not (input.values or input.options):
            add(("values",), "a MULTISELECT input needs a non-empty values list or an expression")
    if isinstance(input, (ArrayInput, MultiselectInput)) and input.item_type not in ITEM_TYPES:
        add(
            ("itemType",),
            f"itemType {input.item_type!r} is not an item type",
            "use one of " + ", ".join(sorted(ITEM_TYPES)),
        )
    if isinstance(input, FileInput):
        for position, extension in enumerate(input.allowed_file_extensions or []):
            if not extension.startswith(".") or len(extension) < 2:
                add(
                    ("allowedFileExtensions", position),
                    f"allowedFileExtensions entry {extension!r} is not an extension",
                    "write extensions with their dot, such as '.csv'",
                )
    return problems


_Add = Callable[..., None]


def _check_range(add: _Add, low_name: str, low: Any, high_name: str, high: Any) -> None:
    if low is not None and high is not None and low > high:
        add(
            (high_name,),
            f"{high_name} {show_bound(high)} is below {low_name} {show_bound(low)}, "
            "so no value fits",
        )


def _check_literal(index: int, input: AnyInput, field: str, value: Any) -> list[InputProblem]:
    if value is None or contains_expression(value):
        return []
    # Values that an expression renders are unknown until execution time.
    choices_known = not (isinstance(input, (SelectInput, MultiselectInput)) and input.expression)
    try:
        parse_input_value(input, value, check_choices=choices_known)
    except CoercionError as error:
        name = "default" if field == "defaults" else field
        message = f"input {input.id!r}: {name} {shown_value(input, value)} {error}"
        # A message that ends with ": expected ..." carries its own hint, which the flow
        # check splits off.
        hint = None if ": expected " in message else f"change the {name} or the rule it breaks"
        return [InputProblem((index, field), message, hint)]
    return []
