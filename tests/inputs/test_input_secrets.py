"""SECRET encryption: round trips, and the errors for missing, malformed and wrong keys."""

from __future__ import annotations

import base64
import os

import pytest

from lanner.flows.inputs import SecretError, decrypt_secret, encrypt_secret

KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER_KEY = base64.b64encode(os.urandom(32)).decode()


@pytest.mark.parametrize("value", ["hunter2", "", "ünïcødé ✓", "x" * 10_000])
def test_secret_round_trip(value: str) -> None:
    token = encrypt_secret(value, KEY)

    assert decrypt_secret(token, KEY) == value


def test_token_does_not_contain_the_value() -> None:
    token = encrypt_secret("hunter2", KEY)

    assert "hunter2" not in token
    assert b"hunter2" not in base64.b64decode(token)


def test_same_value_encrypts_differently_each_time() -> None:
    assert encrypt_secret("hunter2", KEY) != encrypt_secret("hunter2", KEY)


@pytest.mark.parametrize("key", ["", None])
def test_missing_key_is_rejected(key: str | None) -> None:
    with pytest.raises(SecretError) as raised:
        encrypt_secret("hunter2", key)  # type: ignore[arg-type]
    assert "no encryption key is configured" in str(raised.value)
    assert "openssl rand -base64 32" in str(raised.value)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("not base64!", "it is not base64 text"),
        (base64.b64encode(b"short").decode(), "it decodes to 5 bytes"),
        (base64.b64encode(os.urandom(33)).decode(), "it decodes to 33 bytes"),
    ],
)
def test_malformed_key_is_rejected(key: str, reason: str) -> None:
    with pytest.raises(SecretError) as raised:
        encrypt_secret("hunter2", key)
    assert reason in str(raised.value)


def test_wrong_key_cannot_decrypt() -> None:
    token = encrypt_secret("hunter2", KEY)

    with pytest.raises(SecretError) as raised:
        decrypt_secret(token, OTHER_KEY)
    assert "encrypted with another key" in str(raised.value)


def test_altered_token_cannot_decrypt() -> None:
    raw = bytearray(base64.b64decode(encrypt_secret("hunter2", KEY)))
    raw[-1] ^= 1

    with pytest.raises(SecretError) as raised:
        decrypt_secret(base64.b64encode(bytes(raw)).decode(), KEY)
    assert "the token was altered" in str(raised.value)


@pytest.mark.parametrize(
    ("token", "reason"),
    [("%%%", "expected base64 text"), (base64.b64encode(b"tiny").decode(), "too short")],
)
def test_malformed_token_is_rejected(token: str, reason: str) -> None:
    with pytest.raises(SecretError) as raised:
        decrypt_secret(token, KEY)
    assert reason in str(raised.value)
