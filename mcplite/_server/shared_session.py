"""Handshake-era sessions shared by every worker through a ``Store`` (layer 3).

With ``Server(store=...)`` any worker serves any ``Mcp-Session-Id``; no sticky routing:

- The worker that answers ``initialize`` writes the session record (``SessionRecord``) before
  the answer leaves; a worker that meets an id it has not seen reads the record and builds
  its own ``Session`` for it (negotiated revision, client info and capabilities, log level,
  subscriptions, owner).  Every request reads the record again (renewing its TTL), so a
  DELETE on one worker ends the session on all of them; a change of the record (log level,
  subscriptions) is written before the answer that made it and published to the others.
- A POST's SSE stream is served by the worker that got the POST; its events also go to the
  event store, and, while its client is away, to the bus, so a ``Last-Event-ID`` GET on any
  worker replays what it missed and then follows the rest.
- The standalone GET stream (key 0) has one log for the session: a message for it goes to
  the event store and the bus, and the worker holding the GET writes it.  That worker also
  tells the client about changes (``delivers_changes``), so nobody hears one twice.
- Client answers and notifications (a POST without requests) are delivered here and
  published, so the worker whose handler waits on ``ctx.elicit``/``ctx.sample`` gets them.

A store that cannot be reached answers 503 with a JSON-RPC error body.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable
from typing import Any, Final

import msgspec

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.events import ClientState
from .._errors import INTERNAL_ERROR, INVALID_REQUEST, ConnectionClosed
from .._io.background import spawn
from .._io.httpserver import Responder, ResponseStream
from .._server.store import SESSION_RECORD_VERSION, SessionRecord, Store, StoreUnavailable
from .._server.streamable_session import (
    _RESPONSE,
    HTTPSession,
    Stream,
    classify_outgoing,
)
from .._wire.http11_write import reason
from .._wire.sse import encode_event

log = logging.getLogger(__name__)

SESSION_NOT_FOUND: Final = -32001
# A resumed stream whose writer died, or that stayed silent past the bound: the request it
# answered is lost (JSON-RPC 2.0 reserves -32000..-32099 for implementation errors).
STREAM_LOST: Final = -32000
ASSUMED_VERSION: Final = "2025-03-26"
_SUBSCRIBED_KEY: Final = "resource_subscriptions"  # as _server/subscriptions.py
_OWNER_KEY: Final = "auth_owner"  # as _server/bearer.py OWNER_STATE_KEY
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


class _Version(msgspec.Struct):
    v: int = 0


class _StreamMeta(msgspec.Struct, omit_defaults=True):
    """Kept beside a POST stream's log: its writer, and the requests it answered to come."""

    w: str = ""
    ids: list[Any] = []


_encode = msgspec.msgpack.Encoder().encode
_decode_msg = msgspec.msgpack.Decoder(_Msg).decode
_encode_record = msgspec.json.Encoder().encode
_decode_version = msgspec.json.Decoder(_Version).decode
_decode_full_record = msgspec.json.Decoder(SessionRecord).decode
_decode_meta = msgspec.json.Decoder(_StreamMeta).decode
_decode_any = msgspec.json.Decoder().decode


class RecordVersionError(Exception):
    """A session record of another layout (another mcplite version wrote it): refused."""


def _decode_record(blob: bytes) -> SessionRecord:
    """The record, checked for its layout first: a record another version wrote may decode
    without error and still mean something else, so it is refused, never misread."""
    v = _decode_version(blob).v
    if v != SESSION_RECORD_VERSION:
        what = "no version (written before versions existed)" if v == 0 else f"version {v}"
        raise RecordVersionError(
            f"the session record has {what}; this worker reads version "
            f"{SESSION_RECORD_VERSION} (a worker of another mcplite version wrote it)"
        )
    return _decode_full_record(blob)


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

    def start_sse(self) -> None:
        super().start_sse()
        self.started()
        owner = self.owner
        if isinstance(owner, SharedHTTPSession) and self.key != 0 and owner.outbox:
            # The priming event must reach the store even if nothing follows for long (a
            # client resuming elsewhere needs it, and the stream's writer with it); most
            # answers follow within this delay and take it along in their own flush.
            asyncio.get_running_loop().call_later(_PRIMING_FLUSH_SECONDS, owner.flush_soon)

    def _event(self, data: bytes, retry_ms: int | None = None) -> bytes:
        ev = super()._event(data, retry_ms)
        owner = self.owner
        if isinstance(owner, SharedHTTPSession) and self.key != 0:
            owner.outbox.append((self, self.next_index - 1, ev))
        return ev

    def message(self, data: bytes, final: bool) -> None:
        owner = self.owner
        if self.key == 0 and isinstance(owner, SharedHTTPSession):
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


