"""The HTTP side of shared sessions: POST, GET and DELETE of a session any worker may
hold (layer 3).  ``SharedSessions`` (``_server/shared_session.py``) keeps the records and
the bus, its base ``SharedStreams`` (``_server/shared_stream.py``) the streams' events; this
subclass answers the requests (see those modules for the design).  The
``StreamableHTTPApp`` uses it when its ``Server`` has a store."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec

from .._errors import INVALID_REQUEST
from .._io.httpserver import Responder
from .._server.shared_session import (
    SessionsFull,
    SharedHTTPSession,
    SharedSessions,
    _reply_error,
    _unavailable,
)
from .._server.shared_stream import (
    _CURSOR,
    STANDALONE,
    SharedStream,
    _decode_meta,
    _Msg,
    _RemoteAttach,
)
from .._server.store import StoreUnavailable
from .._server.streamable_session import PRIMING_SINCE, SSE_HEADERS
from .._wire.http11_write import reason
from .._wire.sse import encode_event
from .._wire.streamable import ASSUMED_VERSION, PostPlan, session_problem

__all__ = ["SharedSessionsHTTP"]

log = logging.getLogger(__name__)


class SharedSessionsHTTP(SharedSessions):
    """``SharedSessions`` answering the MCP endpoint's requests."""

    # ------------------------------------------------------------------ HTTP

    async def post(self, headers: Any, body: bytes, plan: PostPlan, responder: Responder) -> None:
        app = self.app
        ids = plan.ids
        sid = headers.get(b"mcp-session-id")
        sess: SharedHTTPSession | None
        try:
            if sid is None:
                problem = session_problem(plan)
                if problem is not None:
                    _reply_error(responder, 400, INVALID_REQUEST, problem)
                    return
                created = app._create_session(responder)
                if isinstance(created, tuple):
                    _reply_error(responder, created[0], INVALID_REQUEST, created[1])
                    return
                assert isinstance(created, SharedHTTPSession)
                sess = created
                try:
                    await self.start(sess)
                except SessionsFull as exc:
                    self.forget(sess)
                    _reply_error(responder, 503, INVALID_REQUEST, str(exc))
                    return
                except StoreUnavailable:
                    self.forget(sess)
                    raise
            else:
                sess = await self.lookup(sid.decode("latin-1"), responder)
                if sess is None:
                    return
            if not ids:
                # Answers and notifications: the request they concern may run elsewhere.
                await self.publish(sess, _Msg("in", self.worker_id, data=body))
        except StoreUnavailable as exc:
            _unavailable(responder, exc)
            return
        result = app.post_into(sess, body, plan, responder)
        if result is not None:
            await result
        stream = sess.routes.get(ids[0]) if ids else None
        if isinstance(stream, SharedStream) and not responder.started:
            stream.waiter = asyncio.get_running_loop().create_future()
            await stream.waiter

    async def get(self, headers: Any, responder: Responder) -> None:
        app = self.app
        sid = headers.get(b"mcp-session-id").decode("latin-1")
        try:
            sess = await self.lookup(sid, responder)
            if sess is None:
                return
            last = headers.get(b"last-event-id")
            version = sess.session.protocol.protocol_version or ASSUMED_VERSION
            if last is None:
                if sess.standalone_live:
                    _reply_error(
                        responder,
                        409,
                        INVALID_REQUEST,
                        f"{reason(409)}: a GET stream is already open",
                    )
                    return
                await self.open_standalone(sess, responder, None, version >= PRIMING_SINCE)
                return
            key_s, sep, idx_s = last.decode("latin-1").partition("_")
            if not (sep and key_s.isdigit() and idx_s.isdigit()):
                app.get_into(sess, headers, responder)  # answers 400 as in one process
                return
            key, after = int(key_s), int(idx_s)
            if key == 0:
                await self.open_standalone(sess, responder, after, False)
            elif key in sess.streams:
                app.get_into(sess, headers, responder)
            else:
                await self.follow(sess, key, after, responder)
        except StoreUnavailable as exc:
            _unavailable(responder, exc)

    async def open_standalone(
        self, sess: SharedHTTPSession, responder: Responder, after: int | None, prime: bool
    ) -> None:
        stream = sess.standalone
        if stream.http is not None:
            stream.http.abort()
        sess.standalone_live = True
        sess.opening = []
        try:
            if after is None:
                kept = await self.store.events.replay(sess.id, _CURSOR, 0)
                after = int(kept[-1][1]) if kept else 0
            events = await self.store.events.replay(sess.id, STANDALONE, after)
        except BaseException:
            sess.standalone_live = False
            sess.opening = None
            raise
        http = responder.start_stream(200, [*SSE_HEADERS, *sess.headers])
        stream.sse = True
        stream.http = http
        chunks = [encode_event(b"", id=f"0_{after}")] if prime else []
        cursor = after
        for index, data in [*events, *sess.opening]:
            if index > cursor:
                cursor = index
                chunks.append(encode_event(data, event="message", id=f"0_{index}"))
        sess.opening = None
        sess.cursor = cursor
        http.write(b"".join(chunks))

        def gone() -> None:
            if stream.http is http:
                stream.http = None
                sess.standalone_live = False
                sess.last_active = asyncio.get_running_loop().time()
                item: list[tuple[int | None, bytes]] = [(None, str(sess.cursor).encode())]
                self.spawn(
                    self._quiet(self.store.events.append(sess.id, _CURSOR, item, 1, self.ttl))
                )

        http.on_close(gone)
        self._schedule_renew()
        if sess.record.home != self.worker_id:
            sess.record.home = self.worker_id
            await self.publish(sess, _Msg("home", self.worker_id))

    async def follow(
        self, sess: SharedHTTPSession, key: int, after: int, responder: Responder
    ) -> None:
        """Resume, here, a stream another worker writes: what the store kept, then live."""
        events = await self.store.events.replay(sess.id, str(key), after)
        if not events and not await self.store.events.replay(sess.id, str(key), -1):
            _reply_error(
                responder,
                400,
                INVALID_REQUEST,
                f"{reason(400)}: cannot resume from Last-Event-ID '{key}_{after}': unknown or "
                "expired",
            )
            return
        raw = await self.store.events.meta(sess.id, str(key))
        meta = None
        if raw is not None:
            try:
                meta = _decode_meta(raw)
            except msgspec.DecodeError:
                log.warning("session %s: stream %d: undecodable record ignored", sess.id, key)
        http = responder.start_stream(200, [*SSE_HEADERS, *sess.headers])
        attach = _RemoteAttach(http, after)
        if meta is not None:
            attach.pending = set(meta.ids)
        attaches = sess.remote.setdefault(key, [])
        attaches.append(attach)
        for index, data in events:
            attach.write(index, data, not data)
        buffered, attach.buffer = attach.buffer or [], None
        for index, data, final in buffered:
            attach.write(index, data, final)

        def gone() -> None:
            attach.ended = True
            if attach in attaches:
                attaches.remove(attach)
            if not attaches:
                sess.remote.pop(key, None)

        if attach.ended:
            gone()
        else:
            http.on_close(gone)
            self.spawn(self.watch(sess, key, attach, meta.w if meta is not None else ""))

    async def watch(
        self, sess: SharedHTTPSession, key: int, attach: _RemoteAttach, writer: str
    ) -> None:
        """Never a hang: a resumed stream of another worker ends with a JSON-RPC error for
        its pending requests once its writer's heartbeat is gone, or after ``resume_wait``
        seconds with nothing new.  Meanwhile the store's log is read again now and then, so
        an event whose bus message was lost (pub/sub keeps nothing) still arrives."""
        loop = asyncio.get_running_loop()
        wait = self.resume_wait
        every = min(max(self.heartbeat / 2, 0.05), wait)
        store = self.store
        while not attach.over():
            if writer:
                try:
                    alive = await store.workers.alive(writer)
                except StoreUnavailable:
                    alive = True  # unknown: the bound still holds
                if not alive and not attach.over():
                    attach.fail(
                        f"Server error: worker {writer}, which was answering this request, is "
                        f"gone (no heartbeat for {self.heartbeat:g} s); the request is lost"
                    )
                    return
            try:
                for index, data in await store.events.replay(sess.id, str(key), attach.upto):
                    attach.push(index, data, not data)
            except StoreUnavailable:
                pass
            if attach.over():
                return
            idle = loop.time() - attach.progressed
            if idle >= wait:
                attach.fail(
                    f"Server error: nothing new on this resumed stream for {wait:g} s (the "
                    "store's resume_wait); the request is given up here"
                )
                return
            await asyncio.sleep(min(every, wait - idle))

    async def delete(self, headers: Any, responder: Responder) -> None:
        sid = headers.get(b"mcp-session-id").decode("latin-1")
        try:
            sess = await self.lookup(sid, responder)
            if sess is None:
                return
            await self.store.sessions.delete(sid)
            await self.publish(sess, _Msg("end", self.worker_id))
        except StoreUnavailable as exc:
            _unavailable(responder, exc)
            return
        # Shielded: the session ends even if the client leaves before the 204.
        await asyncio.shield(self.app._end_session(sid))
        responder.respond(204, [])
