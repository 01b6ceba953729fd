"""Parsing of repeated `NAME=VALUE` options."""

from __future__ import annotations

from pathlib import Path

from lanner.cli.errors import EXIT_NOT_RUN, CommandFailed
from lanner.flows.inputs import UploadedFile


def parse_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        name, separator, value = item.partition("=")
        if not separator or not name:
            raise CommandFailed(f"invalid {option} {item!r}: expected NAME=VALUE", EXIT_NOT_RUN)
        pairs[name] = value
    return pairs


def read_input_files(values: tuple[str, ...]) -> dict[str, UploadedFile]:
    files = {}
    for name, path_text in parse_pairs(values, "--input-file").items():
        path = Path(path_text)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandFailed(
                f"cannot read the file {path_text!r} of input {name!r}: {error.strerror}",
                EXIT_NOT_RUN,
            ) from error
        files[name] = UploadedFile(filename=path.name, content=content)
    return files
