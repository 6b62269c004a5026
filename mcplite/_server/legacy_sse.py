"""Legacy HTTP+SSE transport, server side (protocol revision 2024-11-05) (layer 3).

2024-11-05 basic/transports.mdx "HTTP with SSE": a GET on the SSE endpoint opens an event
stream whose first event is ``endpoint`` (data: the URI where the client POSTs); each POST
there is answered ``202 Accepted`` and every server message -- responses, notifications,
requests -- goes out as an ``event: message`` on that session's stream.  Kept so that
older clients still connect (2025-11-25 basic/transports.mdx "Backwards Compatibility").
The session lives as long as its GET stream: closing it ends the session.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Collection
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

import msgspec

from .. import types as t
from .._core import jsonrpc as rpc, peerjson
from .._errors import INVALID_REQUEST, PARSE_ERROR, SESSION_NOT_FOUND, ConnectionClosed
from .._io.background import spawn
from .._io.httpserver import Responder, ResponseStream
from .._wire.http11 import Request
from .._wire.http11_write import reason
from .._wire.origin import check_request
from .._wire.sse import encode_comment, encode_event

if TYPE_CHECKING:
    from .._server.handle import ServedServer

__all__ = [
    "DEFAULT_LEGACY_MAX_BODY_BYTES",
    "DEFAULT_LEGACY_MAX_QUEUED_MESSAGES",
    "DEFAULT_LEGACY_MAX_SESSIONS",
    "DEFAULT_LEGACY_SESSION_IDLE_TIMEOUT_SECONDS",
    "DEFAULT_MESSAGES_PATH",
    "DEFAULT_SSE_PATH",
    "LegacySSEApp",
    "LegacySSETransport",
]

log = logging.getLogger(__name__)

DEFAULT_SSE_PATH: Final = "/sse"
DEFAULT_MESSAGES_PATH: Final = "/messages"
DEFAULT_LEGACY_MAX_SESSIONS: Final = 1000  # open GET streams
DEFAULT_LEGACY_MAX_BODY_BYTES: Final = 4 * 1024 * 1024  # one POSTed message or batch
DEFAULT_LEGACY_MAX_QUEUED_MESSAGES: Final = 1024  # POSTed, not yet read by the session
DEFAULT_LEGACY_SESSION_IDLE_TIMEOUT_SECONDS: Final = 1800.0  # no POST for this long
_JSON_CT: Final = (b"content-type", b"application/json")
_SSE_HEADERS: Final = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
]


class LegacySSETransport:
    """One session's transport: POST bodies in, ``message`` events out on the GET stream."""

    def __init__(self, sid: str, stream: ResponseStream, max_queued: int) -> None:
        self.id = sid
        self.stream = stream
        self.inbox: asyncio.Queue[bytes | None] = asyncio.Queue(max_queued)
        self.closed = False
        self.last_active = asyncio.get_running_loop().time()
        self.session: Any = None

    def deliver(self, body: bytes) -> bool:
        """Queue one POSTed payload; False when the session is closed or its queue full."""
        if self.closed:
            return False
        try:
            self.inbox.put_nowait(body)
        except asyncio.QueueFull:
            return False
        return True

    async def receive(self) -> bytes:
        if self.closed and self.inbox.empty():
            raise ConnectionClosed("the legacy SSE session is closed")
        data = await self.inbox.get()
        if data is None:
            self.closed = True
            raise ConnectionClosed("the legacy SSE stream closed")
        return data

    async def send(self, data: bytes, related: Any = None) -> None:
        if self.closed or self.stream.closed:
            raise ConnectionClosed("the legacy SSE stream is closed")
        self.stream.write(encode_event(data, event="message"))
        await self.stream.drain()

    def gone(self) -> None:
        """The GET stream ended: wake receive() with the end of the stream."""
        if self.closed:
            return
        self.closed = True
        try:
            self.inbox.put_nowait(None)
        except asyncio.QueueFull:  # a reader blocked on a full queue is not possible
            pass

    async def aclose(self) -> None:
        self.gone()
        self.stream.end()


