"""The Transport protocol, the in-memory pair, and a logging wrapper (layer 3).

A transport moves framed JSON-RPC payloads (one message or one batch per call) and
nothing else: the session above it owns the protocol.  ``related`` names the request a
message belongs to, so transports that route per request (streamable HTTP sends a
response on the POST that carried the request) can; stream transports ignore it.

A transport may also offer ``async push_to(receiver)``: hand each payload to ``receiver``
from its read callback (the lean stdio path, ``_io/pipes.py``) instead of being pulled with
``receive``; the session uses it when it is there.  A wrapper that watches what is received
must wrap it too (``watch_push``), or not offer it.  A transport whose payloads arrive
from someone else's callbacks (a streamable-HTTP session: each POST hands its body over)
may instead offer ``hand_to(receiver, failed)``, ``hand_to(None)`` to stop: the session
then runs no reader task at all (``_server/streamable_session.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from .._errors import ConnectionClosed

log = logging.getLogger(__name__)

DEFAULT_MEMORY_QUEUE_MESSAGES = 1024

RequestId = int | str


@runtime_checkable
class Transport(Protocol):
    """What a session needs from a transport: payloads in, payloads out, close."""

    async def receive(self) -> bytes:
        """Return the next payload; raise ``ConnectionClosed`` at the end of the stream.

        May raise ``RemoteProtocolError`` for one bad frame (e.g. an over-long line); the
        transport stays usable and the session answers the error and reads on.
        """
        ...

    async def send(self, data: bytes, related: RequestId | None = None) -> None:
        """Send one payload; ``related`` is the id of the request it belongs to, if any."""
        ...

    async def aclose(self) -> None:
        """Close the transport (idempotent)."""
        ...


@runtime_checkable
class Acceptor(Protocol):
    """Anything that serves a transport it is handed (a ``Server``): what ``connect(server)``
    needs, declared here so the client layer never imports the server layer."""

    def accept(self, transport: Transport) -> object:
        """Start serving ``transport``; the session ends when the transport does."""
        ...


def watch_push(inner: Any, see: Callable[[bytes], None]) -> Any:
    """``inner.push_to``, calling ``see(payload)`` on each payload before it is handed on;
    AttributeError when ``inner`` can only be pulled (for wrappers' ``__getattr__``)."""
    push_to = inner.push_to

    async def watched(receiver: Callable[[Any], Awaitable[None] | None]) -> None:
        def seen(item: Any) -> Awaitable[None] | None:
            if isinstance(item, bytes):
                see(item)
            return receiver(item)

        await push_to(seen)

    return watched


_EOF = b""


class MemoryTransport:
    """One end of an in-memory pair; see ``memory_pair``."""

    def __init__(self, inbox: asyncio.Queue[bytes], outbox: asyncio.Queue[bytes]) -> None:
        self._inbox = inbox
        self._outbox = outbox
        self._closed = False

    async def receive(self) -> bytes:
        """The next payload the other end sent; ``ConnectionClosed`` once it closed."""
        if self._closed:
            raise ConnectionClosed("the in-memory transport is closed")
        data = await self._inbox.get()
        if data is _EOF:
            self._closed = True
            raise ConnectionClosed("the peer closed the in-memory transport")
        return data

    async def send(self, data: bytes, related: RequestId | None = None) -> None:
        """Queue ``data`` for the other end (waits while its queue is full)."""
        if self._closed:
            raise ConnectionClosed("the in-memory transport is closed")
        await self._outbox.put(data)

    async def aclose(self) -> None:
        """Close both directions; the other end sees the end of the stream."""
        if self._closed:
            return
        self._closed = True
        # Tell the peer; never block on a full queue while closing.
        try:
            self._outbox.put_nowait(_EOF)
        except asyncio.QueueFull:
            self._outbox.get_nowait()
            self._outbox.put_nowait(_EOF)
        try:
            self._inbox.put_nowait(_EOF)  # wake our own reader
        except asyncio.QueueFull:
            pass


def memory_pair(
    max_messages: int = DEFAULT_MEMORY_QUEUE_MESSAGES,
) -> tuple[MemoryTransport, MemoryTransport]:
    """Two connected transports (client end, server end) with bounded queues."""
    a: asyncio.Queue[bytes] = asyncio.Queue(max_messages)
    b: asyncio.Queue[bytes] = asyncio.Queue(max_messages)
    return MemoryTransport(a, b), MemoryTransport(b, a)


class LoggingTransport:
    """Wrap a transport and log every payload at DEBUG (troubleshooting aid)."""

    def __init__(self, inner: Transport, name: str = "transport") -> None:
        self.inner = inner
        self.name = name

    async def receive(self) -> bytes:
        """Receive from the wrapped transport, logging the payload."""
        data = await self.inner.receive()
        log.debug("%s <- %s", self.name, data.decode("utf-8", "replace"))
        return data

    async def send(self, data: bytes, related: RequestId | None = None) -> None:
        """Log the payload, then send it on the wrapped transport."""
        log.debug("%s -> %s", self.name, data.decode("utf-8", "replace"))
        await self.inner.send(data, related)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()
