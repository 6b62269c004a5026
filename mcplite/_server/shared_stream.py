"""The streams of sessions shared through a ``Store``: events kept, resumed on any worker
(layer 3).

- A POST's SSE stream is served by the worker that got the POST; its events also go to the
  event store, and, while its client is away, to the bus, so a ``Last-Event-ID`` GET on any
  worker replays what it missed and then follows the rest (``_RemoteAttach``).
- The standalone GET stream (key 0) has one log for the session: a message for it goes to
  the event store and the bus, and the worker holding the GET writes it.
- An event the store cannot keep makes its stream not durable: nothing more of it is
  stored (a log with a hole must not be replayed as if whole), and its client is told.

The session records are ``_server/shared_session.py``'s (``SharedSessions`` builds on
``SharedStreams`` here); this module sees a session only as the ``EventOutbox`` its
streams' new events wait in.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Awaitable
from typing import Any, Final, Protocol, cast

import msgspec

from .. import types as t
from .._core import jsonrpc as rpc
from .._errors import REQUEST_CANCELLED
from .._io.background import spawn
from .._io.httpserver import ResponseStream
from .._server.store import Store, StoreUnavailable
from .._server.streamable_session import Stream
from .._wire.sse import encode_event

# One logger for shared sessions, records and streams alike (as before they were split).
log = logging.getLogger(__name__.rpartition(".")[0] + ".shared_session")

# A resumed stream whose writer died, or that stayed silent past the bound: the request it
# answered is lost, its answer cannot be sent (ErrorCode.REQUEST_CANCELLED's case, -32000).
STREAM_LOST: Final = REQUEST_CANCELLED
STANDALONE: Final = "0"
_PRIMING_FLUSH_SECONDS: Final = 0.05  # see SharedStream.start_sse
_CURSOR: Final = "c"  # event stream holding the last standalone index a GET was given


class _Msg(msgspec.Struct, array_like=True):
    """One bus message on a session's channel."""

    kind: str  # "in" client message | "ev" stream event | "end" | "rec" record | "home"
    origin: str  # the worker that sent it
    stream: str = ""
    index: int = 0
    data: bytes = b""
    final: bool = False


class _StreamMeta(msgspec.Struct, omit_defaults=True):
    """Kept beside a POST stream's log: its writer, and the requests it answered to come."""

    w: str = ""
    ids: list[Any] = []


# Decoders are built on first use (cached): nothing at import time.
_encode = msgspec.msgpack.encode
_encode_meta = msgspec.json.encode
_decode_any = msgspec.json.decode


@functools.cache
def _msg_decoder() -> msgspec.msgpack.Decoder[_Msg]:
    return msgspec.msgpack.Decoder(_Msg)


def _decode_msg(data: bytes) -> _Msg:
    return _msg_decoder().decode(data)


def _decode_meta(data: bytes) -> _StreamMeta:
    return t.decoder(_StreamMeta).decode(data)


class EventOutbox(Protocol):
    """A shared session (``SharedHTTPSession``) as its streams and ``SharedStreams`` see it:
    where its streams' new events wait until they are flushed to the store."""

    @property
    def id(self) -> str: ...

    outbox: list[tuple[Stream, int, bytes]]
    standalone_out: list[bytes]
    flushing: bool

    def flush_soon(self) -> None: ...


class SharedStream(Stream):
    """A stream of a shared session: its events are also kept by the store."""

    __slots__ = ("durable", "marked", "meta_sent", "waiter")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marked = False
        self.meta_sent = False  # the stream's writer and request ids are in the store
        # False once the store missed one of its events: nothing more of it is stored (a
        # log with a hole must not be replayed as if whole), and its client was told.
        self.durable = True
        # Set while the HTTP app waits for this POST's answer to start (JSON or SSE head):
        # an app coroutine must not return before it has answered.
        self.waiter: asyncio.Future[None] | None = None

    def started(self) -> None:
        w = self.waiter
        if w is not None and not w.done():
            w.set_result(None)

    def _respond_json(self, data: bytes) -> None:
        super()._respond_json(data)
        self.started()

    @property
    def _session(self) -> EventOutbox | None:
        # Made only by a SharedHTTPSession (its stream_class), for itself.
        return cast("EventOutbox | None", self.owner)

    def start_sse(self) -> None:
        super().start_sse()
        self.started()
        owner = self._session
        if owner is not None and self.key != 0 and owner.outbox:
            # The priming event must reach the store even if nothing follows for long (a
            # client resuming elsewhere needs it, and the stream's writer with it); most
            # answers follow within this delay and take it along in their own flush.
            asyncio.get_running_loop().call_later(_PRIMING_FLUSH_SECONDS, owner.flush_soon)

    def _event(self, data: bytes, retry_ms: int | None = None) -> bytes:
        ev = super()._event(data, retry_ms)
        owner = self._session
        if owner is not None and self.key != 0:
            owner.outbox.append((self, self.next_index - 1, ev))
        return ev

    def message(self, data: bytes, final: bool) -> None:
        owner = self._session
        if self.key == 0 and owner is not None:
            owner.standalone_out.append(data)  # the bus takes it to whoever holds the GET
            return
        super().message(data, final)


