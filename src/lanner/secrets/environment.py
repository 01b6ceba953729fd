"""Secrets from environment variables, as Kestra's open-source edition reads them.

`secret('GITHUB_TOKEN')` reads the variable `SECRET_GITHUB_TOKEN`, whose value is the secret
encoded in base64 (line breaks allowed). Names are case-insensitive: the part after the
prefix is compared in upper case. Variables are read at each lookup, from the environment the
process was started with.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from typing import Final

from lanner.errors import ExpressionError

SECRET_PREFIX: Final = "SECRET_"
_LINE_BREAKS: Final = re.compile(r"[\r\n]")


class SecretNotFound(ExpressionError):
    """No environment variable contains the secret; the message names the variable to set."""


class InvalidSecret(ExpressionError):
    """The variable of a secret is not base64-encoded UTF-8 text."""


class EnvironmentSecrets:
    def __init__(self, environment: Mapping[str, str] | None = None) -> None:
        self.environment = environment if environment is not None else os.environ

    def get(self, name: str) -> str:
        """Return the decoded secret; raise SecretNotFound or InvalidSecret naming the variable."""
        variable = SECRET_PREFIX + name.upper()
        encoded = self._find(variable)
        if encoded is None:
            raise SecretNotFound(
                f"secret {name!r} not found: set the environment variable {variable} to its "
                "base64-encoded value on the workers and executors, then restart them"
            )
        try:
            return base64.b64decode(_LINE_BREAKS.sub("", encoded), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise InvalidSecret(
                f"secret {name!r} is invalid: the environment variable {variable} must hold "
                f"base64-encoded UTF-8 text (encode it with `base64 -w0`): {error}"
            ) from None

    def _find(self, variable: str) -> str | None:
        value = self.environment.get(variable)
        if value is not None:
            return value
        # Kestra upper-cases the names it reads, so SECRET_my_token resolves secret('MY_TOKEN').
        for name, candidate in self.environment.items():
            if name.startswith(SECRET_PREFIX) and name.upper() == variable:
                return candidate
        return None
