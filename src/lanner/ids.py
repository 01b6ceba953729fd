"""Identifiers for executions, task runs and worker jobs.

Kestra uses 22-character base62 encodings of random UUIDs; Lanner does the same so that ids
look alike and sort nowhere in particular.
"""

from __future__ import annotations

import uuid

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id() -> str:
    """Generate a random 22-character base62 identifier."""
    number = uuid.uuid4().int
    chars = []
    for _ in range(22):
        number, remainder = divmod(number, 62)
        chars.append(_ALPHABET[remainder])
    return "".join(reversed(chars))
