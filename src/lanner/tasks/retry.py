"""Retry policies of tasks and flows: constant, exponential and random intervals."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, model_validator

from lanner.tasks.properties import MODEL_CONFIG, StaticDuration, TypeKind

# NOTE: when a policy sets neither maxAttempts nor maxDuration, three attempts are allowed, the
# default of the retry library Kestra builds on; Kestra's documentation does not state it.
DEFAULT_MAX_ATTEMPTS = 3


class RetryBehavior(StrEnum):
    RETRY_FAILED_TASK = "RETRY_FAILED_TASK"
    CREATE_NEW_EXECUTION = "CREATE_NEW_EXECUTION"


class _Retry(BaseModel):
    model_config = MODEL_CONFIG

    # maxAttempts counts the first run: 1 means no retry, 2 means one retry.
    max_attempts: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("maxAttempts", "maxAttempt", "max_attempts"),
        serialization_alias="maxAttempts",
    )
    max_duration: StaticDuration | None = None
    warning_on_retry: bool = False
    behavior: RetryBehavior = RetryBehavior.RETRY_FAILED_TASK

    def interval_before(self, attempt: int, rng: random.Random) -> timedelta:
        """Compute the wait before attempt number `attempt` (2 for the first retry)."""
        raise NotImplementedError

    def allows(self, attempt: int, first_start: datetime, next_start: datetime) -> bool:
        """Tell whether attempt number `attempt`, starting at `next_start`, may run."""
        limit = self.max_attempts
        if limit is None and self.max_duration is None:
            limit = DEFAULT_MAX_ATTEMPTS
        if limit is not None and attempt > limit:
            return False
        duration = self.max_duration
        return not (duration is not None and next_start - first_start > duration)


class ConstantRetry(_Retry):
    type: Literal["constant"]
    interval: StaticDuration

    def interval_before(self, attempt: int, rng: random.Random) -> timedelta:
        return self.interval


class ExponentialRetry(_Retry):
    type: Literal["exponential"]
    interval: StaticDuration
    max_interval: StaticDuration
    delay_factor: float | None = None

    def interval_before(self, attempt: int, rng: random.Random) -> timedelta:
        factor = self.delay_factor if self.delay_factor is not None else 2.0
        wait = self.interval * (factor ** max(0, attempt - 2))
        return min(wait, self.max_interval)


class RandomRetry(_Retry):
    type: Literal["random"]
    min_interval: StaticDuration
    max_interval: StaticDuration

    @model_validator(mode="after")
    def _check_bounds(self) -> RandomRetry:
        if self.min_interval > self.max_interval:
            raise ValueError("minInterval must not be longer than maxInterval")
        return self

    def interval_before(self, attempt: int, rng: random.Random) -> timedelta:
        low = self.min_interval.total_seconds()
        high = self.max_interval.total_seconds()
        return timedelta(seconds=rng.uniform(low, high))


Retry = Annotated[
    ConstantRetry | ExponentialRetry | RandomRetry, Field(discriminator="type"), TypeKind("retry")
]
