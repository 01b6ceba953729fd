"""Logging setup of the `lanner` command: full records for servers, short lines otherwise."""

from __future__ import annotations

import logging
import sys

SERVER_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ShortFormatter(logging.Formatter):
    """Format a record as `Warning: message`, like the CLI's own `Error: message` lines."""

    def __init__(self) -> None:
        super().__init__("%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.capitalize()}: {super().format(record)}"


def configure_logging(level: str | None, server: bool) -> None:
    """Send log records to standard error, at `level` when the user chose one.

    Servers log Lanner's INFO records by default, so every component reports its start and
    stop. Other libraries stay at WARNING there, because their INFO records (Alembic's
    migration notes, for example) need no action from a user. Other commands print short
    lines at WARNING, and full records when `level` is INFO or DEBUG.
    """
    handler = logging.StreamHandler(sys.stderr)
    chosen = logging.getLevelName(level.upper()) if level else logging.WARNING
    if server or chosen < logging.WARNING:
        handler.setFormatter(logging.Formatter(SERVER_FORMAT))
    else:
        handler.setFormatter(ShortFormatter())
    logging.basicConfig(level=chosen, handlers=[handler])

    if server and level is None:
        logging.getLogger("lanner").setLevel(logging.INFO)
