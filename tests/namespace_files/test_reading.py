"""read() in expressions: namespace files and files of the current execution."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lanner.errors import ExpressionError
from lanner.expressions import render
from lanner.namespace_files import NamespaceFiles
from lanner.namespace_files.reading import ReadServices
from lanner.storage import Storage, execution_file_key, uri_from_key

VARIABLES: dict[str, Any] = {
    "flow": {"namespace": "company.team", "id": "etl"},
    "execution": {"id": "exec1"},
    "inputs": {"query": "queries/count.sql"},
}


@pytest.fixture
async def services(storage: Storage) -> ReadServices:
    files = NamespaceFiles(storage)
    await files.write("company.team", "queries/count.sql", b"SELECT count(*) FROM t")
    await files.write("company.shared", "banner.txt", "héllo ✓".encode())
    await files.write("company.team", "binary.bin", b"\xff\xfe\x00")
    return ReadServices.for_task_run(storage, VARIABLES)


async def test_read_in_thread(services: ReadServices) -> None:
    seen_threads = []

    def render_in_thread() -> str:
        seen_threads.append(threading.current_thread())
        return render("{{ read(inputs.query) }}", VARIABLES, services)

    text = await asyncio.to_thread(render_in_thread)

    assert text == "SELECT count(*) FROM t"
    assert seen_threads[0] is not threading.main_thread()


async def test_read_on_loop(services: ReadServices) -> None:
    assert render("{{ read('/queries/count.sql') }}", VARIABLES, services) == (
        "SELECT count(*) FROM t"
    )


async def test_read_other_namespace(services: ReadServices) -> None:
    text = render("{{ read('banner.txt', 'company.shared') }}", VARIABLES, services)

    assert text == "héllo ✓"


async def test_read_missing(services: ReadServices) -> None:
    with pytest.raises(ExpressionError, match=r"nothing\.sql"):
        render("{{ read('nothing.sql') }}", VARIABLES, services)


async def test_read_invalid_path(services: ReadServices) -> None:
    with pytest.raises(ExpressionError, match="'\\.\\.'"):
        render("{{ read('../other/secret') }}", VARIABLES, services)


async def test_read_not_text(services: ReadServices) -> None:
    with pytest.raises(ExpressionError, match="not UTF-8"):
        render("{{ read('binary.bin') }}", VARIABLES, services)


async def test_read_execution_file(storage: Storage, services: ReadServices) -> None:
    key = execution_file_key("company.team", "etl", "exec1", "inputs", "data.csv")
    await storage.put(key, b"a,b\n1,2\n")

    template = f"{{{{ read('{uri_from_key(key)}') }}}}"

    text = await asyncio.to_thread(render, template, VARIABLES, services)

    assert text == "a,b\n1,2\n"


async def test_read_other_execution(storage: Storage, services: ReadServices) -> None:
    key = execution_file_key("company.team", "etl", "exec2", "inputs", "data.csv")
    await storage.put(key, b"private")

    with pytest.raises(ExpressionError, match="current execution"):
        render(f"{{{{ read('{uri_from_key(key)}') }}}}", VARIABLES, services)


async def test_kv_needs_fallback(services: ReadServices) -> None:
    with pytest.raises(ExpressionError, match="kv"):
        render("{{ kv('k') }}", VARIABLES, services)
