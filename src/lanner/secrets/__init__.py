"""Instance-wide secrets read by `secret('NAME')`, and their masking in logs and outputs."""

from lanner.secrets.environment import (
    SECRET_PREFIX,
    EnvironmentSecrets,
    InvalidSecret,
    SecretNotFound,
)
from lanner.secrets.masking import MASK, SecretValues, mask_text, mask_value
from lanner.secrets.services import SecretServices

__all__ = [
    "MASK",
    "SECRET_PREFIX",
    "EnvironmentSecrets",
    "InvalidSecret",
    "SecretNotFound",
    "SecretServices",
    "SecretValues",
    "mask_text",
    "mask_value",
]
