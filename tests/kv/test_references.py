"""Which `kv()` keys templates name literally, for the worker to read before a task runs."""

from __future__ import annotations

from lanner.kv.references import KvReference, kv_references, template_texts


def test_literal_key() -> None:
    assert kv_references(["{{ kv('last_date') }}"]) == {KvReference("last_date")}


def test_keyword_arguments() -> None:
    templates = ["{{ kv(key='a', namespace='company.shared', errorOnMissing=false) }}"]

    assert kv_references(templates) == {KvReference("a", "company.shared")}


def test_positional_namespace() -> None:
    assert kv_references(['{{ kv("a", "other") ?? "none" }}']) == {KvReference("a", "other")}


def test_null_namespace() -> None:
    assert kv_references(["{{ kv('a', null, false) }}"]) == {KvReference("a")}


def test_inside_tags_and_filters() -> None:
    templates = ["{% if kv('flag') %}{{ kv('name') | upper }}{% endif %}"]

    assert kv_references(templates) == {KvReference("flag"), KvReference("name")}


def test_computed_key_skipped() -> None:
    assert kv_references(["{{ kv('day_' ~ inputs.day) }}"]) == frozenset()


def test_computed_namespace_skipped() -> None:
    assert kv_references(["{{ kv('a', namespace=inputs.ns) }}"]) == frozenset()


def test_invalid_template_skipped() -> None:
    assert kv_references(["{{ kv('a' }}", "{{ kv('b') }}"]) == {KvReference("b")}


def test_text_without_expression() -> None:
    assert kv_references(["kv('a')", "plain"]) == frozenset()


def test_template_texts_nested() -> None:
    task = {"id": "t", "values": {"{{ kv('k1') }}": ["x", {"y": "{{ kv('k2') }}"}]}, "n": 3}

    texts = list(template_texts(task))

    assert kv_references(texts) == {KvReference("k1"), KvReference("k2")}
