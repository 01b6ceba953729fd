"""Lanner's settings: defaults, a YAML file (`LANNER_CONFIG`), `LANNER_*` variables, flags.

A command-line flag beats an environment variable, which beats the file, which beats the
default. Nested settings use `__` in variable names: `LANNER_EXECUTOR__CONCURRENCY=16`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from lanner.durations import InvalidDuration, parse_duration
from lanner.errors import ConfigurationError


class ExecutorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grouped: bool = True
    # ISO-8601 duration (P30D): ended executions older than this are purged; unset keeps all.
    retention: str | None = None
    purge_interval: float = Field(default=3600.0, gt=0)
    concurrency: int = Field(default=8, ge=1)
    batch_size: int = Field(default=1000, ge=1)
    poll_interval: float = Field(default=1.0, gt=0)
    cache_size: int = Field(default=2000, ge=0)


class WorkerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threads: int = Field(default=8, ge=1)
    group: str | None = None
    poll_interval: float = Field(default=1.0, gt=0)
    shutdown_timeout: float = Field(default=30.0, ge=0)


class LivenessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heartbeat_interval: float = Field(default=3.0, gt=0)
    heartbeat_timeout: float = Field(default=30.0, gt=0)


class NamespaceFilesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Maximum namespace file downloads in flight in one worker process, shared by its tasks.
    # Unset means max(32, 4 * the CPU cores the process may use).
    max_concurrent_downloads: int | None = Field(default=None, ge=1)
    # Maximum downloads in flight for one task. Unset means half the limit above.
    max_concurrent_downloads_per_task: int | None = Field(default=None, ge=1)
    # Keep downloaded contents in worker memory, keyed by namespace, path and stored version.
    cache_enabled: bool = True
    cache_max_bytes: int = Field(default=256 * 1024 * 1024, ge=0)


class SchedulerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The time zone of Schedule and ScheduleOnDates triggers that set no `timezone`: an IANA
    # name or an offset. UTC unless set, whatever the server's own zone.
    timezone: str = "UTC"
    # What Schedule triggers without `recoverMissedSchedules` do with slots missed while no
    # scheduler ran: ALL, LAST or NONE.
    recover_missed_schedules: Literal["ALL", "LAST", "NONE"] = "ALL"
    # Seconds between two looks at the due triggers.
    poll_interval: float = Field(default=1.0, gt=0)
    # Triggers claimed in one transaction.
    batch_size: int = Field(default=50, ge=1)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from lanner.triggers.timing import is_time_zone

        if not is_time_zone(value):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as 'Europe/Paris' or an "
                "offset such as '+02:00'"
            )
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LANNER_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Path(".lanner")
    database_url: str | None = None
    storage_url: str | None = None
    encryption_key: str | None = None
    # Environment variables starting with this prefix are readable in flows as `envs.<name>`
    # (lowercased, prefix removed). LANNER_ is refused so settings never leak into flows.
    envs_prefix: str = "ENV_"
    globals: dict[str, Any] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8080
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    liveness: LivenessConfig = Field(default_factory=LivenessConfig)
    namespace_files: NamespaceFilesConfig = Field(default_factory=NamespaceFilesConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, InitSettingsSource(settings_cls, _config_file()))

    @field_validator("executor")
    @classmethod
    def _check_retention(cls, value: ExecutorConfig) -> ExecutorConfig:
        if value.retention is not None:
            try:
                parse_duration(value.retention)
            except InvalidDuration as error:
                raise ValueError(f"executor.retention: {error}") from None
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'lanner.db').resolve()}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.data_dir / 'storage').resolve()}"

    def envs(self) -> dict[str, str]:
        """Read the environment variables flows may see, as Kestra's `envs` does."""
        prefix = self.envs_prefix
        if not prefix or prefix.upper().startswith("LANNER_"):
            raise ConfigurationError(
                f"invalid envs prefix {prefix!r}: it must be non-empty and must not start with "
                "LANNER_, which would expose Lanner's own settings to flows"
            )
        return {
            name[len(prefix) :].lower(): value
            for name, value in os.environ.items()
            if name.startswith(prefix)
        }


def _config_file() -> dict[str, Any]:
    path = os.environ.get("LANNER_CONFIG")
    if not path:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"cannot read the configuration file {path!r}: {error}") from error
    if not isinstance(data, dict):
        raise ConfigurationError(f"the configuration file {path!r} must hold a YAML mapping")
    # Accept both `lanner: {...}` and the settings at the top level.
    section = data.get("lanner", data)
    return {
        key.replace("-", "_"): value if key == "globals" else _snake_keys(value)
        for key, value in section.items()
    }


def _snake_keys(value: Any) -> Any:
    """Accept `batch-size` for `batch_size` in nested settings, as YAML files often write.

    The values of `globals` are flow data, not setting names, so they are left as written.
    """
    if isinstance(value, dict):
        return {str(key).replace("-", "_"): _snake_keys(item) for key, item in value.items()}
    return value


def load_settings(**overrides: Any) -> Settings:
    """Load settings; flags given as keyword arguments win. Raise ConfigurationError if invalid."""
    values = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from error
