"""StreamableHTTPTransport + Client against a fake streamable HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from msgspec import UNSET

import mcplite
from mcplite import AuthError, HTTPStatusError, RemoteProtocolError, types as t
from mcplite._client.streamable_http import StreamableHTTPTransport
from mcplite._wire.http11 import Request, RequestParser
from mcplite._wire.paramheaders import (
    InvalidToolHeaders,
    encode_value,
    header_value,
    param_headers,
    request_headers,
)

from .._loopback import tcp_server

REGION_TOOL = {
    "name": "sql",
    "inputSchema": {
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "q": {"type": "string"},
        },
    },
}
BAD_TOOL = {
    "name": "bad",
    "inputSchema": {"type": "object", "properties": {"x": {"type": "number", "x-mcp-header": "X"}}},
}


class Fake:
    def __init__(self, stateless: bool) -> None:
        self.stateless = stateless
        self.requests: list[tuple[Request, dict[str, Any] | None]] = []
        self.resume_id: Any = None

    def header(self, i: int, name: str) -> str | None:
        value = self.requests[i][0].headers.get(name.lower().encode())
        return None if value is None else value.decode()

    def find(self, method: str) -> int:
        return next(i for i, (_, m) in enumerate(self.requests) if m and m.get("method") == method)

    async def handle(self, req: Request, body: bytes, w: asyncio.StreamWriter) -> bool:
        msg = json.loads(body) if body else None
        self.requests.append((req, msg))
        if req.method == "DELETE":
            return self.reply(w, 200, b"")
        if req.method == "GET":
            if req.headers.get(b"last-event-id") == b"e1":
                return self.sse(
                    w,
                    [
                        b"id: e2\ndata: "
                        + json.dumps(
                            {
                                "jsonrpc": "2.0",
                                "id": self.resume_id,
                                "result": {"content": [{"type": "text", "text": "resumed"}]},
                            }
                        ).encode()
                        + b"\n\n"
                    ],
                )
            return self.reply(w, 405, b"")
        assert msg is not None
        method, rid = msg.get("method"), msg.get("id")
        if rid is None:
            return self.reply(w, 202, b"")
        if method == "server/discover":
            if not self.stateless:
                return self.reply(w, 400, b"Bad Request: no session", "text/plain")
            return self.json(
                w, {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}}, rid
            )
        if method == "initialize":
            return self.json(
                w,
                {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "fake", "version": "1"},
                },
                rid,
                extra=b"Mcp-Session-Id: sess-1\r\n",
            )
        if method == "tools/list":
            return self.json(w, {"tools": [REGION_TOOL, BAD_TOOL]}, rid)
        name = msg["params"].get("name")
        if name == "auth":
            return self.reply(w, 401, b"no token")
        if name == "unknown":
            return self.reply(
                w,
                404,
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": rid,
                        "error": {"code": -32601, "message": "Method not found"},
                    }
                ).encode(),
                "application/json",
            )
        if name == "wrongid":
            return self.json(w, {"content": []}, 12345)
        if name == "html":
            return self.reply(w, 200, b"<html>", "text/html")
        if name == "lost-once" and not isinstance(rid, str):
            # The response stream breaks before the response (issue 14 item 8).
            return self.sse(w, [b"retry: 10\ndata:\n\n"])
        if name == "close-no-id":
            return self.sse(w, [b"event: close\nretry: 10\n\n"])
        if name == "resume":
            self.resume_id = rid
            return self.sse(w, [b"id: e1\nretry: 10\ndata:\n\n"])
        if name == "progress":
            token = msg["params"]["_meta"]["progressToken"]
            note = {
                "jsonrpc": "2.0",
                "method": "notifications/progress",
                "params": {"progressToken": token, "progress": 1},
            }
            done = {"jsonrpc": "2.0", "id": rid, "result": {"content": []}}
            return self.sse(
                w,
                [
                    b": comment\n\n",
                    b"event: ping\ndata: x\n\n",
                    b"data: " + json.dumps(note).encode() + b"\n\n",
                    b"data: " + json.dumps(done).encode() + b"\n\n",
                ],
            )
        return self.json(w, {"content": [{"type": "text", "text": "ok"}]}, rid)

    def reply(
        self, w: asyncio.StreamWriter, status: int, body: bytes, kind: str = "text/plain"
    ) -> bool:
        w.write(
            b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (status, kind.encode(), len(body), body)
        )
        return True

    def json(self, w: asyncio.StreamWriter, result: Any, rid: Any, extra: bytes = b"") -> bool:
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode()
        w.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d"
            b"\r\n\r\n%s" % (extra, len(body), body)
        )
        return True

    def sse(self, w: asyncio.StreamWriter, events: list[bytes]) -> bool:
        w.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
            + b"".join(events)
        )
        return False


@asynccontextmanager
async def fake_server(stateless: bool) -> AsyncIterator[tuple[str, Fake]]:
    fake = Fake(stateless)

    async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = RequestParser()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                for req, body in parser.feed_requests(data):
                    if not await fake.handle(req, body, writer):
                        await writer.drain()
                        return
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async with tcp_server(on_conn) as port:
        yield f"http://127.0.0.1:{port}/mcp", fake


async def test_handshake_era_over_http() -> None:
    async with fake_server(stateless=False) as (url, fake):
        async with mcplite.connect(url, headers={"Authorization": "Bearer t"}) as client:
            assert client.protocol_version == "2025-11-25"
            transport = client.transport
            assert isinstance(transport, StreamableHTTPTransport)
            assert transport.session_id == "sess-1"
            tools = await client.list_tools()
            assert [x.name for x in tools.tools] == ["sql"]  # invalid x-mcp-header dropped
            seen: list[float] = []
            await client.call_tool("progress", on_progress=lambda p, tot, m: seen.append(p))
            assert seen == [1]
            result = await client.call_tool("resume")
            assert result.content[0].text == "resumed"  # type: ignore[union-attr]
            with pytest.raises(AuthError) as info:
                await client.call_tool("auth")
            assert info.value.status == 401 and info.value.body == b"no token"
            with pytest.raises(mcplite.RPCError):
                await client.call_tool("unknown")
            with pytest.raises(RemoteProtocolError, match="12345"):
                await client.call_tool("wrongid")
            with pytest.raises(RemoteProtocolError, match="text/html"):
                await client.call_tool("html")
        i = fake.find("tools/list")
        assert fake.header(i, "mcp-session-id") == "sess-1"
        assert fake.header(i, "mcp-protocol-version") == "2025-11-25"
        assert fake.header(i, "authorization") == "Bearer t"
        assert "text/event-stream" in (fake.header(i, "accept") or "")
        assert fake.header(fake.find("initialize"), "mcp-session-id") is None
        methods = [r.method for r, _ in fake.requests]
        assert "GET" in methods and methods[-1] == "DELETE"
        resume = [r for r, _ in fake.requests if r.headers.get(b"last-event-id")]
        assert resume and resume[0].method == "GET"


async def test_stateless_era_headers_and_tool_filtering() -> None:
    async with fake_server(stateless=True) as (url, fake):
        async with mcplite.connect(url) as client:
            assert client.stateless
            tools = await client.list_all_tools()
            assert [x.name for x in tools] == ["sql"]  # invalid x-mcp-header dropped
            await client.call_tool("sql", {"region": "eu west ", "n": 3, "q": "x"})
        i = fake.find("tools/call")
        assert fake.header(i, "mcp-method") == "tools/call"
        assert fake.header(i, "mcp-name") == "sql"
        assert fake.header(i, "mcp-param-region") == encode_value("eu west ")
        assert fake.header(i, "mcp-param-n") == "3"
        assert fake.header(i, "mcp-param-q") is None
        assert fake.header(i, "mcp-protocol-version") == "2026-07-28"
        assert all(r.method == "POST" for r, _ in fake.requests)  # no GET, no DELETE


async def test_transport_refusal_surfaces_as_http_status_error() -> None:
    async with fake_server(stateless=False) as (url, _fake):
        transport = StreamableHTTPTransport(url)
        await transport.send(b'{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}')
        # Without a Client wired in, the failure arrives as a JSON-RPC error response.
        data = json.loads(await asyncio.wait_for(transport.receive(), 2))
        assert data["id"] == 1 and "HTTP 400" in data["error"]["message"]
        await transport.aclose()
        with pytest.raises(mcplite.ConnectionClosed):
            await transport.receive()
        errors: list[BaseException] = []
        transport = StreamableHTTPTransport(url)
        transport.on_request_error = lambda rid, exc: errors.append(exc)
        await transport.send(b'{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}')
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.005)
        assert isinstance(errors[0], HTTPStatusError) and errors[0].status == 400
        await transport.aclose()


def test_param_headers_rules() -> None:
    assert param_headers(REGION_TOOL["inputSchema"]) == {"Region": ("region",), "N": ("n",)}
    nested = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "boolean", "x-mcp-header": "B"}}}
        },
    }
    assert param_headers(nested) == {"B": ("a", "b")}
    bad = [
        {"properties": {"x": {"type": "string", "x-mcp-header": ""}}},
        {"properties": {"x": {"type": "string", "x-mcp-header": "a b"}}},
        {"properties": {"x": {"type": "object", "x-mcp-header": "X"}}},
        {
            "properties": {
                "x": {"type": "string", "x-mcp-header": "X"},
                "y": {"type": "string", "x-mcp-header": "x"},
            }
        },
        {"properties": {"x": {"type": "array", "items": {"type": "string", "x-mcp-header": "X"}}}},
        {"anyOf": [{"properties": {"x": {"type": "string", "x-mcp-header": "X"}}}]},
        {"type": "string", "x-mcp-header": "Root"},
    ]
    for schema in bad:
        with pytest.raises(InvalidToolHeaders):
            param_headers(schema)


def test_header_values() -> None:
    assert encode_value("us-west1") == "us-west1"
    assert encode_value("Hello, 世界") == "=?base64?SGVsbG8sIOS4lueVjA==?="
    assert encode_value(" padded ") == "=?base64?IHBhZGRlZCA=?="
    assert encode_value("line1\nline2") == "=?base64?bGluZTEKbGluZTI=?="
    assert encode_value("=?base64?literal?=") == "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
    assert header_value(True) == "true" and header_value(False) == "false"
    assert header_value(42) == "42" and header_value(2.0) == "2"
    assert header_value(2**60) is None and header_value(None) is None
    assert header_value([1]) is None
    headers = request_headers("resources/read", {"uri": "file:///a b"}, {})
    assert headers == [("Mcp-Method", "resources/read"), ("Mcp-Name", "file:///a b")]
    assert request_headers("tools/list", {}, {}) == [("Mcp-Method", "tools/list")]
    assert request_headers(
        "tools/call", {"name": "t", "arguments": None}, {"t": {"A": ("a",)}}
    ) == [("Mcp-Method", "tools/call"), ("Mcp-Name", "t")]


def test_register_tools_without_session() -> None:
    transport = StreamableHTTPTransport("http://127.0.0.1:1/mcp")
    kept = transport.register_tools(
        [
            t.Tool(name="sql", input_schema=REGION_TOOL["inputSchema"]),  # type: ignore[arg-type]
            t.Tool(name="bad", input_schema=BAD_TOOL["inputSchema"]),  # type: ignore[arg-type]
            t.Tool(name="plain", input_schema={"type": "object"}),
        ]
    )
    assert [x.name for x in kept] == ["sql", "plain"]
    with pytest.raises(ValueError):
        StreamableHTTPTransport("nope")


async def test_a_lost_2026_response_stream_is_reissued_with_a_new_id() -> None:
    async with fake_server(stateless=True) as (url, fake):
        async with mcplite.connect(url) as client:
            assert client.stateless
            result = await client.call_tool("lost-once")
            assert result.content == [t.TextContent(text="ok")]
        calls = [m for _, m in fake.requests if m and m.get("method") == "tools/call"]
        assert len(calls) == 2
        first, second = calls[0]["id"], calls[1]["id"]
        assert isinstance(first, int) and second == f"{first}~1"  # a new request id


async def test_a_handshake_stream_closed_without_an_event_id_says_why() -> None:
    async with fake_server(stateless=False) as (url, _fake), mcplite.connect(url) as client:
        with pytest.raises(mcplite.ConnectionClosed) as info:
            await client.call_tool("close-no-id")
    message = str(info.value)
    assert "asking to reconnect in 10 ms" in message and "no event id" in message


async def test_set_log_level_goes_through_to_a_server_without_the_logging_capability(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    async with fake_server(stateless=False) as (url, fake):
        async with mcplite.connect(url) as client:
            assert client.server_capabilities.logging is UNSET
            with caplog.at_level(logging.DEBUG, logger="mcplite._client.api"):
                await client.set_log_level("debug")
        assert fake.find("logging/setLevel") >= 0
    assert any("did not declare the logging capability" in r.message for r in caplog.records)


class _RecordingHTTP:
    """An HTTPClient stand-in that records the order requests are issued and never answers."""

    def __init__(self) -> None:
        self.methods: list[str] = []
        self.closed = False

    async def request(self, method: str, url: str, headers: Any, body: Any = None) -> Any:
        self.methods.append(method)
        await asyncio.Event().wait()  # held until the transport cancels it on close

    async def aclose(self) -> None:
        self.closed = True


async def test_requests_leave_after_the_standalone_get_until_it_is_answered() -> None:
    """The eager POST path must not overtake the standalone GET (conformance sse-retry reads
    a GET that follows a POST as that POST's resumption): while the GET is unanswered a
    request starts on a task, which runs after the GET's."""
    for option in (True, "auto"):
        http = _RecordingHTTP()
        transport = StreamableHTTPTransport(
            "http://127.0.0.1:9/mcp",
            http=http,  # type: ignore[arg-type]
            standalone_stream=option,
        )
        transport.set_protocol_version("2025-11-25")
        if option == "auto":
            transport.open_standalone_stream()  # what the Client does once it needs it
        await transport.send(b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
        for _ in range(3):
            await asyncio.sleep(0)
        assert http.methods == ["GET", "POST"], option
        await transport.aclose()


async def test_without_a_standalone_get_a_request_is_written_from_send() -> None:
    http = _RecordingHTTP()
    transport = StreamableHTTPTransport(
        "http://127.0.0.1:9/mcp",
        http=http,  # type: ignore[arg-type]
        standalone_stream=False,
    )
    transport.set_protocol_version("2025-11-25")
    await transport.send(b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
    assert http.methods == ["POST"]  # eager: on the wire before send() returned
    await transport.aclose()


def test_post_headers_are_reused_until_what_they_depend_on_changes() -> None:
    """The hot path hands HTTPClient the same header tuple per call; a new session id,
    protocol version or edited ``headers`` gives a new one."""
    tr = StreamableHTTPTransport("http://127.0.0.1:1/mcp", {"X-A": "1"})
    tr.protocol_version = "2025-11-25"
    first = tr._post_headers("tools/call", None)
    assert tr._post_headers("tools/call", None) is first
    assert ("MCP-Protocol-Version", "2025-11-25") in first and ("X-A", "1") in first
    assert not any(k == "Mcp-Session-Id" for k, _ in first)
    tr.session_id = "s1"
    assert ("Mcp-Session-Id", "s1") in tr._post_headers("tools/call", None)
    tr.headers["X-A"] = "2"
    assert ("X-A", "2") in tr._post_headers("tools/call", None)
    tr.protocol_version = "2025-06-18"
    assert ("MCP-Protocol-Version", "2025-06-18") in tr._post_headers("tools/call", None)
    # params naming their own version (not the hot path) are not cached
    params = {"_meta": {t.META_PROTOCOL_VERSION: "2025-03-26"}}
    assert ("MCP-Protocol-Version", "2025-03-26") in tr._post_headers("tools/call", params)
    assert ("MCP-Protocol-Version", "2025-06-18") in tr._post_headers("tools/call", None)
