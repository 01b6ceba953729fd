"""Load YAML documents while keeping the line and column of every value.

Flows are validated against the YAML text a user wrote, so every problem must point at its
place. PyYAML's composer keeps marks on nodes; this module turns nodes into plain Python values
and records a position for each property path. Timestamps are left as text (Kestra's parser
does the same and lets each property decide its type), and duplicate keys are problems rather
than a silent "last one wins".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from lanner.errors import Problem

Path = tuple[str | int, ...]

SYNTAX_HINT = "check the indentation, quotes and colons at this place or just before it"

# The last part of a path that points at a property's value rather than at its key.
VALUE = "<value>"


class _Loader(yaml.SafeLoader):
    """A safe loader that does not turn dates and times into Python objects."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """One `---`-separated document, its value and the position of each path in it."""

    data: Any
    text: str
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    first_line: int = 1
    # The text of this document alone, comments just above it included.
    source: str = ""

    def position(self, path: Path) -> tuple[int | None, int | None]:
        """Find the line and column of a path, falling back to its nearest known parent."""
        probe = tuple(path)
        while True:
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return (self.first_line, 1)
            probe = probe[:-1]

    def problem(self, path: Path, message: str, hint: str | None = None) -> Problem:
        line, column = self.position(path)
        return Problem(message=message, path=format_path(path), line=line, column=column, hint=hint)


def format_path(path: Path) -> str:
    """Format a path as `tasks[0].values.key`; the `<value>` marker is left out."""
    text = ""
    for part in path:
        if part == VALUE:
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def load_documents(text: str) -> list[YamlDocument]:
    """Split a YAML text into documents; a syntax error becomes a document with one problem."""
    documents: list[YamlDocument] = []
    loader: _Loader | None = None
    try:
        # The reader rejects characters YAML forbids (NUL, other control characters) at once.
        loader = _Loader(text)
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            document = YamlDocument(data=None, text=text, first_line=node.start_mark.line + 1)
            document.data = _construct(loader, node, (), document)
            document.source = _document_source(text, node)
            documents.append(document)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = f"invalid YAML: {error.problem or error.context}"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = Problem(message=message, line=line, column=column, hint=SYNTAX_HINT)
        documents.append(YamlDocument(data=None, text=text, problems=[problem]))
    except yaml.YAMLError as error:
        problem = Problem(message=f"invalid YAML: {error}", line=1, column=1, hint=SYNTAX_HINT)
        documents.append(YamlDocument(data=None, text=text, problems=[problem]))
    finally:
        if loader is not None:
            loader.dispose()
    return documents


def _construct(loader: _Loader, node: yaml.Node, path: Path, document: YamlDocument) -> Any:
    document.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                document.problems.append(
                    _node_problem(
                        key_node,
                        path,
                        "invalid key: a mapping key must be a scalar",
                        "write the key as plain text",
                    )
                )
                continue
            key = _key_text(key)
            child_path = (*path, key)
            if key in result:
                document.problems.append(
                    _node_problem(
                        key_node,
                        child_path,
                        f"duplicate key {key!r}",
                        "remove one of the two entries; YAML keeps only one of them",
                    )
                )
                continue
            result[key] = _construct(loader, value_node, child_path, document)
            # Point the property itself at its key, which is where an editor places it.
            document.positions[child_path] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            document.positions[(*child_path, VALUE)] = (
                value_node.start_mark.line + 1,
                value_node.start_mark.column + 1,
            )
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), document)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def _document_source(text: str, node: yaml.Node) -> str:
    lines = text.splitlines(keepends=True)
    first = node.start_mark.line
    last = node.end_mark.line if node.end_mark.column else node.end_mark.line - 1
    # Take the comments written just above the document along with it.
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1
    return "".join(lines[first : last + 1]).rstrip() + "\n"


def _key_text(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _node_problem(node: yaml.Node, path: Path, message: str, hint: str | None = None) -> Problem:
    return Problem(
        message=message,
        path=format_path(path),
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
        hint=hint,
    )
