"""notifications/tasks (io.modelcontextprotocol/tasks, SEP-2663 "Task Status Notifications"),
server side: a subscriptions/listen naming task ids hears their state, on the raw wire (in
memory, and a stateless streamable HTTP listen stream read as it arrives)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mcplite import Context, Server
from mcplite._core.tasks import TASKS_EXTENSION
from mcplite._server.streamable_run import StreamableHTTPServer
from mcplite._server.subscriptions import Subscriptions, _Listen
from mcplite.types import SubscriptionFilter
from tests._server_peer import CAPS, Peer, error, meta, result

TASK_CAPS: dict[str, Any] = {**CAPS, "extensions": {TASKS_EXTENSION: {}}}
EXT = {"io.modelcontextprotocol/clientCapabilities": TASK_CAPS}
SUB_ID = "io.modelcontextprotocol/subscriptionId"
TASK_FIELDS = {"taskId", "status", "createdAt", "lastUpdatedAt", "ttlMs", "pollIntervalMs"}


def make_server() -> Server:
    server = Server("tasks-notify")

    @server.tool(task_support="required")
    async def confirm(ctx: Context, what: str) -> str:
        r = await ctx.elicit(f"Delete {what}?", {"type": "object", "properties": {}})
        return f"{r.action} {what}"

    @server.tool(task_support="required")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    @server.tool()
    def plain() -> str:
        return "plain"

    return server


async def _task(peer: Peer, name: str, args: dict[str, Any]) -> str:
    r = result(
        await peer.call("tools/call", {"name": name, "arguments": args}, stateless=True, **EXT)
    )
    assert r["resultType"] == "task", r
    task_id: str = r["taskId"]
    return task_id


async def _get(peer: Peer, task_id: str) -> dict[str, Any]:
    return result(await peer.call("tasks/get", {"taskId": task_id}, stateless=True, **EXT))


async def _input_required(peer: Peer, task_id: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 5
    while (state := await _get(peer, task_id))["status"] != "input_required":
        assert asyncio.get_running_loop().time() < deadline, state
        await asyncio.sleep(0.01)
    return state


def _bare(task: dict[str, Any]) -> dict[str, Any]:
    """A task's fields, without the envelope's (a result's resultType, _meta)."""
    return {k: v for k, v in task.items() if k not in ("_meta", "resultType")}


async def _next_task_notification(peer: Peer, listen_id: int) -> dict[str, Any]:
    while True:
        m = await peer.recv()
        if m.get("method") == "notifications/tasks":
            params: dict[str, Any] = m["params"]
            assert params["_meta"][SUB_ID] == listen_id
            return params
        assert m.get("id") != listen_id, f"the listen ended early: {m}"


async def test_listen_hears_the_tasks_it_names_until_they_end() -> None:
    server = make_server()
    peer = Peer(server)
    other = Peer(server)  # another connection: another owner
    try:
        asked = await _task(peer, "confirm", {"what": "a.txt"})
        state = await _input_required(peer, asked)
        theirs = await _task(other, "slow", {"seconds": 30})
        listen = await peer.start(
            "subscriptions/listen",
            {"notifications": {"taskIds": [asked, "no-such-task", theirs]}},
            stateless=True,
            **EXT,
        )
        ack = await peer.recv()
        assert ack["method"] == "notifications/subscriptions/acknowledged"
        # Unknown and another owner's ids are left out alike (no oracle).
        assert ack["params"]["notifications"] == {"taskIds": [asked]}
        assert ack["params"]["_meta"][SUB_ID] == listen
        # First the current state, the DetailedTask tasks/get answers (no resultType).
        now = await _next_task_notification(peer, listen)
        assert set(now) >= TASK_FIELDS and "resultType" not in now
        assert now["status"] == "input_required"
        assert _bare(now) == _bare(state)
        key = next(iter(now["inputRequests"]))
        assert now["inputRequests"][key]["method"] == "elicitation/create"
        answer = {"action": "accept", "content": {}}
        upd = await peer.start(
            "tasks/update",
            {"taskId": asked, "inputResponses": {key: answer}},
            stateless=True,
            **EXT,
        )
        seen: list[dict[str, Any]] = []
        ended: dict[str, Any] | None = None
        while ended is None:
            m = await peer.recv()
            if m.get("method") == "notifications/tasks":
                assert m["params"]["_meta"][SUB_ID] == listen
                seen.append(m["params"])
            elif m.get("id") == listen:
                ended = m
            else:
                assert m.get("id") == upd and "result" in m, m
        # Every status change, in order; the terminal one inlines the result.
        assert [s["status"] for s in seen] == ["working", "completed"]
        assert "inputRequests" not in seen[0]
        assert seen[-1]["result"]["content"][0]["text"] == "accept a.txt"
        assert _bare(seen[-1]) == _bare(await _get(peer, asked))
        # Nothing left to deliver: the listen ended gracefully, after the notification.
        assert result(ended)["_meta"][SUB_ID] == listen
        assert not server.subscriptions.listens
        # The other owner's listen for the same task gets nothing agreed, and ends at once.
        foreign = await other.start(
            "subscriptions/listen", {"notifications": {"taskIds": [asked]}}, stateless=True, **EXT
        )
        resp, before = await other.until(foreign)
        assert "result" in resp
        assert [m["method"] for m in before] == ["notifications/subscriptions/acknowledged"]
        assert before[0]["params"]["notifications"] == {}
        await other.call("tasks/cancel", {"taskId": theirs}, stateless=True, **EXT)
    finally:
        await peer.aclose()
        await other.aclose()


async def test_cancel_terminal_snapshot_and_capability_gate() -> None:
    server = make_server()
    peer = Peer(server)
    try:
        # A listen that also wants list changes stays open after its tasks ended.
        long = await _task(peer, "slow", {"seconds": 30})
        listen = await peer.start(
            "subscriptions/listen",
            {"notifications": {"taskIds": [long], "toolsListChanged": True}},
            stateless=True,
            **EXT,
        )
        ack = await peer.recv()
        assert ack["params"]["notifications"] == {"taskIds": [long], "toolsListChanged": True}
        assert (await _next_task_notification(peer, listen))["status"] == "working"
        await peer.call("tasks/cancel", {"taskId": long}, stateless=True, **EXT)
        cancelled = await _next_task_notification(peer, listen)
        assert cancelled["status"] == "cancelled"
        assert len(server.subscriptions.listens) == 1
        server.notify_list_changed("tools")
        changed = await peer.recv(timeout=5)
        assert changed["method"] == "notifications/tools/list_changed"
        await peer.send(
            {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": listen}}
        )
        # A task already ended: its final state once, and the listen ends.
        done = await _task(peer, "slow", {"seconds": 0})
        for _ in range(500):
            if (await _get(peer, done))["status"] == "completed":
                break
            await asyncio.sleep(0.01)
        again = await peer.start(
            "subscriptions/listen", {"notifications": {"taskIds": [done]}}, stateless=True, **EXT
        )
        resp, before = await peer.until(again)
        assert "result" in resp
        tasks = [m for m in before if m.get("method") == "notifications/tasks"]
        assert [m["params"]["status"] for m in tasks] == ["completed"]
        # taskIds without the extension in the request's capabilities: -32021 naming it.
        gated = error(
            await peer.call(
                "subscriptions/listen", {"notifications": {"taskIds": [done]}}, stateless=True
            )
        )
        assert gated["code"] == -32021
        assert gated["data"] == {"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}
    finally:
        await peer.aclose()


async def test_a_server_without_tasks_ignores_task_ids() -> None:
    server = Server("no-tasks")

    @server.tool()
    def plain() -> str:
        return "plain"

    peer = Peer(server)
    try:
        rid = await peer.start(
            "subscriptions/listen", {"notifications": {"taskIds": ["x"]}}, stateless=True
        )
        resp, before = await peer.until(rid)
        assert "result" in resp and before[0]["params"]["notifications"] == {}
    finally:
        await peer.aclose()


# ---------------------------------------------------------------- stateless streamable HTTP


async def _post(port: int, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    reader, writer = await _open(port, body, headers)
    try:
        status, head = await _head(reader)
        assert status == 200, (status, head)
        if head.get("content-type", "").startswith("application/json"):
            length = int(head["content-length"])
            out: dict[str, Any] = json.loads(await reader.readexactly(length))
            return out
        async for message in _sse(reader):
            if "id" in message and "method" not in message:
                found: dict[str, Any] = message
                return found
        raise AssertionError("no response on the stream")
    finally:
        writer.close()


async def _open(
    port: int, body: dict[str, Any], headers: dict[str, str]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode()
    head = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Content-Length": str(len(data)),
        **headers,
    }
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    writer.write(f"POST /mcp HTTP/1.1\r\n{lines}\r\n".encode() + data)
    await writer.drain()
    return reader, writer


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await asyncio.wait_for(reader.readline(), 5)
    status = int(status_line.split()[1])
    head: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        head[name.strip().lower()] = value.strip()
    return status, head


async def _sse(reader: asyncio.StreamReader) -> Any:
    """The JSON messages of an SSE body, as they arrive (chunked or not)."""
    buffer = b""
    chunked = True
    while True:
        size_line = await asyncio.wait_for(reader.readline(), 5)
        if not size_line:
            return
        try:
            size = int(size_line.strip(), 16)
        except ValueError:
            chunked = False
            buffer += size_line
            size = -1
        if chunked:
            if size == 0:
                return
            buffer += await reader.readexactly(size)
            await reader.readexactly(2)
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            data = [ln[5:].strip() for ln in event.split(b"\n") if ln.startswith(b"data:")]
            if data and data[0]:
                yield json.loads(b"".join(data))


async def test_stateless_http_listen_stream_carries_task_status() -> None:
    async with StreamableHTTPServer(make_server(), stateless=True) as srv:
        m = meta(**EXT)
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "slow", "arguments": {"seconds": 0.3}, "_meta": m},
        }
        created = await _post(srv.port, call, {"Mcp-Method": "tools/call", "Mcp-Name": "slow"})
        task_id = created["result"]["taskId"]
        listen = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "subscriptions/listen",
            "params": {"notifications": {"taskIds": [task_id]}, "_meta": m},
        }
        reader, writer = await _open(srv.port, listen, {"Mcp-Method": "subscriptions/listen"})
        try:
            status, head = await _head(reader)
            assert status == 200 and head["content-type"] == "text/event-stream"
            got = [msg async for msg in _sse(reader)]
        finally:
            writer.close()
        methods = [msg.get("method") for msg in got]
        assert methods == [
            "notifications/subscriptions/acknowledged",
            "notifications/tasks",
            "notifications/tasks",
            None,  # the listen's result: it ended once its task had
        ]
        assert got[0]["params"]["notifications"] == {"taskIds": [task_id]}
        assert [msg["params"]["status"] for msg in got[1:3]] == ["working", "completed"]
        assert got[2]["params"]["result"]["content"][0]["text"] == "done"
        assert all(msg["params"]["_meta"][SUB_ID] == 2 for msg in got[:3])
        assert got[3]["id"] == 2 and got[3]["result"]["_meta"][SUB_ID] == 2


async def test_a_listen_ends_only_after_its_last_task_state_is_written() -> None:
    # Two watched tasks end together: each state is written by its own send. The listen
    # ended (its result went out) as soon as one send finished with nothing left to watch,
    # while the other state could still be on its way, and a stream that ends with the
    # listen's result loses what comes after it.
    release = asyncio.Event()
    written: list[str] = []

    class SlowSession:
        async def notify(self, method: str, params: Any, related: Any = None) -> None:
            if params["taskId"] == "b":
                await release.wait()  # b's state is slow to write
            written.append(params["taskId"])

    flt = SubscriptionFilter(task_ids=["a", "b"])
    listen = _Listen(SlowSession(), 7, flt)  # type: ignore[arg-type]
    subs = Subscriptions(Server("s"))

    def done(task_id: str) -> dict[str, Any]:
        return {"taskId": task_id, "status": "completed", "lastUpdatedAt": "2026-01-01T00:00Z"}

    b = asyncio.ensure_future(subs._send_task(listen, done("b")))
    await asyncio.sleep(0)
    await subs._send_task(listen, done("a"))
    assert written == ["a"] and not listen.tasks
    assert not listen.done.done()  # b's state is still being written
    release.set()
    await b
    assert written == ["a", "b"] and listen.done.done()
