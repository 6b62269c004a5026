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

The connection protocol is in ``_io.httpconn``, the responder in ``_io.httpresponse``.

Bounds (DESIGN.md §8): body/head/header-count limits come from the parser (413/431);
``head_timeout`` runs from the first byte of a request to its last (slow clients get 408),
``keep_alive_timeout`` closes idle connections, ``max_connections`` answers 503 beyond it,
and ``aclose`` finishes in-flight requests within ``shutdown_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from .._wire.http11 import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEAD_BYTES,
    DEFAULT_MAX_HEADERS,
    Request,
)
from .httpconn import _Connection
from .httpresponse import App, Responder, ResponseStream
from .session import DEFAULT_SHUTDOWN_TIMEOUT_SECONDS  # in-flight requests get this on aclose()

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_HEAD_CACHE_TIMEOUT_SECONDS",
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
# An idle keep-alive connection drops the parse of its last request head (kept so that the
# next, byte-identical head is not parsed again: ~1.5 KB) after this long.  Reparsing costs
# ~15 us, nothing against a 100 ms gap; holding it costs every idle client's connection.
DEFAULT_HEAD_CACHE_TIMEOUT_SECONDS: Final = 0.1
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

_ANSWER_GRACE_SECONDS: Final = 1.0  # shutdown: for answers written after on_drained


def make_ssl_context(certfile: str, keyfile: str | None = None) -> ssl.SSLContext:
    """A server TLS context (``ssl`` is imported here, not at module import)."""
    import ssl  # lazy: ssl only for TLS

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certfile, keyfile)
    return ctx


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
        head_cache_timeout: float = DEFAULT_HEAD_CACHE_TIMEOUT_SECONDS,
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
        self.head_cache_timeout = head_cache_timeout
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
                async with asyncio.timeout(self.shutdown_timeout):
                    await self._all_gone.wait()
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
                async with asyncio.timeout(_ANSWER_GRACE_SECONDS):
                    await self._all_gone.wait()
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
