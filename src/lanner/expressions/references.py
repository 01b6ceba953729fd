"""Static analysis of templates: which context roots and which task outputs they read.

The executor sends a worker only the outputs a task reads, so this analysis must never
under-report: anything it cannot decide statically counts as reading every output.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError

from lanner.expressions.environment import get_environment
from lanner.expressions.errors import ExpressionSyntaxError
from lanner.expressions.rendering import TEMPLATE_CACHE_SIZE, is_dynamic

# Variables Lanner puts in every render context.
CONTEXT_ROOTS: Final = frozenset(
    {
        "flow", "execution", "inputs", "outputs", "vars", "tasks", "taskrun", "task",
        "parent", "parents", "labels", "envs", "globals", "trigger", "namespace",
    }
)  # fmt: skip

# Functions that read variables chosen at run time: render() reads whatever its text names.
_DYNAMIC_FUNCTIONS: Final = frozenset({"render", "renderOnce", "printContext"})


@dataclass(frozen=True)
class References:
    """Context names and task outputs that a set of templates reads.

    `roots`: context names read (`inputs`, `outputs`...). `outputs`: task ids read as
    `outputs.<id>` or `outputs['<id>']`. `all_outputs`: some output is reached in a way
    that static analysis cannot resolve (`outputs[var]`, `outputs | jq(...)`, `render()`),
    so every output may be read. `dynamic`: a function such as `render()` may read any
    variable. `roots` then also lists every name in CONTEXT_ROOTS, and a caller should
    treat any other variable as read too.
    """

    roots: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()
    all_outputs: bool = False
    dynamic: bool = False

    def __or__(self, other: References) -> References:
        return References(
            self.roots | other.roots,
            self.outputs | other.outputs,
            self.all_outputs or other.all_outputs,
            self.dynamic or other.dynamic,
        )


def references(templates: Iterable[str]) -> References:
    """Analyse templates and merge what they read; text without expressions reads nothing."""
    result = References()
    for template in templates:
        if is_dynamic(template):
            result = result | _template_references(template)
    return result


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _template_references(template: str) -> References:
    environment = get_environment()
    try:
        tree = environment.parse(template)
    except TemplateSyntaxError as error:
        raise ExpressionSyntaxError(
            f"invalid expression {template[:160]!r}: {error.message} (line {error.lineno})"
        ) from error
    collector = _Collector(_local_names(tree), frozenset(environment.globals))
    collector.visit(tree)
    roots = frozenset(collector.roots)
    if collector.dynamic:
        roots |= CONTEXT_ROOTS
    return References(
        roots,
        frozenset(collector.outputs),
        collector.all_outputs or collector.dynamic,
        collector.dynamic,
    )


def _local_names(tree: nodes.Template) -> frozenset[str]:
    """Names the template itself assigns (`set`, `for` targets, macro arguments)."""
    return frozenset(
        name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")
    )


class _Collector:
    def __init__(self, local_names: frozenset[str], function_names: frozenset[str]) -> None:
        # A context root assigned locally still counts as read, to stay conservative.
        self._ignored = (local_names | function_names | {"loop"}) - CONTEXT_ROOTS
        self.roots: set[str] = set()
        self.outputs: set[str] = set()
        self.all_outputs = False
        self.dynamic = False

    def visit(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Getattr | nodes.Getitem) and _is_outputs(node.node):
            self._visit_output_access(node)
            return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            self._visit_name(node.name)
            return
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in _DYNAMIC_FUNCTIONS
        ):
            self.dynamic = True
        for child in node.iter_child_nodes():
            self.visit(child)

    def _visit_name(self, name: str) -> None:
        if name in self._ignored:
            return
        self.roots.add(name)
        if name == "outputs":
            # `outputs` used whole: printed, filtered, looped over or passed to a function.
            self.all_outputs = True

    def _visit_output_access(self, node: nodes.Getattr | nodes.Getitem) -> None:
        self.roots.add("outputs")
        if isinstance(node, nodes.Getattr):
            self.outputs.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
            self.outputs.add(str(node.arg.value))
        else:
            self.all_outputs = True
            self.visit(node.arg)


def _is_outputs(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "outputs" and node.ctx == "load"
