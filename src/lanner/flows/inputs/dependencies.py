"""The order in which inputs resolve: each input after the inputs its `dependsOn` lists.

Inputs with no dependency keep their declaration order, so an expression default may use any
input declared before it. Unknown ids in `dependsOn` are skipped here, as Kestra skips them;
the flow check reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lanner.flows.inputs.models import AnyInput


def dependency_ids(input: AnyInput) -> list[str]:
    """Return the ids in the input's `dependsOn.inputs`, in the order written."""
    return list(input.depends_on.inputs) if input.depends_on is not None else []


@dataclass
class ResolutionOrder:
    """Inputs sorted so that dependencies come first, and the dependency cycles found."""

    inputs: list[AnyInput] = field(default_factory=list)
    # Each cycle as the ids along it, ending with its first id again: ["a", "b", "a"].
    cycles: list[list[str]] = field(default_factory=list)

    @property
    def ids_in_cycles(self) -> set[str]:
        return {input_id for cycle in self.cycles for input_id in cycle}


def resolution_order(inputs: Sequence[AnyInput], *, self_is_cycle: bool = False) -> ResolutionOrder:
    """Sort inputs depth-first along `dependsOn`, leaving inputs on a cycle out of the order.

    With `self_is_cycle`, an input that lists its own id is reported as a cycle of one. Kestra
    ignores such an entry when it resolves inputs, so resolution leaves it off, while the flow
    check reports it as a mistake.
    """
    by_id: dict[str, AnyInput] = {}
    for input in inputs:
        by_id.setdefault(input.id, input)

    order = ResolutionOrder()
    state: dict[str, str] = {}  # "visiting" while on the stack, "done" once placed
    stack: list[str] = []

    def visit(input_id: str) -> None:
        if state.get(input_id) == "done":
            return
        if state.get(input_id) == "visiting":
            start = stack.index(input_id)
            order.cycles.append([*stack[start:], input_id])
            return
        state[input_id] = "visiting"
        stack.append(input_id)
        for dependency in dependency_ids(by_id[input_id]):
            if dependency == input_id and not self_is_cycle:
                continue
            if dependency in by_id:
                visit(dependency)
        stack.pop()
        state[input_id] = "done"
        if input_id not in order.ids_in_cycles:
            order.inputs.append(by_id[input_id])

    for input_id in by_id:
        visit(input_id)
    return order
