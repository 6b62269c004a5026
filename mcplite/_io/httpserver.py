"""asyncio HTTP/1.1 server driving the sans-I/O ``_http11.RequestParser`` (layer 3).

The handler interface is one callable, ``app(request, body, responder)``: ``request`` is an
``_http11.Request`` head, ``body`` the whole (bounded) body, and ``responder`` answers it
once, either with ``respond(status, headers, body)`` (one write, Content-Length framing:
the hot path) or ``start_stream(status, headers)`` (chunked, or close-delimited for
HTTP/1.0) for SSE.  ``app`` may return an awaitable (run as a task) or ``None`` when it has
arranged to answer later through the responder (callback style, no task per request).

Requests on one connection are answered in order (pipelining-safe: RFC 9112 §9.3.2); the
next one starts when the previous response is complete.  Built on ``loop.create_server``
with an ``asyncio.Protocol`` rather than ``asyncio.start_server`` streams: the protocol
callbacks cost a fraction of a stream reader per request.

A client that sends FIN is gone (``eof_received``): the connection is dropped at once, the
running request's task is cancelled and its close callbacks run.

Bounds (DESIGN.md §8): body/head/header-count limits come from the parser (413/431);
``head_timeout`` runs from the first byte of a request to its last (slow clients get 408),
``keep_alive_timeout`` closes idle connections, ``max_connections`` answers 503 beyond it,
and ``aclose`` finishes in-flight requests within ``shutdown_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from .._core import jsonrpc as rpc
from .._errors import INVALID_REQUEST
from .._wire.http11 import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEAD_BYTES,
    DEFAULT_MAX_HEADERS,
    HTTPProtocolError,
    Request,
    RequestParser,
)
from .._wire.http11_write import CHUNKED_END, encode_response_head

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_HEAD_TIMEOUT_SECONDS",
    "DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_CONNECTIONS_PER_PEER",
    "DEFAULT_MAX_HEADERS",
    "DEFAULT_MAX_HEAD_BYTES",
    "DEFAULT_MAX_PIPELINED_REQUESTS",
    "DEFAULT_MAX_WRITE_BUFFER_BYTES",
    "DEFAULT_SHUTDOWN_TIMEOUT_SECONDS",
    "DEFAULT_WRITE_TIMEOUT_SECONDS",
    "App",
    "HTTPServer",
    "Request",
    "Responder",
    "ResponseStream",
    "make_ssl_context",
]

log = logging.getLogger(__name__)

DEFAULT_HEAD_TIMEOUT_SECONDS: Final = 10.0  # first byte of a request -> its complete body
DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS: Final = 5.0  # idle connection between requests
DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: Final = 5.0  # in-flight requests get this long on aclose()
DEFAULT_MAX_CONNECTIONS: Final = 1024
# A quarter of the server: one address cannot take every connection.  Behind a reverse
# proxy every client shares the proxy's address: raise it (or set it to max_connections).
DEFAULT_MAX_CONNECTIONS_PER_PEER: Final = 256
DEFAULT_MAX_PIPELINED_REQUESTS: Final = 16  # parsed, unanswered requests before reading pauses
DEFAULT_WRITE_HIGH_WATER_BYTES: Final = 256 * 1024  # ResponseStream.drain() waits above this
# A client that takes nothing of what is queued for it for this long is dropped, so a slow
# (or stopped) reader cannot pin a large response in memory for ever.
DEFAULT_WRITE_TIMEOUT_SECONDS: Final = 30.0
# Bytes queued for one connection beyond which nothing more is queued: the connection is
# dropped instead (a resumable SSE stream is then resumed from its replay log).  Four
# 4 MiB messages: one large response in flight on a slow link is normal, more is a reader
# that does not keep up.
DEFAULT_MAX_WRITE_BUFFER_BYTES: Final = 16 * 1024 * 1024

App = Callable[[Request, bytes, "Responder"], Awaitable[None] | None]

_IDLE, _HEAD = 1, 2  # what the read timer is measuring
_ANSWER_GRACE_SECONDS: Final = 1.0  # shutdown: for answers written after on_drained
_CLOSE: Final = [(b"connection", b"close")]


def make_ssl_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server TLS context (``ssl`` is imported here, not at module import)."""
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certfile, keyfile)
    return ctx


