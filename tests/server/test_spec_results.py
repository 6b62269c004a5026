"""2026-07-28 results are stamped whatever produced them; cache hints (issue 14 item 6)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import mcplite
from mcplite import Context, Server, types as t
from tests._server_peer import Peer, result

SERVER_INFO = {"name": "stamp", "version": "0.0.0"}


class Plain(msgspec.Struct):
    value: int


def build() -> Server:
    server = Server("stamp")

    @server.tool()
    async def echo(text: str) -> str:
        return text

    @server.resource("note://a")
    async def note() -> str:
        return "a"

    @server.method("x/dict")
    async def as_dict(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
        return {"echo": params.get("v")}

    @server.method("x/none")
    async def as_none(ctx: Context, params: dict[str, Any]) -> None:
        return None

    @server.method("x/struct")
    async def as_struct(ctx: Context, params: dict[str, Any]) -> Plain:
        return Plain(value=3)

    return server


@pytest.mark.parametrize(
    ("method", "body"),
    [("x/dict", {"echo": 1}), ("x/none", {}), ("x/struct", {"value": 3})],
)
async def test_custom_method_results_are_stamped_in_2026(method: str, body: dict[str, Any]) -> None:
    peer = Peer(build())
    try:
        got = result(await peer.call(method, {"v": 1}, stateless=True))
        assert got == {
            **body,
            "resultType": "complete",
            "_meta": {"io.modelcontextprotocol/serverInfo": SERVER_INFO},
        }
    finally:
        await peer.aclose()


async def test_custom_method_results_are_untouched_in_the_handshake_era() -> None:
    peer = Peer(build())
    try:
        await peer.init()
        assert result(await peer.call("x/dict", {"v": 1})) == {"echo": 1}
    finally:
        await peer.aclose()


async def test_a_middleware_result_is_stamped_too() -> None:
    server = build()
    cached = {"tools": [{"name": "cached", "inputSchema": {"type": "object"}}]}

    @server.middleware
    async def cache(ctx: Context, call_next: Any) -> Any:
        if ctx.method == "tools/list":
            return cached  # a plain dict, as a cache would hold it
        return await call_next()

    peer = Peer(server)
    try:
        got = result(await peer.call("tools/list", {}, stateless=True))
        assert got["resultType"] == "complete"
        assert got["ttlMs"] == 0 and got["cacheScope"] == "private"
        assert got["_meta"] == {"io.modelcontextprotocol/serverInfo": SERVER_INFO}
        assert "resultType" not in cached  # the middleware's own value is not modified
    finally:
        await peer.aclose()


async def test_cache_hints_per_list_reach_the_client() -> None:
    server = build()
    server.cache_hint("tools/list", ttl_ms=60_000, scope="public")
    server.cache_hint("resources/read", ttl_ms=5_000)
    async with mcplite.connect(server) as client:
        tools = await client.list_tools()
        assert (tools.ttl_ms, tools.cache_scope) == (60_000, "public")
        read = await client.read_resource("note://a")
        assert (read.ttl_ms, read.cache_scope) == (5_000, "private")
        resources = await client.list_resources()
        assert (resources.ttl_ms, resources.cache_scope) == (0, "private")


def test_cache_hint_checks_its_arguments() -> None:
    server = Server("s")
    with pytest.raises(ValueError, match="method must be one of"):
        server.cache_hint("tools/call", ttl_ms=1)
    with pytest.raises(ValueError, match="ttl_ms must be >= 0"):
        server.cache_hint("tools/list", ttl_ms=-1)


async def test_a_handlers_own_cache_values_are_kept() -> None:
    server = Server("s")
    server.cache_hint("resources/read", ttl_ms=5)

    @server.method("x/list")
    async def listing(ctx: Context, params: dict[str, Any]) -> t.ListToolsResult:
        return t.ListToolsResult(tools=[], ttl_ms=9, cache_scope="public")

    peer = Peer(server)
    try:
        got = result(await peer.call("x/list", {}, stateless=True))
        assert (got["ttlMs"], got["cacheScope"]) == (9, "public")
    finally:
        await peer.aclose()