class SharedHTTPSession(HTTPSession):
    """An ``HTTPSession`` whose record, logs and messages other workers share."""

    stream_class = SharedStream

    def __init__(self, session_id: str, shared: SharedSessions, **kwargs: Any) -> None:
        super().__init__(session_id, **kwargs)
        self.shared = shared
        # Stream keys name streams in event ids: unique across workers (w.h.p.), digits.
        self._keys = secrets.randbits(40) << 16
        self.outbox: list[tuple[Stream, int, bytes]] = []
        self.standalone_out: list[bytes] = []
        self.record = SessionRecord()
        self.blob = b""
        self.snapshot: Any = None
        self.cursor = 0  # last standalone index written to the GET held here
        self.opening: list[tuple[int, bytes]] | None = None  # standalone events while opening
        self.remote: dict[int, list[_RemoteAttach]] = {}
        self.flushing = False
        self.checked = -1e18  # loop time of the last read of the record

    def flush_soon(self) -> None:
        if not self.closed:
            self.shared.kick(self)

    @property
    def delivers_changes(self) -> bool:
        return self.record.home in ("", self.shared.worker_id)

    async def send(self, data: bytes, related: Any = None) -> None:
        if self.closed:
            raise ConnectionClosed("the HTTP session was closed")
        if data[:1] == b"[" or classify_outgoing(data)[0] == _RESPONSE:
            # Before the answer leaves: the client's next request may go to any worker.
            await self.shared.persist(self)
        await super().send(data, related)
        if self.outbox or self.standalone_out:
            self.shared.kick(self)  # the answer is out; the store gets it in the background

    def close_sse_stream(self, request_id: Any, retry_ms: int | None = None) -> bool:
        closed = super().close_sse_stream(request_id, retry_ms)
        if closed:
            self.shared.kick(self)
        return closed

    def on_bus(self, raw: bytes) -> None:
        try:
            msg = _decode_msg(raw)
        except msgspec.DecodeError:
            log.warning("session %s: undecodable bus message dropped", self.id)
            return
        mine = msg.origin == self.shared.worker_id
        if msg.kind == "ev":
            if msg.stream == STANDALONE:
                self.standalone_event(msg.index, msg.data)
            else:
                for attach in list(self.remote.get(int(msg.stream), ())):
                    attach.push(msg.index, msg.data, msg.final)
        elif mine:
            return
        elif msg.kind == "in":
            if not self.deliver(msg.data):
                log.debug("session %s inbox full: bus message dropped", self.id)
        elif msg.kind == "rec":
            self.shared.apply(self, msg.data)
        elif msg.kind == "home":
            self.record.home = msg.origin
        elif msg.kind == "end":
            self.shared.forget(self)

    def standalone_event(self, index: int, data: bytes) -> None:
        if self.opening is not None:
            self.opening.append((index, data))
            return
        http = self.standalone.http
        if http is None or index <= self.cursor:
            return
        self.cursor = index
        http.write(encode_event(data, event="message", id=f"0_{index}"))

    async def aclose(self) -> None:
        if self.closed:
            return
        await super().aclose()
        for stream in self.streams.values():
            if isinstance(stream, SharedStream):
                stream.started()
        for attaches in self.remote.values():
            for attach in attaches:
                attach.write(attach.upto, b"", True)
        self.remote.clear()
        await self.shared.unsubscribe(self)


def _snapshot(sess: SharedHTTPSession) -> Any:
    proto = sess.session.protocol
    state = sess.session.state
    subs = state.get(_SUBSCRIBED_KEY)
    return (
        proto.protocol_version,
        id(proto.client),
        state.get("log_level"),
        frozenset(subs) if subs else frozenset(),
    )


class SessionsFull(Exception):
    """The store holds its ``max_sessions`` live sessions: a new one is refused (503)."""


