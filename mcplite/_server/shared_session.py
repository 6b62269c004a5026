"""Handshake-era sessions shared by every worker through a ``Store`` (layer 3).

With ``Server(store=...)`` any worker serves any ``Mcp-Session-Id``; no sticky routing:

- The worker that answers ``initialize`` writes the session record (``SessionRecord``) before
  the answer leaves; a worker that meets an id it has not seen reads the record and builds
  its own ``Session`` for it (negotiated revision, client info and capabilities, log level,
  subscriptions, owner).  Every request reads the record again (renewing its TTL), so a
  DELETE on one worker ends the session on all of them; a change of the record (log level,
  subscriptions) is written before the answer that made it and published to the others.
- A POST's SSE stream and the standalone GET stream keep their events in the store and
  resume on any worker: ``_server/shared_stream.py``.  The worker holding the GET tells the
  client about changes (``delivers_changes``), so nobody hears one twice.
- Client answers and notifications (a POST without requests) are delivered here and
  published, so the worker whose handler waits on ``ctx.elicit``/``ctx.sample`` gets them.

A store that cannot be reached answers 503 with a JSON-RPC error body.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any, Final

import msgspec

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.events import ClientState
from .._errors import INTERNAL_ERROR, INVALID_REQUEST, SESSION_NOT_FOUND, ConnectionClosed
from .._io.httpserver import Responder
from .._server.shared_stream import (
    STANDALONE,
    SharedStream,
    SharedStreams,
    _decode_msg,
    _Msg,
    _RemoteAttach,
)
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

_SUBSCRIBED_KEY: Final = "resource_subscriptions"  # as _server/subscriptions.py
_OWNER_KEY: Final = "auth_owner"  # as _server/bearer.py OWNER_STATE_KEY


class _Version(msgspec.Struct):
    v: int = 0


# Decoders are built on first use (types.decoder caches them): nothing at import time.
_encode_record = msgspec.json.encode


def _decode_version(data: bytes) -> _Version:
    return t.decoder(_Version).decode(data)


def _decode_full_record(data: bytes) -> SessionRecord:
    return t.decoder(SessionRecord).decode(data)


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
        stream = self.standalone_if_any
        http = stream.http if stream is not None else None
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


class SharedSessions(SharedStreams):
    """The HTTP app's side of a ``Store``: lookups, records, the bus (and, from
    ``SharedStreams``, the streams' events)."""

    def __init__(self, app: Any, store: Store) -> None:
        # app: the StreamableHTTPApp (not imported: it imports this module)
        self.app = app
        super().__init__(store)
        self.revalidate = store.revalidate_after
        self._renewer: asyncio.TimerHandle | None = None

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

    # ------------------------------------------------------------------ upkeep

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

    async def aclose(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        await super().aclose()


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
