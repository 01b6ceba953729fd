"""Property-based tests: random flows and random loops under every schedule.

Random flows nest Sequential, Parallel, ForEach, EachParallel, If, Dag and WaitFor around tasks
that succeed, warn, fail, are skipped or sleep. Whatever runs first, a container ends FAILED
when one of its children fails, else WARNING when one warns, else SUCCESS. So the expected end
state follows from the tree alone, and without failures the whole outcome must not depend on
the schedule.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lanner.executions.model import Execution
from lanner.states import State
from tests.executor.builders import (
    dag,
    each_parallel,
    fail,
    flow,
    for_each,
    if_task,
    log,
    parallel,
    sequential,
    sleep,
    wait_for,
)
from tests.executor.harness import (
    SCHEDULES,
    TIMED,
    KillTooLate,
    final_state,
    simulate_all,
    simulate_kill,
    simulate_once,
)

LEAF_KINDS = ("SUCCESS", "WARNING", "FAILED", "SKIPPED", "SLEEP")
CONTAINER_KINDS = ("sequential", "parallel", "foreach", "each-parallel", "if", "dag", "wait-for")


@dataclass
class Node:
    kind: str
    children: list[Node] = field(default_factory=list)
    number: int = 0
    allow_failure: bool = False
    condition: bool = True


def _leaves() -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        kind=st.sampled_from(LEAF_KINDS),
        number=st.integers(0, 4),
    )


def _container(children: st.SearchStrategy[list[Node]]) -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        kind=st.sampled_from(CONTAINER_KINDS),
        children=children,
        number=st.integers(0, 3),
        allow_failure=st.booleans(),
        condition=st.booleans(),
    )


TREES = st.recursive(
    _leaves(),
    lambda children: _container(st.lists(children, min_size=1, max_size=3)),
    max_leaves=10,
)


def expected_state(node: Node) -> State:
    """The end state of a node, which does not depend on the order in which tasks end."""
    if node.kind in LEAF_KINDS:
        return {"WARNING": State.WARNING, "FAILED": State.FAILED}.get(node.kind, State.SUCCESS)
    if node.kind == "if":
        chosen = node.children if node.condition else []
    elif node.kind in ("foreach", "each-parallel") and node.number == 0:
        chosen = []
    else:
        chosen = node.children
    state = combined([expected_state(child) for child in chosen])
    if node.allow_failure and state is State.FAILED:
        return State.WARNING
    return state


def combined(states: list[State]) -> State:
    for state in (State.FAILED, State.WARNING):
        if state in states:
            return state
    return State.SUCCESS


def build(node: Node, ids: itertools.count[int]) -> dict[str, Any]:
    task_id = f"{node.kind.replace('-', '_')}_{next(ids)}"
    if node.kind == "SUCCESS":
        return log(task_id)
    if node.kind == "WARNING":
        return fail(task_id, allowFailure=True)
    if node.kind == "FAILED":
        return fail(task_id)
    if node.kind == "SKIPPED":
        return fail(task_id, runIf=False)
    if node.kind == "SLEEP":
        return sleep(task_id, f"PT{node.number * 7 + 1}S")
    children = [build(child, ids) for child in node.children]
    extra = {"allowFailure": True} if node.allow_failure else {}
    values = [f"v{index}" for index in range(node.number)]
    if node.kind == "sequential":
        return sequential(task_id, children, **extra)
    if node.kind == "parallel":
        return parallel(task_id, children, concurrent=node.number, **extra)
    if node.kind == "foreach":
        return for_each(task_id, values, children, limit=node.number % 3, **extra)
    if node.kind == "each-parallel":
        return each_parallel(task_id, values, children, concurrent=node.number % 3, **extra)
    if node.kind == "dag":
        # Each task depends on the one before it when the node's condition is true.
        entries = [
            (child, [children[index - 1]["id"]] if node.condition and index else [])
            for index, child in enumerate(children)
        ]
        return dag(task_id, entries, concurrent=node.number % 3, **extra)
    if node.kind == "wait-for":
        return wait_for(task_id, False, children, max_iterations=node.number % 3 + 1,
                        interval="PT5S", **extra)
    return if_task(task_id, node.condition, children, **extra)


def _has_failure(node: Node) -> bool:
    return node.kind == "FAILED" or any(_has_failure(child) for child in node.children)


def _check_tree(root: list[Node]) -> None:
    ids = itertools.count()
    source = flow([build(node, ids) for node in root])
    failing = any(_has_failure(node) for node in root)
    # With a failure under a concurrency limit, which siblings start depends on the order.
    simulation = simulate_all(source, key=final_state if failing else None)

    assert simulation.execution.state is combined([expected_state(node) for node in root])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREES, min_size=1, max_size=3))
def test_random_flows(root: list[Node]) -> None:
    _check_tree(root)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TREES, min_size=1, max_size=3))
def test_random_flows_many(root: list[Node]) -> None:
    _check_tree(root)


@dataclass
class Loop:
    count: int
    limit: int
    children: int
    failing: set[int]
    durations: list[int]
    schedule: int


@st.composite
def loops(draw: st.DrawFn, max_count: int = 50) -> Loop:
    count = draw(st.integers(0, max_count))
    return Loop(
        count=count,
        limit=draw(st.sampled_from(sorted({0, 1, 2, max(count - 1, 0), count, count + 5}))),
        children=draw(st.integers(1, 3)),
        failing=draw(st.sets(st.integers(0, max(count - 1, 0)), max_size=3)) if count else set(),
        durations=draw(st.lists(st.integers(0, 5), min_size=count, max_size=count)),
        schedule=draw(st.integers(0, len(SCHEDULES) - 1)),
    )


def _check_loop(loop: Loop) -> None:
    values = [f"v{index}" for index in range(loop.count)]
    inputs = {
        "durations": {value: f"PT{loop.durations[index]}S" for index, value in
                      enumerate(values)},
        "failing": [values[index] for index in sorted(loop.failing)],
    }
    tasks = [
        sleep("wait", "{{ inputs.durations[taskrun.value] }}"),
        fail("check", "value {{ taskrun.value }} failed",
             condition="{{ inputs.failing contains taskrun.value }}"),
        *[log(f"extra{index}") for index in range(loop.children - 1)],
    ]
    source = flow([for_each("each", values, tasks, limit=loop.limit), log("after")])
    simulation = simulate_once(source, inputs, SCHEDULES[loop.schedule])
    execution = simulation.execution

    failed = {run.value for run in simulation.runs("check") if run.state is State.FAILED}
    assert failed <= set(inputs["failing"])
    if loop.failing:
        assert execution.state is State.FAILED
        # A failure stops new task runs in every group, so only the first failure is certain.
        assert failed, "no failing value ran"
        messages = sorted(log.message for log in simulation.logs if log.level == "ERROR")
        assert messages == sorted(f"value {value} failed" for value in failed)
    else:
        assert execution.state is State.SUCCESS
        for task_id in ("wait", "check"):
            assert sorted(run.value for run in simulation.runs(task_id)) == sorted(values)
        assert len(simulation.runs("after")) == 1


@settings(max_examples=150, deadline=None)
@given(loops())
def test_random_loops(loop: Loop) -> None:
    _check_loop(loop)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(loops())
def test_random_loops_many(loop: Loop) -> None:
    _check_loop(loop)


def _check_kill(root: list[Node], steps: int, schedule: int) -> None:
    ids = itertools.count()
    source = flow([build(node, ids) for node in root])
    taken = itertools.count()

    def after_steps(execution: Execution) -> bool:
        return next(taken) >= steps or execution.state.is_terminal

    with contextlib.suppress(KillTooLate):
        simulate_kill(source, after_steps, SCHEDULES[schedule])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(TREES, min_size=1, max_size=3),
    st.integers(0, 40),
    st.integers(0, len(SCHEDULES) - 1),
)
def test_random_kills(root: list[Node], steps: int, schedule: int) -> None:
    _check_kill(root, steps, schedule)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(TREES, min_size=1, max_size=3),
    st.integers(0, 60),
    st.integers(0, len(SCHEDULES) - 1),
)
def test_random_kills_many(root: list[Node], steps: int, schedule: int) -> None:
    _check_kill(root, steps, schedule)


def _with_timeouts(task: dict[str, Any], seconds: list[int]) -> dict[str, Any]:
    """Give flowables a timeout, taking seconds from the list in turn (0: none)."""
    copy = dict(task)
    if copy["type"].endswith(".Dag"):
        copy["tasks"] = [
            {**entry, "task": _with_timeouts(entry["task"], seconds)} for entry in copy["tasks"]
        ]
    else:
        for key in ("tasks", "then", "else"):
            if isinstance(copy.get(key), list):
                copy[key] = [_with_timeouts(child, seconds) for child in copy[key]]
    is_flowable = any(key in copy for key in ("tasks", "then"))
    if is_flowable and seconds:
        chosen = seconds.pop(0)
        seconds.append(chosen)
        if chosen:
            copy["timeout"] = f"PT{chosen}S"
    return copy


def _check_timeouts(root: list[Node], seconds: list[int], schedule: int) -> None:
    ids = itertools.count()
    tasks = [_with_timeouts(build(node, ids), seconds) for node in root]
    source = flow(tasks)
    simulation = simulate_once(source, None, TIMED[schedule])

    for run in simulation.execution.task_runs.values():
        task = next(task for task in _walk(tasks) if task["id"] == run.task_id)
        if "timeout" in task and run.state is not State.SKIPPED:
            limit = timedelta(seconds=int(task["timeout"][2:-1]))
            assert run.end_date is not None
            assert run.end_date - run.start_date <= limit, run.task_id


def _walk(tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield task
        for key in ("tasks", "then", "else"):
            for child in task.get(key) or []:
                yield from _walk([child.get("task", child)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(TREES, min_size=1, max_size=3),
    st.lists(st.sampled_from([0, 0, 3, 10, 30]), min_size=1, max_size=5),
    st.integers(0, len(TIMED) - 1),
)
def test_random_timeouts(root: list[Node], seconds: list[int], schedule: int) -> None:
    _check_timeouts(root, seconds, schedule)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(TREES, min_size=1, max_size=3),
    st.lists(st.sampled_from([0, 0, 3, 10, 30]), min_size=1, max_size=5),
    st.integers(0, len(TIMED) - 1),
)
def test_random_timeouts_many(root: list[Node], seconds: list[int], schedule: int) -> None:
    _check_timeouts(root, seconds, schedule)
