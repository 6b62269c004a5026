"""_session: the less travelled paths (stray answers, sync callbacks, transport failures,
draining on EOF, memory-transport corner cases)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import pytest

from mcplite import types as t
from mcplite._core.events import NotificationReceived, RequestReceived
from mcplite._core.protocol import CLIENT_ROLE, SERVER_ROLE, Protocol
from mcplite._errors import ConnectionClosed, RemoteProtocolError, RequestTimeout
from mcplite._io.session import Session
from mcplite._io.transport import LoggingTransport, memory_pair


class Identity:
    info = t.Implementation(name="s", version="1")
    instructions: str | None = None

    def capabilities(self) -> t.ServerCapabilities:
        return t.ServerCapabilities(tools=t.ToolsCapability())


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


async def test_logging_transport(caplog: pytest.LogCaptureFixture) -> None:
    a, b = memory_pair(max_messages=1)
    logged = LoggingTransport(a, "client")
    with caplog.at_level(logging.DEBUG, logger="mcplite._io.transport"):
        await logged.send(b'{"x":1}')
        assert await b.receive() == b'{"x":1}'
        await b.send(b'{"y":2}')
        assert await logged.receive() == b'{"y":2}'
    assert [r.getMessage() for r in caplog.records] == [
        'client -> {"x":1}',
        'client <- {"y":2}',
    ]
    # a full queue at close time: the oldest message makes room for the EOF marker
    await b.send(b"pending")
    await b.aclose()
    await b.aclose()  # idempotent
    with pytest.raises(ConnectionClosed):
        await logged.receive()
    with pytest.raises(ConnectionClosed):
        await a.receive()
    with pytest.raises(ConnectionClosed):
        await a.send(b"late")
    await logged.aclose()
