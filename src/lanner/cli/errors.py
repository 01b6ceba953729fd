"""How the CLI reports failures: a message and an exit code, never a stack trace."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
from sqlalchemy import exc

from lanner.backend.database import Database, is_connection_error
from lanner.errors import BackendError, LannerError

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# Exit codes of commands that run something: 0 for SUCCESS or WARNING, 1 for any other end
# state, 2 when nothing was run, 130 after Ctrl-C.
EXIT_NOT_RUN = 2
EXIT_INTERRUPTED = 130


class CommandFailed(click.ClickException):
    """A failure already explained to the user, with its exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # click declares exit_code on the class; each failure sets its own.
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


def handle_errors(exit_code: int = 1) -> Callable[[F], F]:
    """Turn Lanner errors into a message and an exit code, and unexpected ones too."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except LannerError as error:
                raise CommandFailed(str(error), exit_code) from error
            except KeyboardInterrupt:
                click.echo("Interrupted.", err=True)
                sys.exit(EXIT_INTERRUPTED)
            except Exception as error:
                logger.debug("Unexpected error", exc_info=True)
                raise CommandFailed(
                    f"unexpected error: {type(error).__name__}: {error} "
                    "(run with --log-level DEBUG for details)",
                    exit_code,
                ) from error

        return wrapper  # type: ignore[return-value]

    return decorate


@contextlib.contextmanager
def explain_connection_failure(database: Database, exit_code: int = 1) -> Iterator[None]:
    """Turn a failed database connection into a message with the URL, the cause and the fix."""
    try:
        yield
    except (exc.OperationalError, BackendError) as error:
        if not is_connection_error(error):
            raise
        if database.is_sqlite:
            fix = "Check that Lanner can create and write the database file"
        else:
            fix = "Create the database or start its server"
        raise CommandFailed(
            f"cannot connect to the database {database.redacted_url()}: "
            f"{_driver_message(error)}\n"
            f"{fix}, or fix the URL in --database or LANNER_DATABASE_URL.",
            exit_code,
        ) from error


def _driver_message(error: BaseException) -> str:
    """Return the first line of the driver's message, without SQLAlchemy's wrapping."""
    cause = error.__cause__ if isinstance(error, BackendError) else error
    if isinstance(cause, exc.DBAPIError) and cause.orig is not None:
        cause = cause.orig
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__
