"""_session: the asyncio pump over an in-memory transport (both roles), and its less
travelled paths: stray answers, sync callbacks, transport failures, draining on EOF."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import pytest

from mcplite import types as t
from mcplite._core.events import NotificationReceived, RequestReceived
from mcplite._core.protocol import CLIENT_ROLE, SERVER_ROLE, Protocol
from mcplite._errors import (
    ConnectionClosed,
    LocalProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
)
from mcplite._io.session import Session
from mcplite._io.transport import LoggingTransport, MemoryTransport, memory_pair


class Identity:
    info = t.Implementation(name="s", version="1")
    instructions: str | None = None

    def capabilities(self) -> t.ServerCapabilities:
        return t.ServerCapabilities(tools=t.ToolsCapability())


async def raw_pair(on_request: Any = None, **kw: Any) -> tuple[MemoryTransport, Session]:
    """A server Session (assume_initialized) and the raw client end of its transport."""
    a, b = memory_pair()
    proto = Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True)
    session = Session(proto, b, on_request=on_request, **kw)
    session.start()
    return a, session


async def call(end: MemoryTransport, payload: dict[str, Any]) -> Any:
    await end.send(msgspec.json.encode({"jsonrpc": "2.0", **payload}))
    return msgspec.json.decode(await end.receive())


async def test_handler_results_and_errors_are_encoded() -> None:
    async def handler(session: Session, ev: RequestReceived) -> Any:
        if ev.method == "ok":
            return t.EmptyResult()
        if ev.method == "rpc":
            raise RPCError(-32099, "custom", {"why": 1})
        if ev.method == "proto":
            raise RemoteProtocolError("bad params", -32602)
        raise ValueError("secret detail")

    end, session = await raw_pair(handler)
    assert (await call(end, {"id": 1, "method": "ok"}))["result"] == {}
    assert (await call(end, {"id": 2, "method": "rpc"}))["error"] == {
        "code": -32099,
        "message": "custom",
        "data": {"why": 1},
    }
    assert (await call(end, {"id": 3, "method": "proto"}))["error"] == {
        "code": -32602,
        "message": "bad params",
    }
    err = (await call(end, {"id": 4, "method": "boom"}))["error"]
    assert err == {"code": -32603, "message": "Internal error"}  # no detail leaks
    await end.aclose()
    await session.wait_closed()
    await session.aclose()


async def test_no_handler_means_method_not_found() -> None:
    end, session = await raw_pair(None)
    out = await call(end, {"id": 1, "method": "anything"})
    assert out["error"]["code"] == -32601
    await session.aclose()


async def test_in_flight_limit_answers_busy() -> None:
    gate = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        await gate.wait()
        return t.EmptyResult()

    end, session = await raw_pair(handler, max_in_flight=1)
    await end.send(b'{"jsonrpc":"2.0","id":1,"method":"slow"}')
    out = await call(end, {"id": 2, "method": "slow"})
    assert out["id"] == 2 and "Server busy" in out["error"]["message"]
    gate.set()
    assert msgspec.json.decode(await end.receive())["id"] == 1
    await session.aclose()


async def test_peer_cancellation_cancels_handler_without_answer() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        if ev.method == "fast":
            return t.EmptyResult()
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return t.EmptyResult()  # pragma: no cover

    end, session = await raw_pair(handler)
    await end.send(b'{"jsonrpc":"2.0","id":1,"method":"hang"}')
    await started.wait()
    await end.send(b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}')
    await cancelled.wait()
    # the next answer is for the next request: nothing was sent for the cancelled one
    assert (await call(end, {"id": 2, "method": "fast"}))["id"] == 2
    await session.aclose()


async def test_bad_frame_is_answered_and_reading_continues() -> None:
    class Flaky(MemoryTransport):
        first = True

        async def receive(self) -> bytes:
            if self.first:
                self.first = False
                raise RemoteProtocolError("line exceeds 10 bytes", -32700)
            return await super().receive()

    a: asyncio.Queue[bytes] = asyncio.Queue()
    b: asyncio.Queue[bytes] = asyncio.Queue()
    end = MemoryTransport(a, b)
    proto = Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True)
    session = Session(proto, Flaky(b, a), on_request=None)
    session.start()
    first = msgspec.json.decode(await end.receive())
    assert first == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "line exceeds 10 bytes"},
    }
    assert (await call(end, {"id": 1, "method": "ping"}))["result"] == {}
    await session.aclose()


async def test_batch_answered_as_one_array() -> None:
    async def handler(session: Session, ev: RequestReceived) -> Any:
        await asyncio.sleep(0.01 if ev.id == 1 else 0)
        return t.EmptyResult()

    a, b = memory_pair()
    proto = Protocol(SERVER_ROLE, identity=Identity())
    session = Session(proto, b, on_request=handler)
    session.start()
    init = {
        "protocolVersion": "2025-03-26",
        "capabilities": {},
        "clientInfo": {"name": "c", "version": "0"},
    }
    await call(a, {"id": 0, "method": "initialize", "params": init})
    await a.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
    await a.send(
        b'[{"jsonrpc":"2.0","id":1,"method":"tools/list"},'
        b'{"jsonrpc":"2.0","id":2,"method":"ping"},7,'
        b'{"jsonrpc":"2.0","id":3,"method":"tools/list"}]'
    )
    out = msgspec.json.decode(await a.receive())
    assert isinstance(out, list) and sorted(str(m.get("id")) for m in out) == [
        "1",
        "2",
        "3",
        "None",
    ]
    await a.send(b'[{"jsonrpc":"2.0","method":"notifications/x"}]')  # only notifications
    assert (await call(a, {"id": 9, "method": "ping"}))["id"] == 9
    await session.aclose()


async def test_ready_is_set_by_the_handshake_whenever_it_is_first_read() -> None:
    # Session.ready is made on first use (it costs an asyncio.Event per session, and over
    # stateless HTTP a session is one request): read before the handshake it is set by it,
    # read only after it, it is already set.
    init = {
        "protocolVersion": "2025-03-26",
        "capabilities": {},
        "clientInfo": {"name": "c", "version": "0"},
    }
    for read_first in (True, False):
        a, b = memory_pair()
        session = Session(Protocol(SERVER_ROLE, identity=Identity()), b)
        session.start()
        waiter = asyncio.ensure_future(session.ready.wait()) if read_first else None
        await call(a, {"id": 0, "method": "initialize", "params": init})
        if waiter is not None:
            assert not waiter.done()
        await a.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
        assert (await call(a, {"id": 1, "method": "ping"}))["id"] == 1
        if waiter is not None:
            await asyncio.wait_for(waiter, 5)
        assert session.ready.is_set()
        await session.aclose()
    lazy = Session(Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True), b)
    assert lazy._ready is None  # nothing made it yet


async def client_server(
    handler: Any, on_notification: Any = None, **kw: Any
) -> tuple[Session, Session]:
    a, b = memory_pair()
    server = Session(
        Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True),
        b,
        on_request=handler,
        on_notification=on_notification,
    )
    proto = Protocol(CLIENT_ROLE)
    proto.state = "ready"
    client = Session(proto, LoggingTransport(a, "client"), **kw)
    server.start()
    client.start()
    return client, server


async def test_request_timeout_sends_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    got_cancel = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        await asyncio.sleep(30)

    async def notes(session: Session, ev: NotificationReceived) -> None:
        seen.append(ev.method)

    client, server = await client_server(handler, request_timeout=0.05)
    server.protocol.receive  # noqa: B018 - keep the reference obvious
    orig = Session._other_event

    def spy(self: Session, event: Any) -> None:  # on the class: a Session has __slots__
        if self is server and type(event).__name__ == "CancelRequested":
            got_cancel.set()
        orig(self, event)

    monkeypatch.setattr(Session, "_other_event", spy)
    with pytest.raises(RequestTimeout, match=r"tools/list: no answer within 0\.05 s"):
        await client.request("tools/list", None, t.ListToolsResult)
    await asyncio.wait_for(got_cancel.wait(), 2)
    await client.aclose()
    await server.aclose()


async def test_cancelling_the_caller_cancels_remotely() -> None:
    handler_cancelled = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            handler_cancelled.set()
            raise

    client, server = await client_server(handler)
    task = asyncio.ensure_future(client.request("tools/list", None, t.ListToolsResult))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(handler_cancelled.wait(), 2)
    assert client.protocol.pending == 0
    await client.aclose()
    await server.aclose()


async def test_progress_notifications_and_results() -> None:
    got: list[tuple[float, float | None, str | None]] = []
    notified: list[str] = []

    async def handler(session: Session, ev: RequestReceived) -> Any:
        params = msgspec.json.decode(ev.params) if ev.params else {}
        token = params.get("_meta", {}).get("progressToken")
        await session.notify(
            "notifications/progress",
            t.ProgressNotificationParams(progress_token=token, progress=1, total=2),
        )
        await session.notify("notifications/message", {"level": "info", "data": "x"})
        return t.ListToolsResult(tools=[])

    def on_note(session: Session, ev: NotificationReceived) -> None:
        notified.append(ev.method)

    async def on_progress_async(p: float, total: float | None, msg: str | None) -> None:
        got.append((p, total, msg))

    client, server = await client_server(handler)
    client.on_notification = on_note
    result = await client.request(
        "tools/list",
        None,
        t.ListToolsResult,
        on_progress=lambda p, total, msg: got.append((p, total, msg)),
    )
    assert result.tools == [] and got == [(1.0, 2.0, None)]
    await client.request(
        "tools/list", None, t.ListToolsResult, on_progress=on_progress_async, timeout=None
    )
    await asyncio.sleep(0.01)
    assert len(got) == 2 and notified == ["notifications/message"] * 2
    await client.aclose()
    await server.aclose()


async def test_async_notification_handler_is_spawned() -> None:
    seen = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        await session.notify("notifications/message", {"level": "info", "data": 1})
        return t.EmptyResult()

    async def on_note(session: Session, ev: NotificationReceived) -> None:
        seen.set()

    client, server = await client_server(handler)
    client.on_notification = on_note
    await client.request("tools/list", None, t.EmptyResult)
    await asyncio.wait_for(seen.wait(), 2)
    await client.aclose()
    await server.aclose()


async def test_connection_loss_fails_pending_requests() -> None:
    async def handler(session: Session, ev: RequestReceived) -> Any:
        await session.transport.aclose()  # the "server" dies mid-request
        await asyncio.sleep(30)

    client, server = await client_server(handler)
    with pytest.raises(ConnectionClosed):
        await client.request("tools/list", None, t.ListToolsResult)
    assert client.closed.is_set()
    with pytest.raises(ConnectionClosed, match="session is closed"):
        await client.request("ping", None, t.EmptyResult)
    await client.aclose()
    await server.aclose()


async def test_error_responses_raise_rpc_error_and_local_errors_raise_early() -> None:
    async def handler(session: Session, ev: RequestReceived) -> Any:
        raise RPCError(-32602, "Unknown tool: 'x'")

    client, server = await client_server(handler)
    with pytest.raises(RPCError, match="Unknown tool") as info:
        await client.request("tools/call", {"name": "x"}, t.CallToolResult)
    assert info.value.code == -32602
    client.protocol.server_capabilities = t.ServerCapabilities()
    client.protocol.protocol_version = "2025-11-25"
    with pytest.raises(LocalProtocolError, match="does not advertise the tools"):
        await client.request("tools/list", None, t.ListToolsResult)
    await client.aclose()
    await server.aclose()


async def test_context_manager_and_memory_transport_close() -> None:
    a, b = memory_pair(max_messages=1)
    async with Session(Protocol(CLIENT_ROLE), a) as session:
        assert not session.closed.is_set()
    assert session.closed.is_set()
    with pytest.raises(ConnectionClosed):
        await a.receive()
    with pytest.raises(ConnectionClosed):
        await a.send(b"x")
    await a.aclose()  # idempotent
    with pytest.raises(ConnectionClosed, match="peer closed"):
        await b.receive()


async def test_one_deadline_timer_serves_many_requests() -> None:
    """A short timeout behind a long one still fires on time; the long one survives it."""
    release = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        await release.wait()
        return t.ListToolsResult(tools=[])

    client, server = await client_server(handler)
    slow = asyncio.ensure_future(client.request("tools/list", None, t.ListToolsResult, timeout=10))
    await asyncio.sleep(0)
    assert client._sweep_at < float("inf")
    with pytest.raises(RequestTimeout, match=r"within 0\.03 s"):
        await client.request("tools/list", None, t.ListToolsResult, timeout=0.03)
    assert not slow.done()  # re-armed for the 10 s deadline, not fired early
    release.set()
    assert (await slow).tools == []
    untimed = await client.request("tools/list", None, t.ListToolsResult, timeout=None)
    assert untimed.tools == []
    await client.aclose()
    await server.aclose()
    assert client._sweep is None


# ---------------------------------------------------------------- less travelled paths


def enc(payload: dict[str, Any]) -> bytes:
    return msgspec.json.encode({"jsonrpc": "2.0", **payload})


def server_session(transport: Any, **kw: Any) -> Session:
    proto = Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True)
    return Session(proto, transport, **kw)


async def test_stray_answers_and_unknown_ids_are_ignored() -> None:
    seen: list[str] = []

    def on_note(session: Session, ev: NotificationReceived) -> None:
        seen.append(ev.method)  # a synchronous callback: nothing to spawn

    a, b = memory_pair()
    session = server_session(b, on_notification=on_note)
    session.start()
    # answers to requests we never sent, a cancel and a progress for unknown ids
    await a.send(enc({"id": 99, "result": {}}))
    await a.send(enc({"id": 98, "error": {"code": -1, "message": "x"}}))
    await a.send(enc({"method": "notifications/cancelled", "params": {"requestId": 5}}))
    await a.send(
        enc(
            {"method": "notifications/progress", "params": {"progressToken": "nope", "progress": 1}}
        )
    )
    await a.send(enc({"method": "notifications/roots/list_changed"}))
    await a.send(enc({"id": 1, "method": "ping"}))
    assert msgspec.json.decode(await a.receive()) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert seen == ["notifications/roots/list_changed"]
    assert not session.closed.is_set()
    await session.aclose()
    assert isinstance(session.close_reason, ConnectionClosed)


async def test_sync_progress_callback_and_answer_after_timeout() -> None:
    a, b = memory_pair()
    proto = Protocol(CLIENT_ROLE, assume_initialized=True)
    session = Session(proto, b)
    session.start()
    got: list[tuple[float, float | None, str | None]] = []

    def on_progress(p: float, total: float | None, msg: str | None) -> None:
        got.append((p, total, msg))

    task = asyncio.ensure_future(
        session.request_raw("tools/call", {"name": "x"}, on_progress=on_progress, timeout=None)
    )
    sent = msgspec.json.decode(await a.receive())
    token = sent["params"]["_meta"]["progressToken"]
    await a.send(
        enc(
            {
                "method": "notifications/progress",
                "params": {"progressToken": token, "progress": 1, "total": 2, "message": "half"},
            }
        )
    )
    await a.send(enc({"id": sent["id"], "result": {"content": []}}))
    raw = await task
    assert msgspec.json.decode(raw) == {"content": []}
    assert got == [(1, 2, "half")]
    await session.aclose()


async def test_request_on_closed_session_and_fail_request() -> None:
    a, b = memory_pair()
    session = Session(Protocol(CLIENT_ROLE, assume_initialized=True), b)
    session.start()
    task = asyncio.ensure_future(session.request_raw("ping", None))
    sent = msgspec.json.decode(await a.receive())
    session.fail_request(sent["id"], RuntimeError("the POST failed"))
    session.fail_request(sent["id"], RuntimeError("twice"))  # already failed: ignored
    session.fail_request(12345, RuntimeError("unknown"))
    with pytest.raises(RuntimeError, match="the POST failed"):
        await task
    await session.aclose()
    with pytest.raises(ConnectionClosed, match="cannot send ping"):
        await session.request_raw("ping", None)


async def test_initialize_timeout_is_forgotten_not_cancelled() -> None:
    a, b = memory_pair()
    session = Session(Protocol(CLIENT_ROLE), b)
    session.start()
    params = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "c", "version": "1"},
    }
    with pytest.raises(RequestTimeout):
        await session.request_raw("initialize", params, timeout=0.02)
    msgspec.json.decode(await a.receive())  # the initialize request itself
    await asyncio.sleep(0)
    assert a._inbox.empty()  # no notifications/cancelled for initialize (spec: MUST NOT)
    await session.aclose()


class FailingTransport:
    """receive() replays a script of payloads/exceptions; send()/aclose() may fail."""

    def __init__(self, script: list[Any], *, send_error: BaseException | None = None) -> None:
        self.script = script
        self.sent: list[bytes] = []
        self.send_error = send_error
        self.closed = asyncio.Event()

    async def receive(self) -> bytes:
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, BaseException):
                raise item
            return bytes(item)
        await self.closed.wait()
        raise ConnectionClosed("closed")

    async def send(self, data: bytes, related: Any = None) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.sent.append(data)

    async def aclose(self) -> None:
        self.closed.set()
        raise OSError("close failed")


async def test_transport_failure_ends_the_session_with_a_reason() -> None:
    tr = FailingTransport([OSError("reset by peer")])
    session = server_session(tr)
    session.start()
    await asyncio.wait_for(session.wait_closed(), 5)
    assert "reset by peer" in str(session.close_reason)
    await session.aclose()  # aclose tolerates a transport whose close fails


async def test_unanswerable_reply_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(session: Session, ev: RequestReceived) -> Any:
        return t.EmptyResult()

    tr = FailingTransport([enc({"id": 1, "method": "x"})], send_error=ConnectionClosed("gone"))
    session = server_session(tr, on_request=handler)
    with caplog.at_level(logging.DEBUG, logger="mcplite._io.session"):
        session.start()
        for _ in range(20):
            await asyncio.sleep(0)
            if any("could not answer" in r.message for r in caplog.records):
                break
    assert any("could not answer x" in r.message for r in caplog.records)
    await session.aclose()


async def test_eof_lets_running_handlers_finish() -> None:
    release = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        await release.wait()
        return t.EmptyResult()

    a, b = memory_pair()
    session = server_session(b, on_request=handler, drain_timeout=2.0)
    session.start()
    await a.send(enc({"id": 7, "method": "slow"}))
    for _ in range(5):
        await asyncio.sleep(0)
    await a.aclose()
    asyncio.get_running_loop().call_later(0.02, release.set)
    await asyncio.wait_for(session.wait_closed(), 5)
    assert release.is_set()  # the handler ran to completion before the session closed
    await session.aclose()


async def test_eof_without_drain_cancels_handlers() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def handler(session: Session, ev: RequestReceived) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    a, b = memory_pair()
    session = server_session(b, on_request=handler, drain_timeout=0)
    session.start()
    await a.send(enc({"id": 1, "method": "slow"}))
    await asyncio.wait_for(started.wait(), 5)
    await a.aclose()
    await asyncio.wait_for(session.wait_closed(), 5)
    await asyncio.wait_for(cancelled.wait(), 5)
    await session.aclose()


async def test_bad_frame_on_a_dead_transport_ends_the_session() -> None:
    tr = FailingTransport(
        [RemoteProtocolError("line too long", -32600)], send_error=ConnectionClosed("gone")
    )
    session = server_session(tr)
    session.start()
    await asyncio.wait_for(session.wait_closed(), 5)
    assert isinstance(session.close_reason, ConnectionClosed)


def test_a_session_keeps_no_instance_dict() -> None:
    """A server holds a Session per client session (per request over stateless HTTP).  On
    Python 3.11 an instance dict of 30 or more keys stops sharing its keys and grows from
    296 to 1,584 bytes: adding the 30th attribute did that to every session (issue 15's
    memory per idle session), so Session declares its slots."""
    assert Session.__dictoffset__ == 0  # instances have no __dict__ at all


class HandingTransport:
    """A transport that hands payloads over (``hand_to``), as a streamable-HTTP session."""

    def __init__(self) -> None:
        self.receiver: Any = None
        self.failed: Any = None
        self.sent: list[bytes] = []

    def hand_to(self, receiver: Any, failed: Any = None) -> None:
        self.receiver, self.failed = receiver, failed

    async def receive(self) -> bytes:
        raise AssertionError("a handing transport is never pulled")

    async def send(self, data: bytes, related: Any = None) -> None:
        self.sent.append(data)

    async def aclose(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError("reset"), "the connection failed: OSError('reset')"),
        (ConnectionClosed("the HTTP session was closed"), "the HTTP session was closed"),
    ],
)
async def test_a_session_over_a_handing_transport_has_no_reader_and_ends_on_a_failure(
    error: BaseException, reason: str
) -> None:
    # Issue 15 (memory per idle session): a transport with hand_to gets the session's
    # receiver and no reader task runs; a failure it reports ends the session as the
    # reader's end did (ConnectionClosed: running handlers get drain_timeout first).
    transport = HandingTransport()
    proto = Protocol(SERVER_ROLE, identity=Identity(), assume_initialized=True)

    async def on_request(session: Session, event: RequestReceived) -> Any:
        return {}

    session = Session(proto, transport, on_request=on_request, drain_timeout=0.01)
    session.start()
    session.start()  # idempotent
    assert session._reader is None and transport.receiver is not None
    assert transport.receiver(b'{"jsonrpc":"2.0","id":1,"method":"ping"}') is None
    assert transport.sent == [b'{"jsonrpc":"2.0","id":1,"result":{}}']  # answered on the spot
    transport.failed(error)
    await asyncio.wait_for(session.wait_closed(), 5)
    assert str(session.close_reason) == reason
    await session.aclose()
    assert transport.receiver is None  # aclose() stopped the handing over


async def test_leave_on_close_takes_the_session_out_of_its_table() -> None:
    # A server took each session out of its table with an on_close lambda: a closure and
    # a callback list on every session (issue 15, memory per idle session).
    end, session = await raw_pair()
    table = {session}
    session.leave_on_close(table)
    assert session._close_callbacks is None  # no list until a callback is registered
    seen: list[str] = []
    session.on_close(lambda: seen.append("closed"))
    await end.aclose()  # the peer goes away
    await asyncio.wait_for(session.wait_closed(), 5)
    assert table == set() and seen == ["closed"]
    session.on_close(lambda: seen.append("late"))  # already closed: called at once
    assert seen == ["closed", "late"]
    await session.aclose()
