"""Server-wide limits: the in-flight cap across sessions, handler deadlines (in memory)."""

from __future__ import annotations

import asyncio
import math

import pytest

import mcplite
from mcplite import Server
from mcplite._errors import RPCError


def slow_server(**options: object) -> tuple[Server, asyncio.Event, asyncio.Queue[None]]:
    server = Server("limits", "1.0", **options)  # type: ignore[arg-type]
    release = asyncio.Event()
    started: asyncio.Queue[None] = asyncio.Queue()

    @server.tool()
    async def wait() -> str:
        started.put_nowait(None)
        await release.wait()
        return "released"

    @server.tool(timeout=0.05)
    async def quick_deadline() -> str:
        await release.wait()
        return "released"

    @server.tool(timeout=math.inf)
    async def no_deadline() -> str:
        await asyncio.sleep(0.1)
        return "done"

    @server.tool()
    async def own_timeout() -> str:
        async with asyncio.timeout(0.01):
            await release.wait()
        return "never"

    return server, release, started


async def test_in_flight_cap_holds_across_sessions() -> None:
    # Stateless HTTP makes a session per POST: only a server-wide cap bounds it.
    server, release, started = slow_server(max_in_flight_total=2)
    async with mcplite.connect(server) as a, mcplite.connect(server) as b:
        calls = [asyncio.ensure_future(c.call_tool("wait")) for c in (a, b)]
        for _ in calls:
            await asyncio.wait_for(started.get(), 5)
        assert server.in_flight.used == 2
        with pytest.raises(RPCError, match=r"2 requests already in flight on this server"):
            await b.call_tool("wait")
        release.set()
        assert [r.content[0].text for r in await asyncio.gather(*calls)] == ["released"] * 2  # type: ignore[union-attr]
        assert server.in_flight.used == 0
        assert (await a.call_tool("no_deadline")).is_error is not True


async def test_handler_deadline_server_wide_and_per_tool() -> None:
    server, _, _ = slow_server(handler_timeout=0.05)
    async with mcplite.connect(server) as client:
        with pytest.raises(RPCError, match=r"deadline of 0.05 s") as info:
            await client.call_tool("wait")
        assert info.value.code == -32003
        with pytest.raises(RPCError, match=r"deadline of 0.05 s"):
            await client.call_tool("quick_deadline")
        # math.inf lifts the server's deadline for one tool.
        assert (await client.call_tool("no_deadline")).content[0].text == "done"  # type: ignore[union-attr]
        # A handler's own timeout is its own business (a tool error, not -32003).
        assert (await client.call_tool("own_timeout")).is_error is True
        assert server.in_flight.used == 0


async def test_no_deadline_by_default() -> None:
    server, release, _ = slow_server()
    async with mcplite.connect(server) as client:
        call = asyncio.ensure_future(client.call_tool("wait"))
        await asyncio.sleep(0.06)
        assert not call.done()
        with pytest.raises(RPCError, match=r"deadline of 0.05 s"):
            await client.call_tool("quick_deadline")
        release.set()
        assert (await call).content[0].text == "released"  # type: ignore[union-attr]