def _refusal(status: int, message: str) -> bytes:
    """A limit's refusal before any request was read: a JSON-RPC error body, then close."""
    body = rpc.encode_error(None, INVALID_REQUEST, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *_CLOSE,
    ]
    return encode_response_head(status, headers) + body


def _plain(status: int, message: str, *, close: bool = False) -> bytes:
    body = (message + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
    ]
    if close:
        headers += _CLOSE
    return encode_response_head(status, headers) + body


class ResponseStream:
    """A response body written piece by piece (SSE).  ``end()`` finishes it; ``abort()``
    closes the connection without finishing it (the client sees a broken stream).

    The head is held until the end of the current event-loop step so that it leaves in
    one write with whatever is written right after it (e.g. a priming event): fewer
    syscalls and TCP segments per response, and the client parses it in one read.
    """

    __slots__ = ("_chunked", "_conn", "_head", "done")

    def __init__(self, conn: _Connection, chunked: bool, head: bytes = b"") -> None:
        self._conn = conn
        self._chunked = chunked
        self._head = head
        self.done = False
        if head:
            asyncio.get_running_loop().call_soon(self._flush_head)

    @property
    def closed(self) -> bool:
        """True once ended, aborted, or the client went away."""
        return self.done or self._conn.lost

    def _flush_head(self) -> None:
        head, self._head = self._head, b""
        if head and not self._conn.lost:
            self._conn.write(head)

    def _frame(self, data: bytes, last: bool = False) -> bytes:
        if self._chunked:
            if data:
                data = b"%x\r\n%s\r\n%s" % (len(data), data, CHUNKED_END if last else b"")
            elif last:
                data = CHUNKED_END
        if self._head:
            data = self._head + data
            self._head = b""
        return data

    def write(self, data: bytes) -> None:
        if self.closed or not data:
            return
        self._conn.write(self._frame(data))

    async def drain(self) -> None:
        """Wait while the client reads slower than we write (bounded write buffer)."""
        await self._conn.drain()

    def end(self, data: bytes = b"") -> None:
        if self.closed:
            return
        self.done = True
        out = self._frame(data, last=True)
        if out:
            self._conn.write(out)
        self._conn.finished(self._chunked)

    def abort(self) -> None:
        if self.closed:
            return
        self.done = True
        self._flush_head()
        self._conn.transport.close()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once if the client disconnects before ``end()``."""
        self._conn.on_close(callback)


class Responder:
    """Answers one request, exactly once."""

    __slots__ = ("_conn", "_keep_alive", "started", "stream")

    def __init__(self, conn: _Connection, keep_alive: bool) -> None:
        self._conn = conn
        self._keep_alive = keep_alive
        self.started = False
        self.stream: ResponseStream | None = None

    @property
    def client(self) -> Any:
        """The peer address (``transport.get_extra_info("peername")``)."""
        return self._conn.transport.get_extra_info("peername")

    @property
    def local_address(self) -> Any:
        return self._conn.transport.get_extra_info("sockname")

    @property
    def disconnected(self) -> bool:
        return self._conn.lost

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once if the client disconnects before the response is done."""
        self._conn.on_close(callback)

    def respond(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        """The whole response in one write, framed by Content-Length."""
        if self.started:
            raise RuntimeError("this request was already answered")
        self.started = True
        conn = self._conn
        if conn.lost:
            return
        keep_alive = self._keep_alive and not conn.closing
        headers = [*headers, (b"content-length", b"%d" % len(body))]
        if not keep_alive:
            headers += _CLOSE
        head = encode_response_head(status, headers)
        if len(body) < 65536:
            conn.write(head + body)  # one write, one segment: the hot path
        else:
            conn.write(head)  # no copy of a large body
            conn.write(body)
        conn.finished(keep_alive)

    def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> ResponseStream:
        """Send the head now; the body follows through the returned stream."""
        if self.started:
            raise RuntimeError("this request was already answered")
        self.started = True
        conn = self._conn
        chunked = self._keep_alive  # HTTP/1.0 or Connection: close -> close-delimited body
        headers = [*headers, (b"transfer-encoding", b"chunked") if chunked else _CLOSE[0]]
        head = b"" if conn.lost else encode_response_head(status, headers)
        stream = self.stream = ResponseStream(conn, chunked, head)
        conn.stream = stream
        return stream


class _Connection(asyncio.Protocol):
    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        s = server
        self.parser = RequestParser(
            max_head_bytes=s.max_head_bytes,
            max_headers=s.max_headers,
            max_body_bytes=s.max_body_bytes,
        )
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.peer: Any = None  # the client's address (host), for the per-peer cap
        # A list, not a deque: an idle keep-alive connection then holds no 600-byte block,
        # and at most max_pipelined requests ever wait in it.
        self.queue: list[tuple[Request, bytes]] = []
        self.busy = False
        self.lost = False
        self.closing = False  # answer the current request, then close
        self.paused = False
        self.stream: ResponseStream | None = None
        self.task: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_kind = 0
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
        s = self.server
        peername = transport.get_extra_info("peername")
        peer = peername[0] if isinstance(peername, tuple) and peername else peername
        refusal = None
        if s.closing:
            refusal = _refusal(503, "Service Unavailable: the server is shutting down")
        elif len(s.connections) >= s.max_connections:
            refusal = _refusal(
                503,
                f"Service Unavailable: {len(s.connections)} connections open "
                f"(max_connections={s.max_connections})",
            )
        elif s.per_peer.get(peer, 0) >= s.max_connections_per_peer:
            refusal = _refusal(
                429,
                f"Too Many Requests: this address already has {s.per_peer[peer]} connections "
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
        if self._timer_kind == _IDLE:
            self._arm(_HEAD)
        try:
            requests = self.parser.feed_requests(data)
        except HTTPProtocolError as exc:
            self._error = exc
            if not self.busy:
                self._send_error()
            return
        if requests:
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
        self._disarm()
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
        self._write_timer = asyncio.get_running_loop().call_later(
            self.server.write_timeout, self._write_stalled
        )

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
        self._write_timer = asyncio.get_running_loop().call_later(
            self.server.write_timeout, self._write_stalled
        )

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    async def drain(self) -> None:
        if self._write_paused and not self.lost:
            self._drain = asyncio.get_running_loop().create_future()
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
            try:
                result = self.server.app(request, body, responder)
            except Exception:
                log.exception("HTTP handler failed")
                self._internal_error(responder)
                return
            if result is not None:
                task = asyncio.ensure_future(result)
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
            asyncio.get_running_loop().call_soon(self._next)
        elif self.closing:
            self.transport.close()
        else:
            self._arm(_IDLE)

    def _send_error(self) -> None:
        exc = self._error
        assert exc is not None
        self.busy = True
        self.transport.write(_plain(exc.status, f"bad request: {exc}", close=True))
        self.transport.close()

    # ------------------------------------------------------------- timers

    def _arm(self, kind: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        s = self.server
        delay = s.keep_alive_timeout if kind == _IDLE else s.head_timeout
        self._timer_kind = kind
        self._timer = asyncio.get_running_loop().call_later(delay, self._timeout)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_kind = 0

    def _timeout(self) -> None:
        kind = self._timer_kind
        self._timer = None
        self._timer_kind = 0
        if self.lost or self.busy:
            return
        if kind == _HEAD:
            msg = f"request not received within {self.server.head_timeout} s"
            self.transport.write(_plain(408, msg, close=True))
        self.transport.close()

    def shutdown(self) -> None:
        """Server shutdown: close when idle, else after the current response."""
        self.closing = True
        if not self.busy:
            self.transport.close()


class HTTPServer:
    """An HTTP/1.1 server for one ``app``.  ``async with HTTPServer(app) as srv: srv.port``.

    ``port=0`` picks a free port.  ``ssl`` is an ``ssl.SSLContext`` (see
    ``make_ssl_context``).  ``aclose`` is graceful: it stops accepting, runs the
    ``on_shutdown`` callbacks (to end long-lived streams), lets in-flight requests finish
    within ``shutdown_timeout``, runs the ``on_drained`` callbacks (to cancel what is left
    with proper error answers), gives those answers a moment to leave, then drops the rest.
    """

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl: ssl.SSLContext | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
        max_headers: int = DEFAULT_MAX_HEADERS,
        head_timeout: float = DEFAULT_HEAD_TIMEOUT_SECONDS,
        keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_connections_per_peer: int = DEFAULT_MAX_CONNECTIONS_PER_PEER,
        max_pipelined: int = DEFAULT_MAX_PIPELINED_REQUESTS,
        shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
        write_high_water: int = DEFAULT_WRITE_HIGH_WATER_BYTES,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT_SECONDS,
        max_write_buffer: int = DEFAULT_MAX_WRITE_BUFFER_BYTES,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.ssl = ssl
        self.max_body_bytes = max_body_bytes
        self.max_head_bytes = max_head_bytes
        self.max_headers = max_headers
        self.head_timeout = head_timeout
        self.keep_alive_timeout = keep_alive_timeout
        self.max_connections = max_connections
        self.max_connections_per_peer = max_connections_per_peer
        self.per_peer: dict[Any, int] = {}  # open connections per client address
        self.max_pipelined = max_pipelined
        self.shutdown_timeout = shutdown_timeout
        self.write_high_water = write_high_water
        self.write_timeout = write_timeout
        self.max_write_buffer = max_write_buffer
        self.connections: set[_Connection] = set()
        self.closing = False
        self.on_shutdown: list[Callable[[], Awaitable[None] | None]] = []
        self.on_drained: list[Callable[[], Awaitable[None] | None]] = []
        self._server: asyncio.Server | None = None
        self._all_gone: asyncio.Event | None = None

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self.host, self.port, ssl=self.ssl
        )
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        try:
            await self._server.serve_forever()
        except asyncio.CancelledError:
            await asyncio.shield(self.aclose())
            raise

    def _connection_gone(self) -> None:
        if self._all_gone is not None and not self.connections:
            self._all_gone.set()

    async def aclose(self) -> None:
        """Stop accepting, let in-flight requests finish (bounded), then drop the rest."""
        if self.closing:
            return
        self.closing = True
        if self._server is not None:
            self._server.close()
        for cb in self.on_shutdown:
            res = cb()
            if res is not None:
                await res
        self._all_gone = asyncio.Event()
        for conn in list(self.connections):
            conn.shutdown()
        if self.connections:
            try:
                await asyncio.wait_for(self._all_gone.wait(), self.shutdown_timeout)
            except TimeoutError:
                log.warning(
                    "shutdown: %d connections still busy after %s s; cancelling",
                    len(self.connections),
                    self.shutdown_timeout,
                )
        for cb in self.on_drained:
            res = cb()
            if res is not None:
                await res
        if self.connections:  # the cancelled requests' answers are on their way out
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_gone.wait(), _ANSWER_GRACE_SECONDS)
        for conn in list(self.connections):
            if conn.task is not None:
                conn.task.cancel()
            conn.transport.abort()
        await asyncio.sleep(0)  # let connection_lost callbacks run

    async def __aenter__(self) -> HTTPServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
