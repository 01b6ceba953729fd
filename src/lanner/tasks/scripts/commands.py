"""The command line of a script task: the interpreter, and one script of its rendered commands.

As in Kestra, `beforeCommands` and the commands are joined with line breaks into one script,
passed as the last argument of the interpreter (`/bin/sh -c` by default). With `failFast`, the
script starts with `set -e`, so the first failing command ends it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lanner.errors import TaskFailure
from lanner.expressions import is_truthy, to_text
from lanner.tasks.scripts.input_files import localize_storage_uris
from lanner.worker.context import RunContext

DEFAULT_INTERPRETER = ["/bin/sh", "-c"]


def rendered_texts(context: RunContext, value: list[str] | str | None, name: str) -> list[str]:
    """Render a list of texts, or an expression rendering to one (or to JSON text of one)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [context.render(item, name) for item in value]
    rendered = context.render_typed(value, name)
    if isinstance(rendered, list):
        return [to_text(item) for item in rendered]
    if isinstance(rendered, str) and rendered.lstrip().startswith("["):
        try:
            parsed = json.loads(rendered)
        except ValueError:
            return [rendered]
        if isinstance(parsed, list):
            return [to_text(item) for item in parsed]
    return [to_text(rendered)]


async def script_argv(
    context: RunContext,
    directory: Path,
    *,
    interpreter: list[str] | str | None,
    before_commands: list[str] | str | None,
    fail_fast: bool | str,
    commands: list[str],
    setup_commands: list[str] | None = None,
) -> list[str]:
    """Build the argument list: the interpreter, then the script of every command.

    `setup_commands`, added by the task type, run first, after `set -e`.
    """
    lines = [*(setup_commands or []), *rendered_texts(context, before_commands, "beforeCommands")]
    if is_truthy(context.render_typed(fail_fast, "failFast")):
        lines.insert(0, "set -e")
    script = "\n".join([*lines, *commands])
    script = await localize_storage_uris(context, directory, script)
    return [*(rendered_texts(context, interpreter, "interpreter") or DEFAULT_INTERPRETER), script]


def rendered_env(context: RunContext, env: dict[str, Any] | str | None) -> dict[str, str]:
    """Render `env` into environment variables; map and list values become their JSON text."""
    if env is None:
        return {}
    if isinstance(env, str):
        rendered = context.render_typed(env, "env")
        if isinstance(rendered, str):
            try:
                rendered = json.loads(rendered)
            except ValueError as error:
                raise TaskFailure(
                    f"property 'env' must render to a map of variable names to values: {error}"
                ) from error
        if not isinstance(rendered, dict):
            raise TaskFailure(
                f"property 'env' must render to a map of variable names to values, got "
                f"{to_text(rendered)[:200]!r}"
            )
    else:
        rendered = {
            context.render(str(name), "env"): context.render_value(value, "env")
            for name, value in env.items()
        }
    return {
        _checked_name(to_text(name)): _checked_value(name, value)
        for name, value in rendered.items()
    }


def _checked_name(name: str) -> str:
    if not name or "=" in name or "\x00" in name:
        raise TaskFailure(
            f"invalid environment variable name {name!r} in property 'env': names must be "
            "non-empty and hold neither '=' nor NUL characters"
        )
    return name


def _checked_value(name: Any, value: Any) -> str:
    text = to_text(value)
    if "\x00" in text:
        raise TaskFailure(
            f"environment variable {to_text(name)!r} contains a NUL character, which no process "
            "environment can carry; pass the value in `inputFiles` instead"
        )
    return text
