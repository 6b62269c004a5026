"""A small asyncio HTTP/1.1 client driving the sans-I/O ``_http11.ResponseParser`` (layer 3).

Just what streamable HTTP needs: one request per connection at a time, a bounded keep-alive
pool per origin, connect/read timeouts, a cap on buffered bodies, and bodies that can be read
incrementally (an SSE response is a body that never ends on its own).

The pool keeps every connection a response hands back (so as many idle connections as the
concurrency seen, up to ``max_idle_per_origin``) and reuses the most recently used first
(LIFO: it is the one least likely to have hit the server's keep-alive timeout, and the
others age out).  An idle connection the server closes leaves the pool at once; one idle
longer than ``idle_timeout`` (below common servers' keep-alive timeouts, and below a
``Keep-Alive: timeout=`` the server announced) is closed rather than reused; one idle for
more than a moment is probed (a zero-timeout ``select``) for a close the event loop has
not delivered yet.  Back-to-back requests skip the probe, so the hot path makes no extra
system call.

Resending (RFC 9112 §9.3.1, RFC 9110 §9.2.2): a request is sent once more, on a fresh
connection, only when the server cannot have processed it (the write on a reused
connection failed at once, so the request never left) or when its method is idempotent
and a reused connection closed before a single response byte.  A non-idempotent request
(POST) written in full on a reused connection that then closed unanswered may or may not
have been applied, so it fails with a ``ConnectionClosed`` saying so instead of being
applied twice.  ``ssl`` is imported
only when an ``https`` URL is first used, so plain-HTTP and stdio users never pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import select  # asyncio's selectors load it already
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import EllipsisType
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from .._errors import ConnectError, ConnectionClosed, RemoteProtocolError, RequestTimeout
from .._wire import http11 as h11
from .._wire.http11_write import encode_request_head

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_SECONDS: Final = 10.0
# Longest silence while waiting for a response head or the next body bytes.  SSE streams
# are quiet for long stretches (servers send keep-alive comments), so this is generous;
# None waits forever.
DEFAULT_READ_TIMEOUT_SECONDS: Final = 300.0
DEFAULT_MAX_BODY_BYTES: Final = h11.DEFAULT_MAX_BODY_BYTES  # what read() buffers (4 MiB)
DEFAULT_MAX_CONNECTIONS_PER_ORIGIN: Final = 16  # open (busy + idle) per scheme/host/port
# Idle connections kept per origin.  Every idle connection was busy once, so the pool never
# holds more than the concurrency it has seen; a lower cap closes connections that the next
# burst must open again (a TCP handshake each, and TIME_WAIT sockets left behind).
DEFAULT_MAX_IDLE_CONNECTIONS_PER_ORIGIN: Final = DEFAULT_MAX_CONNECTIONS_PER_ORIGIN
# A connection idle this long is closed instead of reused: below the keep-alive timeouts of
# common servers (mcplite's and many others' are 5 s), so the client gives it up before the
# server closes it under a request (the race RFC 9112 §9.3.1 describes).
DEFAULT_POOL_IDLE_TIMEOUT_SECONDS: Final = 4.0
# Idle longer than this, a reused connection is probed for a close not yet delivered.
_PROBE_AFTER_IDLE_SECONDS: Final = 0.001
# Methods a client may resend on its own (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
# Parsed but unread body bytes before the socket stops being read (backpressure).
_READ_BUFFER_BYTES: Final = 256 * 1024
_MAX_CACHED_HEADS: Final = 64  # encoded request heads kept (a few per endpoint in practice)

HeaderList = list[tuple[bytes, bytes]]
Origin = tuple[str, str, int]


def split_url(url: str) -> tuple[Origin, str]:
    """``((scheme, host, port), target)`` for an http(s) URL; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return (parts.scheme, parts.hostname, port), target


def _host_header(origin: Origin) -> bytes:
    scheme, host, port = origin
    if ":" in host:  # IPv6 literal (RFC 9110 §7.2 uses the URI authority form)
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return (host if port == default else f"{host}:{port}").encode("idna")


