"""list_changed, resources/subscribe (handshake era) and subscriptions/listen (2026-07-28)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mcplite import Server
from mcplite._server.subscriptions import ChangeEvent, MemoryBus
from tests._server_peer import Peer, error, meta, result

SUB_ID = "io.modelcontextprotocol/subscriptionId"


def make(bus: MemoryBus | None = None) -> Server:
    server = Server("subs", bus=bus, list_changed_debounce=0.001)
    server.add_resource("test://a", value="a")

    @server.tool()
    def noop() -> None:
        return None

    return server


async def test_handshake_list_changed_and_updated() -> None:
    server = make()
    p = Peer(server)
    await p.init()
    assert result(await p.call("resources/subscribe", {"uri": "test://a"})) == {}
    server.add_prompt(lambda: "x", name="p1")
    server.add_prompt(lambda: "y", name="p2")  # debounced: one notification
    server.remove_tool("noop")
    got = [await p.recv(), await p.recv()]
    assert sorted(m["method"] for m in got) == [
        "notifications/prompts/list_changed",
        "notifications/tools/list_changed",
    ]
    server.resource_updated("test://other")  # not subscribed: nothing
    server.resource_updated("test://a")
    assert await p.recv() == {
        "jsonrpc": "2.0",
        "method": "notifications/resources/updated",
        "params": {"uri": "test://a"},
    }
    assert result(await p.call("resources/unsubscribe", {"uri": "test://a"})) == {}
    server.resource_updated("test://a")
    assert "result" in await p.call("ping")  # nothing queued before the pong
    e = error(await p.call("resources/subscribe", {"uri": "test://missing"}))
    assert e["code"] == -32002 and e["data"] == {"uri": "test://missing"}
    await p.aclose()


async def test_listen_ack_notifications_and_cancel() -> None:
    server = make()
    p = Peer(server)
    lid = await p.start(
        "subscriptions/listen",
        {
            "notifications": {
                "toolsListChanged": True,
                "promptsListChanged": True,
                "resourceSubscriptions": ["test://a"],
            }
        },
        stateless=True,
    )
    ack = await p.recv()
    # prompts are not offered (nothing registered): the ack says what is honoured.
    assert ack == {
        "jsonrpc": "2.0",
        "method": "notifications/subscriptions/acknowledged",
        "params": {
            "_meta": {SUB_ID: lid},
            "notifications": {"toolsListChanged": True, "resourceSubscriptions": ["test://a"]},
        },
    }
    server.resource_updated("test://a")
    assert await p.recv() == {
        "jsonrpc": "2.0",
        "method": "notifications/resources/updated",
        "params": {"_meta": {SUB_ID: lid}, "uri": "test://a"},
    }
    server.remove_tool("noop")
    assert await p.recv() == {
        "jsonrpc": "2.0",
        "method": "notifications/tools/list_changed",
        "params": {"_meta": {SUB_ID: lid}},
    }
    await p.send(
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": lid}}
    )
    for _ in range(5):
        await asyncio.sleep(0)
    assert server.subscriptions.listens == {}
    # a cancelled request gets no response; the session keeps serving
    r = await p.call("tools/list", {}, stateless=True)
    assert r["result"]["tools"] == []
    await p.aclose()


async def test_listen_nothing_honoured_returns_at_once_and_graceful_close() -> None:
    server = make()
    p = Peer(server)
    lid = await p.start(
        "subscriptions/listen", {"notifications": {"promptsListChanged": True}}, stateless=True
    )
    ack = await p.recv()
    assert ack["params"]["notifications"] == {}
    done = await p.recv()
    assert done["id"] == lid and done["result"]["_meta"][SUB_ID] == lid
    assert done["result"]["resultType"] == "complete"
    lid = await p.start(
        "subscriptions/listen", {"notifications": {"toolsListChanged": True}}, stateless=True
    )
    await p.recv()
    for _ in range(3):
        await asyncio.sleep(0)
    assert server.subscriptions.close_all() == 1
    done = await p.recv()
    assert done["id"] == lid and done["result"]["_meta"][SUB_ID] == lid
    e = error(await p.call("subscriptions/listen", {}, stateless=True))
    assert e["code"] == -32602 and "notifications" in e["message"]
    await p.aclose()


async def test_shared_bus_delivers_across_servers() -> None:
    class Recording(MemoryBus):
        def __init__(self) -> None:
            super().__init__()
            self.events: list[ChangeEvent] = []

        def publish(self, event: ChangeEvent) -> None:
            self.events.append(event)
            super().publish(event)

        def subscribe(self, listener: Callable[[ChangeEvent], None]) -> Callable[[], None]:
            return super().subscribe(listener)

    bus = Recording()
    worker_a, worker_b = make(bus), make(bus)
    p = Peer(worker_b)
    await p.init()
    worker_a.subscriptions.attach()
    worker_a.resource_updated("test://a")  # published by A ...
    assert result(await p.call("resources/subscribe", {"uri": "test://a"})) == {}
    worker_a.resource_updated("test://a")
    msg = await p.recv()  # ... delivered by B to its own client
    assert msg["params"] == {"uri": "test://a"}
    assert bus.events == [ChangeEvent("updated", "test://a")] * 2
    await p.aclose()


async def test_no_handshake_sessions_hear_nothing() -> None:
    server = make()
    p = Peer(server)
    r = await p.call("tools/list", {}, stateless=True)  # a 2026-07-28 connection
    assert r["result"]["tools"][0]["name"] == "noop"
    server.remove_tool("noop")
    await asyncio.sleep(0.01)
    assert result(await p.call("tools/list", {}, stateless=True))["tools"] == []
    await p.aclose()


def test_meta_helper_has_version() -> None:
    assert meta()["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"


async def test_resource_updated_from_a_sync_tool_thread_reaches_subscribers() -> None:
    # Found by `mcplite dev`: a sync tool runs in a worker thread, and its
    # server.resource_updated() raised "no current event loop" inside the bus, so
    # subscribers never heard of the change (both eras).
    from mcplite import connect

    server = make()

    @server.tool()
    def bump() -> str:
        server.resource_updated("test://a")
        return "bumped"

    for version in ("2025-11-25", "2026-07-28"):
        heard: asyncio.Queue[str] = asyncio.Queue()
        async with connect(
            server,
            protocol_version=version,
            on_resource_updated=lambda params, heard=heard: heard.put_nowait(params.uri),
        ) as client:
            await client.subscribe_resource("test://a")
            assert (await client.call_tool("bump")).content[0].text == "bumped"  # type: ignore[union-attr]
            assert await asyncio.wait_for(heard.get(), 5) == "test://a", version
