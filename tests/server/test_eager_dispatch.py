"""Eager dispatch seen from the wire, both eras (issue 21, 'Bad input'): errors raised
before the first await, cancellation, a handler busy before its first await, ordering of
notifications before the response, contextvars, deadlines."""

from __future__ import annotations

import asyncio
import contextvars
import time
from typing import Any

import pytest

from mcplite import Context, Server, ToolError, memory_pair
from tests._server_peer import Peer, error, meta, result

ERAS = [False, True]  # handshake era, 2026-07-28 (stateless)
VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


def make(**options: object) -> tuple[Server, asyncio.Event]:
    server = Server("eager", "1.0", **options)  # type: ignore[arg-type]
    gate = asyncio.Event()

    @server.tool()
    async def raise_early(kind: str) -> str:
        if kind == "tool":
            raise ToolError("refused early")
        raise ValueError("hidden detail")

    @server.tool()
    async def raise_late(kind: str) -> str:
        await asyncio.sleep(0)
        if kind == "tool":
            raise ToolError("refused early")
        raise ValueError("hidden detail")

    @server.tool()
    async def wait_gate() -> str:
        await gate.wait()
        return "opened"

    @server.tool()
    async def open_gate() -> str:
        gate.set()
        return "set"

    @server.tool()
    async def spin_then_wait() -> str:
        deadline = time.monotonic() + 0.05
        while time.monotonic() < deadline:  # busy before its first await
            pass
        await gate.wait()
        return "spun"

    @server.tool()
    async def chatty(ctx: Context) -> str:
        await ctx.log("warning", {"n": 1})
        await ctx.progress(1, 2, "half")
        return "said"

    @server.tool()
    async def chatty_late(ctx: Context) -> str:
        await asyncio.sleep(0)
        await ctx.log("warning", {"n": 1})
        await ctx.progress(1, 2, "half")
        return "said"

    @server.tool()
    async def context_var() -> str:
        before = VAR.get()
        VAR.set("handler")
        await asyncio.sleep(0)
        return f"{before}/{VAR.get()}"

    @server.tool(timeout=0.05)
    async def past_deadline() -> str:
        await asyncio.Event().wait()
        return "never"

    return server, gate


async def peer(server: Server, stateless: bool) -> Peer:
    p = Peer(server)
    if not stateless:
        await p.init()
        assert result(await p.call("logging/setLevel", {"level": "info"})) == {}
    return p


