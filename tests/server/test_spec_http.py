"""Spec rules over streamable HTTP that the conformance suite does not check (issue 14)."""

from __future__ import annotations

import asyncio
import json

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
