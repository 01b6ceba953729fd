"""Flow outputs, rendered once the execution's tasks have ended."""

from __future__ import annotations

from typing import Any

from lanner.errors import ExpressionError, LannerError
from lanner.executions.model import Execution
from lanner.executor.context import InstanceContext, execution_context, outputs_map
from lanner.expressions import render_typed
from lanner.flows.executable import ExecutableFlow
from lanner.flows.inputs import coerce_output


class InvalidFlowOutput(LannerError):
    """A flow output could not be rendered or does not match its type."""


def render_flow_outputs(
    flow: ExecutableFlow, execution: Execution, instance: InstanceContext
) -> dict[str, Any] | None:
    """Render the flow's `outputs`; raise InvalidFlowOutput naming every one that fails."""
    definitions = flow.flow.outputs
    if not definitions:
        return None
    context = execution_context(flow, execution, instance)
    context["outputs"] = outputs_map(execution, None)
    result: dict[str, Any] = {}
    problems: list[str] = []
    for output in definitions:
        try:
            value = render_typed(output.value, context, instance.services)
        except ExpressionError as error:
            problems.append(f"flow output {output.id!r} could not be rendered: {error}")
            continue
        try:
            result[output.id] = coerce_output(output.type, value, output.id)
        except LannerError as error:
            problems.append(f"flow output {output.id!r} is invalid: {error}")
    if problems:
        raise InvalidFlowOutput("; ".join(problems))
    return result