class Listener(Protocol):
    """What a connection tells about a request nobody awaits (``httpexchange.Exchange``)."""

    timed_out: bool

    def tell(self) -> None: ...


class _Connection(asyncio.Protocol):
    """One keep-alive connection: bytes go straight from ``data_received`` into the parser.

    A Protocol rather than a StreamReader: no intermediate buffer (each received chunk is
    parsed once, no copy into and out of a StreamReader), and no read() call per chunk.
    Reading pauses while more than ``_READ_BUFFER_BYTES`` of parsed body waits unread.
    """

    def __init__(self, origin: Origin, gone: Callable[[_Connection], None] | None = None) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = h11.ResponseParser()
        self.events: deque[h11.Event] = deque()
        self.reused = False
        self.received = 0  # response bytes since the current request was written
        self.idle_in: list[_Connection] | None = None  # the pool's list, while idle
        self.idle_since = 0.0  # loop time it went back to the pool
        self.idle_limit = 0.0  # how long it may stay idle (the client's or the server's limit)
        self._gone = gone  # the client's discard, for a pooled connection the server closes
        self.eof = False  # no more bytes will arrive
        self._error: BaseException | None = None  # why reading stopped early
        self._waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._buffered = 0
        self._read_paused = False
        self._write_paused = False
        self._deadline = math.inf  # when the current wait for bytes times out
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf  # when _timer fires
        # A request written by HTTPClient.start whose response nobody awaits: told (with no
        # task and no scheduled callback) as soon as bytes, the end or a timeout arrive.
        self.exchange: Listener | None = None
        # Kept: on Python 3.11 each asyncio.get_running_loop() is a getpid() system call.
        self.loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self.loop.create_future()

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        try:
            self.events.extend(self.parser.feed(data))
        except RemoteProtocolError as exc:
            self._stop(exc)
            return
        self._buffered += len(data)
        if self._buffered > _READ_BUFFER_BYTES and not self._read_paused:
            self._read_paused = True
            assert self.transport is not None
            self.transport.pause_reading()
        if self.exchange is not None:
            self._tell()
        self._wake()

    def _tell(self) -> None:
        ex, self.exchange = self.exchange, None
        self._deadline = math.inf
        if ex is not None:
            ex.tell()

    def eof_received(self) -> bool:
        try:
            self.events.extend(self.parser.feed_eof())
        except RemoteProtocolError as exc:
            self._error = exc
        self.eof = True
        self._leave_pool()
        self._tell()
        self._wake()
        return False  # close our side too

    def _leave_pool(self) -> None:
        # An idle connection the server closed (keep-alive timeout): out of the pool now,
        # so the next request does not pick it and the socket is freed.
        idle = self.idle_in
        if idle is not None:
            self.idle_in = None
            with contextlib.suppress(ValueError):
                idle.remove(self)
            if self._gone is not None:
                self._gone(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self._disarm()
        self._leave_pool()
        if not self.closed.done():
            self.closed.set_result(None)
        if exc is not None and self._error is None:
            self._error = ConnectionClosed(f"the HTTP connection failed: {exc!r}")
        self._tell()
        self._wake()
        w = self._drain_waiter
        if w is not None and not w.done():
            w.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        w = self._drain_waiter
        if w is not None and not w.done():
            w.set_result(None)

    # -- used by the client

    def _stop(self, exc: BaseException) -> None:
        self._error = exc
        self.eof = True
        if self.transport is not None:
            self.transport.close()
        self._tell()
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(None)

    @property
    def usable(self) -> bool:
        return not self.eof and self.transport is not None and not self.transport.is_closing()

    def probe_closed(self) -> bool:
        """True if the socket is readable: the server closed (or wrote on) this idle
        connection and the event loop has not delivered it yet.  Nothing is owed on an
        idle connection, so a FIN, a reset, a 408 or anything else makes it unusable."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        if sock is None:  # pragma: no cover - every socket transport has one
            return False
        try:
            readable, _, _ = select.select([sock.fileno()], (), (), 0)
        except (OSError, ValueError):  # pragma: no cover - closed under us
            return True
        return bool(readable)

    def write(self, data: bytes) -> None:
        if not self.usable:
            raise ConnectionClosed(
                "the HTTP server closed the connection" if self._error is None else str(self._error)
            )
        assert self.transport is not None
        self.transport.write(data)

    async def drain(self) -> None:
        if self._write_paused and not self.eof:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            await self._drain_waiter
            self._drain_waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def next_event(self, timeout: float | None) -> h11.Event:
        events = self.events
        while not events:
            self._buffered = 0
            if self._read_paused and not self.eof:
                self._read_paused = False
                assert self.transport is not None
                self.transport.resume_reading()
            if self.eof:
                if self._error is not None:
                    raise self._error
                raise ConnectionClosed("the HTTP server closed the connection")
            loop = self.loop
            waiter = self._waiter = loop.create_future()
            if timeout is not None:
                deadline = self._deadline = loop.time() + timeout
                if deadline < self._timer_at:
                    self._arm(deadline)
            try:
                await waiter
            except TimeoutError:
                raise RequestTimeout(f"no data from the HTTP server within {timeout} s") from None
            finally:
                self._waiter = None
                self._deadline = math.inf
        return events.popleft()

    # One timer per connection, not one per wait: a wait sets the deadline, and the timer is
    # moved only when that deadline is earlier than the one it is armed for (with a fixed
    # read timeout, never after the first wait).  Firing, it expires a wait whose deadline
    # has passed and re-arms for one that has not.

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self.loop.call_at(when, self._check_deadline)

    def _check_deadline(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        deadline = self._deadline
        if deadline == math.inf or self.eof:
            return
        # A timer may fire a hair before its time (clock resolution): allow 1 ms.
        if deadline <= self.loop.time() + 0.001:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_exception(TimeoutError())
            elif self.exchange is not None:
                self.exchange.timed_out = True
                self._tell()
        else:
            self._arm(deadline)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = math.inf


# Content-Type values seen -> their media type (see HTTPResponse.content_type): a server
# sends one or two.  Bounded; full, it starts over.
_MEDIA_TYPES: dict[bytes, str] = {}


def _closed_message(
    method: str, conn: _Connection, attempt: int, exc: BaseException, unsafe: bool
) -> str:
    """Why a request failed before its response head, and whether the server may have seen it."""
    detail = (
        str(exc) if isinstance(exc, ConnectionClosed) else f"the HTTP connection failed: {exc!r}"
    )
    if unsafe:
        return (
            f"{detail}: the server closed a reused keep-alive connection after the whole "
            f"{method} request was sent and before a byte of the response, so it may or may "
            f"not have processed it; {method} is not idempotent, so it was not resent "
            "(RFC 9112 §9.3.1)"
        )
    if conn.received:
        return (
            f"{detail}: {conn.received} bytes of the response to {method} had arrived, so the "
            "server may have processed it (not retried)"
        )
    if attempt:
        return (
            f"{detail}: no answer to {method} on a fresh connection either (the first "
            "attempt, on a pooled connection the server had closed, got none)"
        )
    return f"{detail}: no answer to {method}"


def _keep_alive_limit(value: bytes, idle_timeout: float) -> float:
    """How long to keep a connection idle given the server's ``Keep-Alive: timeout=N``
    (a de facto header, RFC 2068 §19.7.1): give it up a second (at most half) before."""
    for param in value.split(b","):
        name, _, number = param.partition(b"=")
        if name.strip().lower() == b"timeout":
            try:
                server = float(number.strip())
            except ValueError:
                return idle_timeout
            return min(idle_timeout, max(server - 1.0, server / 2))
    return idle_timeout


class HTTPResponse:
    """A response whose head has arrived; read its body with ``read`` or ``aiter_bytes``.

    Always ``aclose()`` it (or read it to the end): a fully read keep-alive response returns
    its connection to the pool, anything else closes the connection.
    """

    def __init__(
        self,
        client: HTTPClient,
        conn: _Connection,
        head: h11.Response,
        read_timeout: float | None,
    ) -> None:
        self._client = client
        self._conn: _Connection | None = conn
        self.status = head.status
        self.reason = head.reason.decode("latin-1")
        self.headers = head.headers
        self._keep_alive = head.keep_alive
        announced = head.headers.get(b"keep-alive")
        conn.idle_limit = (
            client.idle_timeout
            if announced is None
            else _keep_alive_limit(announced, client.idle_timeout)
        )
        self._read_timeout = read_timeout

    def header(self, name: str) -> str | None:
        value = self.headers.get(name.lower().encode())
        return None if value is None else value.decode("latin-1")

    @property
    def content_type(self) -> str:
        """The media type, lowercased, without parameters ("" if absent)."""
        value = self.headers.get(b"content-type")
        if value is None:
            return ""
        kind = _MEDIA_TYPES.get(value)
        if kind is None:
            kind = value.decode("latin-1").split(";", 1)[0].strip().lower()
            if len(value) <= 256:
                if len(_MEDIA_TYPES) >= 64:
                    _MEDIA_TYPES.clear()
                _MEDIA_TYPES[value] = kind
        return kind

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """Body bytes as they arrive."""
        while (chunk := await self.next_chunk()) is not None:
            yield chunk

    @property
    def buffered(self) -> bool:
        """True when the next body event has already arrived (``next_chunk`` will not wait)."""
        conn = self._conn
        return conn is not None and bool(conn.events)

    def ended(self) -> bool:
        """True if the body is over: read to its end already, or its end has arrived and
        nothing but it is left (then taken now, returning the connection, with no wait)."""
        conn = self._conn
        if conn is None:
            return True
        events = conn.events
        if len(events) == 1 and type(events[0]) is h11.EndOfMessage:
            events.clear()
            self._release()
            return True
        return False

    async def next_chunk(self) -> bytes | None:
        """The next body bytes as they arrive; None at the end of the body."""
        while self._conn is not None:
            event = await self._next()
            if type(event) is h11.Data:
                return event.data
            if type(event) is h11.EndOfMessage:
                self._release()
        return None

    async def _next(self) -> h11.Event:
        conn = self._conn
        assert conn is not None
        try:
            return await conn.next_event(self._read_timeout)
        except BaseException:
            self._abort()
            raise

    def take(self, max_bytes: int) -> bytes | None:
        """The whole body if it has arrived (and is at most ``max_bytes``), taken with no
        wait (the connection goes back to the pool); None: use ``read``."""
        conn = self._conn
        if conn is None:
            return None
        events = conn.events
        n = len(events)
        if n == 1 and type(events[0]) is h11.EndOfMessage:
            events.clear()
            self._release()
            return b""
        if (
            n == 2
            and type(events[1]) is h11.EndOfMessage
            and type(event := events[0]) is h11.Data
            and len(event.data) <= max_bytes
        ):
            events.clear()
            self._release()
            return event.data
        return None

    async def read(self, max_bytes: int | None = DEFAULT_MAX_BODY_BYTES) -> bytes:
        """The whole body; more than ``max_bytes`` raises ``RemoteProtocolError``."""
        conn = self._conn
        if conn is not None:
            # The hot path: the whole body arrived with the head (one Data, the end), so it
            # is taken as is, with no wait, and the connection goes back to the pool.
            events = conn.events
            if (
                len(events) == 2
                and type(events[1]) is h11.EndOfMessage
                and type(event := events[0]) is h11.Data
                and (max_bytes is None or len(event.data) <= max_bytes)
            ):
                events.clear()
                self._release()
                return event.data
        parts: list[bytes] = []
        size = 0
        while (chunk := await self.next_chunk()) is not None:
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                self._abort()
                raise RemoteProtocolError(
                    f"HTTP response body exceeds {max_bytes} bytes (status {self.status})"
                )
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._client._release(conn, self._keep_alive)

    def _abort(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._client._release(conn, False)

    async def aclose(self) -> None:
        self._abort()

    @property
    def closed(self) -> bool:
        return self._conn is None


class HTTPClient:
    """Keep-alive connections, bounded per origin; ``request`` returns after the head."""

    def __init__(
        self,
        *,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        read_timeout: float | None = DEFAULT_READ_TIMEOUT_SECONDS,
        max_connections_per_origin: int = DEFAULT_MAX_CONNECTIONS_PER_ORIGIN,
        max_idle_per_origin: int = DEFAULT_MAX_IDLE_CONNECTIONS_PER_ORIGIN,
        idle_timeout: float | None = DEFAULT_POOL_IDLE_TIMEOUT_SECONDS,
        ssl_context: Any = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_connections_per_origin = max_connections_per_origin
        self.max_idle_per_origin = max_idle_per_origin
        self.idle_timeout = float("inf") if idle_timeout is None else idle_timeout
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}
        self._open: set[_Connection] = set()
        # (method, url, headers) -> origin, the request head up to Content-Length: a client
        # sends the same few heads over and over (per session, the same Mcp-Session-Id).
        self._heads: dict[Any, tuple[Origin, bytes]] = {}
        self.closed = False

    async def request(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes | None = None,
        *,
        read_timeout: float | None | EllipsisType = ...,
        idempotent: bool | None = None,
    ) -> HTTPResponse:
        """Send a request; return once the response head arrived.

        ``idempotent`` (default: by method, RFC 9110 §9.2.2) says whether the request may be
        sent again when a reused connection closes before any answer; a request that never
        left is resent whatever it is.
        """
        if self.closed:
            raise ConnectionClosed("the HTTP client is closed")
        if type(headers) is tuple:
            pairs = headers
        elif isinstance(headers, Mapping):
            pairs = tuple(headers.items())
        else:
            pairs = tuple(headers)
        origin, prefix = self._head(method, url, pairs)
        if body is None:
            head = prefix + b"\r\n"
        else:
            head = prefix + b"content-length: %d\r\n\r\n" % len(body)
        timeout = self.read_timeout if read_timeout is ... else read_timeout
        resend_unanswered = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        slot = self._slots.get(origin)
        if slot is None:  # not setdefault: that built a Semaphore per call to throw away
            slot = self._slots[origin] = asyncio.Semaphore(self.max_connections_per_origin)
        await slot.acquire()
        try:
            for attempt in range(2):
                conn = self._idle_connection(origin) or await self._connect(origin)
                sent = False
                try:
                    conn.received = 0
                    conn.parser.expect_response(method)
                    conn.write(head + body if body else head)
                    # The transport sends at once when the socket takes it; a send the
                    # kernel refuses (the server's reset is in) closes it right here, and
                    # then not a byte of the request reached the server.
                    assert conn.transport is not None
                    sent = not conn.transport.is_closing()
                    if conn._write_paused:  # drain() only when the transport pushes back
                        await conn.drain()
                    event = await conn.next_event(timeout)
                except RequestTimeout:  # a TimeoutError, hence an OSError: not retried
                    self._discard(conn)
                    raise
                except (ConnectionClosed, OSError, RemoteProtocolError) as exc:
                    self._discard(conn)
                    # A reused connection the server closed (its keep-alive timeout) with
                    # not a byte of an answer: resend once on a fresh one if the request
                    # never left, or if sending it twice is harmless (RFC 9112 §9.3.1).
                    unanswered = conn.reused and conn.received == 0 and attempt == 0
                    if unanswered and (not sent or resend_unanswered):
                        log.debug("pooled connection closed by the server: request resent")
                        continue
                    if isinstance(exc, RemoteProtocolError) and conn.received:
                        raise
                    unsafe = unanswered and sent
                    msg = _closed_message(method, conn, attempt, exc, unsafe)
                    raise ConnectionClosed(msg) from exc
                except BaseException:
                    self._discard(conn)
                    raise
                assert type(event) is h11.Response
                return HTTPResponse(self, conn, event, timeout)
            raise AssertionError("unreachable")  # pragma: no cover
        except BaseException:
            slot.release()
            raise

    def _head(
        self, method: str, url: str, pairs: tuple[tuple[str, str], ...]
    ) -> tuple[Origin, bytes]:
        key = (method, url, pairs)
        try:
            cached = self._heads.get(key)
            cacheable = True
        except TypeError:  # an unhashable header value: encoded, not kept
            cached, cacheable = None, False
        if cached is None:
            cached = self._prepare(method, url, pairs)  # raises for a bad field: not kept
            if cacheable:
                if len(self._heads) >= _MAX_CACHED_HEADS:
                    self._heads.clear()
                self._heads[key] = cached
        return cached

    @staticmethod
    def _prepare(method: str, url: str, pairs: tuple[tuple[str, str], ...]) -> tuple[Origin, bytes]:
        """The origin and the checked, encoded head (request line, Host, ``pairs``) of a
        request, without the Content-Length field and the blank line that end it."""
        origin, target = split_url(url)
        out: HeaderList = [(b"host", _host_header(origin))]
        out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        head = encode_request_head(method, target, out)
        return origin, head[:-2]  # the blank line: Content-Length may follow

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = idle[-1].loop.time()
        while idle:
            conn = idle.pop()  # LIFO: the most recently used
            conn.idle_in = None
            age = now - conn.idle_since
            # Back-to-back reuse (age below the probe threshold) costs no system call; a
            # connection idle longer is asked whether a close is already waiting in it.
            if (
                conn.usable
                and age < conn.idle_limit
                and (age < _PROBE_AFTER_IDLE_SECONDS or not conn.probe_closed())
            ):
                conn.reused = True
                return conn
            self._discard(conn)  # the older ones behind it are older still
        return None

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        ssl_ctx: Any = None
        if scheme == "https":
            ssl_ctx = self._ssl_context
            if ssl_ctx is None:
                import ssl  # lazy: plain-HTTP users never load it

                ssl_ctx = self._ssl_context = ssl.create_default_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(origin, self._discard),
                    host,
                    port,
                    ssl=ssl_ctx,
                    server_hostname=host if ssl_ctx else None,
                )
        except TimeoutError:
            raise ConnectError(
                f"could not connect to {host}:{port} within {self.connect_timeout} s"
            ) from None
        except OSError as exc:
            raise ConnectError(f"could not connect to {host}:{port}: {exc}") from exc
        self._open.add(conn)
        return conn

    def _discard(self, conn: _Connection) -> None:
        self._open.discard(conn)
        conn.close()

    def _release(self, conn: _Connection, keep_alive: bool) -> None:
        slot = self._slots.get(conn.origin)
        if slot is not None:
            slot.release()
        idle = self._idle.setdefault(conn.origin, [])
        if keep_alive and conn.usable and not self.closed and len(idle) < self.max_idle_per_origin:
            conn.events.clear()
            conn.idle_since = conn.loop.time()
            conn.idle_in = idle
            idle.append(conn)
        else:
            self._discard(conn)

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def aclose(self) -> None:
        """Close every connection, idle or busy (busy responses fail with ConnectionClosed)."""
        self.closed = True
        self._idle.clear()
        conns = list(self._open)
        self._open.clear()
        for conn in conns:
            conn.close()
        for conn in conns:
            try:
                async with asyncio.timeout(1.0):
                    await asyncio.shield(conn.closed)
            except (OSError, TimeoutError):  # pragma: no cover - best effort
                pass

    async def __aenter__(self) -> HTTPClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
