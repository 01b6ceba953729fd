"""Numbers in expressions: parsing for `number`, Java's DecimalFormat for `numberFormat`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from lanner.errors import ExpressionError
from lanner.expressions.values import is_number, type_name

_INTEGER_RE = re.compile(r"[+-]?\d+")
_HEX_RE = re.compile(r"[+-]?0[xX][0-9a-fA-F]+")
_INTEGER_TYPES = frozenset({"INT", "LONG", "BIGINTEGER"})
_FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})


def parse_number(text: Any, number_type: str | None = None) -> int | float | Decimal:
    """Parse text as a number, like Kestra's `number` filter.

    Without a type, whole numbers (also `0x1F` hexadecimal) become integers and others
    floats. Types INT, LONG and BIGINTEGER give integers, FLOAT and DOUBLE floats,
    BIGDECIMAL an exact decimal. A number given instead of text is converted to the type.
    """
    if is_number(text):
        text = str(text)
    if not isinstance(text, str):
        raise ExpressionError(f"the number filter needs text, got {type_name(text)}")
    cleaned = text.strip()
    kind = (number_type or "").upper()
    if kind and kind not in _INTEGER_TYPES | _FLOAT_TYPES | {"BIGDECIMAL"}:
        raise ExpressionError(
            f"unknown number type {number_type!r}; use INT, LONG, FLOAT, DOUBLE, BIGDECIMAL "
            "or BIGINTEGER"
        )
    try:
        if kind == "BIGDECIMAL":
            return Decimal(cleaned)
        if kind in _FLOAT_TYPES:
            return float(cleaned)
        if _HEX_RE.fullmatch(cleaned):
            return int(cleaned, 16)
        if _INTEGER_RE.fullmatch(cleaned):
            return int(cleaned)
        if kind in _INTEGER_TYPES:
            raise ValueError(cleaned)
        return float(cleaned.rstrip("dDfF") if cleaned[-1:] in "dDfF" else cleaned)
    except (ValueError, InvalidOperation) as error:
        raise ExpressionError(f"cannot read {text!r} as a number") from error


@dataclass(frozen=True)
class _DecimalPattern:
    """One subpattern of a Java DecimalFormat pattern such as `#,##0.00`."""

    prefix: str
    suffix: str
    min_integer: int
    min_fraction: int
    max_fraction: int
    grouping: int
    exponent_digits: int
    multiplier: int
    always_show_point: bool


_NUMBER_CHARS = "#0,."


@functools.lru_cache(maxsize=128)
def _parse_decimal_pattern(pattern: str) -> tuple[_DecimalPattern, _DecimalPattern | None]:
    positive_text, _, negative_text = _split_unquoted(pattern, ";")
    positive = _parse_subpattern(positive_text, pattern)
    negative = _parse_subpattern(negative_text, pattern) if negative_text else None
    return positive, negative


def _split_unquoted(text: str, separator: str) -> tuple[str, str, str]:
    quoted = False
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif char == separator and not quoted:
            return text[:index], separator, text[index + 1 :]
    return text, "", ""


def _parse_subpattern(text: str, pattern: str) -> _DecimalPattern:
    prefix, index = _affix(text, 0)

    start = index
    while index < len(text) and (text[index] in _NUMBER_CHARS):
        index += 1
    number = text[start:index]
    exponent_digits = 0
    if index < len(text) and text[index] == "E":
        index += 1
        while index < len(text) and text[index] == "0":
            exponent_digits += 1
            index += 1
    suffix, index = _affix(text, index)

    if not number or index != len(text):
        raise ExpressionError(
            f"invalid number format {pattern!r}; use a DecimalFormat pattern such as '#,##0.00'"
        )

    integer, _, fraction = number.partition(".")
    grouping = len(integer) - integer.rfind(",") - 1 if "," in integer else 0
    affixes = prefix + suffix
    multiplier = 1
    if "%" in affixes:
        multiplier = 100
    elif "\u2030" in affixes:  # per mille sign
        multiplier = 1000

    return _DecimalPattern(
        prefix=prefix,
        suffix=suffix,
        min_integer=integer.count("0"),
        min_fraction=fraction.count("0"),
        max_fraction=len(fraction),
        grouping=grouping,
        exponent_digits=exponent_digits,
        multiplier=multiplier,
        always_show_point="." in number and not fraction,
    )


def _affix(text: str, index: int) -> tuple[str, int]:
    """Read prefix or suffix text up to the number part; quotes make special characters literal."""
    pieces: list[str] = []
    while index < len(text) and text[index] not in _NUMBER_CHARS:
        if text[index] == "'":
            end = text.find("'", index + 1)
            if end == -1:
                raise ExpressionError(f"invalid number format {text!r}: a quote is not closed")
            pieces.append(text[index + 1 : end] or "'")
            index = end + 1
            continue
        pieces.append(text[index])
        index += 1
    return "".join(pieces), index


def number_format(value: Any, pattern: str | None = None) -> str:
    """Format a number like Java's DecimalFormat (rounding half-even); default `#,##0.###`."""
    if not is_number(value):
        raise ExpressionError(f"numberFormat needs a number, got {type_name(value)}")
    positive, negative = _parse_decimal_pattern(pattern or "#,##0.###")
    number = Decimal(value) if not isinstance(value, Decimal) else value
    if number.is_nan():
        return "NaN"
    is_negative = number < 0
    number = abs(number) * positive.multiplier
    if number.is_infinite():
        body = "\u221e"
    elif positive.exponent_digits:
        body = _scientific(number, positive)
    else:
        body = _fixed(number, positive)
    if is_negative:
        if negative is not None:
            return negative.prefix + body + negative.suffix
        return "-" + positive.prefix + body + positive.suffix
    return positive.prefix + body + positive.suffix


def _fixed(number: Decimal, spec: _DecimalPattern) -> str:
    rounded = number.quantize(Decimal(1).scaleb(-spec.max_fraction), rounding=ROUND_HALF_EVEN)
    integer_text, _, fraction_text = f"{rounded:f}".partition(".")
    fraction_text = fraction_text.rstrip("0")
    fraction_text = fraction_text.ljust(spec.min_fraction, "0")
    integer_text = integer_text.lstrip("0").rjust(spec.min_integer, "0")
    if spec.grouping:
        integer_text = _group(integer_text, spec.grouping)
    if not integer_text and not fraction_text:
        integer_text = "0"
    if fraction_text or spec.always_show_point:
        return f"{integer_text}.{fraction_text}"
    return integer_text


def _group(digits: str, size: int) -> str:
    groups: list[str] = []
    while len(digits) > size:
        groups.insert(0, digits[-size:])
        digits = digits[:-size]
    if digits:
        groups.insert(0, digits)
    return ",".join(groups)


def _scientific(number: Decimal, spec: _DecimalPattern) -> str:
    integer_digits = max(spec.min_integer, 1)
    exponent = 0 if number == 0 else number.adjusted() - (integer_digits - 1)
    step = Decimal(1).scaleb(-spec.max_fraction)
    mantissa = number.scaleb(-exponent).quantize(step, rounding=ROUND_HALF_EVEN)
    if mantissa >= Decimal(10) ** integer_digits:
        # Rounding carried into a new digit (9.996 -> 10.00): move the point once more.
        exponent += 1
        mantissa = number.scaleb(-exponent).quantize(step, rounding=ROUND_HALF_EVEN)
    sign = "-" if exponent < 0 else ""
    return f"{_fixed(mantissa, spec)}E{sign}{abs(exponent):0{spec.exponent_digits}d}"
