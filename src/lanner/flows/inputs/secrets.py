"""Encryption of SECRET input values, so that executions store only ciphertext.

The key is base64 text of 32 random bytes, the form Kestra's `kestra.encryption.secret-key`
takes (`openssl rand -base64 32` makes one). Values are sealed with AES-256-GCM under a fresh
12-byte nonce, and the token is base64 of nonce + ciphertext + tag. The format is Lanner's own: a
token made by Kestra does not decrypt here.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lanner.errors import LannerError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

_KEY_HINT = (
    "Expected base64 text of 32 random bytes, such as the output of `openssl rand -base64 32`"
)


class SecretError(LannerError):
    """A secret could not be encrypted or decrypted. The message names the key or token problem."""


def encrypt_secret(value: str, key: str) -> str:
    """Encrypt a secret value, or raise SecretError if the key is missing or malformed."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key_bytes(key)).encrypt(nonce, value.encode("utf-8"), None)
    return base64.b64encode(nonce + sealed).decode("ascii")


def decrypt_secret(token: str, key: str) -> str:
    """Decrypt a token made by `encrypt_secret`, or raise SecretError for a wrong key or token."""
    cipher = AESGCM(_key_bytes(key))
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(
            "invalid secret token: expected base64 text made by encrypt_secret"
        ) from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SecretError(f"invalid secret token: {len(raw)} bytes is too short to be encrypted")
    try:
        plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None)
    except InvalidTag:
        raise SecretError(
            "cannot decrypt the secret: it was encrypted with another key, or the token was altered"
        ) from None
    return plain.decode("utf-8")


def _key_bytes(key: str | None) -> bytes:
    if not key:
        raise SecretError(
            "no encryption key is configured for SECRET values; set LANNER_ENCRYPTION_KEY. "
            + _KEY_HINT
        )
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(f"invalid encryption key: it is not base64 text. {_KEY_HINT}") from None
    if len(raw) != KEY_BYTES:
        raise SecretError(f"invalid encryption key: it decodes to {len(raw)} bytes. {_KEY_HINT}")
    return raw