class _RemoteAttach:
    """A client following, on this worker, a stream another worker writes."""

    def __init__(self, http: ResponseStream, upto: int) -> None:
        self.http = http
        self.upto = upto
        self.buffer: list[tuple[int, bytes, bool]] | None = []  # while replaying
        self.ended = False
        # The stream's requests not answered yet (from its record); None: not known.
        self.pending: set[Any] | None = None
        self.progressed = asyncio.get_running_loop().time()

    def push(self, index: int, data: bytes, final: bool) -> None:
        if self.buffer is not None:
            self.buffer.append((index, data, final))
        else:
            self.write(index, data, final)

    def write(self, index: int, data: bytes, final: bool) -> None:
        if self.ended:
            return
        if index > self.upto and data:
            self.upto = index
            self.progressed = asyncio.get_running_loop().time()
            if self.pending:
                self._answered(data)
            self.http.write(data)
        if final:
            self.ended = True
            self.http.end()

    def over(self) -> bool:
        return self.ended

    def _answered(self, event: bytes) -> None:
        """Drop from ``pending`` the ids this (encoded SSE) event answers."""
        assert self.pending is not None
        lines = [ln[5:].lstrip(b" ") for ln in event.split(b"\n") if ln.startswith(b"data:")]
        try:
            msg = _decode_any(b"\n".join(lines))
        except msgspec.DecodeError:
            return
        for one in msg if isinstance(msg, list) else [msg]:
            if isinstance(one, dict) and "method" not in one and "id" in one:
                self.pending.discard(one["id"])

    def fail(self, message: str) -> None:
        """End the stream with a JSON-RPC error for each request it still owed (2025-11-25
        basic/transports: the stream ends once every request on it is answered)."""
        if self.ended:
            return
        ids: list[Any] = [None] if self.pending is None else sorted(self.pending, key=str)
        self.ended = True
        self.http.end(
            b"".join(
                encode_event(rpc.encode_error(rid, STREAM_LOST, message), event="message")
                for rid in ids
            )
        )


