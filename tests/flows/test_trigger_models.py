"""Trigger and condition models: cron and time zone checks, preconditions, inputs, registry."""

from __future__ import annotations

import pytest

from lanner.triggers.conditions import Not
from lanner.triggers.flow_trigger import FlowTrigger
from lanner.triggers.registry import default_trigger_registry
from lanner.triggers.schedule import Schedule
from lanner.triggers.timing import InvalidCron, check_cron, is_time_zone
from tests.flows.helpers import only_problem, parse_one, problems_of

FLOW = (
    "id: sample\nnamespace: company.team\n"
    "tasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: x\n"
)
SCHEDULE = "    type: io.kestra.plugin.core.trigger.Schedule\n"


def with_trigger(trigger: str, inputs: str = "") -> str:
    return FLOW.replace("tasks:", f"{inputs}tasks:") + "triggers:\n" + trigger


def schedule(cron: str, extra: str = "") -> str:
    return with_trigger(f"  - id: cron\n{SCHEDULE}    cron: '{cron}'\n{extra}")


@pytest.mark.parametrize(
    "cron",
    [
        "* * * * *",
        "*/15 * * * *",
        "30 6 * * MON-FRI",
        "0 0 1 1 *",
        "0 0 * * 7",
        "@daily",
        "@hourly",
    ],
)
def test_cron_accepted(cron: str) -> None:
    check_cron(cron)


@pytest.mark.parametrize("cron", ["* * * *", "61 * * * *", "* * * * * *", "every day", ""])
def test_cron_rejected(cron: str) -> None:
    with pytest.raises(InvalidCron):
        check_cron(cron)


def test_cron_with_seconds_first() -> None:
    check_cron("*/10 * * * * *", with_seconds=True)
    with pytest.raises(InvalidCron):
        check_cron("70 * * * * *", with_seconds=True)


def test_schedule_cron_problem() -> None:
    problem = only_problem(schedule("* * * *"))

    assert problem.path == "triggers[0].cron"
    assert problem.message.startswith("invalid cron expression '* * * *': expected 5 fields")
    assert problem.hint is not None
    assert (problem.line, problem.column) == (10, 11)


def test_six_fields_need_with_seconds() -> None:
    problem = only_problem(schedule("0 * * * * *"))

    assert "set withSeconds: true" in problem.message


def test_schedule_with_seconds_valid() -> None:
    assert problems_of(schedule("0 */5 * * * *", "    withSeconds: true\n")) == []


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "UTC", "Z", "+02:00", "GMT+1", "America/New_York"]
)
def test_time_zone_accepted(zone: str) -> None:
    assert is_time_zone(zone)


def test_time_zone_misspelled() -> None:
    problem = only_problem(schedule("@daily", "    timezone: europe/paris\n"))

    assert problem.message == "unknown time zone 'europe/paris'"
    assert problem.hint == "did you mean 'Europe/Paris'?"
    assert problem.path == "triggers[0].timezone"


def test_schedule_needs_required_inputs() -> None:
    inputs = (
        "inputs:\n  - id: region\n    type: STRING\n"
        "  - id: mode\n    type: STRING\n    defaults: a\n"
    )
    text = with_trigger(
        "  - id: cron\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '@daily'\n",
        inputs,
    )

    problem = only_problem(text)

    assert problem.path == "triggers[0]"
    assert "'region'" in problem.message
    assert "'mode'" not in problem.message


def test_schedule_older_alias_and_conditions() -> None:
    text = with_trigger(
        "  - id: cron\n    type: io.kestra.core.models.triggers.types.Schedule\n"
        "    cron: '@daily'\n"
        "    conditions:\n      - type: io.kestra.plugin.core.condition.Not\n        conditions:\n"
        "          - type: io.kestra.core.models.conditions.types.WeekendCondition\n"
    )
    document = parse_one(text)
    assert document.flow is not None

    trigger = (document.flow.triggers or [])[0]

    assert isinstance(trigger, Schedule)
    assert isinstance((trigger.conditions or [])[0], Not)


def test_unknown_trigger_type_suggests() -> None:
    problem = only_problem(
        with_trigger("  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhok\n    key: k\n")
    )

    assert problem.message == "unknown trigger type 'io.kestra.plugin.core.trigger.Webhok'"
    assert problem.hint == "did you mean 'io.kestra.plugin.core.trigger.Webhook'?"
    assert problem.path == "triggers[0].type"


def test_unknown_trigger_property_suggests() -> None:
    problem = only_problem(
        with_trigger(
            "  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n"
            "    kee: k\n    key: k\n"
        )
    )

    assert problem.hint == "did you mean 'key'?"


def test_unknown_condition_type_suggests() -> None:
    text = schedule(
        "@daily", "    conditions:\n      - type: io.kestra.plugin.core.condition.DayOfWeek\n"
    )

    problem = only_problem(text)

    assert problem.path == "triggers[0].conditions[0].type"
    assert problem.hint == "did you mean 'io.kestra.plugin.core.condition.DayWeek'?"


def test_condition_property_suggests() -> None:
    text = schedule(
        "@daily",
        "    conditions:\n      - type: io.kestra.plugin.core.condition.DayWeek\n"
        "        dayOfWeeks: MONDAY\n",
    )

    messages = {problem.message: problem.hint for problem in problems_of(text)}

    assert messages == {"unknown property 'dayOfWeeks'": "did you mean 'dayOfWeek'?"}


def test_condition_without_type() -> None:
    problem = only_problem(schedule("@daily", "    conditions:\n      - dayOfWeek: MONDAY\n"))

    assert problem.message == "missing required property 'type'"
    assert problem.path == "triggers[0].conditions[0]"


def test_stop_after_states_checked() -> None:
    problem = only_problem(schedule("@daily", "    stopAfter: [FAILD]\n"))

    assert problem.path == "triggers[0].stopAfter[0]"
    assert problem.hint is not None
    assert "FAILED" in problem.hint


def test_preconditions_filter_needs_values() -> None:
    text = with_trigger(
        "  - id: upstream\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n"
        "      id: p\n      where:\n        - id: f\n          filters:\n"
        "            - field: FLOW_ID\n              type: IN\n"
    )

    problem = only_problem(text)

    assert problem.path == "triggers[0].preconditions.where[0].filters[0].type"
    assert problem.hint == "set 'values' to the list of accepted values"


def test_flow_trigger_preconditions() -> None:
    text = with_trigger(
        "  - id: upstream\n    type: io.kestra.plugin.core.trigger.Flow\n    states: [SUCCESS]\n"
        "    preconditions:\n      id: p\n      flows:\n        - namespace: company.team\n"
        "          flowId: a\n"
    )
    document = parse_one(text)
    assert document.flow is not None

    trigger = (document.flow.triggers or [])[0]

    assert isinstance(trigger, FlowTrigger)
    assert trigger.preconditions is not None
    assert [flow.flow_id for flow in trigger.preconditions.flows or []] == ["a"]


def test_registry_names() -> None:
    registry = default_trigger_registry()

    assert registry.canonical("io.kestra.core.models.triggers.types.Flow") == (
        "io.kestra.plugin.core.trigger.Flow"
    )
    assert registry.suggest("Schedule") == "io.kestra.plugin.core.trigger.Schedule"
