"""Fixes from the documentation pass: handler errors in resources and prompts, Server
options for the requestState limits, ``connect`` options, public names, messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import mcplite
from mcplite import ResourceNotFound, Server, ToolError
from tests._server_peer import Peer, error, result


def make() -> Server:
    server = Server("fixes", "1.0")

    @server.resource("notes://{name}")
    def note(name: str) -> str:
        if name == "gone":
            raise ResourceNotFound(f"notes://{name}")
        if name == "locked":
            raise ToolError("note 'locked' is locked")
        return name

    @server.prompt()
    def strict(topic: str) -> str:
        raise ToolError(f"no prompt about {topic}")

    return server


@pytest.mark.parametrize("stateless", [False, True])
async def test_resource_handler_errors(stateless: bool) -> None:
    p = Peer(make())
    if not stateless:
        await p.init()
    ok = result(await p.call("resources/read", {"uri": "notes://a"}, stateless))
    assert ok["contents"][0]["text"] == "a"
    gone = error(await p.call("resources/read", {"uri": "notes://gone"}, stateless))
    assert gone == {
        "code": -32602 if stateless else -32002,
        "message": "Resource not found: notes://gone",
        "data": {"uri": "notes://gone"},
    }
    locked = error(await p.call("resources/read", {"uri": "notes://locked"}, stateless))
    assert locked["code"] == -32603 and locked["message"] == "note 'locked' is locked"
    await p.aclose()


@pytest.mark.parametrize("stateless", [False, True])
async def test_prompt_tool_error_keeps_its_message(stateless: bool) -> None:
    p = Peer(make())
    if not stateless:
        await p.init()
    e = error(
        await p.call("prompts/get", {"name": "strict", "arguments": {"topic": "x"}}, stateless)
    )
    assert e == {"code": -32603, "message": "no prompt about x"}
    await p.aclose()


def test_resource_not_found_is_public() -> None:
    exc = ResourceNotFound("a://b")
    assert exc.uri == "a://b" and isinstance(exc, mcplite.MCPError)
    assert "ResourceNotFound" in mcplite.__all__


def asking_server(**options: Any) -> Server:
    server = Server("mrtr", "1.0", **options)

    @server.tool()
    async def ask(ctx: mcplite.Context) -> str:
        answer = await ctx.elicit("name?", {"type": "object", "properties": {}})
        return answer.action

    return server


async def second_round(server: Server) -> dict[str, Any]:
    p = Peer(server)
    r1 = result(await p.call("tools/call", {"name": "ask"}, stateless=True))
    assert r1["resultType"] == "input_required"
    (key,) = r1["inputRequests"]
    params = {
        "name": "ask",
        "requestState": r1["requestState"],
        "inputResponses": {key: {"action": "decline"}},
    }
    resp = await p.call("tools/call", params, stateless=True)
    await p.aclose()
    return resp


async def test_request_state_limits_are_options() -> None:
    ok = result(await second_round(asking_server()))
    assert ok["content"][0]["text"] == "decline"
    expired = error(await second_round(asking_server(request_state_ttl=-1.0)))
    assert expired["code"] == -32602 and "expired" in expired["message"]
    too_big = error(await second_round(asking_server(max_request_state_bytes=8)))
    assert too_big == {"code": -32602, "message": "Invalid params: invalid requestState"}


async def test_subscribe_returns_once_the_listen_is_acknowledged() -> None:
    server = Server("subs", "1.0")

    @server.resource("stock://{item}")
    def stock(item: str) -> str:
        return "1"

    heard: asyncio.Queue[str] = asyncio.Queue()
    async with mcplite.connect(server, on_resource_updated=lambda p: heard.put_nowait(p.uri)) as c:
        assert c.protocol_version == "2026-07-28"
        await c.subscribe_resource("stock://a")
        server.resource_updated("stock://a")  # published right away: must not be lost
        assert await asyncio.wait_for(heard.get(), 2) == "stock://a"
        await c.subscribe_resource("stock://b")
        server.resource_updated("stock://b")
        assert await asyncio.wait_for(heard.get(), 2) == "stock://b"


async def test_subscribe_without_an_acknowledgement_times_out() -> None:
    server = Server("subs", "1.0")
    server.resource("stock://{item}")(lambda item: "1")
    server.route("subscriptions/listen", dict, lambda ctx, params: asyncio.Event().wait())
    async with mcplite.connect(server, request_timeout=0.05) as c:
        with pytest.raises(mcplite.RequestTimeout, match="acknowledgement covering"):
            await c.subscribe_resource("stock://a")


class _RecordingAuth:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def headers(self, method: str, url: str) -> list[tuple[str, str]]:
        self.seen.append(method)
        return [("Authorization", "Bearer t")]

    async def on_response(self, method: str, url: str, status: int, headers: Any) -> bool:
        return False


async def test_connect_forwards_auth_and_http_options() -> None:
    from mcplite._client.streamable_http import StreamableHTTPTransport

    auth = _RecordingAuth()
    client = mcplite.connect(
        "http://127.0.0.1:9/mcp", auth=auth, http_options={"read_timeout": 7.0}
    )
    transport = await client._transport_factory()  # type: ignore[operator]
    assert isinstance(transport, StreamableHTTPTransport)
    assert transport.auth is auth and transport.http.read_timeout == 7.0
    await transport.aclose()
    with pytest.raises(ValueError, match="URL target only"):
        mcplite.connect(["python", "server.py"], auth=auth)


async def test_missing_client_capabilities_message_names_the_field_once() -> None:
    p = Peer(Server("m", "1.0"))
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}
    e = error(await p.call("tools/list", {"_meta": meta}))
    assert e["message"] == (
        'Invalid params: missing _meta field "io.modelcontextprotocol/clientCapabilities"'
    )
    await p.aclose()


def test_cli_call_without_arguments_does_not_require_pairs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mcplite._cli import main as _cli

    for cmd, missing in (("call", "tool"), ("prompt", "name")):
        with pytest.raises(SystemExit):
            _cli.main([cmd])
        err = capsys.readouterr().err
        assert f"the following arguments are required: {missing}\n" in err
        assert "key=value" not in err.splitlines()[-1]


def test_lazy_public_names() -> None:
    missing = [name for name in mcplite.__all__ if not hasattr(mcplite, name)]
    assert missing == []
    assert "OAuthClient" in dir(mcplite)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mcplite.nope  # noqa: B018
