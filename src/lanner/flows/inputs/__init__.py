"""Flow inputs: the input types a flow declares, their checks, and execution-time resolution.

- `Input` is the pydantic union of the input models, and a flow contains `list[Input]`.
- `check_inputs` runs the static checks when a flow is validated.
- `resolve_inputs` builds an execution's inputs from supplied values and defaults.
- `coerce_output` gives flow outputs the same typed values as inputs.
- `encrypt_secret` and `decrypt_secret` seal SECRET values.
"""

from lanner.flows.inputs.checks import InputProblem, check_inputs
from lanner.flows.inputs.coercion import CoercionError, InvalidOutputValue, coerce_output
from lanner.flows.inputs.models import (
    AnyInput,
    ArrayInput,
    BooleanInput,
    DateInput,
    DateTimeInput,
    DependsOn,
    DurationInput,
    EmailInput,
    EnumInput,
    FileInput,
    FloatInput,
    Input,
    IntInput,
    JsonInput,
    MultiselectInput,
    SecretInput,
    SelectInput,
    StringInput,
    TimeInput,
    UriInput,
    YamlInput,
)
from lanner.flows.inputs.rendering import RenderFunctions
from lanner.flows.inputs.resolve import StoreFile, UploadedFile, resolve_inputs
from lanner.flows.inputs.secrets import SecretError, decrypt_secret, encrypt_secret

__all__ = [
    "AnyInput",
    "ArrayInput",
    "BooleanInput",
    "CoercionError",
    "DateInput",
    "DateTimeInput",
    "DependsOn",
    "DurationInput",
    "EmailInput",
    "EnumInput",
    "FileInput",
    "FloatInput",
    "Input",
    "InputProblem",
    "IntInput",
    "InvalidOutputValue",
    "JsonInput",
    "MultiselectInput",
    "RenderFunctions",
    "SecretError",
    "SecretInput",
    "SelectInput",
    "StoreFile",
    "StringInput",
    "TimeInput",
    "UploadedFile",
    "UriInput",
    "YamlInput",
    "check_inputs",
    "coerce_output",
    "decrypt_secret",
    "encrypt_secret",
    "resolve_inputs",
]
