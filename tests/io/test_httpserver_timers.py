"""Issue 15: one timer per server connection.  A keep-alive connection answering requests
moves its deadline instead of re-arming a timer per request, and the keep-alive and head
timeouts still hold, counted from the last request.  An idle connection gives back the
parse of its last head after head_cache_timeout (issue 15, memory per idle HTTP session),
not while requests follow closely.  Real loopback sockets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from mcplite._io import httpconn
from mcplite._io.httpserver import HTTPServer, Responder
from mcplite._wire.http11 import Request, RequestParser

REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


async def ok_app(request: Request, body: bytes, responder: Responder) -> None:
    responder.respond(200, [(b"content-type", b"text/plain")], b"ok")


async def answer(reader: asyncio.StreamReader) -> None:
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\nok"), 3)


async def test_requests_on_one_connection_arm_no_timer_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    armed: list[Any] = []
    real_at = loop.call_at

    def call_at(when: float, cb: Any, *args: Any, **kw: Any) -> asyncio.TimerHandle:
        armed.append(getattr(cb, "__self__", None))  # call_later goes through call_at
        return real_at(when, cb, *args, **kw)

    async with HTTPServer(ok_app, keep_alive_timeout=30, head_cache_timeout=30) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        try:
            writer.write(REQUEST)
            await answer(reader)
            monkeypatch.setattr(loop, "call_at", call_at)
            for _ in range(50):
                writer.write(REQUEST)
                await answer(reader)
            monkeypatch.undo()
            # Before: two per request (the head timeout, then the keep-alive timeout).
            assert [o for o in armed if isinstance(o, httpconn._Connection)] == []
        finally:
            writer.close()


# 0.05: the idle connection drops its head cache, then still closes at the keep-alive
# deadline; 30: the cache is never dropped.
@pytest.mark.parametrize("head_cache_timeout", [0.05, 30])
async def test_keep_alive_timeout_runs_from_the_last_request(head_cache_timeout: float) -> None:
    async with HTTPServer(
        ok_app, keep_alive_timeout=0.15, head_timeout=5, head_cache_timeout=head_cache_timeout
    ) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        try:
            start = last = time.monotonic()
            while last - start < 0.4:  # well past one keep-alive timeout
                await asyncio.sleep(0.03)
                writer.write(REQUEST)
                await answer(reader)
                last = time.monotonic()
            assert await asyncio.wait_for(reader.read(), 3) == b""  # closed when idle
            assert time.monotonic() - last >= 0.14
        finally:
            writer.close()


async def test_head_timeout_shorter_than_keep_alive_after_requests() -> None:
    # The head deadline comes before the pending keep-alive one: the timer is moved up.
    async with HTTPServer(ok_app, keep_alive_timeout=5, head_timeout=0.1) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        try:
            for _ in range(3):
                writer.write(REQUEST)
                await answer(reader)
            start = time.monotonic()
            writer.write(b"GET / HTTP/1.1\r\n")  # a head that never ends
            rest = await asyncio.wait_for(reader.read(), 3)
            assert rest.startswith(b"HTTP/1.1 408")
            assert 0.09 <= time.monotonic() - start < 2.5
        finally:
            writer.close()


def _only_connection(srv: HTTPServer) -> httpconn._Connection:
    (conn,) = srv.connections
    return conn


def _remembers(parser: RequestParser) -> bool:
    return parser.remembers  # a call, so that a type checker does not narrow it


async def test_idle_connection_gives_back_its_head_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forgets: list[object] = []
    real = RequestParser.forget_last

    def forget_last(self: RequestParser) -> None:
        forgets.append(self)
        real(self)

    monkeypatch.setattr(RequestParser, "forget_last", forget_last)
    async with HTTPServer(ok_app, keep_alive_timeout=30, head_cache_timeout=0.25) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        try:
            writer.write(REQUEST)
            await answer(reader)
            parser = _only_connection(srv).parser
            assert _remembers(parser)
            # Requests 20 ms apart, for longer than head_cache_timeout: the cache stays.
            start = time.monotonic()
            while time.monotonic() - start < 0.6:
                await asyncio.sleep(0.02)
                writer.write(REQUEST)
                await answer(reader)
                assert _remembers(parser)
            assert forgets == []
            # Idle past head_cache_timeout (the keep-alive deadline is far off): dropped.
            for _ in range(100):
                await asyncio.sleep(0.02)
                if not _remembers(parser):
                    break
            assert forgets == [parser] and not _remembers(parser)
            assert _only_connection(srv) is not None  # the connection itself stays open
            # The next request is parsed in full and answered, and remembered again.
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            await answer(reader)
            writer.write(REQUEST)
            await answer(reader)
            assert _remembers(parser)
        finally:
            writer.close()
