"""How the CLI reports failures: a message and an exit code, never a stack trace."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from lanner.errors import LannerError

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
