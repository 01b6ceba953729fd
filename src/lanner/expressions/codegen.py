"""Code generation for lazy Pebble operators and for attribute access that reports paths."""

from __future__ import annotations

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

from lanner.expressions.nodes import LAZY_OPERATORS, is_operator


def describe(node: nodes.Node | None) -> str:
    """Return the source-like path of an expression (`outputs.t['k']`) for error messages."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        if isinstance(node.arg, nodes.Const):
            return f"{describe(node.node)}[{node.arg.value!r}]"
        if isinstance(node.arg, nodes.Name | nodes.Getattr | nodes.Getitem):
            return f"{describe(node.node)}[{describe(node.arg)}]"
        return f"{describe(node.node)}[...]"
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        return f"{node.node.name}(...)"
    if isinstance(node, nodes.Filter) and not is_operator(node):
        return f"({describe(node.node)} | {node.name})"
    return "(expression)"


class PebbleCodeGenerator(CodeGenerator):
    """Code generator for Pebble templates; see nodes.py for how operators are represented."""

    def visit_Filter(self, node: nodes.Filter, frame: Frame) -> None:
        if node.name not in LAZY_OPERATORS:
            super().visit_Filter(node, frame)
            return
        # `??` and `???` get their operands as functions, so the right side runs only when
        # needed and an error on the left side can be caught.
        assert node.node is not None, "operators always have a left operand"
        self.write(f"{self.filters[node.name]}((lambda: ")
        self.visit(node.node, frame)
        self.write("), (lambda: ")
        self.visit(node.args[0], frame)
        self.write("))")

    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        self.write("environment.pebble_getattr(")
        self.visit(node.node, frame)
        self.write(f", {node.attr!r}, {describe(node.node)!r})")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        self.write("environment.pebble_getitem(")
        self.visit(node.node, frame)
        self.write(", ")
        if isinstance(node.arg, nodes.Slice):
            self.write("slice(")
            for index, part in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
                if index:
                    self.write(", ")
                if part is None:
                    self.write("None")
                else:
                    self.visit(part, frame)
            self.write(")")
        else:
            self.visit(node.arg, frame)
        self.write(f", {describe(node.node)!r})")
