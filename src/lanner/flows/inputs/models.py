"""Flow input definitions: one pydantic model per Kestra input type, chosen by `type`.

The models only hold what a flow declares. Whether a literal default fits its type and its
validators is checked by `lanner.flows.inputs.checks`, because that check must report every
bad input with a path instead of failing on the first one, as pydantic would.

Properties follow Kestra 1.x (`Input.java` and the input classes in `io.kestra.core.models.flows`,
and the inputs page of its documentation). Two additions are Lanner's own: `minLength` and
`maxLength` on STRING inputs, which Kestra 1.x does not have.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, field_validator

from lanner.flows.inputs import coercion
from lanner.tasks.properties import MODEL_CONFIG, Text, TypeKind

# Kestra's rule is `^[a-zA-Z0-9][.a-zA-Z0-9_-]*`. Lanner also rejects empty segments ("a..b",
# "a."), because a dot nests the value under a key and an empty key cannot be referenced.
INPUT_ID_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*(?:\.[a-zA-Z0-9_-]+)*$")


def _constraint(parse: Any, type_name: str) -> Any:
    """Build a BeforeValidator that parses a literal constraint such as `after` or `min`."""

    def validate(value: Any) -> Any:
        try:
            return parse(value)
        except coercion.CoercionError as error:
            raise ValueError(f"{type_name} constraint {value!r} {error}") from None

    return BeforeValidator(validate)


AwareDateTime = Annotated[
    datetime,
    _constraint(coercion.parse_datetime, "DATETIME"),
    PlainSerializer(coercion.format_datetime),
]
IsoDate = Annotated[date, _constraint(coercion.parse_date, "DATE"), PlainSerializer(date.isoformat)]
IsoTime = Annotated[
    time, _constraint(coercion.parse_time, "TIME"), PlainSerializer(coercion.format_time)
]
IsoDuration = Annotated[
    timedelta,
    _constraint(coercion.parse_duration_value, "DURATION"),
    PlainSerializer(coercion.format_duration),
]


class DependsOn(BaseModel):
    """The inputs that must be resolved first, and the condition that enables this input."""

    model_config = MODEL_CONFIG

    inputs: list[str] = Field(default_factory=list)
    condition: str | None = None


class InputBase(BaseModel):
    """The properties every input has, whatever its type."""

    model_config = MODEL_CONFIG

    id: str
    type: str
    description: str | None = None
    display_name: str | None = None
    required: bool = True
    defaults: Any = None
    # A value the UI shows in the form, which the user may clear. Resolution never uses it
    # when an execution is created without a value. Kestra 1.1 added it for optional inputs.
    prefill: Any = None
    depends_on: DependsOn | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not INPUT_ID_PATTERN.match(value):
            raise ValueError(
                f"invalid input id {value!r}: use letters, digits, '_' and '-', starting with "
                "a letter or digit. A '.' nests the input under a key, as in 'user.name'"
            )
        return value


class StringInput(InputBase):
    type: Literal["STRING"] = "STRING"
    # A regex the whole value must match, as Java's `Pattern.matches` does.
    validator: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)


class SecretInput(InputBase):
    type: Literal["SECRET"] = "SECRET"
    validator: str | None = None


class IntInput(InputBase):
    type: Literal["INT"] = "INT"
    min: int | None = None
    max: int | None = None


class FloatInput(InputBase):
    type: Literal["FLOAT"] = "FLOAT"
    min: float | None = None
    max: float | None = None


class BooleanInput(InputBase):
    # BOOL is Kestra's newer name, shown as a toggle in its UI. Both take true or false.
    type: Literal["BOOLEAN", "BOOL"] = "BOOLEAN"


class SelectInput(InputBase):
    type: Literal["SELECT"] = "SELECT"
    values: list[Text] | None = None
    # Renders to the list of values at execution time, in place of `values`.
    expression: str | None = None
    allow_custom_value: bool = False
    # Kestra's older name for `allowCustomValue`. Either one allows custom values.
    allow_input: bool = False
    auto_select_first: bool = False


class MultiselectInput(InputBase):
    type: Literal["MULTISELECT"] = "MULTISELECT"
    values: list[Text] | None = None
    # Kestra's deprecated name for `values`.
    options: list[Text] | None = None
    expression: str | None = None
    item_type: str = "STRING"
    allow_custom_value: bool = False
    allow_input: bool = False
    auto_select_first: bool = False


class EnumInput(InputBase):
    # Kestra's older form of SELECT.
    type: Literal["ENUM"] = "ENUM"
    values: list[Text]


class DateTimeInput(InputBase):
    type: Literal["DATETIME"] = "DATETIME"
    after: AwareDateTime | None = None
    before: AwareDateTime | None = None


class DateInput(InputBase):
    type: Literal["DATE"] = "DATE"
    after: IsoDate | None = None
    before: IsoDate | None = None


class TimeInput(InputBase):
    type: Literal["TIME"] = "TIME"
    after: IsoTime | None = None
    before: IsoTime | None = None


class DurationInput(InputBase):
    type: Literal["DURATION"] = "DURATION"
    min: IsoDuration | None = None
    max: IsoDuration | None = None


class JsonInput(InputBase):
    type: Literal["JSON"] = "JSON"


class YamlInput(InputBase):
    type: Literal["YAML"] = "YAML"


class UriInput(InputBase):
    type: Literal["URI"] = "URI"


class EmailInput(InputBase):
    type: Literal["EMAIL"] = "EMAIL"


class ArrayInput(InputBase):
    type: Literal["ARRAY"] = "ARRAY"
    item_type: str


class FileInput(InputBase):
    type: Literal["FILE"] = "FILE"
    # Extensions with their dot, such as ".csv", compared without regard to case.
    allowed_file_extensions: list[str] | None = None
    # Kestra's deprecated extension for the stored file, accepted so that older flows load.
    extension: str | None = None


AnyInput = (
    StringInput
    | SecretInput
    | IntInput
    | FloatInput
    | BooleanInput
    | SelectInput
    | MultiselectInput
    | EnumInput
    | DateTimeInput
    | DateInput
    | TimeInput
    | DurationInput
    | JsonInput
    | YamlInput
    | UriInput
    | EmailInput
    | ArrayInput
    | FileInput
)

# The item type of a flow's `inputs:` list. Pydantic picks the model from `type`.
Input = Annotated[AnyInput, Field(discriminator="type"), TypeKind("input")]
