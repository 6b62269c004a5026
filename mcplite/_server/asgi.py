"""ASGI adapter: the streamable HTTP endpoint under uvicorn, hypercorn, ... (layer 3).

``asgi_app(server, **options)`` returns an ASGI 3 callable serving the same
``StreamableHTTPApp`` as our own HTTP server; no ASGI package is imported.  The app's
responder interface is synchronous (``respond``/``start_stream``/``write``), so this
adapter queues what it is told and a pump coroutine feeds ASGI ``send``.  A client
disconnect (``http.disconnect``) runs the responder's close callbacks, as a dropped socket
does on our own server.  Run several workers statelessly (``stateless=True``) and give the
``Server`` a shared ``state_key`` so MRTR request state verifies in any worker.  The lifespan
protocol enters ``Server(lifespan=...)`` (run the ASGI server with lifespan on, uvicorn's
default ``auto``; without it handlers see ``ctx.lifespan`` as None and one warning is logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from .._io.httpresponse import protocol_refusal, refusal
from .._server.lifespan import LifespanStartupError, lifespan_scope
from .._server.streamable_http import StreamableHTTPApp
from .._wire.http11 import DEFAULT_MAX_BODY_BYTES, Headers, Request, body_too_large

__all__ = ["asgi_app"]

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_START, _BODY, _ABORT = 0, 1, 2


class _Channel:
    """Responder + ResponseStream in one, backed by a queue the pump drains."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.started = False
        self.done = False
        self.lost = False
        self.queue: deque[tuple[int, Any, Any]] = deque()
        self.wake = asyncio.Event()
        self.callbacks: list[Callable[[], None]] = []
        self.stream: _Channel | None = None

    # Responder
    @property
    def local_address(self) -> Any:
        server = self.scope.get("server")
        return tuple(server) if server else None

    @property
    def client(self) -> Any:
        return self.scope.get("client")

    @property
    def disconnected(self) -> bool:
        return self.lost

    def on_close(self, callback: Callable[[], None]) -> None:
        if self.lost:
            callback()
        else:
            self.callbacks.append(callback)

    def _push(self, item: tuple[int, Any, Any]) -> None:
        self.queue.append(item)
        self.wake.set()

    def respond(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        if self.started:
            raise RuntimeError("this request was already answered")
        self.started = True
        self.done = True
        headers = [*headers, (b"content-length", b"%d" % len(body))]
        self._push((_START, status, headers))
        self._push((_BODY, body, False))

    def start_stream(self, status: int, headers: list[tuple[bytes, bytes]]) -> _Channel:
        if self.started:
            raise RuntimeError("this request was already answered")
        self.started = True
        self.stream = self
        self._push((_START, status, headers))
        return self

    # ResponseStream
    @property
    def closed(self) -> bool:
        return self.done or self.lost

    def write(self, data: bytes) -> None:
        if not self.closed and data:
            self._push((_BODY, data, True))

    async def drain(self) -> None:
        return None  # the ASGI server applies its own flow control in send()

    def end(self, data: bytes = b"") -> None:
        if self.closed:
            return
        self.done = True
        self._push((_BODY, data, False))

    def abort(self) -> None:
        if self.closed:
            return
        self.done = True
        self._push((_ABORT, None, None))

    def gone(self) -> None:
        if self.lost:
            return
        self.lost = True
        self.wake.set()
        callbacks, self.callbacks = self.callbacks, []
        for cb in callbacks:
            cb()


def asgi_app(
    server: Any, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, **options: Any
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI 3 application serving ``server`` (options as ``StreamableHTTPApp``)."""
    mcp = StreamableHTTPApp(server, **options)
    warned: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan(server, mcp, receive, send)
            return
        if kind != "http":
            return
        if not warned and server.lifespan is not None and not server.lifespan_entered:
            warned.append(True)
            log.warning(
                "%s: a request arrived before Server(lifespan=...) was entered: run the ASGI "
                "server with its lifespan protocol on (uvicorn --lifespan on)",
                server.info.name,
            )
        headers = Headers([(bytes(n).lower(), bytes(v)) for n, v in scope.get("headers", [])])
        declared = _content_length(headers)
        if declared is not None and declared > max_body_bytes:
            body = None  # refused before reading, as our own server does from the head
        else:
            declared = None  # over the limit anyway: a chunked body (or HTTP/2 without one)
            body = await _read_body(receive, max_body_bytes)
        if body is None:
            # The very refusal our own server sends (status, fields, JSON-RPC error body).
            status, message = protocol_refusal(body_too_large(declared, max_body_bytes))
            fields, payload = refusal(status, message)
            await send({"type": "http.response.start", "status": status, "headers": fields})
            await send({"type": "http.response.body", "body": payload})
            return
        target = scope.get("raw_path") or scope["path"].encode()
        if isinstance(target, bytes):
            target = target.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        request = Request(scope["method"], target, headers)
        channel = _Channel(scope)
        result = mcp(request, body, channel)  # type: ignore[arg-type]
        task = asyncio.ensure_future(result) if result is not None else None
        watcher = asyncio.ensure_future(_watch_disconnect(receive, channel))
        try:
            await _pump(channel, send)
        finally:
            watcher.cancel()
            if task is not None and not task.done():
                task.cancel()

    app.mcp = mcp  # type: ignore[attr-defined]
    return app


def _content_length(headers: Headers) -> int | None:
    value = headers.get(b"content-length")  # the ASGI server checked its syntax
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)  # disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def _watch_disconnect(receive: Receive, channel: _Channel) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            channel.gone()
            return


async def _pump(channel: _Channel, send: Send) -> None:
    while True:
        while not channel.queue:
            if channel.lost:
                return
            channel.wake.clear()
            await channel.wake.wait()
        kind, a, b = channel.queue.popleft()
        if kind == _START:
            await send({"type": "http.response.start", "status": a, "headers": b})
        elif kind == _BODY:
            await send({"type": "http.response.body", "body": a, "more_body": b})
            if not b:
                return
        else:
            return  # abort: leave the response unfinished; the server drops the connection


async def _lifespan(server: Any, mcp: StreamableHTTPApp, receive: Receive, send: Send) -> None:
    """The ASGI lifespan protocol (asgi-spec "Lifespan Protocol"): ``Server(lifespan=...)`` is
    entered at ``lifespan.startup`` and exited at ``lifespan.shutdown``, in this one task (an
    async context manager must exit in the task that entered it).  Each worker process of a
    multi-worker ASGI server runs its own lifespan, so it is entered once per process."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    started = False
    try:
        async with lifespan_scope(server):
            await send({"type": "lifespan.startup.complete"})
            started = True
            while (await receive())["type"] != "lifespan.shutdown":
                pass
            await mcp.aclose()  # open streams end before the lifespan's resources go
    except LifespanStartupError as exc:
        # The ASGI server prints the message and exits non-zero (uvicorn: status 3).
        await send({"type": "lifespan.startup.failed", "message": f"mcplite: {exc}"})
        return
    except Exception as exc:
        kind = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
        await send({"type": kind, "message": f"mcplite: {type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
