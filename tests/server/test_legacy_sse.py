"""Legacy HTTP+SSE transport (2024-11-05) on loopback: our client, and the stdlib."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import Any

import pytest

from mcplite._client.client import Client
from mcplite._client.connect import connect
from mcplite._client.legacy_sse import LegacySSEClientTransport, open_legacy_sse
from mcplite._errors import HTTPStatusError
from mcplite._io.httpserver import HTTPServer
from mcplite._server.context import Context
from mcplite._server.legacy_sse import LegacySSEApp
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer

LEGACY = "2024-11-05"


def make_server() -> Server:
    server = Server("legacy", "1.0")

    @server.tool()
    async def add(a: int, b: int) -> int:
        return a + b

    @server.tool()
    async def slow(ctx: Context, steps: int = 2) -> str:
        for i in range(steps):
            await ctx.progress(i + 1, total=steps, message=f"step {i + 1}")
        return "done"

    return server


async def _exercise(client: Client) -> None:
    assert client.server_info is not None and client.server_info.name == "legacy"
    tools = await client.list_tools()
    assert sorted(tool.name for tool in tools.tools) == ["add", "slow"]
    seen: list[tuple[float, float | None, str | None]] = []

    def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    result = await client.call_tool("slow", {"steps": 3}, on_progress=progress)
    assert result.content[0].text == "done"  # type: ignore[union-attr]
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    added = await client.call_tool("add", {"a": 2, "b": 3})
    assert added.content[0].text == "5"  # type: ignore[union-attr]


async def test_client_against_server_end_to_end() -> None:
    app = LegacySSEApp(make_server(), session_idle_timeout=0.4)  # pings every 0.1 s
    async with HTTPServer(app) as http:
        http.on_shutdown.append(app.aclose)
        url = http.url + "/sse"

        async def factory() -> LegacySSEClientTransport:
            return await open_legacy_sse(url, endpoint_timeout=2.0)

        async with Client(factory, protocol_version=LEGACY, request_timeout=5) as client:
            assert client.protocol_version == LEGACY
            await _exercise(client)
            assert len(app.sessions) == 1
        for _ in range(200):  # the GET stream closed with the client: the session ends
            if not app.sessions:
                break
            await asyncio.sleep(0.01)
        assert not app.sessions


async def test_wired_into_streamable_app_and_connect() -> None:
    async with StreamableHTTPServer(make_server()) as srv:
        sse_url = srv.http.url + "/sse"
        async with connect(sse_url, transport="sse", protocol_version=LEGACY) as client:
            await _exercise(client)
        async with connect(srv.url) as modern:  # /mcp is unaffected
            two = await modern.call_tool("add", {"a": 1, "b": 1})
            assert two.content[0].text == "2"  # type: ignore[union-attr]


async def test_legacy_sse_can_be_turned_off() -> None:
    async with StreamableHTTPServer(make_server(), legacy_sse=False) as srv:
        with pytest.raises(HTTPStatusError) as info:
            await open_legacy_sse(srv.http.url + "/sse", endpoint_timeout=1.0)
        assert info.value.status == 404


def _read_event(resp: http.client.HTTPResponse) -> tuple[str, str]:
    event, data = "message", ""
    while True:
        line = resp.readline().decode().rstrip("\r\n")
        if not line:
            if data:
                return event, data
            continue
        key, _, value = line.partition(": ")
        if key == "event":
            event = value
        elif key == "data":
            data = value


async def test_stdlib_client_and_errors() -> None:
    app = LegacySSEApp(make_server(), max_body_bytes=1000)
    async with HTTPServer(app) as http:
        http.on_shutdown.append(app.aclose)

        def run() -> None:
            stream = http_conn(http.port)
            stream.request("GET", "/sse", headers={"Accept": "text/event-stream"})
            resp = stream.getresponse()
            assert resp.status == 200 and resp.getheader("content-type") == "text/event-stream"
            event, endpoint = _read_event(resp)
            assert event == "endpoint" and endpoint.startswith("/messages?session_id=")

            def post(body: bytes, target: str = endpoint) -> tuple[int, bytes]:
                c = http_conn(http.port)
                try:
                    c.request("POST", target, body, {"Content-Type": "application/json"})
                    r = c.getresponse()
                    return r.status, r.read()
                finally:
                    c.close()

            init = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": LEGACY,
                    "capabilities": {},
                    "clientInfo": {"name": "stdlib", "version": "1"},
                },
            }
            assert post(json.dumps(init).encode())[0] == 202
            event, data = _read_event(resp)
            answer: Any = json.loads(data)
            assert event == "message" and answer["id"] == 1
            assert answer["result"]["protocolVersion"] == LEGACY
            assert post(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')[0] == 202

            status, body = post(b"{}", "/messages?session_id=nope")
            assert status == 404 and json.loads(body)["error"]["code"] == -32001
            assert post(b"{}", "/messages")[0] == 400
            status, body = post(b"x" * 1001)
            # RFC 9110 §15.5.14 calls 413 "Content Too Large"; the message once said RFC 7231's
            # "Payload Too Large", unlike the status line: both now come from one table
            assert status == 413
            assert json.loads(body)["error"]["message"].startswith("Content Too Large: at most ")
            status, body = post(b"{not json")
            assert status == 400 and json.loads(body)["error"]["code"] == -32700
            assert post(b"{}", "/elsewhere")[0] == 404

            # the session still serves
            call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call"}
            call["params"] = {"name": "add", "arguments": {"a": 4, "b": 5}}
            assert post(json.dumps(call).encode())[0] == 202
            event, data = _read_event(resp)
            answer = json.loads(data)
            assert answer["id"] == 2 and answer["result"]["content"][0]["text"] == "9"
            stream.close()

        await asyncio.to_thread(run)


def http_conn(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=3)


async def test_limits_and_refusals() -> None:
    app = LegacySSEApp(make_server(), max_sessions=1)
    async with HTTPServer(app) as http:
        http.on_shutdown.append(app.aclose)
        first = await open_legacy_sse(http.url + "/sse")
        try:
            with pytest.raises(HTTPStatusError) as info:
                await open_legacy_sse(http.url + "/sse")
            assert info.value.status == 503
        finally:
            await first.aclose()

        def run() -> None:
            c = http_conn(http.port)
            c.request("POST", "/sse", b"{}")
            r = c.getresponse()
            assert r.status == 405 and r.getheader("allow") == "GET"
            r.read()
            c.request("GET", "/sse", headers={"Host": "evil.example"})
            r = c.getresponse()
            assert r.status == 403
            r.read()
            c.close()

        await asyncio.to_thread(run)


async def test_idle_sessions_are_swept() -> None:
    app = LegacySSEApp(make_server(), session_idle_timeout=0.02)
    async with HTTPServer(app) as http:
        http.on_shutdown.append(app.aclose)
        transport = await open_legacy_sse(http.url + "/sse")
        try:
            for _ in range(100):
                if not app.sessions:
                    break
                await asyncio.sleep(0.01)
            assert not app.sessions
        finally:
            await transport.aclose()