class SharedSessions:
    """The HTTP app's side of a ``Store``: lookups, records, flushes, the bus."""

    def __init__(self, app: Any, store: Store) -> None:
        # app: the StreamableHTTPApp (not imported: it imports this module)
        self.app = app
        self.store = store
        self.worker_id = secrets.token_hex(8)
        self.ttl = store.session_ttl
        self.max_events = store.max_events_per_stream
        self.revalidate = store.revalidate_after
        self.max_event_bytes = store.max_event_bytes
        self.max_stream_bytes = store.max_stream_bytes
        self.heartbeat = store.heartbeat
        self.resume_wait = store.resume_wait
        self._tasks: set[asyncio.Future[Any]] = set()
        self._renewer: asyncio.TimerHandle | None = None
        self._beating = False
        self._beater: asyncio.Task[None] | None = None

    def spawn(self, aw: Awaitable[Any]) -> None:
        spawn(self._tasks, aw)

    @staticmethod
    def channel(sid: str) -> str:
        return f"s:{sid}"

    async def publish(self, sess: SharedHTTPSession, msg: _Msg) -> None:
        await self.store.bus.publish(self.channel(sess.id), _encode(msg))

    # ------------------------------------------------------------------ records

    def new_session(self, sid: str | None) -> SharedHTTPSession:
        app = self.app
        sess = SharedHTTPSession(
            sid if sid is not None else secrets.token_urlsafe(24),
            self,
            max_events=app.max_events_per_stream,
            retry_ms=app.retry_ms,
            max_inbox=app.max_inbox_messages,
        )
        sess.session = app.server.accept(sess, supported_versions=app.supported_versions)
        return sess

    async def start(self, sess: SharedHTTPSession) -> None:
        """A session just created here: its first record, then its channel."""
        owner = self.app.auth.current_owner() if self.app.auth is not None else None
        await self.ensure_beating()
        sess.record = SessionRecord(
            v=SESSION_RECORD_VERSION, owner=list(owner) if owner else None, home=self.worker_id
        )
        sess.blob = _encode_record(sess.record)
        sess.snapshot = _snapshot(sess)
        limit = self.store.max_sessions
        if not await self.store.sessions.create(sess.id, sess.blob, self.ttl, limit):
            raise SessionsFull(
                f"{reason(503)}: {limit} sessions open across all workers "
                "(the store's max_sessions); retry later"
            )
        await self.store.bus.subscribe(self.channel(sess.id), sess.on_bus)
        sess.checked = asyncio.get_running_loop().time()

    def apply(self, sess: SharedHTTPSession, blob: bytes) -> None:
        """Bring our copy of a session up to its record."""
        try:
            rec = _decode_record(blob)
        except (msgspec.DecodeError, RecordVersionError) as exc:
            log.warning("session %s: record ignored: %s", sess.id, exc)
            return
        proto = sess.session.protocol
        state = sess.session.state
        if rec.protocol_version is not None and proto.protocol_version != rec.protocol_version:
            proto.protocol_version = rec.protocol_version
            proto.client = ClientState(
                protocol_version=rec.protocol_version,
                capabilities=msgspec.convert(rec.client_capabilities or {}, t.ClientCapabilities),
                info=None
                if rec.client_info is None
                else msgspec.convert(rec.client_info, t.Implementation),
            )
            if proto.state == "new":
                proto.state = "ready"
        if rec.log_level is None:
            state.pop("log_level", None)
        else:
            state["log_level"] = rec.log_level
        state[_SUBSCRIBED_KEY] = set(rec.subscriptions)
        if rec.owner is not None:
            state[_OWNER_KEY] = tuple(rec.owner)
        sess.record = rec
        sess.blob = blob
        sess.snapshot = _snapshot(sess)

    async def persist(self, sess: SharedHTTPSession) -> None:
        snap = _snapshot(sess)
        if snap == sess.snapshot:
            return
        proto = sess.session.protocol
        state = sess.session.state
        client = proto.client
        rec = SessionRecord(
            v=SESSION_RECORD_VERSION,
            protocol_version=proto.protocol_version,
            client_info=None
            if client is None or client.info is None
            else msgspec.to_builtins(client.info),
            client_capabilities=None
            if client is None
            else msgspec.to_builtins(client.capabilities),
            log_level=state.get("log_level"),
            subscriptions=sorted(state.get(_SUBSCRIBED_KEY) or ()),
            owner=sess.record.owner,
            home=sess.record.home,
        )
        blob = _encode_record(rec)
        try:
            await self.store.sessions.put(sess.id, blob, self.ttl)
            await self.publish(sess, _Msg("rec", self.worker_id, data=blob))
        except StoreUnavailable as exc:
            log.warning("session %s: record not saved: %s", sess.id, exc)
            return
        sess.record, sess.blob, sess.snapshot = rec, blob, snap

    async def lookup(self, sid: str, responder: Responder) -> SharedHTTPSession | None:
        """The session ``sid`` (ours, or built from its record), or None once answered 404."""
        app = self.app
        now = asyncio.get_running_loop().time()
        local = app.sessions.get(sid)
        if isinstance(local, SharedHTTPSession) and now - local.checked < self.revalidate:
            # Read recently: the bus tells us at once of a change or the end.
            return local
        blob = await self.store.sessions.get(sid, self.ttl)
        await self.ensure_beating()
        local = app.sessions.get(sid)
        sess = local if isinstance(local, SharedHTTPSession) else None
        if blob is None:
            if sess is not None:
                self.forget(sess)
            _not_found(responder)
            return None
        if sess is not None and blob == sess.blob:
            sess.checked = now
            return sess
        try:
            rec = _decode_record(blob)
        except msgspec.DecodeError:
            _not_found(responder)
            return None
        except RecordVersionError as exc:
            # Not a session we can serve, and not ours to end: another version's worker may.
            _reply_error(responder, 503, INTERNAL_ERROR, f"Service Unavailable: {exc}")
            return None
        if sess is not None:
            self.apply(sess, blob)
            sess.checked = now
            return sess
        owner = app.auth.current_owner() if app.auth is not None else None
        if (list(owner) if owner else None) != rec.owner:
            # basic/security_best_practices "Session Hijacking": only its user may use it.
            _not_found(responder)
            return None
        created = app._create_session(responder, sid)
        if isinstance(created, tuple):
            _reply_error(responder, created[0], INVALID_REQUEST, created[1])
            return None
        assert isinstance(created, SharedHTTPSession)
        self.apply(created, blob)
        created.checked = now
        if app.auth is not None:
            app.auth.bind_session(created.session)
        try:
            await self.store.bus.subscribe(self.channel(sid), created.on_bus)
        except StoreUnavailable:
            self.forget(created)
            raise
        return created

    def forget(self, sess: SharedHTTPSession) -> None:
        """Close our copy of a session (the record is left alone)."""
        if self.app.sessions.get(sess.id) is sess:
            self.app.sessions.remove(sess.id)
        self.app._close_session(sess)

    async def unsubscribe(self, sess: SharedHTTPSession) -> None:
        try:
            await self.store.bus.unsubscribe(self.channel(sess.id), sess.on_bus)
        except StoreUnavailable as exc:
            log.debug("session %s: unsubscribe failed: %s", sess.id, exc)

    # ------------------------------------------------------------------ events

    def kick(self, sess: SharedHTTPSession) -> None:
        """Flush in the background, one flush at a time per session (so events stay in
        order), batching what arrives meanwhile."""
        if not sess.flushing and (sess.outbox or sess.standalone_out):
            sess.flushing = True
            self.spawn(self._drain(sess))

    async def _drain(self, sess: SharedHTTPSession) -> None:
        try:
            while sess.outbox or sess.standalone_out:
                await self.flush(sess)
        finally:
            sess.flushing = False

    async def flush(self, sess: SharedHTTPSession) -> None:
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
                meta = _encode_record(_StreamMeta(wid, list(stream.pending)))
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

    def _schedule_renew(self) -> None:
        if self._renewer is None:
            delay = max(self.ttl / 3, 0.05)
            self._renewer = asyncio.get_running_loop().call_later(delay, self._renew)

    def _renew(self) -> None:
        """An open GET is use: keep its session's record alive."""
        self._renewer = None
        live = [s for s in self.app.sessions.values() if s.standalone_live]
        for sess in live:
            self.spawn(self._quiet(self.store.sessions.get(sess.id, self.ttl)))
        if live:
            self._schedule_renew()

    @staticmethod
    async def _quiet(aw: Awaitable[Any]) -> None:
        try:
            await aw
        except StoreUnavailable as exc:
            log.debug("store upkeep failed: %s", exc)

    async def aclose(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        if self._beater is not None:
            self._beater.cancel()
            self._beater = None
        for task in list(self._tasks):
            task.cancel()


def _reply_error(responder: Responder, status: int, code: int, message: str) -> None:
    responder.respond(
        status, [(b"content-type", b"application/json")], rpc.encode_error(None, code, message)
    )


def _not_found(responder: Responder) -> None:
    _reply_error(responder, 404, SESSION_NOT_FOUND, f"{reason(404)}: unknown session id")


def _unavailable(responder: Responder, exc: StoreUnavailable) -> None:
    # Never a hang: the store answers within its timeout, or we say so.
    _reply_error(
        responder,
        503,
        INTERNAL_ERROR,
        f"{reason(503)}: the session store is unreachable ({exc}); retry later",
    )
