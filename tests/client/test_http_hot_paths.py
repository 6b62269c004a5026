"""The streamable HTTP client's hot paths: SSE answers keep their connection, a stream that
does not end after its answer is dropped after ``stream_linger``, the request fast path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

import mcplite
from mcplite._client import streamable_http
from mcplite._client.streamable_http import StreamableHTTPTransport
from mcplite._client.streamable_wire import _fast_request
from mcplite._core.jsonrpc import encode_request
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._wire.http11 import Request

from .._loopback import http_server


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@asynccontextmanager
async def sse_server(end_stream: bool) -> AsyncIterator[tuple[str, list[int]]]:
    """Answers each POSTed request over a chunked SSE stream: a priming event, the response,
    one notification after it, then the end of the stream (or nothing: it stays open)."""

    async def answer(_req: Request, body: bytes, writer: asyncio.StreamWriter) -> bool:
        rid = json.loads(body)["id"]
        response = json.dumps({"jsonrpc": "2.0", "id": rid, "result": {}})
        note = json.dumps({"jsonrpc": "2.0", "method": "notifications/x"})
        out = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + _chunk(b"id: p\ndata:\n\n")
            + _chunk(b"data: " + response.encode() + b"\n\n")
            + _chunk(b"data: " + note.encode() + b"\n\n")
        )
        writer.write(out + (b"0\r\n\r\n" if end_stream else b""))
        await writer.drain()
        return True

    async with http_server(answer) as served:
        yield served


async def _exchange(transport: StreamableHTTPTransport, rid: int) -> list[bytes]:
    await transport.send(encode_request(rid, "tools/list", {}))
    return [await transport.receive(), await transport.receive()]


async def test_answered_sse_stream_keeps_its_connection() -> None:
    async with sse_server(end_stream=True) as (url, conns):
        transport = StreamableHTTPTransport(url, standalone_stream=False)
        transport.set_protocol_version("2025-11-25")
        try:
            for rid in (1, 2, 3):
                got = await _exchange(transport, rid)
                assert json.loads(got[0])["id"] == rid
                assert json.loads(got[1])["method"] == "notifications/x"  # after the answer
            for _ in range(50):
                if not transport._streams:
                    break
                await asyncio.sleep(0.002)
            assert transport.http.open_connections == 1
            assert len(conns) == 1
        finally:
            await transport.aclose()


async def test_answered_sse_stream_that_stays_open_is_dropped_after_linger() -> None:
    async with sse_server(end_stream=False) as (url, _conns):
        transport = StreamableHTTPTransport(url, standalone_stream=False, stream_linger=0.02)
        try:
            got = await _exchange(transport, 7)  # no protocol version yet: the slow path
            assert json.loads(got[0])["id"] == 7
            for _ in range(50):
                if transport.http.open_connections == 0:
                    break
                await asyncio.sleep(0.005)
            assert transport.http.open_connections == 0
        finally:
            await transport.aclose()


async def test_sse_server_answers_over_one_connection() -> None:
    server = mcplite.Server("s")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    async with (
        StreamableHTTPServer(server, json_response=False) as srv,
        mcplite.connect(srv.url, protocol_version="2025-11-25") as client,
    ):
        for n in (1, 70_000):  # the second one spans several reads and chunks
            result = await client.call_tool("echo", {"text": "x" * n})
            assert result.content[0].text == "x" * n  # type: ignore[union-attr]
        transport = client.transport
        assert isinstance(transport, StreamableHTTPTransport)
        # One for the requests, one for the standalone GET stream.
        assert transport.http.open_connections <= 2


def test_fast_request_reads_our_own_envelope_only() -> None:
    assert _fast_request(encode_request(12, "tools/call", {"name": "a"})) == (12, "tools/call")
    assert _fast_request(encode_request(3, "ping")) == (3, "ping")
    assert _fast_request(encode_request("s", "ping")) is None  # string ids: decoded instead
    assert _fast_request(b'{"jsonrpc":"2.0","id":1,"result":{}}') is None
    assert _fast_request(b'{"jsonrpc":"2.0","id":1,"method":"a\\u0062"}') is None
    assert _fast_request(b'{"jsonrpc":"2.0","id":1,"method":"unterminated') is None
    assert _fast_request(b"[]") is None


@pytest.mark.parametrize("json_response", [True, False], ids=["json", "sse"])
async def test_no_running_loop_lookup_per_call(
    json_response: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Python 3.11 each ``asyncio.get_running_loop()`` is a ``getpid()`` system call; a
    call over streamable HTTP made five on the client and five on the server.  Both sides
    now look the loop up once per session and connection (mcplite's own calls only: asyncio
    itself reaches the loop through ``asyncio.events``)."""
    server = mcplite.Server("s")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    async with (
        StreamableHTTPServer(server, json_response=json_response) as srv,
        mcplite.connect(srv.url, protocol_version="2025-11-25") as client,
    ):
        for _ in range(3):  # warm: connections, the session and the standalone GET
            await client.call_tool("echo", {"text": "x"})
        calls: list[int] = []
        real = asyncio.get_running_loop

        def counted() -> asyncio.AbstractEventLoop:
            calls.append(1)
            return real()

        monkeypatch.setattr(asyncio, "get_running_loop", counted)
        for _ in range(20):
            await client.call_tool("echo", {"text": "x"})
        monkeypatch.setattr(asyncio, "get_running_loop", real)
        assert len(calls) <= 2, f"{len(calls)} loop lookups for 20 calls"


@pytest.mark.parametrize("json_response", [True, False], ids=["json", "sse"])
async def test_request_tasks_are_held_and_known_by_id_until_done(
    json_response: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request's task is in the transport's id -> stream map while it runs (so close
    cancels it and notifications/cancelled finds it) and takes itself out when it ends,
    with no done callback; close still cancels one that is running."""
    server = mcplite.Server("s")
    started = asyncio.Event()
    release = asyncio.Event()

    @server.tool()
    async def wait(text: str) -> str:
        started.set()
        await release.wait()
        return text

    async with (
        StreamableHTTPServer(server, json_response=json_response) as srv,
        mcplite.connect(srv.url, protocol_version="2025-11-25") as client,
    ):
        transport = client.transport
        assert isinstance(transport, StreamableHTTPTransport)
        for _ in range(100):  # until the standalone GET is answered: requests start eagerly
            if not transport._get_pending:
                break
            await asyncio.sleep(0.002)
        # The task path (the answer is read without a task when it comes whole: see
        # test_a_whole_json_answer_is_taken_with_no_task).
        monkeypatch.setattr(streamable_http, "start_exchange", lambda *args: None)
        call = asyncio.ensure_future(client.call_tool("wait", {"text": "x"}))
        await started.wait()
        (task,) = transport._streams.values()
        assert task not in transport._tasks
        assert not task._callbacks  # no bookkeeping callback
        release.set()
        assert (await call).content[0].text == "x"  # type: ignore[union-attr]
        for _ in range(100):
            if task.done():
                break
            await asyncio.sleep(0.002)
        assert task.done() and not transport._streams
        started.clear()
        release.clear()
        call = asyncio.ensure_future(client.call_tool("wait", {"text": "y"}))
        await started.wait()
        (task,) = transport._streams.values()
        await transport.aclose()
        assert task.cancelled() and not transport._streams
        release.set()
        with pytest.raises(mcplite.MCPError):
            await call
