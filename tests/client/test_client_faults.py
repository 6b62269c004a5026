"""Client against hand-driven fake servers: bad input, MRTR, URL elicitation, listen."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import mcplite
from mcplite import (
    Client,
    ConnectionClosed,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
    types as t,
)
from mcplite._io.transport import MemoryTransport, memory_pair

Reply = Callable[[dict[str, Any]], Awaitable[None]]
Handler = Callable[[dict[str, Any], "Peer"], Awaitable[None]]


class Peer:
    """The server end: answers the handshake/discover, hands everything else to ``handler``."""

    def __init__(self, end: MemoryTransport, handler: Handler, stateless: bool) -> None:
        self.end = end
        self.handler = handler
        self.stateless = stateless
        self.seen: list[dict[str, Any]] = []
        self.caps: dict[str, Any] = {"tools": {"listChanged": True}}

    async def send(self, obj: Any) -> None:
        await self.end.send(obj if isinstance(obj, bytes) else json.dumps(obj).encode())

    async def answer(self, msg: dict[str, Any], result: Any) -> None:
        await self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    async def error(self, msg: dict[str, Any], code: int, message: str, data: Any = None) -> None:
        err: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            err["data"] = data
        await self.send({"jsonrpc": "2.0", "id": msg["id"], "error": err})

    async def run(self) -> None:
        while True:
            try:
                data = await self.end.receive()
            except ConnectionClosed:
                return
            msg = json.loads(data)
            self.seen.append(msg)
            method = msg.get("method")
            if method == "server/discover":
                if self.stateless:
                    await self.answer(
                        msg,
                        {
                            "supportedVersions": ["2026-07-28"],
                            "capabilities": self.caps,
                            "_meta": {t.META_SERVER_INFO: {"name": "fake", "version": "1"}},
                        },
                    )
                else:
                    await self.error(msg, -32601, "Method not found")
            elif method == "initialize":
                await self.answer(
                    msg,
                    {
                        "protocolVersion": "2025-11-25",
                        "capabilities": self.caps,
                        "serverInfo": {"name": "fake", "version": "1"},
                    },
                )
            elif method == "notifications/initialized":
                pass
            else:
                await self.handler(msg, self)


async def start(
    handler: Handler,
    *,
    stateless: bool = False,
    caps: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[Client, Peer, asyncio.Task[None]]:
    client_end, server_end = memory_pair()
    peer = Peer(server_end, handler, stateless)
    if caps is not None:
        peer.caps = caps
    task = asyncio.ensure_future(peer.run())
    options.setdefault("request_timeout", 2.0)
    client = Client(client_end, **options)
    await client.start()
    return client, peer, task


async def stop(client: Client, task: asyncio.Task[None]) -> None:
    await client.aclose()
    await asyncio.wait_for(task, 1)


TOOL = {"name": "echo", "inputSchema": {"type": "object"}}


async def test_wrong_id_times_out() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        if "id" in msg:
            await peer.send({"jsonrpc": "2.0", "id": 999, "result": {"tools": []}})

    client, _peer, task = await start(handler)
    with pytest.raises(RequestTimeout, match="tools/list"):
        await client.list_tools(timeout=0.05)
    await stop(client, task)


async def test_invalid_json_is_answered_and_the_request_times_out() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        if "id" in msg:
            await peer.send(b"{not json")

    client, peer, task = await start(handler)
    with pytest.raises(RequestTimeout):
        await client.list_tools(timeout=0.05)
    await asyncio.sleep(0.01)
    assert any(m.get("error", {}).get("code") == -32700 for m in peer.seen)
    await stop(client, task)


async def test_wrong_shape_result() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.answer(msg, {"tools": "nope"})

    client, _peer, task = await start(handler)
    with pytest.raises(RemoteProtocolError, match="ListToolsResult"):
        await client.list_tools()
    await stop(client, task)


async def test_silence_times_out_and_sends_cancelled() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        pass

    client, peer, task = await start(handler)
    with pytest.raises(RequestTimeout):
        await client.call_tool("echo", timeout=0.05)
    await asyncio.sleep(0.01)
    cancelled = [m for m in peer.seen if m.get("method") == "notifications/cancelled"]
    call = next(m for m in peer.seen if m.get("method") == "tools/call")
    assert cancelled and cancelled[0]["params"]["requestId"] == call["id"]
    await stop(client, task)


async def test_cancelling_the_task_sends_cancelled() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        pass

    client, peer, task = await start(handler)
    call = asyncio.ensure_future(client.call_tool("echo"))
    await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.sleep(0.01)
    assert any(m.get("method") == "notifications/cancelled" for m in peer.seen)
    await stop(client, task)


async def test_server_dies_mid_request() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.end.aclose()

    client, _peer, task = await start(handler)
    with pytest.raises(ConnectionClosed):
        await client.list_tools()
    await stop(client, task)


async def test_unknown_notification_and_content_are_tolerated() -> None:
    got: list[tuple[str, Any]] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.send(
            {"jsonrpc": "2.0", "method": "notifications/future/thing", "params": {"x": 1}}
        )
        await peer.answer(
            msg, {"content": [{"type": "hologram", "beam": 1}, {"type": "text", "text": "hi"}]}
        )

    client, _peer, task = await start(handler, on_notification=lambda m, p: got.append((m, p)))
    result = await client.call_tool("echo")
    assert isinstance(result.content[0], t.UnknownContent)
    assert result.content[0].type == "hologram"
    assert got == [("notifications/future/thing", {"x": 1})]
    await stop(client, task)


async def test_output_schema_mismatch_names_the_path() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        if msg["method"] == "tools/list":
            schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
            await peer.answer(msg, {"tools": [{**TOOL, "outputSchema": schema}]})
        elif msg["params"]["arguments"].get("ok"):
            await peer.answer(msg, {"content": [], "structuredContent": {"n": 1}})
        elif msg["params"]["arguments"].get("missing"):
            await peer.answer(msg, {"content": []})
        else:
            await peer.answer(msg, {"content": [], "structuredContent": {"n": "x"}})

    client, _peer, task = await start(handler)
    await client.list_tools()
    assert (await client.call_tool("echo", {"ok": True})).structured_content == {"n": 1}
    with pytest.raises(RemoteProtocolError, match=r"\$\.n"):
        await client.call_tool("echo")
    with pytest.raises(RemoteProtocolError, match="no structuredContent"):
        await client.call_tool("echo", {"missing": True})
    await stop(client, task)


async def test_repeated_cursor_is_an_error() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.answer(msg, {"tools": [TOOL], "nextCursor": "same"})

    client, _peer, task = await start(handler)
    with pytest.raises(RemoteProtocolError, match="repeated the cursor"):
        await client.list_all_tools()
    await stop(client, task)


async def test_an_empty_cursor_is_followed_not_the_end() -> None:
    # 2026-07-28 pagination.mdx: "an empty string is a valid cursor and thus MUST NOT be
    # treated as the end of results"; only a missing nextCursor ends the listing.
    pages = {None: ("a", ""), "": ("b", "x"), "x": ("c", None)}
    asked: list[Any] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        cursor = (msg.get("params") or {}).get("cursor")
        asked.append(cursor)
        name, nxt = pages[cursor]
        result: dict[str, Any] = {"tools": [{**TOOL, "name": name}]}
        if nxt is not None:
            result["nextCursor"] = nxt
        await peer.answer(msg, result)

    client, _peer, task = await start(handler)
    assert [tool.name for tool in await client.list_all_tools()] == ["a", "b", "c"]
    assert asked == [None, "", "x"]
    await stop(client, task)


async def test_a_repeated_empty_cursor_is_an_error() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.answer(msg, {"tools": [TOOL], "nextCursor": ""})

    client, _peer, task = await start(handler)
    with pytest.raises(RemoteProtocolError, match="repeated the cursor ''"):
        await client.list_all_tools()
    await stop(client, task)


# ---------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    "error",
    [
        {"code": -32601, "message": "nope"},
        {"code": -32022, "message": "old", "data": {"supported": ["2025-11-25"]}},
        {"code": -32600, "message": "weird"},
    ],
)
async def test_discover_falls_back_to_initialize(error: dict[str, Any]) -> None:
    client_end, server_end = memory_pair()

    async def server() -> None:
        msg = json.loads(await server_end.receive())
        assert msg["method"] == "server/discover"
        await server_end.send(
            json.dumps({"jsonrpc": "2.0", "id": msg["id"], "error": error}).encode()
        )
        msg = json.loads(await server_end.receive())
        assert msg["method"] == "initialize"
        await server_end.send(
            json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": msg["id"],
                    "result": {
                        "protocolVersion": "2025-11-25",
                        "capabilities": {},
                        "serverInfo": {"name": "old", "version": "1"},
                    },
                }
            ).encode()
        )

    task = asyncio.ensure_future(server())
    async with Client(client_end) as client:
        await task
        assert client.protocol_version == "2025-11-25"


async def test_discover_retries_once_with_a_supported_version() -> None:
    client_end, server_end = memory_pair()
    versions: list[str] = []

    async def server() -> None:
        for attempt in range(2):
            msg = json.loads(await server_end.receive())
            versions.append(msg["params"]["_meta"][t.META_PROTOCOL_VERSION])
            if attempt == 0:
                reply: dict[str, Any] = {
                    "error": {
                        "code": -32022,
                        "message": "no",
                        "data": {"supported": ["2026-07-28"], "requested": versions[0]},
                    }
                }
            else:
                reply = {"result": {"supportedVersions": ["2026-07-28"], "capabilities": {}}}
            await server_end.send(json.dumps({"jsonrpc": "2.0", "id": msg["id"], **reply}).encode())

    task = asyncio.ensure_future(server())
    async with Client(client_end) as client:
        await task
        assert client.stateless and versions == ["2026-07-28", "2026-07-28"]


async def test_pinned_stateless_version_refused() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        pass

    with pytest.raises(RemoteProtocolError, match="2026-07-28"):
        await start(handler, protocol_version="2026-07-28")


# ---------------------------------------------------------------- MRTR (2026-07-28)


async def test_input_required_answered_by_handlers() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        params = msg["params"]
        if "inputResponses" not in params:
            await peer.answer(
                msg,
                {
                    "resultType": "input_required",
                    "requestState": "s1",
                    "inputRequests": {
                        "e": {
                            "method": "elicitation/create",
                            "params": {
                                "message": "ok?",
                                "requestedSchema": {
                                    "type": "object",
                                    "properties": {"ok": {"type": "boolean", "default": True}},
                                },
                            },
                        },
                        "s": {
                            "method": "sampling/createMessage",
                            "params": {
                                "messages": [
                                    {"role": "user", "content": {"type": "text", "text": "q"}}
                                ],
                                "maxTokens": 5,
                                "tools": [TOOL],
                                "toolChoice": {"mode": "auto"},
                            },
                        },
                        "r": {"method": "roots/list", "params": {}},
                    },
                },
            )
            return
        assert params["requestState"] == "s1"
        await peer.answer(
            msg,
            {
                "resultType": "complete",
                "content": [
                    {"type": "text", "text": json.dumps(params["inputResponses"], sort_keys=True)}
                ],
            },
        )

    async def sample(p: t.CreateMessageParams) -> t.CreateMessageResult:
        assert p.tools and p.tools[0].name == "echo"
        return t.CreateMessageResult(
            role="assistant", model="m", content=[t.ToolUseContent(id="u1", name="echo", input={})]
        )

    async def elicit(p: t.ElicitParams) -> t.ElicitResult:
        return t.ElicitResult(action="accept")

    client, peer, task = await start(
        handler,
        stateless=True,
        sampling=sample,
        sampling_tools=True,
        elicitation=elicit,
        roots=lambda: [t.Root(uri="file:///r")],
    )
    result = await client.call_tool("echo")
    answers = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert answers["e"] == {"action": "accept", "content": {"ok": True}}
    assert answers["r"] == {"roots": [{"uri": "file:///r"}]}
    assert answers["s"]["content"][0]["type"] == "tool_use"
    retry = [m for m in peer.seen if m.get("method") == "tools/call"][1]
    meta = retry["params"]["_meta"]
    assert meta[t.META_PROTOCOL_VERSION] == "2026-07-28"
    assert client.capabilities().sampling == t.SamplingCapability(tools={})
    await stop(client, task)


async def test_input_required_forever_gives_up() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.answer(
            msg, {"resultType": "input_required", "inputRequests": {"r": {"method": "roots/list"}}}
        )

    client, peer, task = await start(handler, stateless=True, roots=[], max_input_rounds=3)
    with pytest.raises(RemoteProtocolError, match="after 3 rounds"):
        await client.call_tool("echo")
    assert len([m for m in peer.seen if m.get("method") == "tools/call"]) == 4
    await stop(client, task)


async def test_input_required_without_handler_fails() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.answer(
            msg,
            {
                "resultType": "input_required",
                "inputRequests": {"x": {"method": "sampling/createMessage", "params": {}}},
            },
        )

    client, _peer, task = await start(handler, stateless=True, caps={"prompts": {}})
    with pytest.raises(RPCError, match="no handler"):
        await client.get_prompt("p")
    await stop(client, task)


# ---------------------------------------------------------------- URL elicitation


async def test_url_elicitation_required_then_retry() -> None:
    opened: list[str] = []
    completed: list[str] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        calls = [m for m in peer.seen if m.get("method") == "tools/call"]
        if len(calls) == 1:
            await peer.error(
                msg,
                -32042,
                "URL elicitation required",
                {
                    "elicitations": [
                        {
                            "mode": "url",
                            "message": "log in",
                            "url": "https://x.test/a",
                            "elicitationId": "e1",
                        }
                    ]
                },
            )
            await asyncio.sleep(0.01)
            await peer.send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/elicitation/complete",
                    "params": {"elicitationId": "e1"},
                }
            )
        else:
            await peer.answer(msg, {"content": [{"type": "text", "text": "done"}]})

    async def elicit(p: t.ElicitParams) -> t.ElicitResult:
        opened.append(str(p.url))
        return t.ElicitResult(action="accept")

    client, _peer, task = await start(
        handler,
        elicitation=elicit,
        elicitation_modes=("url",),
        on_elicitation_complete=lambda p: completed.append(p.elicitation_id),
    )
    result = await client.call_tool("echo")
    assert result.content[0].text == "done"  # type: ignore[union-attr]
    assert opened == ["https://x.test/a"] and completed == ["e1"]
    await stop(client, task)


async def test_url_elicitation_declined_raises() -> None:
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.error(
            msg,
            -32042,
            "URL elicitation required",
            {
                "elicitations": [
                    {"mode": "url", "message": "m", "url": "https://x.test", "elicitationId": "e"}
                ]
            },
        )

    async def elicit(p: t.ElicitParams) -> t.ElicitResult:
        return t.ElicitResult(action="decline")

    client, _peer, task = await start(
        handler, elicitation=elicit, elicitation_modes=("url",), url_elicitation_timeout=0.05
    )
    with pytest.raises(RPCError) as info:
        await client.call_tool("echo")
    assert info.value.code == -32042
    await stop(client, task)


async def test_a_second_url_elicitation_required_stands() -> None:
    # The URL elicitations are answered once and the call retried; a -32042 to the retry is
    # the server's answer, not another round.
    opened: list[str] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        elicitation = {"mode": "url", "message": "m", "url": "https://x.test/a"}
        await peer.error(msg, -32042, "URL elicitation required", {"elicitations": [elicitation]})

    async def elicit(p: t.ElicitParams) -> t.ElicitResult:
        opened.append(str(p.url))
        return t.ElicitResult(action="accept")

    client, peer, task = await start(handler, elicitation=elicit, elicitation_modes=("url",))
    with pytest.raises(RPCError) as info:
        await client.call_tool("echo")
    assert info.value.code == -32042
    assert opened == ["https://x.test/a"]
    assert len([m for m in peer.seen if m.get("method") == "tools/call"]) == 2
    await stop(client, task)


TASK = {
    "resultType": "task",
    "taskId": "t1",
    "status": "working",
    "createdAt": "2026-01-01T00:00:00Z",
    "lastUpdatedAt": "2026-01-01T00:00:00Z",
    "ttlMs": None,
}


@pytest.mark.parametrize("content", [False, True], ids=["bare", "with-content"])
async def test_a_create_task_result_is_a_task_whatever_else_it_carries(content: bool) -> None:
    # The result is decoded as a CallToolResult first and probed for a task only when that
    # fails or says resultType "task": a CreateTaskResult that also carries content (so
    # it decodes as a CallToolResult) is still a task.
    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        extra = {"content": [{"type": "text", "text": "not yet"}]} if content else {}
        await peer.answer(msg, {**TASK, **extra})

    client, _peer, task = await start(handler, tasks=True)
    handle = await client.start_tool_task("echo")
    assert handle.last is not None and handle.last.task_id == "t1"
    assert handle.last.status == "working"
    await stop(client, task)


# ---------------------------------------------------------------- listen / handlers


async def test_listen_feeds_list_changed_and_is_cancelled_on_close() -> None:
    changed = asyncio.Event()
    updated: list[str] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        if msg.get("method") == "subscriptions/listen":
            ack = {"notifications": msg["params"]["notifications"]}
            await peer.send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/subscriptions/acknowledged",
                    "params": ack,
                }
            )
            await peer.send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
            await peer.send(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/resources/updated",
                    "params": {"uri": "a://b"},
                }
            )

    client, peer, task = await start(
        handler,
        stateless=True,
        caps={"tools": {"listChanged": True}, "resources": {"subscribe": True}},
        on_tools_list_changed=changed.set,
        on_resource_updated=lambda p: updated.append(p.uri),
    )
    await asyncio.wait_for(changed.wait(), 1)
    await client.subscribe_resource("a://b")

    def listens() -> list[dict[str, Any]]:
        return [m for m in peer.seen if m.get("method") == "subscriptions/listen"]

    for _ in range(40):
        if updated and len(listens()) == 2:
            break
        await asyncio.sleep(0.005)
    assert updated[0] == "a://b"
    assert len(listens()) == 2
    assert listens()[0]["params"]["notifications"] == {"toolsListChanged": True}
    assert listens()[1]["params"]["notifications"]["resourceSubscriptions"] == ["a://b"]
    await client.unsubscribe_resource("a://b")
    await stop(client, task)
    assert any(m.get("method") == "notifications/cancelled" for m in peer.seen)


async def test_server_to_client_sampling_request_handshake_era() -> None:
    done = asyncio.Event()
    replies: list[dict[str, Any]] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        if msg.get("method") == "tools/call":
            await peer.send(
                {
                    "jsonrpc": "2.0",
                    "id": "s1",
                    "method": "sampling/createMessage",
                    "params": {"messages": [], "maxTokens": 1},
                }
            )
            await peer.send({"jsonrpc": "2.0", "id": "u1", "method": "unknown/method"})
        elif "id" in msg and "method" not in msg:
            replies.append(msg)
            if len(replies) == 2:
                done.set()

    async def sample(p: t.CreateMessageParams) -> t.CreateMessageResult:
        return t.CreateMessageResult(role="assistant", model="m", content=t.TextContent(text="hi"))

    client, _peer, task = await start(handler, sampling=sample)
    call = asyncio.ensure_future(client.call_tool("echo"))
    await asyncio.wait_for(done.wait(), 1)
    by_id = {r["id"]: r for r in replies}
    assert by_id["s1"]["result"]["content"]["text"] == "hi"
    assert by_id["u1"]["error"]["code"] == -32601
    call.cancel()
    await stop(client, task)


async def test_typed_logging_callback_and_malformed_params() -> None:
    got: list[Any] = []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        await peer.send(
            {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info"}}
        )  # no data: malformed, dropped
        await peer.send(
            {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {"level": "info", "data": 1},
            }
        )
        await peer.answer(msg, {"tools": []})

    async def on_log(p: t.LoggingMessageNotificationParams) -> None:
        got.append(p.data)

    client, _peer, task = await start(handler, on_logging_message=on_log)
    await client.list_tools()
    await asyncio.sleep(0.01)
    assert got == [1]
    await stop(client, task)


async def test_not_started() -> None:
    client = mcplite.connect(mcplite.Server("x"))
    with pytest.raises(mcplite.LocalProtocolError, match="not started"):
        await client.list_tools()


async def test_server_requests_beyond_the_bound_are_answered_busy() -> None:
    hang = asyncio.Event()

    async def roots() -> list[t.Root]:
        await hang.wait()
        return []

    async def handler(msg: dict[str, Any], peer: Peer) -> None:
        for i in range(3):
            await peer.send({"jsonrpc": "2.0", "id": f"s{i}", "method": "roots/list"})
        await peer.answer(msg, {"tools": []})

    client, peer, task = await start(
        handler, protocol_version="2025-11-25", roots=roots, max_server_requests=1
    )
    await client.list_tools()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while len([m for m in peer.seen if "error" in m]) < 2:
        assert loop.time() < deadline
        await asyncio.sleep(0.01)
    errors = [m for m in peer.seen if "error" in m]
    assert [m["id"] for m in errors] == ["s1", "s2"]
    assert errors[0]["error"]["code"] == -32603
    assert "Client busy: 1 requests already in flight" in errors[0]["error"]["message"]
    assert "(max_server_requests)" in errors[0]["error"]["message"]
    hang.set()
    await stop(client, task)
