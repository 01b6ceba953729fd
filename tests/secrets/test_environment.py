"""Secrets from SECRET_* environment variables holding base64, and their masking."""

from __future__ import annotations

import base64

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import render
from lanner.secrets import (
    MASK,
    EnvironmentSecrets,
    InvalidSecret,
    SecretNotFound,
    SecretServices,
    SecretValues,
    mask_text,
    mask_value,
)


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_secret_found() -> None:
    secrets = EnvironmentSecrets({"SECRET_DB_PASSWORD": encoded("p@ss wörd")})

    assert secrets.get("DB_PASSWORD") == "p@ss wörd"


def test_name_case_insensitive() -> None:
    secrets = EnvironmentSecrets({"SECRET_API_TOKEN": encoded("a"), "SECRET_lower": encoded("b")})

    assert secrets.get("api_token") == "a"
    assert secrets.get("LOWER") == "b"


def test_line_breaks_ignored() -> None:
    value = encoded("x" * 100)
    wrapped = "\n".join(value[index : index + 76] for index in range(0, len(value), 76))

    assert EnvironmentSecrets({"SECRET_LONG": wrapped}).get("LONG") == "x" * 100


def test_missing_names_variable() -> None:
    with pytest.raises(SecretNotFound) as caught:
        EnvironmentSecrets({}).get("github_token")

    message = str(caught.value)
    assert "secret 'github_token' not found" in message
    assert "set the environment variable SECRET_GITHUB_TOKEN" in message
    assert "base64" in message


@pytest.mark.parametrize("value", ["not base64!", encoded("x")[:-1], "/w=="])
def test_invalid_value(value: str) -> None:
    with pytest.raises(InvalidSecret, match="SECRET_BAD must hold base64-encoded UTF-8 text"):
        EnvironmentSecrets({"SECRET_BAD": value}).get("BAD")


def test_render_reports_read() -> None:
    seen = SecretValues()
    services = SecretServices(EnvironmentSecrets({"SECRET_TOKEN": encoded("t0k")}), seen.add)

    text = render("token={{ secret('TOKEN') }}", {}, services)

    assert text == "token=t0k"
    assert seen.values == ["t0k"]


def test_render_missing_secret() -> None:
    services = SecretServices(EnvironmentSecrets({}))

    with pytest.raises(ExpressionError, match="SECRET_NOPE"):
        render("{{ secret('NOPE') }}", {}, services)


def test_kv_goes_to_fallback() -> None:
    services = SecretServices(EnvironmentSecrets({}))

    with pytest.raises(ExpressionError, match="kv\\('k'\\) is not available here"):
        render("{{ kv('k') }}", {}, services)


def test_mask_longest_first() -> None:
    seen = SecretValues()
    seen.add("abc")
    seen.add("abcdef")
    seen.add("")

    assert seen.values == ["abcdef", "abc"]
    assert seen.mask("x abcdef y abc") == f"x {MASK} y {MASK}"


def test_mask_value_nested() -> None:
    value = {"s3cr3t key": ["has s3cr3t", 3, None], "plain": {"deep": "s3cr3t"}}

    masked = mask_value(value, ["s3cr3t"])

    assert masked == {f"{MASK} key": [f"has {MASK}", 3, None], "plain": {"deep": MASK}}


def test_mask_text_without_secrets() -> None:
    assert mask_text("nothing here", []) == "nothing here"
