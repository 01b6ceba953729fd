"""Input checks and messages of `lanner flow run`, in terms of --input and --input-file."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import click

from lanner.errors import InvalidInputs
from lanner.flows.inputs import UploadedFile
from lanner.flows.inputs.coercion import FILE_URI_SCHEMES, CoercionError, parse_file_uri
from lanner.flows.inputs.models import FileInput
from lanner.flows.model import Flow


def drop_undeclared(
    flow: Flow, supplied: dict[str, str], files: dict[str, UploadedFile]
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Remove the inputs that `flow` does not declare, with a warning for each one.

    The resolver ignores them too, but only logs one line without the flow's name.
    """
    declared = {input.id for input in flow.inputs or []}
    for name in sorted((set(supplied) | set(files)) - declared):
        click.echo(
            f"Warning: input {name!r} is not declared by flow {flow.namespace}.{flow.id}, "
            "so it was ignored",
            err=True,
        )

    kept_values = {name: value for name, value in supplied.items() if name in declared}
    kept_files = {name: upload for name, upload in files.items() if name in declared}
    return kept_values, kept_files


def with_cli_file_hints(
    error: InvalidInputs, flow: Flow, supplied: Mapping[str, str]
) -> InvalidInputs:
    """Reword the problems of FILE inputs given a path with --input, to point at --input-file.

    The resolver's message recommends a multipart upload, which a CLI user cannot send. The
    CLI repeats the resolver's file-reference check to find those inputs.
    """
    misplaced = _file_inputs_given_paths(flow, supplied)
    problems = []
    for problem in error.problems:
        name = problem.path.removeprefix("inputs.")
        if name in misplaced:
            problem = dataclasses.replace(
                problem, message=_file_message(name, supplied[name]), hint=None
            )
        problems.append(problem)
    return InvalidInputs(problems=problems, outcome=error.outcome)


def _file_inputs_given_paths(flow: Flow, supplied: Mapping[str, str]) -> set[str]:
    return {
        input.id
        for input in flow.inputs or []
        if isinstance(input, FileInput)
        and input.id in supplied
        and not _is_file_reference(supplied[input.id])
    }


def _is_file_reference(value: str) -> bool:
    try:
        parse_file_uri(value)
    except CoercionError:
        return False
    return True


def _file_message(name: str, value: str) -> str:
    *first, last = [f"{scheme}://" for scheme in FILE_URI_SCHEMES]
    schemes = f"{', '.join(first)} or {last}" if first else last
    return (
        f"input {name!r} is a FILE input, but {value!r} is not a file reference: pass a "
        f"local file with --input-file {name}=PATH, or a {schemes} URI with --input"
    )
