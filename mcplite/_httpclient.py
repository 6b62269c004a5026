"""A small asyncio HTTP/1.1 client driving the sans-I/O ``_http11.ResponseParser`` (layer 3).

Just what streamable HTTP needs: one request per connection at a time, a bounded keep-alive
pool per origin, connect/read timeouts, a cap on buffered bodies, and bodies that can be read
incrementally (an SSE response is a body that never ends on its own).  ``ssl`` is imported
only when an ``https`` URL is first used, so plain-HTTP and stdio users never pay for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from . import _http11 as h11
from ._errors import ConnectError, ConnectionClosed, RemoteProtocolError, RequestTimeout

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_SECONDS: Final = 10.0
# Longest silence while waiting for a response head or the next body bytes.  SSE streams
# are quiet for long stretches (servers send keep-alive comments), so this is generous;
# None waits forever.
DEFAULT_READ_TIMEOUT_SECONDS: Final = 300.0
DEFAULT_MAX_BODY_BYTES: Final = h11.DEFAULT_MAX_BODY_BYTES  # what read() buffers (4 MiB)
DEFAULT_MAX_CONNECTIONS_PER_ORIGIN: Final = 16  # open (busy + idle) per scheme/host/port
DEFAULT_MAX_IDLE_CONNECTIONS_PER_ORIGIN: Final = 4
_READ_CHUNK_BYTES: Final = 64 * 1024

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


class _Connection:
    def __init__(
        self, origin: Origin, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.origin = origin
        self.reader = reader
        self.writer = writer
        self.parser = h11.ResponseParser()
        self.events: list[h11.Event] = []
        self.reused = False

    def close(self) -> None:
        self.writer.close()

    async def next_event(self, timeout: float | None) -> h11.Event:
        while not self.events:
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(_READ_CHUNK_BYTES)
            except TimeoutError:
                raise RequestTimeout(f"no data from the HTTP server within {timeout} s") from None
            except OSError as exc:
                raise ConnectionClosed(f"the HTTP connection failed: {exc!r}") from exc
            if data:
                self.events = self.parser.feed(data)
            else:
                self.events = self.parser.feed_eof()
                if not self.events:
                    raise ConnectionClosed("the HTTP server closed the connection")
            self.events.reverse()
        return self.events.pop()


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
        self._read_timeout = read_timeout

    def header(self, name: str) -> str | None:
        value = self.headers.get(name.lower().encode())
        return None if value is None else value.decode("latin-1")

    @property
    def content_type(self) -> str:
        """The media type, lowercased, without parameters ("" if absent)."""
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """Body bytes as they arrive."""
        while self._conn is not None:
            event = await self._next()
            if type(event) is h11.Data:
                yield event.data
            elif type(event) is h11.EndOfMessage:
                self._release()

    async def _next(self) -> h11.Event:
        conn = self._conn
        assert conn is not None
        try:
            return await conn.next_event(self._read_timeout)
        except BaseException:
            self._abort()
            raise

    async def read(self, max_bytes: int | None = DEFAULT_MAX_BODY_BYTES) -> bytes:
        """The whole body; more than ``max_bytes`` raises ``RemoteProtocolError``."""
        parts: list[bytes] = []
        size = 0
        async for chunk in self.aiter_bytes():
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                self._abort()
                raise RemoteProtocolError(
                    f"HTTP response body exceeds {max_bytes} bytes (status {self.status})"
                )
            parts.append(chunk)
        return b"".join(parts)

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
        ssl_context: Any = None,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_connections_per_origin = max_connections_per_origin
        self.max_idle_per_origin = max_idle_per_origin
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}
        self._open: set[_Connection] = set()
        self.closed = False

    async def request(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes | None = None,
        *,
        read_timeout: float | None | Any = ...,
    ) -> HTTPResponse:
        if self.closed:
            raise ConnectionClosed("the HTTP client is closed")
        origin, target = split_url(url)
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        out: HeaderList = [(b"host", _host_header(origin))]
        out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        if body is not None:
            out.append((b"content-length", str(len(body)).encode()))
        head = h11.encode_request_head(method, target, out)
        timeout = self.read_timeout if read_timeout is ... else read_timeout
        slot = self._slots.setdefault(origin, asyncio.Semaphore(self.max_connections_per_origin))
        await slot.acquire()
        try:
            for attempt in range(2):
                conn = self._idle_connection(origin) or await self._connect(origin)
                try:
                    conn.parser.expect_response(method)
                    conn.writer.write(head + body if body else head)
                    await conn.writer.drain()
                    event = await conn.next_event(timeout)
                except RequestTimeout:  # a TimeoutError, hence an OSError: not retried
                    self._discard(conn)
                    raise
                except (ConnectionClosed, OSError) as exc:
                    self._discard(conn)
                    # A pooled connection the server already closed: retry once on a
                    # fresh one (nothing of the response arrived, so nothing was lost).
                    if conn.reused and attempt == 0:
                        continue
                    if isinstance(exc, ConnectionClosed):
                        raise
                    raise ConnectionClosed(f"the HTTP connection failed: {exc!r}") from exc
                except BaseException:
                    self._discard(conn)
                    raise
                assert type(event) is h11.Response
                return HTTPResponse(self, conn, event, timeout)
            raise AssertionError("unreachable")  # pragma: no cover
        except BaseException:
            slot.release()
            raise

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                conn.reused = True
                return conn
            self._discard(conn)
        return None

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        ssl_ctx: Any = None
        if scheme == "https":
            ssl_ctx = self._ssl_context
            if ssl_ctx is None:
                import ssl  # lazy: plain-HTTP users never load it

                ssl_ctx = self._ssl_context = ssl.create_default_context()
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=ssl_ctx, server_hostname=host if ssl_ctx else None
                )
        except TimeoutError:
            raise ConnectError(
                f"could not connect to {host}:{port} within {self.connect_timeout} s"
            ) from None
        except OSError as exc:
            raise ConnectError(f"could not connect to {host}:{port}: {exc}") from exc
        conn = _Connection(origin, reader, writer)
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
        if keep_alive and not self.closed and len(idle) < self.max_idle_per_origin:
            conn.events.clear()
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
                await asyncio.wait_for(conn.writer.wait_closed(), 1.0)
            except (OSError, TimeoutError):  # pragma: no cover - best effort
                pass

    async def __aenter__(self) -> HTTPClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
