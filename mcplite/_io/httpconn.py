"""One HTTP/1.1 server connection of ``_io.httpserver`` (layer 3): an ``asyncio.Protocol``
feeding the sans-I/O ``_http11.RequestParser`` and answering its requests in order, with
the idle/head timer and the write-buffer bounds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, Protocol

from .._wire.http11 import HTTPProtocolError, Request, RequestParser
from .._wire.http11_write import reason
from .httpresponse import App, Responder, ResponseStream, encode_refusal, protocol_refusal

# Logged under the server module's name, as before this class had a module of its own.
log = logging.getLogger(__name__.rpartition(".")[0] + ".httpserver")

_IDLE, _HEAD = 1, 2  # what the read timer is measuring
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Server(Protocol):
    """What a connection needs of its server (``_io.httpserver.HTTPServer``)."""

    app: App
    closing: bool
    connections: set[_Connection]
    per_peer: dict[Any, int]
    max_body_bytes: int
    max_head_bytes: int
    max_headers: int
    head_timeout: float
    keep_alive_timeout: float
    head_cache_timeout: float
    max_connections: int
    max_connections_per_peer: int
    max_pipelined: int
    write_high_water: int
    write_timeout: float
    max_write_buffer: int

    def _connection_gone(self) -> None: ...


class _Connection(asyncio.Protocol):
    # Slots: one per open connection, an idle keep-alive one or an idle client's GET
    # stream included (an instance dict of this many keys is about 300 bytes).
    __slots__ = (
        "__weakref__",
        "_close_callbacks",
        "_deadline",
        "_drain",
        "_error",
        "_timer",
        "_timer_at",
        "_timer_kind",
        "_write_mark",
        "_write_paused",
        "_write_timer",
        "busy",
        "closing",
        "dispatching",
        "held",
        "loop",
        "lost",
        "parser",
        "paused",
        "peer",
        "queue",
        "server",
        "stream",
        "task",
        "transport",
    )

    def __init__(self, server: _Server) -> None:
        self.server = server
        s = server
        self.parser = RequestParser(
            max_head_bytes=s.max_head_bytes,
            max_headers=s.max_headers,
            max_body_bytes=s.max_body_bytes,
        )
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        # The serving loop, looked up once (connection_made): on Python 3.11 every
        # asyncio.get_running_loop() is a getpid() system call, and a request used to make
        # five of them.
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.peer: Any = None  # the client's address (host), for the per-peer cap
        # A list, not a deque: an idle keep-alive connection then holds no 600-byte block,
        # and at most max_pipelined requests ever wait in it.
        self.queue: list[tuple[Request, bytes]] = []
        self.busy = False
        self.lost = False
        self.closing = False  # answer the current request, then close
        self.paused = False
        self.stream: ResponseStream | None = None
        # While the app's call for a request runs (dispatching), a stream started in it
        # holds its head here, and _next writes it when the call returns -- unless the
        # call already answered, head and body then leaving in one write.
        self.dispatching = False
        self.held: ResponseStream | None = None
        self.task: asyncio.Future[None] | None = None
        # One timer per connection, re-armed lazily: each request only moves _deadline;
        # the timer, when it fires early, re-arms itself for the deadline then in force.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when _timer fires
        self._timer_kind = 0  # what the deadline is for (_IDLE, _HEAD), 0: none
        self._deadline = 0.0
        self._error: HTTPProtocolError | None = None
        self._drain: asyncio.Future[None] | None = None
        self._write_paused = False
        self._write_timer: asyncio.TimerHandle | None = None
        self._write_mark = 0
        self._close_callbacks: list[Callable[[], None]] = []

    def on_close(self, callback: Callable[[], None]) -> None:
        if self.lost:
            callback()
        else:
            self._close_callbacks.append(callback)

    # ------------------------------------------------------------- asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.loop = asyncio.get_running_loop()
        s = self.server
        peername = transport.get_extra_info("peername")
        peer = peername[0] if isinstance(peername, tuple) and peername else peername
        refusal = None
        if s.closing:
            refusal = encode_refusal(503, f"{reason(503)}: the server is shutting down")
        elif len(s.connections) >= s.max_connections:
            refusal = encode_refusal(
                503,
                f"{reason(503)}: {len(s.connections)} connections open "
                f"(max_connections={s.max_connections})",
            )
        elif s.per_peer.get(peer, 0) >= s.max_connections_per_peer:
            refusal = encode_refusal(
                429,
                f"{reason(429)}: this address already has {s.per_peer[peer]} connections "
                f"open (max_connections_per_peer={s.max_connections_per_peer})",
            )
        if refusal is not None:
            transport.write(refusal)
            transport.close()
            self.lost = True
            return
        self.peer = peer
        s.per_peer[peer] = s.per_peer.get(peer, 0) + 1
        s.connections.add(self)
        transport.set_write_buffer_limits(high=s.write_high_water)
        self._arm(_IDLE)

    def data_received(self, data: bytes) -> None:
        if self._error is not None or self.lost:
            return
        idle = self._timer_kind == _IDLE
        try:
            requests = self.parser.feed_requests(data)
        except HTTPProtocolError as exc:
            self._error = exc
            if not self.busy:
                self._send_error()
            return
        parser = self.parser
        if parser.continue_wanted:
            parser.continue_wanted = False
            # RFC 9110 §10.1.1: the client waits for this before sending the body.  Only
            # when nothing else is being answered: an interim response must not land
            # inside an earlier request's response (the client then sends after its
            # own timeout, as the RFC lets it).
            if parser.awaiting_body and not requests and not self.busy and not self.queue:
                self.transport.write(_CONTINUE)
        if not requests:
            if idle:
                # A request has begun and is not complete: head_timeout runs from its
                # first byte.  (One that arrived whole needs no deadline: it is answered.)
                self._arm(_HEAD)
        else:
            self._disarm()
            self.queue.extend(requests)
            if not self.busy:
                self._next()
            elif len(self.queue) > self.server.max_pipelined and not self.paused:
                self.paused = True
                self.transport.pause_reading()

    def eof_received(self) -> bool | None:
        # The server's one rule for FIN: the client is gone.  MCP clients never half-close,
        # and 2026-07-28 basic/patterns/cancellation makes closing the stream the
        # cancellation signal, so nothing more is read or written: its streams end, the
        # request's handler task and close callbacks run as for a reset (connection_lost),
        # and a session whose GET stream this was is idle again.
        self.transport.abort()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self._cancel_timer()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        self.queue.clear()
        if self.task is not None:
            self.task.cancel()  # nobody is left to answer
        s = self.server
        if self in s.connections:
            s.connections.discard(self)
            left = s.per_peer.get(self.peer, 1) - 1
            if left > 0:
                s.per_peer[self.peer] = left
            else:
                s.per_peer.pop(self.peer, None)
        s._connection_gone()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        callbacks, self._close_callbacks = self._close_callbacks, []
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a callback's bug must not break connection teardown
                log.exception("close callback failed")

    def write(self, data: bytes) -> None:
        """Queue ``data``, unless the client already has too much queued: then drop it."""
        transport = self.transport
        queued = transport.get_write_buffer_size()
        limit = self.server.max_write_buffer
        if queued > limit:
            log.debug(
                "client %s: %d bytes queued, over max_write_buffer=%d: dropped",
                self.peer,
                queued,
                limit,
            )
            transport.abort()
            return
        transport.write(data)

    def pause_writing(self) -> None:
        self._write_paused = True
        self._write_mark = self.transport.get_write_buffer_size()
        self._write_timer = self.loop.call_later(self.server.write_timeout, self._write_stalled)

    def _write_stalled(self) -> None:
        # No bytes taken by the client within write_timeout (the buffer did not shrink).
        queued = self.transport.get_write_buffer_size()
        if queued >= self._write_mark:
            log.debug(
                "client %s took nothing of %d queued bytes in %s s (write_timeout): dropped",
                self.peer,
                queued,
                self.server.write_timeout,
            )
            self._write_timer = None
            self.transport.abort()
            return
        self._write_mark = queued
        self._write_timer = self.loop.call_later(self.server.write_timeout, self._write_stalled)

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    async def drain(self) -> None:
        if self._write_paused and not self.lost:
            self._drain = self.loop.create_future()
            await self._drain

    # ------------------------------------------------------------- request cycle

    def _next(self) -> None:
        while self.queue and not self.lost:
            request, body = self.queue.pop(0)
            if self.paused and len(self.queue) <= self.server.max_pipelined // 2:
                self.paused = False
                self.transport.resume_reading()
            self.busy = True
            responder = Responder(self, request.keep_alive)
            if request.target == "*":
                # OPTIONS * (RFC 9112 §3.2.4, RFC 9110 §9.3.7): about the server itself,
                # not a resource, so no app sees it; the parser refuses * with any other
                # method.
                responder.respond(200, [])
                return  # finished() resumes the loop
            self.dispatching = True
            try:
                result = self.server.app(request, body, responder)
            except Exception:
                log.exception("HTTP handler failed")
                self._internal_error(responder)
                return
            finally:
                self.dispatching = False
                held = self.held
                if held is not None:  # a stream head the app's call did not finish
                    self.held = None
                    held.flush_head()
                    if not held.done:
                        # A stream outliving the app's call (an SSE GET stream) may last
                        # long, with no next request here meanwhile: the head kept for
                        # reuse (fields, index, Request: ~1.5 KB) is dropped.  An answer
                        # finished within the call keeps it (the keep-alive hot path).
                        self.parser.forget_last()
            if result is not None:
                task = asyncio.ensure_future(result, loop=self.loop)
                self.task = task
                task.add_done_callback(functools.partial(self._task_done, responder=responder))
            return  # finished() resumes the loop
        if self.lost:
            return
        if self._error is not None:
            self._send_error()
        elif self.closing:
            self.transport.close()
        else:
            self._arm(_IDLE)

    def _task_done(self, task: asyncio.Future[None], *, responder: Responder) -> None:
        self.task = None
        if task.cancelled():
            exc: BaseException | None = None
        else:
            exc = task.exception()
            if exc is not None:
                log.error("HTTP handler failed", exc_info=exc)
        if not responder.started:
            self._internal_error(responder)
        elif exc is not None and responder.stream is not None:
            responder.stream.abort()

    def _internal_error(self, responder: Responder) -> None:
        if not responder.started:
            responder.respond(
                500,
                [(b"content-type", b"text/plain; charset=utf-8")],
                b"internal server error\n",
            )
        elif responder.stream is not None:
            responder.stream.abort()

    def finished(self, keep_alive: bool) -> None:
        """The current response is complete."""
        self.busy = False
        self.stream = None
        if self._close_callbacks:
            self._close_callbacks = []
        if not keep_alive or self.lost:
            self.closing = True
            self.queue.clear()
            if not self.lost:
                self.transport.close()
            return
        if self.queue or self._error is not None:
            # Answer the next pipelined request after this call returns, so a handler
            # that answers synchronously does not recurse.
            self.loop.call_soon(self._next)
        elif self.closing:
            self.transport.close()
        else:
            self._arm(_IDLE)

    def _send_error(self) -> None:
        exc = self._error
        assert exc is not None
        self.busy = True
        # A JSON-RPC error body like every other refusal (issue 13, Bad input: the client
        # learns which limit it hit and its value), then close: framing is lost.
        self.transport.write(encode_refusal(*protocol_refusal(exc)))
        self.transport.close()

    # ------------------------------------------------------------- timers

    def _arm(self, kind: int) -> None:
        s = self.server
        loop = self.loop
        deadline = loop.time() + (s.keep_alive_timeout if kind == _IDLE else s.head_timeout)
        self._timer_kind = kind
        self._deadline = deadline
        fire = self._fire_at()
        timer = self._timer
        if timer is not None:
            if self._timer_at <= fire:
                return  # it fires first and re-arms for this deadline: no new timer
            timer.cancel()
        self._timer_at = fire
        self._timer = loop.call_at(fire, self._timeout)

    def _fire_at(self) -> float:
        """When the timer is next due: the deadline, or before it, for a connection idle
        since ``deadline - keep_alive_timeout``, head_cache_timeout after that, when the
        parser's reuse cache (the last head, its fields, their index, the Request: ~1.5 KB)
        is given back.  The cache pays for itself only while requests follow closely."""
        deadline = self._deadline
        if self._timer_kind == _IDLE and self.parser.remembers:
            s = self.server
            return min(deadline, deadline - s.keep_alive_timeout + s.head_cache_timeout)
        return deadline

    def _disarm(self) -> None:
        # The timer stays: it finds no deadline when it fires and ends (a keep-alive
        # connection answering requests re-arms it then, not once per request).
        self._timer_kind = 0

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_kind = 0

    def _timeout(self) -> None:
        self._timer = None
        kind = self._timer_kind
        if kind == 0 or self.lost:
            return
        deadline = self._deadline
        if deadline > self._timer_at:  # the deadline moved on since the timer was set
            fire = self._fire_at()
            if fire <= self._timer_at:  # idle for head_cache_timeout: no request since
                self.parser.forget_last()
                fire = deadline
            self._timer_at = fire
            self._timer = self.loop.call_at(fire, self._timeout)
            return
        self._timer_kind = 0
        if self.busy:
            return
        if kind == _HEAD:
            msg = f"request not received within {self.server.head_timeout} s (head_timeout)"
            self.transport.write(encode_refusal(408, f"{reason(408)}: {msg}"))
        self.transport.close()

    def shutdown(self) -> None:
        """Server shutdown: close when idle, else after the current response."""
        self.closing = True
        if not self.busy:
            self.transport.close()
