"""Rendering entry points: text rendering, typed rendering of one whole expression, and recursion
through dicts and lists. Compiled templates are cached, since rendering is on the executor's
hot path."""

from __future__ import annotations

import functools
import logging
import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, cast

from jinja2 import nodes
from jinja2.environment import Template
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import Context

from lanner.errors import ExpressionError
from lanner.expressions.environment import get_environment
from lanner.expressions.errors import ExpressionSyntaxError, UndefinedVariable
from lanner.expressions.parser import PebbleParser
from lanner.expressions.services import RenderServices, run_in_scope
from lanner.expressions.undefined import UndefinedAccess, raise_if_undefined

logger = logging.getLogger(__name__)

# Distinct templates kept compiled; a flow has tens to hundreds, an executor serves many flows.
TEMPLATE_CACHE_SIZE: Final = 8192

_RESULT_NAME: Final = "lanner_expression_result"
_SINGLE_EXPRESSION: Final = re.compile(r"\A\s*\{\{[-+]?(?P<body>.*?)-?\}\}\s*\Z", re.S)
_EXPRESSION_MARKERS: Final = ("{{", "{%", "{#")

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


def is_dynamic(text: str) -> bool:
    """Return whether text contains an expression, tag or comment, so rendering may change it."""
    return "{" in text and any(marker in text for marker in _EXPRESSION_MARKERS)


def _new_context(template: Template, context: Mapping[str, Any]) -> Context:
    # Layering the caller's variables over the functions avoids copying both into a new
    # dict, which was most of the cost of rendering a short template.
    variables = ChainMap(cast(dict[str, Any], context), get_environment().globals)
    return template.new_context(cast(dict[str, Any], variables), shared=True)


def _shorten(template: str, limit: int = 160) -> str:
    return template if len(template) <= limit else template[: limit - 3] + "..."


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _compile_template(source: str) -> Template:
    try:
        return get_environment().from_string(source)
    except TemplateSyntaxError as error:
        raise ExpressionSyntaxError(
            f"invalid expression {_shorten(source)!r}: {error.message} (line {error.lineno})"
        ) from error


class _CompiledExpression:
    """One whole expression compiled so that its value can be read without converting to text."""

    def __init__(self, template: Template) -> None:
        self._template = template

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        template_context = _new_context(self._template, context)
        for _ in self._template.root_render_func(template_context):
            pass
        value = template_context.vars[_RESULT_NAME]
        raise_if_undefined(value)
        return value


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _compile_single_expression(source: str) -> _CompiledExpression | None:
    """Compile `{{ expr }}` (whitespace around allowed) for typed rendering; None for other text."""
    match = _SINGLE_EXPRESSION.match(source)
    if match is None:
        return None
    environment = get_environment()
    try:
        parser = PebbleParser(environment, match["body"], state="variable")
        expression = parser.parse_expression()
        if not parser.stream.eos:
            # More follows, as in "{{ a }} and {{ b }}": this is text, not one expression.
            return None
    except TemplateSyntaxError:
        # Rendered as text instead, which reports the syntax error with the whole template.
        return None
    assign = nodes.Assign(nodes.Name(_RESULT_NAME, "store"), expression, lineno=1)
    tree = nodes.Template([assign], lineno=1)
    tree.set_environment(environment)
    code = environment.compile(tree)
    template = environment.template_class.from_code(
        environment, code, environment.make_globals(None), None
    )
    return _CompiledExpression(template)


_NAMES_EXPRESSION: Final = "_lanner_names_expression"


def _named(error: E) -> E:
    """Mark an error whose message already names its expression, so outer renders keep it."""
    setattr(error, _NAMES_EXPRESSION, True)
    return error


def _run(template: str, action: Callable[[], T]) -> T:
    """Run a render and turn every failure into an ExpressionError naming the expression.

    An error from a nested render() already names the inner expression and is kept as is.
    """
    where = f"in expression {_shorten(template)!r}"
    try:
        return action()
    except UndefinedAccess as error:
        raise _named(
            UndefinedVariable(
                f"{error.message} {where}; use `?? fallback` or `| default(fallback)` where "
                "the value may be missing",
                error.path,
            )
        ) from None
    except ExpressionError as error:
        if not getattr(error, _NAMES_EXPRESSION, False):
            message = error.args[0] if error.args else str(error)
            error.args = (f"{message} {where}",)
            _named(error)
        raise
    except SecurityError as error:
        raise _named(
            ExpressionError(f"{error.message} {where}; expressions cannot reach Python internals")
        ) from None
    except Exception as error:
        logger.debug("expression %r failed", _shorten(template), exc_info=True)
        message = f"cannot render expression {_shorten(template)!r}: {error}"
        raise _named(ExpressionError(message)) from error


def render(
    template: str, context: Mapping[str, Any], services: RenderServices | None = None
) -> str:
    """Render text; every value printed goes through `to_text` (null as "", lists as JSON)."""
    if not is_dynamic(template):
        return template
    compiled = _compile_template(template)

    def render_text() -> str:
        return "".join(compiled.root_render_func(_new_context(compiled, context)))

    return run_in_scope(services, lambda: _run(template, render_text))


def render_typed(
    value: Any, context: Mapping[str, Any], services: RenderServices | None = None
) -> Any:
    """Render keeping native types where the text is one whole expression.

    `"{{ range(1, 3) }}"` gives the list [1, 2, 3] and `"{{ inputs.n }}"` an int; other
    text is rendered as text. Maps and lists are rendered item by item (keys as text);
    other values are returned unchanged.
    """
    if isinstance(value, str):
        if not is_dynamic(value):
            return value
        expression = _compile_single_expression(value)
        if expression is None:
            return render(value, context, services)
        return run_in_scope(services, lambda: _run(value, lambda: expression.evaluate(context)))
    if isinstance(value, Mapping):
        return {
            _render_key(key, context, services): render_typed(item, context, services)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [render_typed(item, context, services) for item in value]
    return value


def render_value(
    value: Any, context: Mapping[str, Any], services: RenderServices | None = None
) -> Any:
    """Render every text in nested maps and lists as text, keys included; other values unchanged."""
    if isinstance(value, str):
        return render(value, context, services)
    if isinstance(value, Mapping):
        return {
            _render_key(key, context, services): render_value(item, context, services)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [render_value(item, context, services) for item in value]
    return value


def _render_key(key: Any, context: Mapping[str, Any], services: RenderServices | None) -> Any:
    return render(key, context, services) if isinstance(key, str) else key
