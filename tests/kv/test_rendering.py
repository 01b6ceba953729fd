"""`kv()` in expressions: keys read before the render, computed keys read while it runs."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from lanner.backend.kv import SyncKvReader
from lanner.backend.store import Backend
from lanner.errors import ExpressionError
from lanner.expressions import render, render_typed
from lanner.kv import KvStore
from lanner.kv.references import kv_references
from lanner.kv.rendering import KvServices, KvSnapshot
from tests.kv.helpers import put_expired

NS = "company.team"
VARIABLES: dict[str, Any] = {"flow": {"namespace": NS}, "inputs": {"day": "mon"}}


@pytest.fixture
def reader(backend: Backend) -> Iterator[SyncKvReader]:
    reader = SyncKvReader(backend.db.url)
    try:
        yield reader
    finally:
        reader.close()


@pytest.fixture
async def filled(store: KvStore, backend: Backend) -> AsyncIterator[KvStore]:
    await store.put(NS, "greeting", "hello")
    await store.put(NS, "count", 41)
    await store.put(NS, "day_mon", "Monday")
    await store.put(NS, "when", dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC))
    await store.put("company", "shared", "from company")
    await store.put("other", "greeting", "hi from other")
    await put_expired(backend, NS, "stale", "old")
    yield store


async def services_for(
    backend: Backend, templates: list[str], reader: SyncKvReader | None
) -> KvServices:
    snapshot = await KvSnapshot.prefetch(backend, kv_references(templates), NS, reader)
    return KvServices(snapshot, NS)


async def test_literal_key_prefetched(backend: Backend, filled: KvStore) -> None:
    template = "{{ kv('greeting') }} {{ kv('count') + 1 }}"
    # No synchronous reader: a key missing from the snapshot would fail the render.
    services = await services_for(backend, [template], None)

    assert (NS, "greeting") in services.snapshot.pairs
    assert render(template, VARIABLES, services) == "hello 42"


async def test_computed_key_on_loop(
    backend: Backend, filled: KvStore, reader: SyncKvReader
) -> None:
    template = "{{ kv('day_' ~ inputs.day) }}"
    services = await services_for(backend, [template], reader)
    assert services.snapshot.pairs == frozenset()

    # Rendered on the event loop's thread, as tasks render inside their async run().
    text = render(template, VARIABLES, services)

    assert text == "Monday"
    assert (NS, "day_mon") in services.snapshot.pairs


async def test_computed_key_in_thread(
    backend: Backend, filled: KvStore, reader: SyncKvReader
) -> None:
    services = await services_for(backend, [], reader)

    text = await asyncio.to_thread(render, "{{ kv('day_' ~ inputs.day) }}", VARIABLES, services)

    assert text == "Monday"


async def test_computed_key_without_reader(backend: Backend, filled: KvStore) -> None:
    services = await services_for(backend, [], None)

    with pytest.raises(ExpressionError, match="not read before the render"):
        render("{{ kv('day_' ~ inputs.day) }}", VARIABLES, services)


async def test_typed_value(backend: Backend, filled: KvStore) -> None:
    services = await services_for(backend, ["{{ kv('when') }}"], None)

    value = render_typed("{{ kv('when') }}", VARIABLES, services)

    assert value == dt.datetime(2024, 3, 7, 7, 42, tzinfo=dt.UTC)


async def test_parent_namespace(backend: Backend, filled: KvStore) -> None:
    services = await services_for(backend, ["{{ kv('shared') }}"], None)

    assert render("{{ kv('shared') }}", VARIABLES, services) == "from company"


async def test_explicit_namespace(backend: Backend, filled: KvStore, reader: SyncKvReader) -> None:
    literal = "{{ kv('greeting', namespace='other') }}"
    computed = "{{ kv('greeting', namespace=inputs.ns) }}"
    services = await services_for(backend, [literal, computed], reader)

    assert render(literal, VARIABLES, services) == "hi from other"
    assert render(computed, {**VARIABLES, "inputs": {"ns": "other"}}, services) == "hi from other"


async def test_missing_key_fails(backend: Backend, filled: KvStore) -> None:
    services = await services_for(backend, ["{{ kv('nothing') }}"], None)

    with pytest.raises(ExpressionError) as caught:
        render("{{ kv('nothing') }}", VARIABLES, services)

    message = str(caught.value)
    assert "no value for key 'nothing' in namespace 'company.team' or its parents" in message
    assert "errorOnMissing=false" in message


async def test_missing_key_null(backend: Backend, filled: KvStore) -> None:
    template = "{{ kv('nothing', errorOnMissing=false) ?? 'fallback' }}"
    services = await services_for(backend, [template], None)

    assert render(template, VARIABLES, services) == "fallback"


async def test_expired_key_missing(backend: Backend, filled: KvStore) -> None:
    template = "{{ kv('stale', errorOnMissing=false) ?? 'expired' }}"
    services = await services_for(backend, [template], None)

    assert render(template, VARIABLES, services) == "expired"


async def test_invalid_key(backend: Backend, filled: KvStore) -> None:
    services = await services_for(backend, [], None)

    with pytest.raises(ExpressionError, match="invalid KV key 'bad key'"):
        render("{{ kv('bad key') }}", VARIABLES, services)


async def test_secret_goes_to_fallback(backend: Backend) -> None:
    services = await services_for(backend, [], None)

    with pytest.raises(ExpressionError, match="secret\\('X'\\) is not available here"):
        render("{{ secret('X') }}", VARIABLES, services)
