"""Our HTTP client and streamable-HTTP client transport against the stdlib ``http.server``.

A peer we did not write: a minimal MCP server (2025-11-25 streamable HTTP) built on
``http.server.ThreadingHTTPServer`` answers JSON for some requests and SSE for others.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import mcplite
from mcplite import HTTPStatusError
from mcplite._io.httpclient import HTTPClient

SESSION = "stdlib-session-1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so our client's connection pool is used
    seen: list[dict[str, Any]] = []
    connections: set[tuple[str, int]] = set()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        # No standalone stream here: the spec lets a server answer 405.
        self._send(405, b"", "text/plain", {})

    def do_DELETE(self) -> None:
        self._send(200, b"", "text/plain", {})

    def do_POST(self) -> None:
        Handler.connections.add(self.client_address)
        length = int(self.headers["Content-Length"])
        msg = json.loads(self.rfile.read(length))
        Handler.seen.append({"msg": msg, "headers": dict(self.headers)})
        if self.path != "/mcp":
            self._send(404, b"not here", "text/plain", {})
            return
        if "id" not in msg:  # a notification
            self._send(202, b"", "text/plain", {})
            return
        method = msg["method"]
        if method == "server/discover":  # a handshake-era server does not know it
            self._send(400, b'{"error":"no session"}', "application/json", {})
            return
        if method == "initialize":
            result = {
                "protocolVersion": "2025-11-25",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "stdlib", "version": "1"},
            }
            body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            self._send(200, body.encode(), "application/json", {"Mcp-Session-Id": SESSION})
            return
        if self.headers.get("Mcp-Session-Id") != SESSION:
            self._send(400, b"missing session", "text/plain", {})
            return
        if method == "tools/list":
            tools = [{"name": "echo", "inputSchema": {"type": "object"}}]
            body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"tools": tools}})
            self._send(200, body.encode(), "application/json", {})
            return
        if method == "tools/call":
            text = msg["params"]["arguments"]["text"]
            progress = {
                "jsonrpc": "2.0",
                "method": "notifications/progress",
                "params": {
                    "progressToken": msg["params"].get("_meta", {}).get("progressToken", 0),
                    "progress": 1,
                },
            }
            result = {
                "jsonrpc": "2.0",
                "id": msg["id"],
                "result": {"content": [{"type": "text", "text": text}]},
            }
            events = f"data: {json.dumps(progress)}\n\ndata: {json.dumps(result)}\n\n"
            self._send(200, events.encode(), "text/event-stream", {})
            return
        body = json.dumps(
            {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "nope"}}
        )
        self._send(200, body.encode(), "application/json", {})


@pytest.fixture
def stdlib_server() -> Iterator[str]:
    Handler.seen = []
    Handler.connections = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/mcp"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


async def test_client_falls_back_and_talks_to_a_stdlib_server(stdlib_server: str) -> None:
    progress: list[float] = []
    async with mcplite.connect(stdlib_server) as client:  # default: probe discover first
        assert client.protocol_version == "2025-11-25"
        assert client.server_info is not None and client.server_info.name == "stdlib"
        tools = await client.list_tools()
        assert [t.name for t in tools.tools] == ["echo"]
        for text in ("one", "two", "three"):
            result = await client.call_tool(
                "echo", {"text": text}, on_progress=lambda p, total, m: progress.append(p)
            )
            assert result.text == text  # answered over SSE
    assert progress == [1.0, 1.0, 1.0]
    methods = [s["msg"].get("method") for s in Handler.seen]
    assert methods[:3] == ["server/discover", "initialize", "notifications/initialized"]
    after = [s for s in Handler.seen if s["msg"].get("method") == "tools/call"]
    assert all(s["headers"]["Mcp-Session-Id"] == SESSION for s in after)
    assert all(s["headers"]["MCP-Protocol-Version"] == "2025-11-25" for s in after)
    assert all("text/event-stream" in s["headers"]["Accept"] for s in after)
    # keep-alive: far fewer TCP connections than requests
    assert len(Handler.connections) < len(Handler.seen)


async def test_http_errors_surface_as_http_status_error(stdlib_server: str) -> None:
    wrong = stdlib_server.replace("/mcp", "/elsewhere")
    with pytest.raises(HTTPStatusError) as info:
        async with mcplite.connect(wrong, protocol_version="2025-11-25"):
            pass
    assert info.value.status == 404


async def test_plain_http_client_against_stdlib_server(stdlib_server: str) -> None:
    http = HTTPClient()
    try:
        body = json.dumps({"jsonrpc": "2.0", "method": "notifications/x"}).encode()
        for _ in range(3):
            response = await http.request(
                "POST", stdlib_server, [("content-type", "application/json")], body
            )
            assert response.status == 202
            assert await response.read(1024) == b""
    finally:
        await http.aclose()
    assert len(Handler.connections) == 1  # one pooled keep-alive connection