class LegacySSEApp:
    """The 2024-11-05 SSE + messages endpoints as an ``_httpserver`` app."""

    def __init__(
        self,
        server: ServedServer,
        *,
        sse_path: str = DEFAULT_SSE_PATH,
        messages_path: str = DEFAULT_MESSAGES_PATH,
        dns_rebinding_protection: bool = True,
        allowed_hosts: Collection[str] | None = None,
        allowed_origins: Collection[str] | None = None,
        max_sessions: int = DEFAULT_LEGACY_MAX_SESSIONS,
        max_body_bytes: int = DEFAULT_LEGACY_MAX_BODY_BYTES,
        max_queued_messages: int = DEFAULT_LEGACY_MAX_QUEUED_MESSAGES,
        session_idle_timeout: float = DEFAULT_LEGACY_SESSION_IDLE_TIMEOUT_SECONDS,
        supported_versions: tuple[str, ...] = t.SUPPORTED_PROTOCOL_VERSIONS,
    ) -> None:
        self.server = server
        self.sse_path = sse_path
        self.messages_path = messages_path
        self.dns_rebinding_protection = dns_rebinding_protection
        self.allowed_hosts = (
            None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        )
        self.allowed_origins = allowed_origins
        self.max_sessions = max_sessions
        self.max_body_bytes = max_body_bytes
        self.max_queued_messages = max_queued_messages
        self.session_idle_timeout = session_idle_timeout
        self.supported_versions = supported_versions
        self.sessions: dict[str, LegacySSETransport] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[Any]] = set()

    def handles(self, path: str) -> bool:
        return path == self.sse_path or path == self.messages_path

    def __call__(
        self, request: Request, body: bytes, responder: Responder
    ) -> Awaitable[None] | None:
        path, _, query = request.target.partition("?")
        if not self.handles(path):
            return _error(responder, 404, INVALID_REQUEST, f"{reason(404)}: {path!r}")
        problem = self._check_host_origin(request.headers, responder)
        if problem is not None:
            return _error(responder, 403, INVALID_REQUEST, f"{reason(403)}: {problem}")
        want = "GET" if path == self.sse_path else "POST"
        if request.method != want:
            responder.respond(
                405,
                [_JSON_CT, (b"allow", want.encode())],
                rpc.encode_error(
                    None, INVALID_REQUEST, f"{reason(405)}: {request.method} (allowed: {want})"
                ),
            )
            return None
        if want == "GET":
            return self._open(responder)
        return self._post(query, request.headers, body, responder)

    def _check_host_origin(self, headers: Any, responder: Responder) -> str | None:
        return check_request(
            headers.get(b"host"),
            headers.get(b"origin"),
            responder.local_address,
            dns_rebinding_protection=self.dns_rebinding_protection,
            allowed_hosts=self.allowed_hosts,
            allowed_origins=self.allowed_origins,
        )

    # ------------------------------------------------------------------ GET

    def _open(self, responder: Responder) -> Awaitable[None] | None:
        if len(self.sessions) >= self.max_sessions:
            return _error(
                responder,
                503,
                INVALID_REQUEST,
                f"{reason(503)}: {self.max_sessions} sessions already open",
            )
        sid = secrets.token_hex(16)  # 128 random bits
        stream = responder.start_stream(200, list(_SSE_HEADERS))
        transport = LegacySSETransport(sid, stream, self.max_queued_messages)
        # 2024-11-05: "the server MUST send an endpoint event containing a URI for the
        # client to use for sending messages" -- first, before any message.
        uri = f"{self.messages_path}?session_id={sid}"
        stream.write(encode_event(uri.encode(), event="endpoint"))
        self.sessions[sid] = transport
        session = self.server.accept(transport, supported_versions=self.supported_versions)
        transport.session = session
        stream.on_close(lambda: self._spawn(self._end(sid)))
        if self._sweeper is None and self.session_idle_timeout > 0:
            self._schedule_sweep()
        return None

    # ------------------------------------------------------------------ POST

    def _post(
        self, query: str, headers: Any, body: bytes, responder: Responder
    ) -> Awaitable[None] | None:
        sids = parse_qs(query).get("session_id")
        if not sids:
            return _error(
                responder, 400, INVALID_REQUEST, f"{reason(400)}: the session_id query is required"
            )
        transport = self.sessions.get(sids[0])
        if transport is None or transport.closed:
            return _error(responder, 404, SESSION_NOT_FOUND, f"{reason(404)}: unknown session id")
        if len(body) > self.max_body_bytes:
            return _error(
                responder,
                413,
                INVALID_REQUEST,
                f"{reason(413)}: at most {self.max_body_bytes} bytes, got {len(body)}",
            )
        ctype = headers.get(b"content-type")
        if ctype is not None and not ctype.lower().startswith(b"application/json"):
            return _error(
                responder,
                415,
                INVALID_REQUEST,
                f"{reason(415)}: expected application/json, got {ctype[:100]!r}",
            )
        try:
            peerjson.check(body, self.server.max_json_depth)
            msgspec.json.decode(body)
        except peerjson.InvalidJSON as exc:
            return _error(responder, 400, PARSE_ERROR, exc.message)
        except msgspec.DecodeError as exc:
            return _error(responder, 400, PARSE_ERROR, f"Parse error: {exc}")
        transport.last_active = asyncio.get_running_loop().time()
        if not transport.deliver(body):
            return _error(
                responder,
                503,
                INVALID_REQUEST,
                f"{reason(503)}: {self.max_queued_messages} messages already queued for "
                "this session (max_queued_messages)",
            )
        responder.respond(202, [(b"content-type", b"text/plain; charset=utf-8")], b"Accepted")
        return None

    # ------------------------------------------------------------------ lifetime

    def _schedule_sweep(self) -> None:
        delay = min(max(self.session_idle_timeout / 4, 0.01), 60.0)
        self._sweeper = asyncio.get_running_loop().call_later(delay, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        now = asyncio.get_running_loop().time()
        for sid, transport in list(self.sessions.items()):
            if transport.closed or now - transport.last_active > self.session_idle_timeout:
                log.debug("legacy SSE session %s idle: closed", sid)
                self._spawn(self._end(sid))
            else:
                # A comment (ignored by SSE clients) detects a client whose network went
                # away without a FIN or reset (a FIN ends the session at once): the write
                # fails and the stream's close ends the session.
                transport.stream.write(encode_comment())
        if self.sessions:
            self._schedule_sweep()

    def _spawn(self, aw: Awaitable[Any]) -> None:
        spawn(self._tasks, aw)

    async def _end(self, sid: str) -> None:
        transport = self.sessions.pop(sid, None)
        if transport is None:
            return
        transport.gone()
        session = transport.session
        self.server.sessions.discard(session)
        await session.aclose()
        transport.stream.end()

    async def aclose(self) -> None:
        """End every session (and its GET stream)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        await asyncio.gather(*(self._end(sid) for sid in list(self.sessions)))
        for task in list(self._tasks):
            task.cancel()


def _error(
    responder: Responder, status: int, code: int, message: str
) -> Awaitable[None] | None:  # so handlers can `return _error(...)`
    responder.respond(status, [_JSON_CT], rpc.encode_error(None, code, message))
    return None
