"""SECRET inputs on the worker: decrypted for the task, masked in its logs."""

from __future__ import annotations

import copy
from typing import Any

from lanner.errors import LannerError
from lanner.flows.inputs import SecretError, decrypt_secret


def reveal_secret_inputs(
    variables: dict[str, Any], secret_ids: list[str], key: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Return the context with SECRET inputs decrypted, and the plain values to mask."""
    if not secret_ids:
        return variables, []
    if key is None and not _any_secret_value(variables.get("inputs") or {}, secret_ids):
        return variables, []
    if key is None:
        raise LannerError(
            "this flow has SECRET inputs but the worker has no encryption key; set "
            "LANNER_ENCRYPTION_KEY on the worker to the key the execution was created with"
        )
    revealed = dict(variables)
    inputs = copy.deepcopy(variables.get("inputs") or {})
    plain_values = []
    for secret_id in secret_ids:
        holder = inputs
        parts = secret_id.split(".")
        for part in parts[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(parts[-1]), str):
            continue
        try:
            plain = decrypt_secret(holder[parts[-1]], key)
        except SecretError as error:
            raise LannerError(f"cannot decrypt SECRET input {secret_id!r}: {error}") from error
        holder[parts[-1]] = plain
        if plain:
            plain_values.append(plain)
    revealed["inputs"] = inputs
    return revealed, plain_values


def _any_secret_value(inputs: dict[str, Any], secret_ids: list[str]) -> bool:
    for secret_id in secret_ids:
        holder: Any = inputs
        for part in secret_id.split("."):
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, str):
            return True
    return False
