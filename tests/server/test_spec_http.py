"""Spec rules over streamable HTTP that the conformance suite does not check (issue 14)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import mcplite
from mcplite import Context, types as t
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer
from tests.server.test_streamable_http import Client, events

NEW_ERA = {"MCP-Protocol-Version": "2026-07-28"}


async def test_a_removed_notification_is_refused_in_2026() -> None:
    server = Server("t")
    server.enable("tools")
    async with StreamableHTTPServer(server, stateless=True) as srv:

        def run() -> None:
            c = Client(srv.port)
            roots = {"jsonrpc": "2.0", "method": "notifications/roots/list_changed"}
            status, _, body = c.call("POST", roots, headers=NEW_ERA)
            assert status == 400, body
            message = json.loads(body)["error"]["message"]
            assert "removed in protocol version 2026-07-28" in message
            cancel = {
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": 1},
            }
            assert c.call("POST", cancel, headers=NEW_ERA)[0] == 202
            # The handshake era keeps the notification.
            assert c.call("POST", roots)[0] == 202

        await asyncio.to_thread(run)


async def _cancelled_on_close(stateless: bool, era: str | None) -> None:
    server = Server("t")
    started = asyncio.Event()
    cancelled = asyncio.Event()

    @server.tool()
    async def slow(ctx: Context) -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    async with StreamableHTTPServer(server, stateless=stateless) as srv:
        url = f"http://127.0.0.1:{srv.port}/mcp"
        async with mcplite.connect(url, protocol_version=era) as client:
            call = asyncio.ensure_future(client.call_tool("slow"))
            await asyncio.wait_for(started.wait(), 5)
            call.cancel()
            await asyncio.wait_for(cancelled.wait(), 5)  # the handler was cancelled
            assert (await client.list_tools()).tools  # and the client still works


async def test_closing_a_2026_response_stream_cancels_its_handler_stateful_server() -> None:
    await _cancelled_on_close(stateless=False, era=None)


async def test_closing_a_2026_response_stream_cancels_its_handler_stateless_server() -> None:
    await _cancelled_on_close(stateless=True, era=None)


async def test_handshake_era_cancellation_still_uses_the_notification() -> None:
    await _cancelled_on_close(stateless=False, era="2025-11-25")


# -- a sessionless notifications/cancelled (basic/index.mdx: a request id "MUST NOT match
# the ID of any other request the sender has issued and not yet received a response for",
# so without a session a request is named by its sender and its id) -----------------------


def _slow_call(id: int, era: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    params: dict[str, Any] = {"name": "slow", "arguments": {}}
    headers: dict[str, str] = {}
    if era is not None:
        params["_meta"] = {
            t.META_PROTOCOL_VERSION: era,
            t.META_CLIENT_CAPABILITIES: {},
            t.META_CLIENT_INFO: {"name": "raw", "version": "1"},
        }
        headers = {"MCP-Protocol-Version": era, "Mcp-Method": "tools/call", "Mcp-Name": "slow"}
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}, headers


def _cancel(port: int, id: int, era: str | None) -> None:
    body = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}}
    headers = {} if era is None else {"MCP-Protocol-Version": era}
    assert Client(port).call("POST", body, headers=headers)[0] == 202


def _answer(data: bytes) -> dict[str, Any]:
    if data.startswith(b"{"):
        return dict(json.loads(data))
    return events(data)[-1]


@pytest.mark.parametrize("era", [None, "2026-07-28"])
async def test_a_sessionless_cancel_stops_its_handler(era: str | None) -> None:
    server = Server("t")
    started: asyncio.Queue[int] = asyncio.Queue()
    cancelled = asyncio.Event()
    release = asyncio.Event()

    @server.tool()
    async def slow() -> str:
        started.put_nowait(1)
        try:
            await release.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "released"

    async with StreamableHTTPServer(server, stateless=True) as srv:
        port = srv.port
        body, headers = _slow_call(7, era)
        first = asyncio.ensure_future(asyncio.to_thread(Client(port).call, "POST", body, headers))
        await asyncio.wait_for(started.get(), 5)
        await asyncio.to_thread(_cancel, port, 8, era)  # unknown id: ignored
        await asyncio.to_thread(_cancel, port, 7, era)
        await asyncio.wait_for(cancelled.wait(), 5)
        status, _, data = await asyncio.wait_for(first, 5)
        error = _answer(data)["error"]
        assert status == 200 and error["code"] == -32000, data
        assert "cancelled by the client" in error["message"]

        # Two requests in flight under one id from one address (two clients behind it):
        # the cancel is ambiguous, so it is ignored and both run to their end.
        cancelled.clear()
        calls = [
            asyncio.ensure_future(asyncio.to_thread(Client(port).call, "POST", body, headers))
            for _ in range(2)
        ]
        for _ in calls:
            await asyncio.wait_for(started.get(), 5)
        await asyncio.to_thread(_cancel, port, 7, era)
        release.set()
        for call in calls:
            status, _, data = await asyncio.wait_for(call, 5)
            assert _answer(data)["result"]["content"][0]["text"] == "released", data
        assert not cancelled.is_set()


# -- handshake-era calls whose client went away (2025-11-25 basic/transports: a disconnect
# "SHOULD NOT" cancel; Server(abandoned_call_timeout=) bounds how long such a call runs) ----


@pytest.mark.parametrize("json_response", [False, True], ids=["sse", "json"])
async def test_a_call_whose_client_left_is_cancelled_after_abandoned_call_timeout(
    json_response: bool,
) -> None:
    # json: a POST waiting for a JSON answer (json_response=True) whose connection closed
    # was never noticed, so its handler ran on for good (no stream to close).
    server = Server("t", abandoned_call_timeout=0.2)
    started = asyncio.Event()
    cancelled_at: list[float] = []
    cancelled = asyncio.Event()

    @server.tool()
    async def slow() -> str:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled_at.append(asyncio.get_running_loop().time())
            cancelled.set()
            raise
        return "never"

    async with StreamableHTTPServer(server, json_response=json_response) as srv:
        c = Client(srv.port)
        await asyncio.to_thread(c.init)
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "slow"}}
        ).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
            b"Mcp-Session-Id: %s\r\nContent-Length: %d\r\n\r\n%s"
            % ((c.sid or "").encode(), len(body), body)
        )
        await asyncio.wait_for(started.wait(), 5)
        if not json_response:  # the SSE head comes at once; a JSON answer waits
            assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
        writer.close()
        await writer.wait_closed()
        left = asyncio.get_running_loop().time()
        await asyncio.wait_for(cancelled.wait(), 5)  # the abandoned call was cancelled
        assert cancelled_at[0] - left >= 0.15  # it ran on for abandoned_call_timeout first
        # The session is intact and idle again.
        status, _, data = await asyncio.to_thread(
            c.call, "POST", {"jsonrpc": "2.0", "id": 6, "method": "tools/list"}
        )
        assert status == 200 and b'"slow"' in data


async def test_an_abandoned_call_that_finished_leaves_no_timer_holding_its_session() -> None:
    # The reaping timer of an abandoned stream used to stay scheduled for the whole
    # abandoned_call_timeout (300 s) after the call was answered and the session deleted,
    # holding the stream and the session: under a load of clients that reset mid-call the
    # server's memory grew with every one (the soak check caught it).
    import gc
    import weakref

    server = Server("t")  # the default abandoned_call_timeout (300 s)
    release = asyncio.Event()

    @server.tool()
    async def slow() -> str:
        await release.wait()
        return "done"

    async with StreamableHTTPServer(server) as srv:
        c = Client(srv.port)
        await asyncio.to_thread(c.init)
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "slow"}}
        ).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
            b"Mcp-Session-Id: %s\r\nContent-Length: %d\r\n\r\n%s"
            % ((c.sid or "").encode(), len(body), body)
        )
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
        writer.close()
        await writer.wait_closed()
        sess = srv.app.sessions[c.sid or ""]
        for _ in range(100):
            if sess._reapers:
                break
            await asyncio.sleep(0.01)
        assert sess._reapers is not None and len(sess._reapers) == 1  # abandoned: the timeout runs
        release.set()
        for _ in range(100):
            if not sess._reapers:
                break
            await asyncio.sleep(0.01)
        assert not sess._reapers  # answered: its timer is cancelled
        assert (await asyncio.to_thread(c.call, "DELETE"))[0] == 204
        ref = weakref.ref(sess)
        del sess
        for _ in range(50):
            gc.collect()
            if ref() is None:
                break
            await asyncio.sleep(0.01)
        assert ref() is None, "the deleted session is still referenced"
