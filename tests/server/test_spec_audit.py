"""The rest of the spec audit (issue 14 item 7): middleware sees every request, list-changed
callbacks set after connect, session_state per era, in-memory sessions end with their
client, over-long stdio responses, content-block return types."""

from __future__ import annotations

import asyncio
import logging
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from msgspec import UNSET

import mcplite
from mcplite import Context, RemoteProtocolError, Server, types as t

ROOT = str(Path(__file__).resolve().parents[2])


def _text(result: t.CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, t.TextContent)
    return block.text


@pytest.mark.parametrize("era", ["2025-11-25", "2025-03-26", None])
async def test_middleware_sees_every_request(era: str | None) -> None:
    server = Server("mw")
    server.enable("tools")
    seen: list[str] = []

    @server.middleware
    async def audit(ctx: Context, call_next: Any) -> Any:
        seen.append(ctx.method)
        return await call_next()

    async with mcplite.connect(server, protocol_version=era) as client:
        await client.list_tools()
        if era is not None:
            await client.ping()
    if era is None:
        assert seen == ["server/discover", "tools/list"]
    else:
        assert seen == ["initialize", "tools/list", "ping"]


async def test_middleware_can_refuse_a_ping_and_a_later_middleware_still_applies() -> None:
    server = Server("mw")
    async with mcplite.connect(server, protocol_version="2025-11-25") as client:
        await client.ping()  # no middleware yet: answered by the core

        @server.middleware
        async def no_ping(ctx: Context, call_next: Any) -> Any:
            if ctx.method == "ping":
                raise mcplite.RPCError(-32600, "no pings here")
            return await call_next()

        with pytest.raises(mcplite.RPCError, match="no pings here"):
            await client.ping()


async def test_list_changed_callbacks_assigned_after_connect_work_in_2026() -> None:
    server = Server("lc")

    @server.tool()
    def one() -> str:
        return "1"

    changed = asyncio.Event()
    async with mcplite.connect(server) as client:
        assert client.stateless
        client.on_tools_list_changed = changed.set
        # The listen reopened with toolsListChanged: wait for its acknowledgement.
        for _ in range(200):
            if any(lst.filter.tools_list_changed for lst in server.subscriptions.listens.values()):
                break
            await asyncio.sleep(0.005)

        @server.tool()
        def two() -> str:
            return "2"

        await asyncio.wait_for(changed.wait(), 5)


@pytest.mark.parametrize(("era", "counts"), [("2025-11-25", ["1", "2"]), (None, ["1", "1"])])
async def test_session_state_is_per_session_in_the_handshake_era_per_request_in_2026(
    era: str | None, counts: list[str]
) -> None:
    server = Server("st")

    @server.tool()
    def bump(ctx: Context) -> str:
        ctx.session_state["n"] = ctx.session_state.get("n", 0) + 1
        return str(ctx.session_state["n"])

    async with mcplite.connect(server, protocol_version=era) as client:
        got = [_text(await client.call_tool("bump")) for _ in range(2)]
    assert got == counts


async def test_closed_in_memory_clients_leave_no_sessions(caplog: pytest.LogCaptureFixture) -> None:
    server = Server("mem")

    @server.resource("note://a")
    def note() -> str:
        return "a"

    for era in ("2025-11-25", None):
        for _ in range(25):
            async with mcplite.connect(
                server, protocol_version=era, on_resource_updated=lambda p: None
            ) as client:
                await client.subscribe_resource("note://a")
    for _ in range(500):  # poll with a deadline: sessions end within the drain timeout
        if not server.sessions:
            break
        await asyncio.sleep(0.01)
    assert server.sessions == set()
    with caplog.at_level(logging.DEBUG):
        server.resource_updated("note://a")
        await asyncio.sleep(0.02)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


BIG_SERVER = textwrap.dedent(
    """
    from mcplite import Server
    server = Server("big")
    @server.tool()
    def big(n: int) -> str:
        return "x" * n
    server.run()
    """
)


async def test_an_over_long_stdio_response_fails_its_request_at_once(tmp_path: Path) -> None:
    script = tmp_path / "big.py"
    script.write_text(BIG_SERVER)
    env = {"PYTHONPATH": ROOT}
    command = [sys.executable, str(script)]
    async with mcplite.connect(command, env=env, max_line_bytes=50_000) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(RemoteProtocolError, match=r"too large.*max_line_bytes"):
            await client.call_tool("big", {"n": 100_000})
        assert loop.time() - start < 5  # not the 60 s request timeout
        assert _text(await client.call_tool("big", {"n": 10})) == "x" * 10  # still serving
    async with mcplite.connect(command, env=env, max_line_bytes=1_000_000) as client:
        assert len(_text(await client.call_tool("big", {"n": 100_000}))) == 100_000


def test_max_line_bytes_is_for_stdio_targets_only() -> None:
    with pytest.raises(ValueError, match="max_line_bytes applies to a command"):
        mcplite.connect("http://127.0.0.1:1/mcp", max_line_bytes=10)


async def test_content_block_lists_are_sent_as_content() -> None:
    server = Server("blocks")
    image = t.ImageContent(data="AAAA", mime_type="image/png")

    @server.tool()
    def blocks() -> list[t.ContentBlock]:
        return [t.TextContent(text="a"), image]

    @server.tool()
    def mixed() -> list[t.TextContent | t.ImageContent]:
        return [t.TextContent(text="a"), image]

    @server.tool()
    def text() -> str:
        return "plain"

    async with mcplite.connect(server) as client:
        tools = {tool.name: tool for tool in await client.list_all_tools()}
        for name in ("blocks", "mixed", "text"):
            assert tools[name].output_schema is UNSET, name
        for name in ("blocks", "mixed"):
            result = await client.call_tool(name)
            assert result.content == [t.TextContent(text="a"), image]
            assert result.structured_content is UNSET
        result = await client.call_tool("text")
        assert result.content == [t.TextContent(text="plain")]
