"""UploadFiles, DownloadFiles and DeleteFiles run in flows on a real instance."""

from __future__ import annotations

from lanner.flows.inputs import UploadedFile
from lanner.namespace_files import NamespaceFiles
from lanner.storage import key_from_uri
from tests.support import InstanceHarness, only_run

UPLOAD = """
id: upload
namespace: company.team
inputs:
  - id: script
    type: FILE
tasks:
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: company.team
    filesMap:
      /scripts/main.py: "{{ inputs.script }}"
      "notes/read me.txt": "{{ inputs.script }}"
"""

DOWNLOAD = """
id: download
namespace: company.team
tasks:
  - id: download
    type: io.kestra.plugin.core.namespace.DownloadFiles
    namespace: company.shared
    files:
      - "lib/**"
    destination: copied
"""

DELETE = """
id: delete
namespace: company.team
tasks:
  - id: delete
    type: io.kestra.plugin.core.namespace.DeleteFiles
    namespace: company.shared
    files: "**.tmp"
"""

CONFLICT = """
id: conflict
namespace: company.team
inputs:
  - id: script
    type: FILE
tasks:
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: company.team
    conflict: ERROR
    filesMap:
      main.py: "{{ inputs.script }}"
"""


async def test_upload_files(instance: InstanceHarness) -> None:
    execution = await instance.run(
        UPLOAD, files={"script": UploadedFile("main.py", b"print('hello')\n")}
    )

    assert execution.state.value == "SUCCESS"
    files = NamespaceFiles(instance.instance.storage)
    assert await files.read("company.team", "scripts/main.py") == b"print('hello')\n"
    assert await files.read("company.team", "notes/read me.txt") == b"print('hello')\n"


async def test_upload_conflict_error(instance: InstanceHarness) -> None:
    files = NamespaceFiles(instance.instance.storage)
    await files.write("company.team", "main.py", b"kept")

    execution = await instance.run(CONFLICT, files={"script": UploadedFile("m.py", b"new")})

    assert execution.state.value == "FAILED"
    assert await files.read("company.team", "main.py") == b"kept"
    messages = [entry.message for entry in await instance.logs(execution)]
    assert any("already exists" in message for message in messages)


async def test_download_files(instance: InstanceHarness) -> None:
    files = NamespaceFiles(instance.instance.storage)
    await files.write("company.shared", "lib/a.py", b"a")
    await files.write("company.shared", "lib/sub/b.py", b"b")
    await files.write("company.shared", "top.py", b"top")

    execution = await instance.run(DOWNLOAD)

    assert execution.state.value == "SUCCESS"
    outputs = only_run(execution, "download").outputs or {}
    assert sorted(outputs["files"]) == ["/lib/a.py", "/lib/sub/b.py"]
    storage = instance.instance.storage
    assert await storage.get(key_from_uri(outputs["files"]["/lib/sub/b.py"])) == b"b"
    assert key_from_uri(outputs["files"]["/lib/a.py"]).endswith("/copied/lib/a.py")


async def test_delete_files(instance: InstanceHarness) -> None:
    files = NamespaceFiles(instance.instance.storage)
    await files.write("company.shared", "keep.py", b"k")
    await files.write("company.shared", "x.tmp", b"x")
    await files.write("company.shared", "deep/y.tmp", b"y")

    execution = await instance.run(DELETE)

    assert execution.state.value == "SUCCESS"
    assert [entry.path for entry in await files.files("company.shared")] == ["keep.py"]
