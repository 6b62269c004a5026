"""A 404 to a request that carried the session id starts a new session (2025-11-25
basic/transports, Session Management: the client MUST send a new InitializeRequest without a
session ID), restores what the old one had, and sends the failed request again, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import mcplite
from mcplite import Context, SessionExpired, StreamableHTTPServer
from mcplite._client.streamable_http import StreamableHTTPTransport
from mcplite._io.httpclient import HTTPClient

from .._loopback import counting_relay

HANDSHAKE = "2025-11-25"


def build() -> mcplite.Server:
    server = mcplite.Server("renewal")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool()
    async def shout(ctx: Context) -> str:
        await ctx.log("warning", "shouted")
        return "ok"

    @server.resource("memo://one")
    def one() -> str:
        return "1"

    return server


async def end_session(url: str, transport: Any) -> str:
    """What a server does when it ends a session: here a DELETE from outside the client."""
    assert isinstance(transport, StreamableHTTPTransport)
    sid = transport.session_id
    assert sid is not None
    async with HTTPClient() as http:
        resp = await http.request(
            "DELETE", url, {"mcp-session-id": sid, "mcp-protocol-version": HANDSHAKE}
        )
        await resp.read()
        assert resp.status in (200, 202, 204), resp.status
    return sid


async def test_a_404_starts_a_new_session_and_the_call_is_sent_again() -> None:
    async with (
        StreamableHTTPServer(build()) as srv,
        counting_relay(srv.url) as (url, methods),
        mcplite.connect(url, protocol_version=HANDSHAKE) as client,
    ):
        old = await end_session(srv.url, client.transport)
        result = await client.call_tool("add", {"a": 2, "b": 3})
        assert result.structured_content == {"result": 5}
        assert client.transport.session_id not in (None, old)  # type: ignore[union-attr]
        assert methods.count("POST initialize") == 2, methods
        # The failed call went twice: once to the old session, once to the new one.
        assert methods.count("POST tools/call") == 2, methods
        assert (await client.list_tools()).tools  # and the new session keeps working


async def test_concurrent_failures_renew_once() -> None:
    async with (
        StreamableHTTPServer(build()) as srv,
        counting_relay(srv.url) as (url, methods),
        mcplite.connect(url, protocol_version=HANDSHAKE) as client,
    ):
        await end_session(srv.url, client.transport)
        listed = asyncio.ensure_future(client.list_tools())
        results = await asyncio.gather(
            *(client.call_tool("add", {"a": i, "b": 1}) for i in range(8))
        )
        assert [r.structured_content for r in results] == [{"result": i + 1} for i in range(8)]
        assert (await listed).tools
        assert methods.count("POST initialize") == 2, methods


async def test_the_new_session_gets_the_subscriptions_the_level_and_the_stream() -> None:
    updates: list[Any] = []
    logs: list[Any] = []
    server = build()
    async with (
        StreamableHTTPServer(server) as srv,
        counting_relay(srv.url) as (url, methods),
        mcplite.connect(
            url,
            protocol_version=HANDSHAKE,
            on_resource_updated=updates.append,
            on_logging_message=logs.append,
        ) as client,
    ):
        await client.subscribe_resource("memo://one")
        await client.set_log_level("error")
        await end_session(srv.url, client.transport)
        assert (await client.call_tool("shout", {})).content  # a warning: below "error"
        renewed_at = methods.index("POST initialize", 1)
        after = methods[renewed_at:]
        assert "POST resources/subscribe" in after and "POST logging/setLevel" in after, after
        for _ in range(200):  # the GET of the new session (bounded wait)
            if "GET" in methods[renewed_at:]:
                break
            await asyncio.sleep(0.005)
        assert "GET" in methods[renewed_at:], methods
        server.resource_updated("memo://one")
        for _ in range(200):
            if updates:
                break
            await asyncio.sleep(0.005)
        assert [u.uri for u in updates] == ["memo://one"]
        assert logs == []  # the level "error" held in the new session


async def test_a_second_404_reaches_the_caller() -> None:
    """A server that answers 404 to everything carrying a session id: one renewal, one
    resend, then the error (no loop)."""
    async with (
        StreamableHTTPServer(build()) as srv,
        mcplite.connect(srv.url, protocol_version=HANDSHAKE) as client,
    ):
        transport = client.transport
        assert isinstance(transport, StreamableHTTPTransport)
        real_initialize = client._initialize

        async def initialize_then_end(version: str) -> None:
            await real_initialize(version)
            await end_session(srv.url, transport)  # the new session ends at once too

        client._initialize = initialize_then_end  # type: ignore[method-assign]
        await end_session(srv.url, transport)
        with pytest.raises(SessionExpired, match="HTTP 404"):
            await client.call_tool("add", {"a": 1, "b": 1})


async def test_a_404_without_a_session_is_a_plain_status_error() -> None:
    """No session id sent (a stateless-era client): a 404 is not a session's end."""
    async with StreamableHTTPServer(build()) as srv:
        wrong = srv.url.rsplit("/", 1)[0] + "/elsewhere"
        with pytest.raises(mcplite.HTTPStatusError) as info:
            async with mcplite.connect(wrong, protocol_version=HANDSHAKE):
                pass
        assert not isinstance(info.value, SessionExpired)