class SharedStreams:
    """This worker's side of the shared streams: their new events to the store and the bus
    (one flush at a time per session), and the heartbeat that tells a worker resuming one
    of our streams whether we are still here."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.worker_id = secrets.token_hex(8)
        self.ttl = store.session_ttl
        self.max_events = store.max_events_per_stream
        self.max_event_bytes = store.max_event_bytes
        self.max_stream_bytes = store.max_stream_bytes
        self.heartbeat = store.heartbeat
        self.resume_wait = store.resume_wait
        self._tasks: set[asyncio.Future[Any]] = set()
        self._beating = False
        self._beater: asyncio.Task[None] | None = None

    def spawn(self, aw: Awaitable[Any]) -> None:
        spawn(self._tasks, aw)

    @staticmethod
    def channel(sid: str) -> str:
        return f"s:{sid}"

    async def publish(self, sess: EventOutbox, msg: _Msg) -> None:
        await self.store.bus.publish(self.channel(sess.id), _encode(msg))

    # ------------------------------------------------------------------ events

    def kick(self, sess: EventOutbox) -> None:
        """Flush in the background, one flush at a time per session (so events stay in
        order), batching what arrives meanwhile."""
        if not sess.flushing and (sess.outbox or sess.standalone_out):
            sess.flushing = True
            self.spawn(self._drain(sess))

    async def _drain(self, sess: EventOutbox) -> None:
        try:
            while sess.outbox or sess.standalone_out:
                await self.flush(sess)
        finally:
            sess.flushing = False

    async def flush(self, sess: EventOutbox) -> None:
        """Hand the session's new events to the store (and the bus where needed)."""
        outbox, sess.outbox = sess.outbox, []
        standalone, sess.standalone_out = sess.standalone_out, []
        groups: dict[int, list[tuple[int | None, bytes]]] = {}
        away: list[_Msg] = []
        streams: dict[int, Stream] = {}
        wid = self.worker_id
        for stream, index, ev in outbox:
            groups.setdefault(stream.key, []).append((index, ev))
            streams[stream.key] = stream
            if stream.http is None:
                away.append(_Msg("ev", wid, str(stream.key), index, ev))
        for key, stream in streams.items():
            if stream.done and isinstance(stream, SharedStream) and not stream.marked:
                stream.marked = True  # an empty event marks the end for a later replay
                groups[key].append((stream.next_index, b""))
                away.append(_Msg("ev", wid, str(key), stream.next_index, b"", True))
        store = self.store
        for key, items in groups.items():
            stream = streams[key]
            if not isinstance(stream, SharedStream) or not stream.durable:
                continue
            limit = self.max_event_bytes
            big = next((i for i, (_, ev) in enumerate(items) if len(ev) > limit), None)
            if big is not None:
                # What came before it is stored; from it on, nothing (see not_durable).
                size = len(items[big][1])
                items = items[:big]
            meta = None
            if not stream.meta_sent:
                # Its writer (for a worker resuming it to know when we are gone) and the
                # requests it still owes (to answer them with an error then).
                meta = _encode_meta(_StreamMeta(wid, list(stream.pending)))
            try:
                await store.events.append(
                    sess.id,
                    str(key),
                    items,
                    self.max_events,
                    self.ttl,
                    max_bytes=self.max_stream_bytes,
                    meta=meta,
                )
            except StoreUnavailable as exc:
                self.not_durable(stream, f"the event store refused its events ({exc})")
                continue
            stream.meta_sent = True
            if big is not None:
                self.not_durable(
                    stream,
                    f"an event of {size} bytes is over the store's max_event_bytes ({limit})",
                )
        try:
            if standalone:
                # The GET stream's notifications reach their client through the store (any
                # worker may hold the GET): one too big for it is dropped, and said so here.
                kept = [d for d in standalone if len(d) <= self.max_event_bytes]
                if len(kept) < len(standalone):
                    log.warning(
                        "session %s: %d notifications over max_event_bytes (%d) dropped",
                        sess.id,
                        len(standalone) - len(kept),
                        self.max_event_bytes,
                    )
                got = await store.events.append(
                    sess.id,
                    STANDALONE,
                    [(None, d) for d in kept],
                    self.max_events,
                    self.ttl,
                    max_bytes=self.max_stream_bytes,
                )
                away.extend(
                    _Msg("ev", wid, STANDALONE, i, d) for i, d in zip(got, kept, strict=True)
                )
            for msg in away:
                await self.publish(sess, msg)
        except StoreUnavailable as exc:
            log.warning("session %s: %d events not shared: %s", sess.id, len(away), exc)

    def not_durable(self, stream: SharedStream, why: str) -> None:
        """The store missed an event of ``stream``: store none of it any more, and tell its
        client, on the stream itself, that it cannot count on resuming it elsewhere.  The
        request goes on: its client, if connected, has had every event."""
        stream.durable = False
        log.warning("stream %d: replay is not durable: %s", stream.key, why)
        if stream.done:
            return  # its answer is out: nobody will resume it
        # A log message (2025-11-25 server/utilities/logging) is the one message a client
        # shows for what is not its request's answer; sent at "error", as it is one.
        note = msgspec.json.encode(
            {
                "jsonrpc": "2.0",
                "method": "notifications/message",
                "params": {
                    "level": "error",
                    "logger": "mcplite.store",
                    "data": f"replay of this stream is not durable: {why}; if the connection "
                    "drops, resuming it on another worker will fail",
                },
            }
        )
        stream.message(note, False)

    # ------------------------------------------------------------------ upkeep

    async def ensure_beating(self) -> None:
        """This worker's heartbeat in the store, renewed every third of its ttl from the
        first session on: a worker resuming one of our streams learns when we are gone."""
        if self._beating:
            return
        self._beating = True
        try:
            await self.store.workers.beat(self.worker_id, self.heartbeat)
        except BaseException:
            self._beating = False
            raise
        self._beater = asyncio.ensure_future(self._beat_loop())

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat / 3)
            await self._quiet(self.store.workers.beat(self.worker_id, self.heartbeat))

    @staticmethod
    async def _quiet(aw: Awaitable[Any]) -> None:
        try:
            await aw
        except StoreUnavailable as exc:
            log.debug("store upkeep failed: %s", exc)

    async def aclose(self) -> None:
        if self._beater is not None:
            self._beater.cancel()
            self._beater = None
        for task in list(self._tasks):
            task.cancel()
