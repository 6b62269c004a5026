"""Spec rules over streamable HTTP that the conformance suite does not check (issue 14)."""

from __future__ import annotations

import asyncio
import json

import mcplite
from mcplite import Context
from mcplite._server.server import Server
from mcplite._server.streamable_run import StreamableHTTPServer
from tests.server.test_streamable_http import Client

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
