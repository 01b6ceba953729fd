"""Every flow of the corpus, written after Kestra 1.x's documentation examples, validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanner.flows.parser import parse_documents, parse_paths

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.yml"))


def test_corpus_has_forty_flows() -> None:
    documents = parse_paths([CORPUS])

    assert len(documents) >= 40


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_corpus_flow_validates(path: Path) -> None:
    documents = parse_documents(path.read_text(encoding="utf-8"), str(path))

    for document in documents:
        shown = "\n".join(problem.format(str(path)) for problem in document.problems)
        assert document.problems == [], shown
        assert document.valid


def test_corpus_covers_trigger_types() -> None:
    types = {
        type(trigger).type_names[0]
        for document in parse_paths([CORPUS])
        if document.flow is not None
        for trigger in document.flow.triggers or []
    }

    assert types == {
        "io.kestra.plugin.core.trigger.Schedule",
        "io.kestra.plugin.core.trigger.ScheduleOnDates",
        "io.kestra.plugin.core.trigger.Webhook",
        "io.kestra.plugin.core.trigger.Flow",
    }
