"""The answer side of ``_io.httpserver``: ``Responder`` (one request, answered once) and
``ResponseStream`` (a body written piece by piece, for SSE) (layer 3).

``respond(status, headers, body)`` is one write framed by Content-Length (the hot path);
``start_stream(status, headers)`` sends a chunked body (close-delimited for HTTP/1.0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

from .._core import jsonrpc as rpc
from .._errors import INVALID_REQUEST
from .._wire.http11 import HTTPProtocolError, Request
from .._wire.http11_write import CHUNKED_END, encode_response_head, reason

__all__ = ["App", "Responder", "ResponseStream"]

App = Callable[[Request, bytes, "Responder"], Awaitable[None] | None]

_CLOSE: Final = [(b"connection", b"close")]


class _Connection(Protocol):
    """What a responder needs of its connection (``_io.httpconn._Connection``)."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    lost: bool
    dispatching: bool  # inside the app's call for the current request
    held: ResponseStream | None  # its stream head, written when that call returns
    closing: bool
    stream: ResponseStream | None

    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def finished(self, keep_alive: bool) -> None: ...
    def on_close(self, callback: Callable[[], None]) -> None: ...
    def pause_writing(self) -> None: ...  # asyncio.Protocol flow control
    def resume_writing(self) -> None: ...


def refusal(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The HTTP server's own refusal (a limit, or a request it cannot parse): the header
    fields and a JSON-RPC error body naming what was wrong; the connection closes after it.
    Our server writes it (``encode_refusal``); the ASGI adapter sends the same parts."""
    body = rpc.encode_error(None, INVALID_REQUEST, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *_CLOSE,
    ]
    return headers, body


def encode_refusal(status: int, message: str) -> bytes:
    """``refusal`` as the bytes to write: head and body."""
    headers, body = refusal(status, message)
    return encode_response_head(status, headers) + body


def protocol_refusal(exc: HTTPProtocolError) -> tuple[int, str]:
    """The status and message answering a request the parser refused."""
    return exc.status, f"{reason(exc.status)}: {exc}"


class ResponseStream:
    """A response body written piece by piece (SSE).  ``end()`` finishes it; ``abort()``
    closes the connection without finishing it (the client sees a broken stream).

    The head, and what is written with it (a priming event), is held until the app's
    call for the request returns (or, for a stream started elsewhere, until the current
    event-loop step's callbacks have run), then leaves in one write -- or with the end of
    the body, when the answer comes in time (a handler that never suspends): one write
    per response, fewer syscalls and TCP segments, and the client parses it in one read.
    """

    __slots__ = ("_chunked", "_conn", "_head", "done")

    def __init__(self, conn: _Connection, chunked: bool, head: bytes = b"") -> None:
        self._conn = conn
        self._chunked = chunked
        self._head = head  # the head and the events held with it, not yet written
        self.done = False
        if head:
            if conn.dispatching and conn.held is None:
                conn.held = self  # written when the app's call returns (no callback)
            else:
                conn.loop.call_soon(self.flush_head)

    @property
    def closed(self) -> bool:
        """True once ended, aborted, or the client went away."""
        return self.done or self._conn.lost

    def flush_head(self) -> None:
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
        if self.done or self._conn.lost or not data:  # closed, inline: once per event
            return
        if self._head:
            self._head = self._frame(data)  # held with the head until flush_head
            return
        self._conn.write(self._frame(data))

    async def drain(self) -> None:
        """Wait while the client reads slower than we write (bounded write buffer)."""
        await self._conn.drain()

    def end(self, data: bytes = b"") -> None:
        if self.done or self._conn.lost:  # closed, inline: once per response
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
        self.flush_head()
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
        head = encode_response_head(status, headers, content_length=len(body), close=not keep_alive)
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
