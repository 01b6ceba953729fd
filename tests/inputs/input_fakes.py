"""Stand-ins for the input tests: an expression renderer, a file store and a parser."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from lanner.flows.inputs import AnyInput, Input

_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_INPUTS = TypeAdapter(list[Input])


class _Attributes(dict[str, Any]):
    """A mapping whose keys also read as attributes, as `inputs.name` does in expressions."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise NameError(f"undefined variable {name!r}") from None


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _Attributes({key: _wrap(item) for key, item in value.items()})
    return value


class FakeRenderer:
    """Evaluate `{{ expr }}` as a Python expression over the context.

    It replaces Lanner's expression engine, which is written elsewhere. The expressions in
    these tests are Python, not Pebble, because the tests check how inputs use the renderer
    rather than the expression language. `calls` records each template rendered.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _evaluate(self, expression: str, context: Mapping[str, Any]) -> Any:
        names = {key: _wrap(value) for key, value in context.items()}
        return eval(expression.strip(), {"__builtins__": {"len": len, "str": str}}, names)

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        self.calls.append(template)
        return _EXPRESSION.sub(lambda match: str(self._evaluate(match.group(1), context)), template)

    def render_typed(self, value: Any, context: Mapping[str, Any]) -> Any:
        if not isinstance(value, str):
            return value
        whole = _EXPRESSION.fullmatch(value.strip())
        if whole is not None:
            self.calls.append(value)
            return self._evaluate(whole.group(1), context)
        return self.render(value, context)


@dataclass
class FakeStore:
    """Record store_file calls and return the URI internal storage would give."""

    calls: list[tuple[str, str, bytes]] = field(default_factory=list)

    async def __call__(self, input_id: str, filename: str, content: bytes) -> str:
        self.calls.append((input_id, filename, content))
        return f"kestra:///company/team/flow/executions/exec1/inputs/{input_id}/{filename}"


def parse_inputs(definitions: list[dict[str, Any]]) -> list[AnyInput]:
    """Validate input definitions as the flow parser does."""
    return _INPUTS.validate_python(definitions)
