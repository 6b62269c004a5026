"""Streamable HTTP, server side: the session lifecycle (layer 3), a mixin of
``_server.streamable_http.StreamableHTTPApp``.

Sessions are minted on ``initialize`` (bounded overall and per peer, the least recently
used idle one evicted first), swept when idle for ``session_idle_timeout``, resumed or
streamed by GET and ended by DELETE (2025-03-26 .. 2025-11-25 basic/transports.mdx).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Hashable
from typing import TYPE_CHECKING, Any

from .._errors import INVALID_REQUEST, SESSION_NOT_FOUND
from .._io.background import spawn
from .._io.httpserver import Responder
from .._server.session_table import SessionTable
from .._server.streamable_checks import _error
from .._server.streamable_session import PRIMING_SINCE, HTTPSession
from .._wire.http11_write import reason
from .._wire.streamable import ASSUMED_VERSION, _media, _show

if TYPE_CHECKING:
    from .._server.bearer import RequireBearerToken
    from .._server.handle import ServedServer
    from .._server.shared_http import SharedSessionsHTTP

log = logging.getLogger(__name__.rpartition(".")[0] + ".streamable_http")


class _SessionLifecycle:
    """Session creation, the idle sweep, GET and DELETE (state set by the app)."""

    server: ServedServer
    auth: RequireBearerToken | None
    sessions: SessionTable
    shared: SharedSessionsHTTP | None
    max_sessions: int
    session_idle_timeout: float
    max_events_per_stream: int
    max_inbox_messages: int
    retry_ms: int
    supported_versions: tuple[str, ...]
    _sweeper: asyncio.TimerHandle | None
    _tasks: set[asyncio.Future[Any]]

    def _peer(self, responder: Responder) -> Hashable:
        """Whose session this is, for the per-peer cap: the user, else the address."""
        if self.auth is not None:
            owner = self.auth.current_owner()
            if owner is not None:
                return ("user", owner)
        client = responder.client
        return ("address", client[0] if isinstance(client, tuple) and client else client)

    def _create_session(
        self, responder: Responder, sid: str | None = None
    ) -> HTTPSession | tuple[int, str]:
        """A new session (``sid``: one another worker created), or the (status, message)
        to refuse with."""
        fresh = sid is None
        if len(self.sessions) >= self.max_sessions:
            self._sweep(reschedule=False)
        peer = self._peer(responder)
        evicted, refusal = self.sessions.admit(peer)
        for old in evicted:
            log.debug("session %s evicted to make room (least recently used, idle)", old.id)
            self._close_session(old)
        if refusal is not None:
            return refusal
        sess: HTTPSession
        if self.shared is not None:
            sess = self.shared.new_session(sid)
        else:
            sid = secrets.token_urlsafe(24)  # 192 random bits, visible ASCII (0x21-0x7E)
            sess = HTTPSession(
                sid,
                max_events=self.max_events_per_stream,
                retry_ms=self.retry_ms,
                max_inbox=self.max_inbox_messages,
            )
            sess.session = self.server.accept(sess, supported_versions=self.supported_versions)
        sess.abandoned_call_timeout = self.server.abandoned_call_timeout
        if self.auth is not None and fresh:
            self.auth.bind_session(sess.session)  # the session belongs to this token's user
        sess.touch()
        self.sessions.add(sess, peer)
        if self._sweeper is None and self.session_idle_timeout > 0:
            self._schedule_sweep()
        return sess

    def _close_session(self, sess: HTTPSession) -> None:
        """Close a session already removed from the table."""
        self.server.sessions.discard(sess.session)
        self._spawn(sess.session.aclose())

    def _schedule_sweep(self) -> None:
        delay = min(max(self.session_idle_timeout / 4, 0.01), 60.0)
        self._sweeper = asyncio.get_running_loop().call_later(delay, self._sweep)

    def _sweep(self, reschedule: bool = True) -> None:
        now = asyncio.get_running_loop().time()
        for sid, sess in list(self.sessions.items()):
            idle = sess.in_flight <= 0 and not sess.standalone_live
            if sess.closed or (idle and now - sess.last_active > self.session_idle_timeout):
                log.debug("session %s idle for %.0f s: closed", sid, now - sess.last_active)
                self.sessions.remove(sid)
                self._close_session(sess)
        if reschedule:
            self._sweeper = None
            if self.sessions:
                self._schedule_sweep()

    def _spawn(self, aw: Awaitable[Any]) -> None:
        spawn(self._tasks, aw)

    async def _end_session(self, sid: str) -> None:
        sess = self.sessions.remove(sid)
        if sess is None:
            return
        session = sess.session
        self.server.sessions.discard(session)
        await session.aclose()

    # ------------------------------------------------------------------ GET / DELETE

    def _session_for(self, headers: Any, responder: Responder) -> HTTPSession | None:
        sid = headers.get(b"mcp-session-id")
        if sid is None:
            _error(
                responder, 400, INVALID_REQUEST, f"{reason(400)}: Mcp-Session-Id header is required"
            )
            return None
        sess = self.sessions.get(sid.decode("latin-1"))
        if sess is None:
            _error(responder, 404, SESSION_NOT_FOUND, f"{reason(404)}: unknown session id")
        return sess

    def _get(self, headers: Any, responder: Responder) -> Awaitable[None] | None:
        if not _media(headers.get(b"accept"), b"text/event-stream", b"*/*", b"text/*"):
            return _error(
                responder,
                406,
                INVALID_REQUEST,
                f"{reason(406)}: Accept must list text/event-stream, got "
                f"{_show(headers.get(b'accept'))}",
            )
        if self.shared is not None and headers.get(b"mcp-session-id") is not None:
            return self.shared.get(headers, responder)
        sess = self._session_for(headers, responder)
        if sess is None:
            return None
        return self.get_into(sess, headers, responder)

    def get_into(
        self, sess: HTTPSession, headers: Any, responder: Responder
    ) -> Awaitable[None] | None:
        sess.touch()
        last = headers.get(b"last-event-id")
        if last is not None:
            if not sess.replay(last.decode("latin-1"), responder):
                return _error(
                    responder,
                    400,
                    INVALID_REQUEST,
                    f"{reason(400)}: cannot resume from Last-Event-ID {_show(last)}: unknown or "
                    "expired",
                )
            return None
        if sess.standalone_live:
            return _error(
                responder, 409, INVALID_REQUEST, f"{reason(409)}: a GET stream is already open"
            )
        version = sess.session.protocol.protocol_version or ASSUMED_VERSION
        sess.open_standalone(responder, priming=version >= PRIMING_SINCE)
        return None

    def _delete(self, headers: Any, responder: Responder) -> Awaitable[None] | None:
        if self.shared is not None and headers.get(b"mcp-session-id") is not None:
            return self.shared.delete(headers, responder)
        sess = self._session_for(headers, responder)
        if sess is None:
            return None
        return self._delete_session(sess, responder)

    async def _delete_session(self, sess: HTTPSession, responder: Responder) -> None:
        # Shielded: the session ends even if the client leaves before the 204.
        await asyncio.shield(self._end_session(sess.id))
        responder.respond(204, [])
