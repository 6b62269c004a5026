"""Streamable HTTP, server side: the per-session and per-POST transports (layer 3).

A ``Session`` pumps a ``Transport``; here a transport is an HTTP session (handshake era,
``HTTPSession``) or one POST (stateless, ``OneShotTransport``).  ``send(data, related)``
routes: a response goes to the POST that carried its request; a notification or request
related to a request goes to that request's stream (upgrading a pending JSON answer to SSE
when the client accepts it); anything else goes to the standalone GET stream.

Streams (2025-11-25 basic/transports.mdx "Resumability and Redelivery"): every SSE event
of a session stream carries an id ``<stream>_<index>``; each stream keeps its last events
in a bounded log so a client reconnecting with ``Last-Event-ID`` gets what it missed.
SEP-1699 polling: ``close_sse_stream(request_id, retry_ms)`` sends a ``retry`` event and
drops the connection; the response is replayed on reconnection.  Handlers reach it as
``ctx.session.transport.close_sse_stream(ctx.request_id)``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Final, cast

import msgspec

from .._errors import ConnectionClosed
from .._io.httpserver import Responder, ResponseStream
from .._wire.sse import encode_event

log = logging.getLogger(__name__)

DEFAULT_MAX_EVENTS_PER_STREAM: Final = 256  # replay log of one SSE stream
DEFAULT_MAX_REPLAY_STREAMS: Final = 64  # finished streams whose logs a session keeps
DEFAULT_SSE_RETRY_MS: Final = 1000  # `retry` sent before a server-side close (SEP-1699)
DEFAULT_MAX_INBOX_MESSAGES: Final = 256  # POST bodies queued for one session's reader
# First revision whose clients expect the SEP-1699 priming event on SSE streams.
PRIMING_SINCE: Final = "2025-11-25"

SSE_HEADERS: Final = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # 2026-07-28 streamable-http.mdx: no proxy buffering
]
JSON_CT: Final = (b"content-type", b"application/json")

# HTTP status of a 2026-07-28 JSON-RPC error answer (streamable-http.mdx "Request Metadata",
# basic/index.mdx): unknown method 404, malformed/unsupported/mismatch/missing capability 400.
ERROR_STATUS: Final = {-32601: 404, -32602: 400, -32022: 400, -32021: 400, -32020: 400}

_REQUEST, _NOTIFICATION, _RESPONSE = 0, 1, 2
# A replay log starts as a list and becomes a deque past this many events: an empty
# deque(maxlen=) holds a 760-byte block, which every idle GET stream paid for its one
# priming event.
_SHORT_LOG: Final = 8
# The standalone GET stream answers no request, so it never holds an id; one shared empty
# set stands for its ``pending`` (a set of its own is 216 bytes on every session).
_NO_IDS: Final = cast("set[Any]", frozenset())


class _Out(msgspec.Struct):
    id: Any = None
    method: str | None = None
    error: _OutError | None = None


class _OutError(msgspec.Struct):
    code: int = 0


@functools.cache
def _out_decoder() -> msgspec.json.Decoder[_Out]:
    return msgspec.json.Decoder(_Out)


def classify_outgoing(data: bytes) -> tuple[int, Any]:
    """(kind, id) of a message our protocol encoded.  The envelope has a fixed field order
    (``_jsonrpc``): ``{"jsonrpc":"2.0","method"`` is a notification; otherwise the id comes
    first and ``"method"`` after it makes a request."""
    if data.startswith(b'{"jsonrpc":"2.0","method"'):
        return _NOTIFICATION, None
    if data.startswith(b'{"jsonrpc":"2.0","id":') and b'"' not in data[22:23]:
        end = data.find(b",", 22)
        if end > 0:
            nxt = data[end + 1 : end + 9]
            kind = _REQUEST if nxt == b'"method"' else _RESPONSE
            raw = data[22:end]
            try:
                return kind, int(raw)
            except ValueError:
                pass
    try:
        out = _out_decoder().decode(data)
    except msgspec.DecodeError:
        return _NOTIFICATION, None
    if out.method is not None:
        return (_NOTIFICATION if out.id is None else _REQUEST), out.id
    return _RESPONSE, out.id


def error_code(data: bytes) -> int | None:
    if b'"error"' not in data:
        return None
    try:
        err = _out_decoder().decode(data).error
    except msgspec.DecodeError:
        return None
    return None if err is None else err.code


class Stream:
    """One logical response stream: the answer to one POST, or the standalone GET stream.

    It starts pending (``responder`` set, nothing sent).  ``sse`` streams have sent their
    head; ``http`` is the live connection (None while the client is away).
    """

    __slots__ = (
        "can_sse",
        "done",
        "extra_headers",
        "http",
        "key",
        "log",
        "max_events",
        "next_index",
        "on_gone",
        "owner",
        "pending",
        "priming",
        "responder",
        "resumable",
        "sent_upto",
        "sse",
        "status_map",
    )

    def __init__(
        self,
        owner: HTTPSession | None,
        key: int,
        responder: Responder | None,
        *,
        can_sse: bool,
        priming: bool,
        extra_headers: list[tuple[bytes, bytes]],
        max_events: int = DEFAULT_MAX_EVENTS_PER_STREAM,
        status_map: bool = False,
        pending: set[Any] | None = None,
    ) -> None:
        self.owner = owner
        self.key = key
        self.responder = responder
        self.can_sse = can_sse
        self.priming = priming
        self.extra_headers = extra_headers
        self.status_map = status_map
        self.pending: set[Any] = set() if pending is None else pending
        self.sse = False
        self.done = False
        self.http: ResponseStream | None = None
        self.next_index = 0
        self.sent_upto = -1  # last event index written to a live connection
        self.on_gone: Any = None  # stateless: called when the client goes away
        # Replay log (session streams only): (index, encoded event), created with the
        # first event -- most streams are answered as JSON and never need one.
        self.resumable = owner is not None
        self.max_events = max_events
        self.log: list[tuple[int, bytes]] | deque[tuple[int, bytes]] | None = None

    def _event(self, data: bytes, retry_ms: int | None = None) -> bytes:
        if not self.resumable:
            return (
                encode_event(data, event="message")
                if retry_ms is None
                else encode_event(data, retry_ms=retry_ms)
            )
        idx = self.next_index
        self.next_index = idx + 1
        if retry_ms is None and b"\n" not in data and b"\r" not in data:
            # The common case built directly (an id of digits needs none of encode_event's
            # checks; our JSON has no raw CR/LF): this runs once or twice per SSE answer.
            if data:
                ev = b"event: message\nid: %d_%d\ndata: %s\n\n" % (self.key, idx, data)
            else:
                ev = b"id: %d_%d\ndata: \n\n" % (self.key, idx)
        else:
            ev = encode_event(
                data, event="message" if data else None, id=f"{self.key}_{idx}", retry_ms=retry_ms
            )
        log = self.log
        if log is None:
            log = self.log = []
        log.append((idx, ev))
        if len(log) > _SHORT_LOG and type(log) is list:
            self.log = deque(log, maxlen=self.max_events)
        elif len(log) > self.max_events:  # a list: max_events is below _SHORT_LOG
            del log[0]
        return ev

    def start_sse(self) -> None:
        """Send the SSE head (and the SEP-1699 priming event) on the pending response."""
        responder = self.responder
        assert responder is not None and not self.sse
        self.sse = True
        self.responder = None
        self.http = responder.start_stream(200, [*SSE_HEADERS, *self.extra_headers])
        self.http.on_close(self._disconnected)
        if self.priming and self.resumable:
            self.http.write(self._event(b""))

    def _disconnected(self) -> None:
        self.http = None
        if self.owner is not None and self.key == 0:
            # The GET slot is free again and the idle timeout runs from now.
            self.owner.standalone_live = False
            self.owner.touch()
        if self.on_gone is not None and not self.done:
            self.on_gone()
        if self.owner is not None and self.key != 0 and not self.done:
            self.owner.stream_abandoned(self)

    def lost_unanswered(self) -> None:
        """The connection of a POST still waiting for its JSON answer went away."""
        if self.sse or self.done:
            return  # an SSE stream reports its own close (_disconnected)
        self.responder = None  # nothing can be written there any more
        if self.owner is not None:
            self.owner.stream_abandoned(self)

    def message(self, data: bytes, final: bool) -> None:
        """Deliver one message; ``final`` when it answers the stream's last request."""
        if self.done:
            return
        if not self.sse and self.responder is not None:
            if final:
                self._respond_json(data)
                return
            if not self.can_sse:
                return  # the client accepts JSON only: nowhere to put this message
            self.start_sse()
        ev = self._event(data)
        http = self.http
        if http is not None:
            self.sent_upto = self.next_index - 1
            if final:
                http.end(ev)
            else:
                http.write(ev)
        if final:
            self.done = True
            self.finished()

    def _respond_json(self, data: bytes) -> None:
        responder = self.responder
        assert responder is not None
        self.responder = None
        self.done = True
        status = 200
        if self.status_map:
            code = error_code(data)
            if code is not None:
                status = ERROR_STATUS.get(code, 200)
        responder.respond(status, [JSON_CT, *self.extra_headers], data)
        self.finished()

    def finished(self) -> None:
        if self.owner is not None:
            self.owner.stream_finished(self)

    def close_connection(self, retry_ms: int) -> bool:
        """SEP-1699: tell the client when to come back, then drop the connection."""
        if self.done or not self.resumable:
            return False
        if not self.sse:
            if self.responder is None or not self.can_sse:
                return False
            self.start_sse()
        http = self.http
        if http is None:
            return False
        http.write(self._event(b"", retry_ms=retry_ms))
        self.http = None
        http.abort()
        return True

    def attach(self, responder: Responder, after: int, prime: bool = False) -> None:
        """A GET: replay what followed event ``after``, then go live."""
        assert self.resumable
        if self.http is not None:
            self.http.abort()
        http = responder.start_stream(200, [*SSE_HEADERS, *self.extra_headers])
        self.sse = True
        self.responder = None
        missed = [ev for idx, ev in self.log or () if idx > after]
        if prime:
            missed.insert(0, self._event(b""))
        self.sent_upto = self.next_index - 1
        if self.done:
            http.end(b"".join(missed))
            return
        http.write(b"".join(missed))
        self.http = http
        http.on_close(self._disconnected)


class HTTPSession:
    """The transport of one ``Mcp-Session-Id`` (handshake era)."""

    # Slots: a server holds one per session, idle ones included (an instance dict of this
    # many keys is about 300 bytes).  A SharedHTTPSession adds a dict for its own.
    __slots__ = (
        "__weakref__",
        "_barrier",
        "_drainer",
        "_failed",
        "_inbox",
        "_keys",
        "_loop",
        "_reapers",
        "_receiver",
        "_standalone",
        "_waiter",
        "abandoned_call_timeout",
        "batches",
        "closed",
        "headers",
        "id",
        "in_flight",
        "last_active",
        "max_events",
        "max_inbox",
        "max_replay_streams",
        "retry_ms",
        "routes",
        "session",
        "standalone_live",
        "streams",
    )

    stream_class: type[Stream] = Stream  # a shared (store-backed) session logs its events

    def __init__(
        self,
        session_id: str,
        *,
        max_events: int = DEFAULT_MAX_EVENTS_PER_STREAM,
        max_replay_streams: int = DEFAULT_MAX_REPLAY_STREAMS,
        retry_ms: int = DEFAULT_SSE_RETRY_MS,
        max_inbox: int = DEFAULT_MAX_INBOX_MESSAGES,
    ) -> None:
        self.id = session_id
        self.session: Any = None  # the Session pumping us (set by the app)
        self.max_events = max_events
        self.max_replay_streams = max_replay_streams
        self.retry_ms = retry_ms
        self.max_inbox = max_inbox
        self.headers = [(b"mcp-session-id", session_id.encode())]
        # Bodies waiting for their turn.  A list, not a deque: an empty deque holds a
        # 760-byte block, on every idle session; this rarely holds more than a few.
        self._inbox: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None  # receive() waiting for a body
        # hand_to(): the session's receiver and what to tell when handling fails; a
        # handed-over body still being handled that later ones wait for (deliver); the
        # task handing queued bodies over, only while there are some (no task per idle
        # session).
        self._receiver: Callable[[bytes], Any] | None = None
        self._failed: Callable[[BaseException], None] | None = None
        self._barrier: asyncio.Future[Any] | None = None
        self._drainer: asyncio.Task[None] | None = None
        self.closed = False
        self.routes: dict[Any, Stream] = {}  # client request id -> its stream
        # POSTs carrying a batch, oldest first (2025-03-26 only): made with the first.
        self.batches: list[Stream] | None = None
        # Streams a GET may resume (Last-Event-ID), oldest first: the standalone stream,
        # live POST streams and finished ones that sent events (a dict keeps the order).
        self.streams: dict[int, Stream] = {}
        self._keys = 0
        self.in_flight = 0
        self.last_active = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None  # the serving loop (touch)
        # The standalone GET stream (key 0), made when first needed: a GET, or a message
        # for it while none is open (kept for the GET to come).  Most sessions never have
        # one, and it was a Stream and a streams entry on every session.
        self._standalone: Stream | None = None
        self.standalone_live = False
        self.abandoned_call_timeout: float | None = None  # Server(abandoned_call_timeout=)
        # The reaping timer of each abandoned stream, cancelled when the stream is answered
        # or the session closes: a pending timer holds the stream and the session, so one
        # left running for a finished stream kept both alive for the whole timeout.
        self._reapers: dict[Stream, asyncio.TimerHandle] | None = None  # made with the first

    @property
    def standalone(self) -> Stream:
        """The standalone GET stream, made on first use."""
        stream = self._standalone
        if stream is None:
            stream = self._standalone = self._new_stream(None, can_sse=True, key=0, pending=_NO_IDS)
            stream.sse = True  # it never answers as JSON
        return stream

    @property
    def standalone_if_any(self) -> Stream | None:
        """The standalone GET stream if it was ever needed (``standalone`` makes one)."""
        return self._standalone

    def touch(self) -> None:
        """The session was used now: its idle timeout runs from here (``last_active``)."""
        loop = self._loop
        if loop is None:
            # Looked up once: on Python 3.11 asyncio.get_running_loop() is a getpid()
            # system call, and a POST touches its session twice.
            loop = self._loop = asyncio.get_running_loop()
        self.last_active = loop.time()

    # ------------------------------------------------------------- Transport

    async def receive(self) -> bytes:
        """The pull side of ``Transport``; a ``Session`` uses ``hand_to`` instead."""
        while not self._inbox:
            if self.closed:
                raise ConnectionClosed("the HTTP session was closed")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self._inbox.pop(0)

    def hand_to(
        self,
        receiver: Callable[[bytes], Any] | None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Hand each POSTed body to ``receiver`` (the session's ``_push``): ``deliver``
        hands a body over at once when nothing is queued or being handled, so a handler
        that never suspends is answered from the callback that parsed its POST; anything
        else is queued and handed over in order by a task that ends when the queue is
        empty.  ``failed(exc)`` is told when handling a body raised (the session ends);
        ``hand_to(None)`` stops handing over (the session is closing)."""
        if receiver is None:
            self._receiver = self._failed = None
            for task in (self._drainer, self._barrier):
                if task is not None:
                    task.cancel()
            self._drainer = self._barrier = None
            return
        if self._receiver is not None:
            raise RuntimeError("the HTTP session is already delivering")
        self._receiver = receiver
        self._failed = failed
        if self._inbox:
            self._drain_soon()

    def can_deliver(self) -> bool:
        """Whether ``deliver`` would take a body now (the inbox has room)."""
        return len(self._inbox) < self.max_inbox

    def deliver(self, body: bytes) -> bool:
        inbox = self._inbox
        if len(inbox) >= self.max_inbox:
            return False
        receiver = self._receiver
        if receiver is not None and self._barrier is None and self._drainer is None and not inbox:
            pending = receiver(body)
            if pending is not None:
                barrier = self._barrier = asyncio.ensure_future(pending)
                barrier.add_done_callback(self._unbarrier)
            return True
        inbox.append(body)
        if receiver is not None:
            self._drain_soon()
        else:
            w = self._waiter
            if w is not None and not w.done():
                w.set_result(None)
        return True

    def _drain_soon(self) -> None:
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Hand the queued bodies over in order, each after the one before is handled."""
        inbox = self._inbox
        try:
            while inbox:
                barrier, self._barrier = self._barrier, None
                if barrier is not None:
                    await barrier  # a handed-over body still being handled comes first
                receiver = self._receiver
                if receiver is None or not inbox:
                    return
                pending = receiver(inbox.pop(0))
                if pending is not None:
                    await pending
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc)
        finally:
            if self._drainer is asyncio.current_task():
                self._drainer = None

    def _unbarrier(self, fut: asyncio.Future[Any]) -> None:
        if fut is not self._barrier:
            return  # the drainer took it over (or handing over stopped)
        self._barrier = None
        if not fut.cancelled():
            exc = fut.exception()
            if exc is not None:
                self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """Handling a body raised: stop handing over (what is queued stays queued, as it
        did when the session's reader task ended on the error) and tell the session."""
        failed = self._failed
        self._receiver = self._failed = None
        if failed is not None:
            failed(exc)

    async def send(self, data: bytes, related: Any = None) -> None:
        if self.closed:
            raise ConnectionClosed("the HTTP session was closed")
        if data[:1] == b"[":  # a batch answer (2025-03-26): the oldest batch POST
            if self.batches:
                oldest = self.batches.pop(0)
                oldest.pending.clear()
                oldest.message(data, True)
            return
        kind, id = classify_outgoing(data)
        stream: Stream | None
        if kind == _RESPONSE:
            routes = self.routes
            stream = routes.pop(id, None)
            if stream is None:
                log.debug("no stream waits for the response to %r; dropped", id)
                return
            if not routes:
                routes.clear()  # frees its table: an idle session keeps an empty dict
            stream.pending.discard(id)
            stream.message(data, not stream.pending)
            return
        stream = self.routes.get(related) if related is not None else None
        if stream is None or stream.done or (not stream.can_sse and not stream.sse):
            stream = self.standalone
        stream.message(data, False)

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        reapers, self._reapers = self._reapers, None
        for handle in (reapers or {}).values():
            handle.cancel()
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)
        if self._receiver is not None:
            # Closed under a session still handing over (its aclose() stops that first):
            # it ends as its reader did when the transport closed.
            self._fail(ConnectionClosed("the HTTP session was closed"))
        # (The standalone stream, once made, is among them: key 0 is never dropped.)
        for stream in list(self.streams.values()):
            if stream.http is not None:
                stream.http.end()
            elif stream.responder is not None and not stream.done:
                stream.done = True
                stream.responder.respond(404, [JSON_CT], b"")

    # ------------------------------------------------------------- streams

    def _new_stream(
        self,
        responder: Responder | None,
        *,
        can_sse: bool,
        priming: bool = False,
        key: int | None = None,
        pending: set[Any] | None = None,
    ) -> Stream:
        if key is None:
            self._keys += 1
            key = self._keys
        stream = self.stream_class(
            self,
            key,
            responder,
            can_sse=can_sse,
            priming=priming,
            extra_headers=self.headers,
            max_events=self.max_events,
            pending=pending,
        )
        streams = self.streams
        streams[key] = stream
        excess = len(streams) - self.max_replay_streams
        if excess > 0:
            # Forget the oldest finished request streams; never a live one, and never the
            # standalone GET stream (key 0), which a client may resume at any time.  The
            # oldest are nearly always finished, so this stops after a step or two.
            drop = []
            for old_key, old in streams.items():
                if old.done and old_key != 0:
                    drop.append(old_key)
                    if len(drop) >= excess:
                        break
            for old_key in drop:
                del streams[old_key]
        return stream

    def open_post(
        self,
        responder: Responder,
        ids: list[Any],
        *,
        batch: bool,
        sse: bool,
        can_sse: bool,
        priming: bool,
    ) -> Stream:
        stream = self._new_stream(
            responder, can_sse=can_sse or sse, priming=priming, pending=set(ids)
        )
        for id in ids:
            self.routes[id] = stream
        if batch:
            if self.batches is None:
                self.batches = []
            self.batches.append(stream)
        self.in_flight += 1
        if sse:
            stream.start_sse()
        else:
            # A JSON answer (json_response=True, or a client that accepts only JSON) has no
            # stream to close, but the same rule applies when its connection goes first:
            # the call is abandoned (before, a dropped JSON POST was never noticed and its
            # handler ran on for good, holding the session out of idle expiry).
            responder.on_close(stream.lost_unanswered)
        return stream

    def stream_abandoned(self, stream: Stream) -> None:
        """A POST's SSE stream closed before its answer.  2025-11-25 basic/transports: a
        disconnection "SHOULD NOT" be taken as cancellation (the client may resume with
        Last-Event-ID), so the handler runs on -- for ``abandoned_call_timeout`` seconds at
        most: a client that never comes back does not hold a handler (and its session,
        kept out of idle expiry while a call is in flight) forever."""
        timeout = self.abandoned_call_timeout
        if timeout is None or self.session is None or self.closed:
            return
        reapers = self._reapers
        if reapers is None:
            reapers = self._reapers = {}
        old = reapers.pop(stream, None)
        if old is not None:
            old.cancel()  # abandoned again after a resume: the timeout starts over
        handle = asyncio.get_running_loop().call_later(timeout, self._reap, stream, timeout)
        reapers[stream] = handle

    def _reap(self, stream: Stream, timeout: float) -> None:
        if self._reapers is not None:
            self._reapers.pop(stream, None)
        if stream.done or stream.http is not None or self.session is None:
            return  # answered, or the client came back for it
        for id in list(stream.pending):
            self.session.cancel_request(
                id,
                f"Request cancelled: its client disconnected and did not resume the stream "
                f"within {timeout} s (abandoned_call_timeout)",
            )

    def stream_finished(self, stream: Stream) -> None:
        handle = self._reapers.pop(stream, None) if self._reapers is not None else None
        if handle is not None:
            handle.cancel()
        if stream.key != 0:
            self.in_flight -= 1
            self.touch()
            if stream.log is None:
                # Answered without an event (a JSON body): no event id names it, so no
                # GET can resume it, and keeping it only held memory.
                streams = self.streams
                streams.pop(stream.key, None)
                if not streams:
                    streams.clear()  # frees its table: an idle session keeps an empty dict

    def open_standalone(self, responder: Responder, priming: bool) -> None:
        """A GET without Last-Event-ID: what was queued while no GET was open, then live."""
        stream = self.standalone
        self.standalone_live = True
        stream.attach(responder, stream.sent_upto, prime=priming)

    def replay(self, last_event_id: str, responder: Responder) -> bool:
        key_s, sep, idx_s = last_event_id.partition("_")
        if not sep or not key_s.isdigit() or not idx_s.isdigit():
            return False
        key = int(key_s)
        # Key 0 always resumes: the standalone stream, even one not made yet (as it was
        # when every session made one up front).
        stream = self.standalone if key == 0 else self.streams.get(key)
        if stream is None:
            return False
        if stream.key == 0:
            self.standalone_live = True
        stream.attach(responder, int(idx_s))
        return True

    def close_sse_stream(self, request_id: Any, retry_ms: int | None = None) -> bool:
        """SEP-1699: close the connection carrying ``request_id``'s stream (after a
        ``retry`` hint); the client reconnects with ``Last-Event-ID`` and gets the rest.
        Returns False when there is no open SSE stream to close."""
        stream = self.routes.get(request_id)
        if stream is None:
            return False
        return stream.close_connection(self.retry_ms if retry_ms is None else retry_ms)

    def close_standalone_sse_stream(self, retry_ms: int | None = None) -> bool:
        stream = self._standalone
        if stream is None:
            return False  # no GET was ever open
        return stream.close_connection(self.retry_ms if retry_ms is None else retry_ms)


class OneShotTransport:
    """The transport of one stateless POST: one payload in, its answers out, then EOF."""

    per_request = True  # no session outlives the request (tasks bind to no session)

    def __init__(self, body: bytes, stream: Stream) -> None:
        self._body: bytes | None = body
        self.stream = stream
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.session: Any = None

    async def receive(self) -> bytes:
        body = self._body
        if body is not None:
            self._body = None
            return body
        await self.done
        raise ConnectionClosed("the stateless request is complete")

    async def send(self, data: bytes, related: Any = None) -> None:
        stream = self.stream
        if stream.done:
            raise ConnectionClosed("the response to this stateless request is complete")
        if data[:1] == b"[":
            stream.pending.clear()
            stream.message(data, True)
        else:
            kind, id = classify_outgoing(data)
            if kind == _REQUEST:
                raise ConnectionClosed(
                    "stateless HTTP cannot carry server-to-client requests "
                    "(2026-07-28: use input_required results)"
                )
            if kind == _RESPONSE:
                stream.pending.discard(id)
                stream.message(data, not stream.pending)
            elif related is not None and related in stream.pending:
                stream.message(data, False)
            else:
                log.debug("stateless: no stream for an unrelated notification; dropped")
        if self.stream.done:  # message() may have finished it
            self._finish()

    def _finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)

    def close_sse_stream(self, request_id: Any, retry_ms: int | None = None) -> bool:
        return False  # no resumability without a session (2026-07-28 removed it)

    def close_standalone_sse_stream(self, retry_ms: int | None = None) -> bool:
        return False

    async def aclose(self) -> None:
        self._finish()
        stream = self.stream
        if not stream.done:
            stream.done = True
            if stream.http is not None:
                stream.http.end()
            elif stream.responder is not None:
                stream.responder.respond(500, [JSON_CT], b"")
