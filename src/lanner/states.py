"""Execution and task run states, with the order used to combine children's states."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    CREATED = "CREATED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RETRYING = "RETRYING"
    RETRIED = "RETRIED"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLING = "KILLING"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    RESTARTED = "RESTARTED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_failed(self) -> bool:
        """True for states that stop a sequence of tasks."""
        return self in (State.FAILED, State.KILLED, State.CANCELLED)


TERMINAL_STATES = frozenset(
    {
        State.SUCCESS,
        State.WARNING,
        State.FAILED,
        State.KILLED,
        State.CANCELLED,
        State.SKIPPED,
        State.RETRIED,
    }
)

# The end state of a flowable over its children: the first of these present wins, so one
# killed child makes the parent KILLED, else one failed child makes it FAILED, else one
# cancelled child (a Pause that cancels) makes it CANCELLED, and so on.
STATE_PRECEDENCE = (
    State.KILLED,
    State.FAILED,
    State.CANCELLED,
    State.WARNING,
    State.PAUSED,
)


def combine(states: list[State] | set[State] | frozenset[State]) -> State:
    """Combine the states of a flowable's children into the flowable's state."""
    present = set(states)
    for state in STATE_PRECEDENCE:
        if state in present:
            return state
    return State.SUCCESS
