"""Static analysis of the variables and task outputs templates read."""

from __future__ import annotations

import pytest

from lanner.expressions import ExpressionError, References, references
from lanner.expressions.references import CONTEXT_ROOTS


@pytest.mark.parametrize(
    ("templates", "roots", "outputs", "all_outputs"),
    [
        (["plain text"], set(), set(), False),
        (["{{ inputs.a }}"], {"inputs"}, set(), False),
        (["{{ outputs.task1.value }}"], {"outputs"}, {"task1"}, False),
        (["{{ outputs['my-task'].value }}"], {"outputs"}, {"my-task"}, False),
        (["{{ outputs.t1.x ?? outputs.t2.y }}"], {"outputs"}, {"t1", "t2"}, False),
        (["{{ outputs.t.list[taskrun.value] }}"], {"outputs", "taskrun"}, {"t"}, False),
        (["{{ outputs[taskrun.value].x }}"], {"outputs", "taskrun"}, set(), True),
        (["{{ outputs }}"], {"outputs"}, set(), True),
        (["{{ outputs | jq('.t.value') }}"], {"outputs"}, set(), True),
        (["{% for o in outputs %}{{ o }}{% endfor %}"], {"outputs"}, set(), True),
        (["{% set o = outputs %}{{ o.t }}"], {"outputs"}, set(), True),
        (
            ["{{ vars.a }} {{ tasks }}", "{{ parents[0].taskrun.value }}"],
            {"vars", "tasks", "parents"},
            set(),
            False,
        ),
        (
            ["{% for x in inputs.list %}{{ x }}{{ loop.index }}{% endfor %}"],
            {"inputs"},
            set(),
            False,
        ),
        (["{% set y = 1 %}{{ y }} {{ now() }} {{ range(1, 2) }}"], set(), set(), False),
        (["{% set inputs = 1 %}{{ inputs }}"], {"inputs"}, set(), False),
        (["{{ parent.outputs.x }}"], {"parent"}, set(), False),
        (["{% raw %}{{ outputs.hidden }}{% endraw %}"], set(), set(), False),
        (["{{ 'outputs.t' }}"], set(), set(), False),
        (["{{ outputs.a.x }}", "{{ outputs.b.y }}"], {"outputs"}, {"a", "b"}, False),
    ],
)
def test_references(
    templates: list[str], roots: set[str], outputs: set[str], all_outputs: bool
) -> None:
    result = references(templates)
    assert result.roots == roots
    assert result.outputs == outputs
    assert result.all_outputs is all_outputs
    assert result.dynamic is False


@pytest.mark.parametrize(
    "template",
    ["{{ render(vars.x) }}", "{{ renderOnce(vars.x) }}", "{{ printContext() }}"],
)
def test_dynamic_functions_make_everything_read(template: str) -> None:
    result = references([template])
    assert result.dynamic is True
    assert result.all_outputs is True
    assert result.roots >= CONTEXT_ROOTS


def test_references_merge() -> None:
    merged = References(frozenset({"a"}), frozenset({"t"})) | References(all_outputs=True)
    assert merged == References(frozenset({"a"}), frozenset({"t"}), all_outputs=True)


def test_references_reports_syntax_errors() -> None:
    with pytest.raises(ExpressionError, match="invalid expression"):
        references(["{{ outputs. }}"])
