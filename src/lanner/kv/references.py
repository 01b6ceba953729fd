"""Static analysis of templates: which KV keys their `kv()` calls name literally.

The worker reads those keys before a task runs, so that rendering finds them without a
database round trip. A call whose key or namespace is computed (`kv('day_' ~ inputs.day)`)
cannot be known in advance and is read when the render reaches it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError

from lanner.expressions.environment import get_environment
from lanner.expressions.rendering import TEMPLATE_CACHE_SIZE, is_dynamic

_KEY_ARGUMENTS: Final = ("key", "namespace")


@dataclass(frozen=True)
class KvReference:
    """A `kv()` call with a literal key; `namespace` None means the flow's namespace chain."""

    key: str
    namespace: str | None = None


def kv_references(templates: Iterable[str]) -> frozenset[KvReference]:
    """Return the literal `kv()` keys of templates; text that cannot be parsed names none."""
    found: set[KvReference] = set()
    for template in templates:
        if "kv" in template and is_dynamic(template):
            found |= _template_references(template)
    return frozenset(found)


def template_texts(value: Any) -> Iterator[str]:
    """Yield every text inside nested maps and lists, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from template_texts(key)
            yield from template_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from template_texts(item)


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _template_references(template: str) -> frozenset[KvReference]:
    try:
        tree = get_environment().parse(template)
    except TemplateSyntaxError:
        # Rendering reports the syntax error with its location; nothing to read in advance.
        return frozenset()
    found = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "kv":
            reference = _literal_call(call)
            if reference is not None:
                found.add(reference)
    return frozenset(found)


def _literal_call(call: nodes.Call) -> KvReference | None:
    """Return the reference of a call whose key and namespace are literal text, else None."""
    arguments: dict[str, nodes.Expr] = dict(zip(_KEY_ARGUMENTS, call.args, strict=False))
    for keyword in call.kwargs:
        if keyword.key in _KEY_ARGUMENTS:
            arguments[keyword.key] = keyword.value
    key = _literal_text(arguments.get("key"))
    if key is None:
        return None
    namespace_node = arguments.get("namespace")
    if namespace_node is None or (
        isinstance(namespace_node, nodes.Const) and namespace_node.value is None
    ):
        return KvReference(key)
    namespace = _literal_text(namespace_node)
    return KvReference(key, namespace) if namespace is not None else None


def _literal_text(node: nodes.Expr | None) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None
