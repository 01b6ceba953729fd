"""The (namespace, path) to storage key mapping is one-to-one and stays in its namespace."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lanner.namespace_files.errors import InvalidNamespaceFilePath
from lanner.namespace_files.keys import (
    MAX_KEY_LENGTH,
    MAX_STORED_SEGMENT,
    ROOT,
    decode_segment,
    encode_segment,
    file_key,
    folder_prefix,
    namespace_prefix,
    path_from_key,
)
from lanner.storage.keys import check_key

namespaces = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True)
# Any character but the separator and NUL, including surrogate-free Unicode of every category.
names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=90,
).filter(lambda name: name not in (".", ".."))
paths = st.lists(names, min_size=1, max_size=4).map("/".join)


def key_of(namespace: str, path: str) -> str:
    """Return the key, discarding the example when the path is too long to have one."""
    try:
        return file_key(namespace, path)
    except InvalidNamespaceFilePath:
        assume(False)
        raise


@settings(max_examples=400)
@given(namespaces, paths)
def test_round_trip(namespace: str, path: str) -> None:
    key = key_of(namespace, path)

    assert path_from_key(namespace, key) == path
    assert check_key(key) == key
    assert key.startswith(f"{ROOT}/")
    assert all(len(segment) <= MAX_STORED_SEGMENT + 1 for segment in key.split("/"))


@settings(max_examples=400)
@given(namespaces, paths, namespaces, paths)
def test_distinct_pairs_distinct_keys(
    namespace: str, path: str, other_namespace: str, other_path: str
) -> None:
    same_pair = (namespace, path) == (other_namespace, other_path)

    assert (key_of(namespace, path) == key_of(other_namespace, other_path)) == same_pair


@settings(max_examples=400)
@given(namespaces, paths, namespaces)
def test_key_stays_in_namespace(namespace: str, path: str, other_namespace: str) -> None:
    key = key_of(namespace, path)

    inside_other = key.startswith(namespace_prefix(other_namespace))

    assert inside_other == (namespace == other_namespace)
    assert path_from_key(other_namespace, key) == (path if inside_other else None)


@settings(max_examples=400)
@given(namespaces, paths, paths)
def test_folder_prefix_holds_its_files(namespace: str, folder: str, path: str) -> None:
    inside = path.startswith(folder + "/")

    assert key_of(namespace, path).startswith(folder_prefix(namespace, folder)) == inside


@given(names)
def test_segment_round_trip(name: str) -> None:
    encoded = encode_segment(name)

    assert decode_segment(encoded) == name
    assert "/" not in encoded
    assert encoded not in (".", "..")
    assert not encoded.startswith(".")


def test_normalisation_forms_differ() -> None:
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")

    assert file_key("team", nfc) != file_key("team", nfd)
    assert path_from_key("team", file_key("team", nfd)) == nfd


def test_case_differs() -> None:
    assert file_key("team", "Readme.md") != file_key("team", "readme.md")


def test_long_name_split() -> None:
    name = "n" * 500

    key = file_key("team", f"dir/{name}")

    assert path_from_key("team", key) == f"dir/{name}"
    assert max(len(segment) for segment in key.split("/")) <= MAX_STORED_SEGMENT


def test_foreign_keys_ignored() -> None:
    prefix = namespace_prefix("team")

    assert path_from_key("team", prefix + "%2E%2E/x") is None
    assert path_from_key("team", prefix + "a%2fb") is None
    assert path_from_key("team", prefix + "dangling~") is None
    assert path_from_key("team", prefix + "%ZZ") is None
    assert path_from_key("team", "other/key") is None


def test_too_long_rejected() -> None:
    path = "é" * (MAX_KEY_LENGTH // 6 + 1)

    with pytest.raises(InvalidNamespaceFilePath, match="too long") as raised:
        file_key("team", path)

    assert repr("/" + path) in str(raised.value)
