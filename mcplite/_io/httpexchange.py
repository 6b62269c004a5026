"""Requests written from a plain callback, their answers told from ``data_received``
(layer 3): the streamable HTTP client's hot path (``StreamableHTTPTransport._arrived``).

``start`` writes a request at once on an idle pooled connection; the connection calls the
exchange's ``ready`` from ``data_received`` (or its end, or the read timeout) with no task
and no scheduled callback in between.  A whole response is then taken at once
(``Exchange.complete``); anything else is awaited with ``Exchange.finish``, which is what
``HTTPClient.request`` does after writing (same timeouts, same errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .._errors import ConnectionClosed, RemoteProtocolError, RequestTimeout
from .._wire import http11 as h11
from .httpclient import HTTPClient, HTTPResponse, _closed_message, _Connection


class Exchange:
    """A request ``HTTPClient.start`` wrote: its connection calls ``ready`` once the
    response's first bytes (or its end, or the read timeout) are in.  Then the owner either
    takes a complete response at once (``complete``) or awaits ``finish()``, which is what
    ``HTTPClient.request`` does after writing (errors, timeouts and messages the same); or
    it gives the exchange up with ``abort()`` (the connection is closed)."""

    __slots__ = ("_client", "_held", "_slot", "conn", "method", "ready", "timed_out", "timeout")

    def __init__(
        self,
        client: HTTPClient,
        conn: _Connection,
        slot: asyncio.Semaphore,
        method: str,
        timeout: float | None,
        ready: Callable[[Exchange], None],
    ) -> None:
        self._client = client
        self.conn = conn
        self._slot = slot
        self.method = method
        self.timeout = timeout
        self.ready = ready
        self.timed_out = False
        self._held = True  # the slot and the connection are still this exchange's

    def tell(self) -> None:
        self.ready(self)

    def complete(self) -> HTTPResponse | None:
        """The response if the whole of it has arrived (head, at most one body chunk, end)
        and nothing went wrong; None otherwise (then ``finish()`` or ``abort()``)."""
        events = self.conn.events
        n = len(events)
        if (
            self._held
            and not self.timed_out
            and 2 <= n <= 3
            and type(head := events[0]) is h11.Response
            and type(events[-1]) is h11.EndOfMessage
            and (n == 2 or type(events[1]) is h11.Data)
        ):
            events.popleft()
            self._held = False
            return HTTPResponse(self._client, self.conn, head, self.timeout)
        return None

    async def finish(self) -> HTTPResponse:
        """The response head, as ``HTTPClient.request`` waits for it after writing."""
        conn, client, method = self.conn, self._client, self.method
        if not self._held:
            raise RuntimeError("this exchange was taken already")
        self._held = False
        try:
            if self.timed_out:
                raise RequestTimeout(f"no data from the HTTP server within {self.timeout} s")
            event = await conn.next_event(self.timeout)
        except RequestTimeout:
            client._discard(conn)
            self._slot.release()
            raise
        except (ConnectionClosed, OSError, RemoteProtocolError) as exc:
            client._discard(conn)
            self._slot.release()
            if isinstance(exc, RemoteProtocolError) and conn.received:
                raise
            # Written in full on a reused connection, so never resent (a non-idempotent
            # request: RFC 9112 §9.3.1); the message says whether it may have been applied.
            unsafe = conn.reused and conn.received == 0
            raise ConnectionClosed(_closed_message(method, conn, 0, exc, unsafe)) from exc
        except BaseException:
            client._discard(conn)
            self._slot.release()
            raise
        assert type(event) is h11.Response
        return HTTPResponse(client, conn, event, self.timeout)

    def abort(self) -> None:
        """Give the request up: its connection is closed (a response may be under way)."""
        if self._held:
            self._held = False
            self.conn.exchange = None
            self._client._discard(self.conn)
            self._slot.release()


def start(
    client: HTTPClient,
    method: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    ready: Callable[[Exchange], None],
) -> Exchange | None:
    """Write a non-idempotent request now, from a plain callback, on an idle pooled
    connection; ``ready(exchange)`` is called from the connection's ``data_received``
    (or its end, or the read timeout) with no task in between.

    None (nothing written, nothing held) when that cannot be done at once: no free
    slot, no idle connection, or a write that did not leave; use ``request`` then.
    """
    if client.closed:
        return None
    origin, prefix = client._head(method, url, headers)
    slot = client._slots.get(origin)
    if slot is None or slot.locked() or not client._idle.get(origin):
        return None
    slot._value -= 1  # what an acquire() that does not wait does (locked() said so)
    conn = client._idle_connection(origin)
    if conn is None:
        slot.release()
        return None
    conn.received = 0
    # What next_event does before it waits: the count behind the read backpressure
    # starts over (nothing is buffered on an idle connection), else it would grow
    # over every answer taken without next_event and pause reading for good.
    conn._buffered = 0
    if conn._read_paused:
        conn._read_paused = False
        assert conn.transport is not None
        conn.transport.resume_reading()
    conn.parser.expect_response(method)
    try:
        conn.write(prefix + b"content-length: %d\r\n\r\n" % len(body) + body)
    except ConnectionClosed:
        pass  # not usable: handled just below
    if not conn.usable:
        # Not a byte left (the kernel refused the send, or the server's close is in):
        # ``request`` sends it on another connection, as it would resend it itself.
        client._discard(conn)
        slot.release()
        return None
    ex = Exchange(client, conn, slot, method, client.read_timeout, ready)
    conn.exchange = ex
    timeout = client.read_timeout
    if timeout is not None:
        loop = conn.loop
        deadline = conn._deadline = loop.time() + timeout
        if deadline < conn._timer_at:
            conn._arm(deadline)
    return ex