@pytest.mark.parametrize("stateless", ERAS)
async def test_raising_before_or_after_the_first_await_answers_the_same(stateless: bool) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    for kind in ("tool", "other"):
        answers = [
            await p.call("tools/call", {"name": name, "arguments": {"kind": kind}}, stateless)
            for name in ("raise_early", "raise_late")
        ]
        early, late = ({k: v for k, v in a.items() if k != "id"} for a in answers)
        assert str(early) == str(late).replace("raise_late", "raise_early")
        if kind == "tool":
            assert result(answers[0])["isError"] is True
            assert result(answers[0])["content"][0]["text"] == "refused early"
        else:
            assert "hidden" not in str(answers[0])
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
async def test_a_cancelled_request_is_still_cancelled(stateless: bool) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    rid = await p.start("tools/call", {"name": "wait_gate"}, stateless)
    for _ in range(100):  # the handler is suspended, so it is a task
        if rid in p.session._handlers:
            break
        await asyncio.sleep(0.001)
    task = p.session._handlers[rid]
    params: dict[str, object] = {"requestId": rid, "reason": "user"}
    if stateless:
        params["_meta"] = meta()
    await p.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params})
    await asyncio.wait_for(asyncio.wait([task]), 2)
    assert task.cancelled()
    assert rid not in p.session._handlers
    # No answer for the cancelled request (the next line is the ping's); still serving.
    ping = await p.start("ping")
    assert (await p.recv())["id"] == ping
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
async def test_a_handler_busy_before_its_first_await_does_not_stop_reading(
    stateless: bool,
) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    slow = await p.start("tools/call", {"name": "spin_then_wait"}, stateless)
    fast = await p.start("tools/call", {"name": "open_gate"}, stateless)
    # spin_then_wait can only finish once open_gate (read after it) has run.
    first = await p.recv()
    second = await p.recv()
    assert [first["id"], second["id"]] == [fast, slow]
    assert result(second)["content"][0]["text"] == "spun"
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
@pytest.mark.parametrize("name", ["chatty", "chatty_late"])
async def test_notifications_come_before_the_response(stateless: bool, name: str) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    extra = {"io.modelcontextprotocol/logLevel": "info"} if stateless else {}
    rid = await p.start(
        "tools/call", {"name": name, "_meta": {"progressToken": 5}}, stateless, **extra
    )
    resp, notes = await p.until(rid)
    assert result(resp)["content"][0]["text"] == "said"
    assert [n["method"] for n in notes] == ["notifications/message", "notifications/progress"]
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
async def test_context_vars_do_not_leak_between_requests(stateless: bool) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    for _ in range(2):
        r = await p.call("tools/call", {"name": "context_var"}, stateless)
        assert result(r)["content"][0]["text"] == "unset/handler"
    assert VAR.get() == "unset"
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
async def test_a_deadline_entered_eagerly_hits_the_handler_not_the_reader(
    stateless: bool,
) -> None:
    server, _ = make()
    p = await peer(server, stateless)
    e = error(await p.call("tools/call", {"name": "past_deadline"}, stateless))
    assert "deadline" in e["message"]
    assert result(await p.call("ping")) == {}  # the reader was not cancelled
    assert not p.session.closed.is_set()
    await p.aclose()


class _SlowSend:
    """The server's end of the wire whose every send suspends once, as a pipe or socket
    that is momentarily full does: a handler that finished eagerly then becomes a task
    only while its answer is written."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, data: bytes, related: Any = None) -> None:
        await asyncio.sleep(0)
        await self._inner.send(data, related)


@pytest.mark.parametrize("stateless", ERAS)
async def test_a_handler_whose_answer_suspends_is_not_left_in_flight(stateless: bool) -> None:
    # Found combining eager dispatch with the progress MUST: the task of a handler that
    # finished eagerly was registered after it had already left the in-flight table, so
    # each such call leaked an entry, and after max_in_flight of them every request was
    # refused as busy.
    server, _ = make(max_in_flight=8)
    wire, server_end = memory_pair()
    p = Peer.__new__(Peer)
    p.wire, p.session, p.n = wire, server.accept(_SlowSend(server_end)), 0
    if not stateless:
        await p.init()
    for _ in range(20):
        r = await p.call("tools/call", {"name": "open_gate"}, stateless)
        assert result(r)["content"][0]["text"] == "set"
    for _ in range(100):
        if not p.session._handlers:
            break
        await asyncio.sleep(0.001)
    assert p.session._handlers == {}
    await p.aclose()


@pytest.mark.parametrize("stateless", ERAS)
async def test_progress_sent_before_the_first_await_is_delivered(stateless: bool) -> None:
    # Found combining eager dispatch with the progress MUST (nothing is sent for a request
    # no longer being handled): a handler running eagerly has no task in the in-flight
    # table yet, and its progress was dropped as if the request had been answered.
    server, _ = make()
    p = await peer(server, stateless)
    extra = {"io.modelcontextprotocol/logLevel": "info"} if stateless else {}
    rid = await p.start(
        "tools/call", {"name": "chatty", "_meta": {"progressToken": 7}}, stateless, **extra
    )
    _, notes = await p.until(rid)
    progress = [n["params"] for n in notes if n["method"] == "notifications/progress"]
    assert progress == [{"progressToken": 7, "progress": 1, "total": 2, "message": "half"}]
    await p.aclose()
