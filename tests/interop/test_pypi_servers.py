"""mcplite's client against reference servers from PyPI (pinned in _peers.PYPI_SERVERS).

mcp-server-time declares outputSchemas (one with `$defs`/`$ref`) that mcplite checks its
structuredContent against; mcp-server-fetch refuses loopback unless told otherwise and offers a
prompt. Both are built on the official Python SDK, which speaks 2026-07-28 over stdio as well
as the handshake era, so each runs in both eras.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator

import pytest

import mcplite
from mcplite import types

from ._peers import pypi_server

ERAS = [(None, "2026-07-28"), ("2025-11-25", "2025-11-25")]
PAGE = (
    b"<html><head><title>Interop page</title></head><body><article>"
    b"<h1>Heading for the interop test</h1><p>A paragraph of <b>bold</b> text that "
    b"readability keeps because it is long enough to be the main content of the page, "
    b"repeated: a paragraph of bold text that readability keeps.</p></article></body></html>"
)


@contextlib.contextmanager
def _page_server() -> Iterator[str]:
    """A loopback HTTP server with one HTML page, for the fetch server to read."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/page"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize(("version", "expect"), ERAS, ids=["auto", "2025-11-25"])
async def test_time_server(version: str | None, expect: str) -> None:
    argv = [pypi_server("mcp-server-time"), "--local-timezone", "Europe/Paris"]
    async with mcplite.connect(
        argv, protocol_version=version, stderr="devnull", request_timeout=10
    ) as client:
        assert client.protocol_version == expect
        assert client.server_info is not None and client.server_info.name == "mcp-time"
        tools = {tool.name: tool for tool in await client.list_all_tools()}
        assert set(tools) == {"get_current_time", "convert_time"}
        assert "$defs" in (tools["convert_time"].output_schema or {})
        got = await client.call_tool("get_current_time", {"timezone": "Asia/Tokyo"})
        assert not got.is_error
        assert got.structured_content["timezone"] == "Asia/Tokyo"
        assert got.structured_content["datetime"].endswith("+09:00")
        assert json.loads(got.text) == got.structured_content
        got = await client.call_tool(
            "convert_time",
            {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Kolkata"},
        )
        assert got.structured_content["time_difference"] == "+5.5h"
        assert got.structured_content["target"]["datetime"].startswith(
            got.structured_content["source"]["datetime"][:11]
        )
        got = await client.call_tool("get_current_time", {"timezone": "Nowhere/Atlantis"})
        assert got.is_error is True and "Invalid timezone" in got.text
        with pytest.raises(mcplite.RPCError):
            await client.call_tool("no_such_tool")
        assert await client.list_all_prompts() == []


async def test_fetch_server_refuses_loopback_by_default() -> None:
    # Its own SSRF guard: a tool error naming the switch, and the session goes on.
    async with mcplite.connect(
        [pypi_server("mcp-server-fetch")], stderr="devnull", request_timeout=10
    ) as client:
        got = await client.call_tool("fetch", {"url": "http://127.0.0.1:9/"})
        assert got.is_error is True and "--allow-private-ips" in got.text
        got = await client.call_tool("fetch", {"url": "http://127.0.0.1:9/", "max_length": 0})
        assert got.is_error is True  # the server's own validation of its input schema


@pytest.mark.parametrize(("version", "expect"), ERAS, ids=["auto", "2025-11-25"])
async def test_fetch_server(version: str | None, expect: str) -> None:
    # Markdown conversion (readability) takes seconds on a loaded machine: it runs once per
    # era, through the prompt; the tool fetches raw.
    argv = [pypi_server("mcp-server-fetch"), "--allow-private-ips", "--ignore-robots-txt"]
    with _page_server() as url:
        async with mcplite.connect(
            argv, protocol_version=version, stderr="devnull", request_timeout=20
        ) as client:
            assert client.protocol_version == expect
            got = await client.call_tool("fetch", {"url": url, "raw": True, "max_length": 40})
            assert not got.is_error and "<html>" in got.text
            assert "start_index" in got.text  # truncated, and it says how to go on
            [prompt] = await client.list_all_prompts()
            assert prompt.name == "fetch" and prompt.arguments is not None
            got_prompt = await client.get_prompt("fetch", {"url": url})
            content = got_prompt.messages[0].content
            assert isinstance(content, types.TextContent)
            assert "A paragraph of **bold** text" in content.text  # converted to markdown
