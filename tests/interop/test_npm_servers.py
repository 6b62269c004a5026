"""mcplite's client against popular reference servers from npm (pinned in _peers.NPM_PACKAGES).

@modelcontextprotocol/server-filesystem takes its allowed directories from the client's roots
(roots/list after `initialized`, again on notifications/roots/list_changed) and declares an
outputSchema on its tools, so mcplite's structuredContent check meets a schema it did not write;
@modelcontextprotocol/server-memory offers a subscribable resource that its tools update.
Both speak stdio only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

import mcplite
from mcplite import types

from ._peers import node_modules

DEADLINE_SECONDS = 10.0
# A 1x1 transparent PNG, so read_media_file has a real image to send.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _server(package: str, *args: str) -> list[str]:
    node = shutil.which("node")
    assert node is not None  # node_modules() skipped otherwise
    entry = node_modules() / "@modelcontextprotocol" / package / "dist" / "index.js"
    return [node, str(entry), *args]


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {DEADLINE_SECONDS} s")
        await asyncio.sleep(0.02)


def _root(path: Path) -> types.Root:
    return types.Root(uri=path.as_uri(), name=path.name)


@pytest.fixture
def real_tmp(tmp_path: Path) -> Path:
    """tmp_path with symlinks resolved: the server reports real paths."""
    return tmp_path.resolve()


async def test_filesystem_server_roots_and_tools(real_tmp: Path) -> None:
    start, first, second = (real_tmp / name for name in ("start", "first", "second"))
    for folder in (start, first, second):
        folder.mkdir()
    (first / "notes.txt").write_text("alpha\nbeta\n")
    (first / "pixel.png").write_bytes(PNG)
    (first / "sub").mkdir()
    (first / "sub" / "deep.txt").write_text("deep")
    async with mcplite.connect(
        _server("server-filesystem", str(start)),
        roots=[_root(first)],
        stderr="devnull",
        request_timeout=10,
    ) as client:
        assert client.server_info is not None
        assert client.server_info.name == "secure-filesystem-server"
        names = {tool.name for tool in await client.list_all_tools()}
        assert {"read_text_file", "write_file", "edit_file", "directory_tree"} <= names

        async def allowed(folder: Path) -> bool:
            got = await client.call_tool("list_allowed_directories")
            return str(folder) in got.text

        # The server asks for roots/list once `initialized` arrives and replaces its
        # command-line directories with what our roots name.
        await _until(lambda: allowed(first), "roots/list did not replace the allowed directories")
        got = await client.call_tool("read_text_file", {"path": str(first / "notes.txt")})
        assert not got.is_error and got.text == "alpha\nbeta\n"
        # Its outputSchema ({content: string}) was checked against structuredContent.
        assert got.structured_content == {"content": "alpha\nbeta\n"}
        notes = str(first / "notes.txt")
        got = await client.call_tool("read_text_file", {"path": notes, "head": 1})
        assert got.text == "alpha"
        target = first / "new.txt"
        got = await client.call_tool("write_file", {"path": str(target), "content": "héllo\n"})
        assert not got.is_error and target.read_text() == "héllo\n"
        got = await client.call_tool(
            "edit_file",
            {
                "path": str(target),
                "edits": [{"oldText": "héllo", "newText": "world"}],
                "dryRun": True,
            },
        )
        assert "-héllo" in got.text and "+world" in got.text and target.read_text() == "héllo\n"
        got = await client.call_tool("read_media_file", {"path": str(first / "pixel.png")})
        image = got.content[0]
        assert isinstance(image, types.ImageContent) and image.mime_type == "image/png"
        assert base64.b64decode(image.data) == PNG
        got = await client.call_tool("directory_tree", {"path": str(first)})
        tree = {entry["name"]: entry for entry in json.loads(got.text)}
        assert tree["sub"]["children"][0]["name"] == "deep.txt"
        got = await client.call_tool("search_files", {"path": str(first), "pattern": "**/deep.txt"})
        assert str(first / "sub" / "deep.txt") in got.text
        got = await client.call_tool(
            "read_multiple_files",
            {"paths": [str(first / "notes.txt"), str(first / "sub" / "deep.txt")]},
        )
        assert "alpha" in got.text and "deep" in got.text
        # Outside every root: the server's own refusal, a tool error, not a protocol error.
        got = await client.call_tool("read_text_file", {"path": str(start / "x.txt")})
        assert got.is_error is True and "Access denied" in got.text
        got = await client.call_tool("read_text_file", {"path": 7})
        assert got.is_error is True

        # notifications/roots/list_changed: the server asks again and follows.
        await client.set_roots([_root(second)])
        await _until(lambda: allowed(second), "roots/list_changed was not followed")
        got = await client.call_tool("read_text_file", {"path": str(first / "notes.txt")})
        assert got.is_error is True and "Access denied" in got.text


async def test_memory_server_subscription_and_tools(tmp_path: Path) -> None:
    updates: list[str] = []
    updated = asyncio.Event()

    def on_updated(params: types.ResourceUpdatedNotificationParams) -> None:
        updates.append(params.uri)
        updated.set()

    store = tmp_path / "memory.jsonl"
    argv = _server("server-memory")
    async with mcplite.connect(
        argv,
        env={"MEMORY_FILE_PATH": str(store)},
        on_resource_updated=on_updated,
        stderr="devnull",
        request_timeout=10,
    ) as client:
        assert client.server_info is not None and client.server_info.name == "memory-server"
        resources = client.server_capabilities.resources
        assert isinstance(resources, types.ResourcesCapability) and resources.subscribe is True
        [resource] = await client.list_all_resources()
        assert resource.uri == "memory://knowledge-graph"
        await client.subscribe_resource(resource.uri)
        entities = [
            {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]},
            {"name": "Engine", "entityType": "machine", "observations": []},
        ]
        got = await client.call_tool("create_entities", {"entities": entities})
        assert not got.is_error
        await asyncio.wait_for(updated.wait(), DEADLINE_SECONDS)
        assert updates == ["memory://knowledge-graph"]
        got = await client.call_tool(
            "create_relations",
            {"relations": [{"from": "Ada", "to": "Engine", "relationType": "programmed"}]},
        )
        assert not got.is_error
        read = await client.read_resource(resource.uri)
        graph = json.loads(str(read.contents[0].text))
        assert {entity["name"] for entity in graph["entities"]} == {"Ada", "Engine"}
        assert graph["relations"][0]["relationType"] == "programmed"
        got = await client.call_tool("search_nodes", {"query": "first program"})
        assert [e["name"] for e in json.loads(got.text)["entities"]] == ["Ada"]
        # After unsubscribing, a mutation sends nothing (a ping round trip orders the wire).
        await client.unsubscribe_resource(resource.uri)
        updated.clear()
        got = await client.call_tool("delete_entities", {"entityNames": ["Engine"]})
        assert not got.is_error
        await client.ping()
        assert not updated.is_set() and len(updates) >= 1
        got = await client.call_tool("create_entities", {"entities": "not a list"})
        assert got.is_error is True
    # The server kept its graph in the file it was given.
    assert "Ada" in store.read_text()
