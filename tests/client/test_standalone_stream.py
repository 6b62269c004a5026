"""When the streamable HTTP client opens its standalone GET stream (``standalone_stream``):
"auto" opens it once something needs to hear from the server outside a request, True right
after the handshake, False never (2025-11-25 basic/transports "Listening for Messages from
the Server": the client MAY issue the GET).  Counted on the wire, through a relay in front
of a real mcplite server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

import mcplite
from mcplite import Context, StreamableHTTPServer
from mcplite._client.streamable_http import STANDALONE_STREAM_AUTO, StreamableHTTPTransport

from .._loopback import counting_relay

HANDSHAKE = "2025-11-25"


def build() -> mcplite.Server:
    server = mcplite.Server("standalone")

    @server.tool()
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool()
    async def shout(ctx: Context) -> str:
        await ctx.log("info", "shouted")
        return "ok"

    @server.resource("memo://one")
    def one() -> str:
        return "1"

    return server


@asynccontextmanager
async def served() -> AsyncIterator[tuple[mcplite.Server, str, list[str]]]:
    server = build()
    async with StreamableHTTPServer(server) as srv, counting_relay(srv.url) as (url, methods):
        yield server, url, methods


async def settle(methods: list[str], want: int) -> None:
    """Until ``want`` GETs went through (bounded: a GET is one loop hop away at most)."""
    for _ in range(200):
        if methods.count("GET") >= want:
            return
        await asyncio.sleep(0.005)


async def test_auto_is_the_default_and_a_plain_client_opens_no_get() -> None:
    assert StreamableHTTPTransport("http://127.0.0.1:1/mcp").standalone_stream == "auto"
    async with served() as (_server, url, methods):
        async with mcplite.connect(url, protocol_version=HANDSHAKE) as client:
            assert (await client.call_tool("add", {"a": 1, "b": 2})).structured_content == {
                "result": 3
            }
            await client.list_tools()
        assert "POST tools/call" in methods and "GET" not in methods, methods


@pytest.mark.parametrize(
    "options",
    [
        {"on_notification": lambda method, params: None},
        {"on_logging_message": lambda params: None},
        {"on_tools_list_changed": lambda: None},
        {"on_resource_updated": lambda params: None},
        {"roots": [mcplite.types.Root(uri="file:///tmp")]},
        {"log_level": "info"},
    ],
    ids=[
        "on_notification",
        "on_logging_message",
        "list_changed",
        "resource_updated",
        "roots",
        "log_level",
    ],
)
async def test_auto_opens_the_get_for_a_client_that_hears_the_server(
    options: dict[str, Any],
) -> None:
    async with (
        served() as (_server, url, methods),
        mcplite.connect(url, protocol_version=HANDSHAKE, **options),
    ):
        await settle(methods, 1)
        assert methods.count("GET") == 1, methods


async def test_a_callback_set_after_connect_opens_the_get_and_hears_the_server() -> None:
    async with (
        served() as (server, url, methods),
        mcplite.connect(url, protocol_version=HANDSHAKE) as client,
    ):
        await client.list_tools()
        assert "GET" not in methods
        changed = asyncio.Event()
        client.on_tools_list_changed = changed.set
        client.on_notification = lambda method, params: None  # a second: still one GET
        await settle(methods, 1)
        server.add_tool(lambda: "hi", name="hello")
        await asyncio.wait_for(changed.wait(), 5)
        assert methods.count("GET") == 1, methods


async def test_subscribe_and_set_log_level_open_the_get_before_their_request() -> None:
    for call in ("subscribe", "level"):
        async with (
            served() as (_server, url, methods),
            mcplite.connect(url, protocol_version=HANDSHAKE) as client,
        ):
            assert "GET" not in methods
            if call == "subscribe":
                await client.subscribe_resource("memo://one")
                asked = "POST resources/subscribe"
            else:
                await client.set_log_level("debug")
                asked = "POST logging/setLevel"
            # The GET went out before the request whose results it carries.
            assert methods.count("GET") == 1, (call, methods)
            assert methods.index("GET") < methods.index(asked), methods


async def test_true_opens_at_once_and_false_never() -> None:
    async with served() as (_server, url, methods):
        options = {"standalone_stream": True}
        async with mcplite.connect(url, protocol_version=HANDSHAKE, http_options=options):
            await settle(methods, 1)
            assert methods.count("GET") == 1, methods
    async with served() as (_server, url, methods):
        options = {"standalone_stream": False}
        async with mcplite.connect(
            url, protocol_version=HANDSHAKE, http_options=options, on_notification=print
        ) as client:
            await client.subscribe_resource("memo://one")
            await client.list_tools()
        assert "GET" not in methods, methods


async def test_the_stateless_era_never_opens_one() -> None:
    async with served() as (_server, url, methods):
        async with mcplite.connect(
            url, protocol_version="2026-07-28", on_notification=lambda m, p: None
        ) as client:
            await client.list_tools()
            client.on_logging_message = lambda params: None
            await client.list_tools()
        assert "GET" not in methods, methods


async def test_opening_is_idempotent() -> None:
    async with (
        served() as (_server, url, methods),
        mcplite.connect(url, protocol_version=HANDSHAKE) as client,
    ):
        transport = client.transport
        assert isinstance(transport, StreamableHTTPTransport)
        for _ in range(5):
            transport.open_standalone_stream()
        await settle(methods, 1)
        await client.list_tools()
        assert methods.count("GET") == 1, methods


@pytest.mark.parametrize("value", ["yes", 1, 0, None, "AUTO"])
def test_a_bad_value_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="standalone_stream: expected True, False or 'auto'"):
        StreamableHTTPTransport("http://127.0.0.1:1/mcp", standalone_stream=value)
    assert STANDALONE_STREAM_AUTO == "auto"


async def test_a_custom_transport_without_the_hook_is_unaffected() -> None:
    """The Client asks for the stream with getattr: an in-memory (or any other) transport
    without ``open_standalone_stream`` works with every callback set."""
    server = build()
    async with mcplite.connect(
        server, protocol_version=HANDSHAKE, on_notification=lambda m, p: None
    ) as client:
        heard: list[Any] = []
        client.on_logging_message = heard.append
        await client.subscribe_resource("memo://one")
        (text,) = (await client.call_tool("shout", {})).content
        assert isinstance(text, mcplite.types.TextContent) and text.text == "ok"
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.005)
        assert [p.data for p in heard] == ["shouted"]
