"""Streamable HTTP, server side: the MCP endpoint as an ``_httpserver`` app (layer 3).

Both transport shapes on one endpoint:

- 2025-03-26 .. 2025-11-25 (basic/transports.mdx "Streamable HTTP"): POST carries messages,
  answered as JSON or SSE; GET opens the standalone SSE stream; DELETE ends the session;
  ``Mcp-Session-Id`` is minted on ``initialize``; streams resume with ``Last-Event-ID``.
- 2026-07-28 (basic/transports/streamable-http.mdx): no sessions, no GET; every POST is
  handled on its own; ``Mcp-Method``/``Mcp-Name`` must match the body (SEP-2243) and
  protocol errors map to HTTP statuses.  A POST whose ``_meta`` (or header) names
  >= 2026-07-28 is handled this way even on a stateful server.

Response shape: ``json_response=False`` (default, like the Python and Go SDKs) answers
handshake-era requests with SSE; otherwise, and always in 2026-07-28, the answer is held
and sent as one JSON body unless the handler emits a related message first, which turns
it into SSE.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Collection, Hashable
from typing import TYPE_CHECKING, Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import jsonrpc as rpc, peerjson
from .._core.methods import BATCH_REVISIONS, STATELESS_REVISION, lookup
from .._errors import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from .._io.httpserver import Responder
from .._server.legacy_sse import DEFAULT_MESSAGES_PATH, DEFAULT_SSE_PATH, LegacySSEApp
from .._server.session_table import DEFAULT_MAX_SESSIONS_PER_PEER, SessionTable
from .._server.streamable_session import (
    DEFAULT_MAX_EVENTS_PER_STREAM,
    DEFAULT_SSE_RETRY_MS,
    JSON_CT,
    PRIMING_SINCE,
    HTTPSession,
    OneShotTransport,
    Stream,
)
from .._wire.http11 import Request
from .._wire.origin import check_request
from .._wire.paramheaders import InvalidToolHeaders, check_params, param_headers
from .._wire.streamable import (
    META_KEY as _META_KEY,
    _media,
    _params,
    _Peek,
    _peek_decoder,
    decode_header_value,
)

if TYPE_CHECKING:
    from .._server.bearer import RequireBearerToken
    from .._server.server import Server
    from .._server.shared_session import SharedSessions

__all__ = [
    "DEFAULT_MAX_SESSIONS",
    "DEFAULT_PATH",
    "DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS",
    "StreamableHTTPApp",
]

# The request methods whose Mcp-Name header mirrors a params field (SEP-2243, SEP-2663).
_NAMED: Final = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
    "tasks/get": "task_id",
    "tasks/update": "task_id",
    "tasks/cancel": "task_id",
}

log = logging.getLogger(__name__)

DEFAULT_PATH: Final = "/mcp"
DEFAULT_MAX_SESSIONS: Final = 1000
DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS: Final = 1800.0  # no POST in flight and no GET open
SESSION_NOT_FOUND: Final = -32001  # the Python/TS SDKs' code for an unknown session id
# handshake-era versions before this one had no MCP-Protocol-Version header: assume it.
ASSUMED_VERSION: Final = "2025-03-26"


class StreamableHTTPApp:
    """The MCP endpoint as an ``_httpserver`` app (also used by ``_asgi``)."""

    def __init__(
        self,
        server: Server,
        *,
        path: str = DEFAULT_PATH,
        stateless: bool = False,
        json_response: bool = False,
        dns_rebinding_protection: bool = True,
        allowed_hosts: Collection[str] | None = None,
        allowed_origins: Collection[str] | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        max_sessions_per_peer: int = DEFAULT_MAX_SESSIONS_PER_PEER,
        session_idle_timeout: float = DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS,
        max_events_per_stream: int = DEFAULT_MAX_EVENTS_PER_STREAM,
        retry_ms: int = DEFAULT_SSE_RETRY_MS,
        supported_versions: tuple[str, ...] = t.SUPPORTED_PROTOCOL_VERSIONS,
        auth: RequireBearerToken | None = None,
        legacy_sse: bool = True,
        legacy_sse_path: str = DEFAULT_SSE_PATH,
        legacy_messages_path: str = DEFAULT_MESSAGES_PATH,
    ) -> None:
        self.server = server
        # 2024-11-05 HTTP+SSE on its own paths, for older clients (_sse_legacy_server).
        self.legacy: LegacySSEApp | None = None
        if legacy_sse:
            self.legacy = LegacySSEApp(
                server,
                sse_path=legacy_sse_path,
                messages_path=legacy_messages_path,
                dns_rebinding_protection=dns_rebinding_protection,
                allowed_hosts=allowed_hosts,
                allowed_origins=allowed_origins,
                max_sessions=max_sessions,
                supported_versions=supported_versions,
            )
        self.auth = auth  # bearer-token middleware (_auth_server), run before everything
        self.path = path
        self.stateless = stateless
        self.json_response = json_response
        self.dns_rebinding_protection = dns_rebinding_protection
        self.allowed_hosts = (
            None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        )
        self.allowed_origins = allowed_origins
        self.max_sessions = max_sessions
        self.session_idle_timeout = session_idle_timeout
        self.max_events_per_stream = max_events_per_stream
        self.retry_ms = retry_ms
        self.supported_versions = supported_versions
        self._versions = frozenset(supported_versions)
        self.sessions = SessionTable(max_sessions, max_sessions_per_peer)
        self._host_ok: dict[tuple[bytes | None, Any], str | None] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        # Server(store=...): sessions shared by every worker (_server/shared_session.py).
        self.shared: SharedSessions | None = None
        store = getattr(server, "store", None)
        if store is not None and not stateless:
            from .._server.shared_session import SharedSessions

            self.shared = SharedSessions(self, store)

    # ------------------------------------------------------------------ entry

    def __call__(
        self, request: Request, body: bytes, responder: Responder
    ) -> Awaitable[None] | None:
        if self.auth is not None:
            return self.auth.guard(request, body, responder, self._route, self.sessions)
        return self._route(request, body, responder)

    def _route(self, request: Request, body: bytes, responder: Responder) -> Awaitable[None] | None:
        path = request.target
        if "?" in path:
            path = path.partition("?")[0]
        if path != self.path:
            if self.legacy is not None and self.legacy.handles(path):
                return self.legacy(request, body, responder)
            return _text(responder, 404, f"not found: the MCP endpoint is {self.path}")
        headers = request.headers
        problem = self._check_host_origin(headers, responder)
        if problem is not None:
            return _error(responder, 403, INVALID_REQUEST, f"Forbidden: {problem}")
        method = request.method
        if method == "POST":
            return self._post(headers, body, responder)
        if method == "GET" and not self.stateless:
            return self._get(headers, responder)
        if method == "DELETE" and not self.stateless:
            return self._delete(headers, responder)
        allow = b"POST" if self.stateless else b"GET, POST, DELETE"
        responder.respond(
            405,
            [JSON_CT, (b"allow", allow)],
            rpc.encode_error(
                None, INVALID_REQUEST, f"Method Not Allowed: {method} (allowed: {allow.decode()})"
            ),
        )
        return None

    def _check_host_origin(self, headers: Any, responder: Responder) -> str | None:
        host = headers.get(b"host")
        origin = headers.get(b"origin")
        key = (host, origin)
        cached = self._host_ok.get(key, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        problem = check_request(
            host,
            origin,
            responder.local_address,
            dns_rebinding_protection=self.dns_rebinding_protection,
            allowed_hosts=self.allowed_hosts,
            allowed_origins=self.allowed_origins,
        )
        if len(self._host_ok) < 256:  # a few distinct (Host, Origin) pairs in practice
            self._host_ok[key] = problem
        return problem

    # ------------------------------------------------------------------ POST

    def _post(self, headers: Any, body: bytes, responder: Responder) -> Awaitable[None] | None:
        ctype = headers.get(b"content-type")
        if ctype is None or not ctype.lower().startswith(b"application/json"):
            return _error(
                responder,
                415,
                INVALID_REQUEST,
                f"Unsupported Media Type: Content-Type must be application/json, got "
                f"{_show(ctype)}",
            )
        accept = headers.get(b"accept")
        can_sse = _media(accept, b"text/event-stream", b"*/*", b"text/*")
        if not _media(accept, b"application/json", b"*/*", b"application/*") or not (
            can_sse or self.json_response
        ):
            return _error(
                responder,
                406,
                INVALID_REQUEST,
                "Not Acceptable: Accept must list application/json and text/event-stream, "
                f"got {_show(accept)}",
            )
        try:
            peerjson.check(body, self.server.max_json_depth)
            decoded = _peek_decoder().decode(body)
        except peerjson.InvalidJSON as exc:
            return _error(responder, 400, PARSE_ERROR, exc.message)
        except msgspec.ValidationError as exc:
            return _error(responder, 400, INVALID_REQUEST, f"Invalid Request: {exc}")
        except msgspec.DecodeError as exc:
            return _error(responder, 400, PARSE_ERROR, f"Parse error: {exc}")
        messages = decoded if isinstance(decoded, list) else [decoded]
        if not messages:
            return _error(responder, 400, INVALID_REQUEST, "Invalid Request: empty batch")
        ids: list[Any] = []
        for msg in messages:
            not_rpc = _envelope_problem(msg)
            if not_rpc is not None:
                return _error(
                    responder,
                    400,
                    INVALID_REQUEST,
                    not_rpc,
                    id=msg.id if isinstance(msg.id, (int, str)) else None,
                )
            if msg.method is not UNSET:
                if msg.id is None:
                    return _error(
                        responder, 400, INVALID_REQUEST, "Invalid Request: id must not be null"
                    )
                if msg.id is not UNSET:
                    ids.append(msg.id)
        if len(set(ids)) != len(ids):
            return _error(responder, 400, INVALID_REQUEST, "Invalid Request: duplicate ids")
        first = messages[0]
        hver_b = headers.get(b"mcp-protocol-version")
        hver = None if hver_b is None else hver_b.decode("latin-1")
        if hver is not None and hver not in self._versions:
            return _error(
                responder,
                400,
                UNSUPPORTED_PROTOCOL_VERSION,
                f"Bad Request: unsupported MCP-Protocol-Version {hver!r}",
                id=first.id if isinstance(first.id, (int, str)) else None,
                data={"supported": list(self.supported_versions), "requested": hver},
            )
        new_era = hver is not None and hver >= STATELESS_REVISION
        if not new_era and _META_KEY in body and len(messages) == 1:
            meta = _params(first).meta
            mver = meta.get(t.META_PROTOCOL_VERSION) if meta else None
            new_era = isinstance(mver, str) and mver >= STATELESS_REVISION
        if new_era:
            if isinstance(decoded, list):
                return _error(
                    responder, 400, INVALID_REQUEST, "Invalid Request: no batches in 2026-07-28"
                )
            problem = self._check_new_era(first, hver)
            if problem is None and first.id is not UNSET:
                problem = self.check_method_headers(headers, first)
            if problem is not None:
                code, message = problem
                return _error(
                    responder,
                    400,
                    code,
                    message,
                    id=first.id if isinstance(first.id, (int, str)) else None,
                )
            return self._post_stateless(
                body,
                ids,
                responder,
                can_sse,
                new_era=True,
                method=first.method,
                version=hver or STATELESS_REVISION,
            )
        batch = isinstance(decoded, list)
        if self.stateless:
            no_batch = _batch_problem(hver or ASSUMED_VERSION) if batch else None
            if no_batch is not None:
                return _error(responder, 400, INVALID_REQUEST, no_batch)
            return self._post_stateless(body, ids, responder, can_sse, new_era=False)
        return self._post_stateful(headers, body, messages, ids, responder, can_sse, hver, batch)

    def _check_new_era(self, msg: _Peek, hver: str | None) -> tuple[int, str] | None:
        """2026-07-28 streamable-http.mdx "Server Validation" (SEP-2243)."""
        if msg.id is UNSET:
            return None  # notifications: header rules not defined by this revision
        params = _params(msg)
        meta = params.meta or {}
        mver = meta.get(t.META_PROTOCOL_VERSION)
        if mver is None:
            return INVALID_PARAMS, (
                f'Invalid params: _meta "{t.META_PROTOCOL_VERSION}" is required in 2026-07-28'
            )
        if hver is None:
            return HEADER_MISMATCH, "Header mismatch: the MCP-Protocol-Version header is missing"
        if mver != hver:
            return HEADER_MISMATCH, (
                f"Header mismatch: MCP-Protocol-Version header {hver!r} does not match body "
                f"_meta protocolVersion {mver!r}"
            )
        return None

    def check_method_headers(self, headers: Any, msg: _Peek) -> tuple[int, str] | None:
        hmethod = headers.get(b"mcp-method")
        if hmethod is None:
            return HEADER_MISMATCH, "Header mismatch: the Mcp-Method header is missing"
        if hmethod.decode("latin-1") != msg.method:
            return HEADER_MISMATCH, (
                f"Header mismatch: Mcp-Method header value {hmethod.decode('latin-1')!r} "
                f"does not match body value {msg.method!r}"
            )
        if msg.method in _NAMED:
            params = _params(msg)
            # SEP-2663 "Routing Headers": tasks/* carry Mcp-Name = params.taskId.
            want = getattr(params, _NAMED[msg.method])
            hname = headers.get(b"mcp-name")
            if hname is None:
                return HEADER_MISMATCH, f"Header mismatch: Mcp-Name is required for {msg.method}"
            got = decode_header_value(hname.decode("latin-1"))
            if got is None:
                return HEADER_MISMATCH, "Header mismatch: Mcp-Name has a malformed base64 value"
            if got != want:
                return HEADER_MISMATCH, (
                    f"Header mismatch: Mcp-Name header value {got!r} does not match body "
                    f"value {want!r}"
                )
            if msg.method == "tools/call" and isinstance(want, str):
                problem = self._check_param_headers(headers, want, msg)
                if problem is not None:
                    return HEADER_MISMATCH, f"Header mismatch: {problem}"
        return None

    def _check_param_headers(self, headers: Any, tool: str, msg: _Peek) -> str | None:
        """SEP-2243: ``Mcp-Param-*`` headers must mirror the x-mcp-header arguments."""
        entry = self.server.tools.entries.get(tool)
        if entry is None:
            return None  # unknown tool: tools/call itself answers
        try:
            wanted = param_headers(entry.tool.input_schema)
        except InvalidToolHeaders:
            return None  # our own tool's annotations are invalid: nothing to compare
        if not wanted:
            return None
        try:
            params = msgspec.json.decode(msg.params) if msg.params is not UNSET else {}
        except msgspec.DecodeError:
            return None
        arguments = params.get("arguments") if isinstance(params, dict) else None

        def get(name: str) -> str | None:
            value = headers.get(name.encode("latin-1"))
            return None if value is None else str(value.decode("latin-1"))

        return check_params(get, wanted, arguments)

    def _post_stateless(
        self,
        body: bytes,
        ids: list[Any],
        responder: Responder,
        can_sse: bool,
        *,
        new_era: bool,
        method: Any = UNSET,
        version: str | None = None,
    ) -> Awaitable[None] | None:
        if not ids:
            refused = _refused_notification(method, version) if new_era else None
            if refused is not None:
                # 2026-07-28 streamable-http.mdx: a notification the server cannot accept
                # gets an HTTP error status.
                return _error(responder, 400, INVALID_REQUEST, f"Bad Request: {refused}")
            responder.respond(202, [])
            # Notifications still reach the server (e.g. a log level in the legacy era);
            # a fresh protocol is enough for them.
            if not new_era:
                transport = OneShotTransport(
                    body, Stream(None, 0, None, can_sse=False, priming=False, extra_headers=[])
                )
                transport.stream.done = True
                self._connect(transport)
                transport._finish()
            return None
        stream = Stream(
            None,
            0,
            responder,
            can_sse=can_sse,
            priming=False,
            extra_headers=[],
            status_map=new_era,
        )
        stream.pending.update(ids)
        transport = OneShotTransport(body, stream)
        session = self._connect(transport)

        def gone() -> None:
            task = asyncio.ensure_future(session.aclose())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        responder.on_close(gone)
        stream.on_gone = gone
        if can_sse and not self.json_response and not new_era:
            stream.start_sse()
        return None

    def _connect(self, transport: OneShotTransport) -> Any:
        server = self.server
        session = server.accept(
            transport, assume_initialized=True, supported_versions=self.supported_versions
        )
        transport.session = session
        transport.done.add_done_callback(lambda _: server.sessions.discard(session))
        return session

    # ------------------------------------------------------------------ stateful

    def _post_stateful(
        self,
        headers: Any,
        body: bytes,
        messages: list[_Peek],
        ids: list[Any],
        responder: Responder,
        can_sse: bool,
        hver: str | None,
        batch: bool,
    ) -> Awaitable[None] | None:
        if self.shared is not None:
            return self.shared.post(headers, body, messages, ids, responder, can_sse, hver, batch)
        sid = headers.get(b"mcp-session-id")
        if sid is None:
            if batch and any(m.method == "initialize" for m in messages):
                # 2025-03-26 basic/lifecycle: the initialize request MUST NOT be batched.
                return _error(
                    responder, 400, INVALID_REQUEST, "Invalid Request: initialize in a batch"
                )
            if len(messages) != 1 or messages[0].method != "initialize" or not ids:
                return _error(
                    responder,
                    400,
                    INVALID_REQUEST,
                    "Bad Request: Mcp-Session-Id header is required (send initialize first)",
                )
            created = self._create_session(responder)
            if isinstance(created, tuple):
                return _error(responder, created[0], INVALID_REQUEST, created[1])
            sess = created
        else:
            found = self.sessions.get(sid.decode("latin-1"))
            if found is None:
                return _error(responder, 404, SESSION_NOT_FOUND, "Not Found: unknown session id")
            sess = found
        return self.post_into(sess, body, messages, ids, responder, can_sse, hver, batch)

    def post_into(
        self,
        sess: HTTPSession,
        body: bytes,
        messages: list[_Peek],
        ids: list[Any],
        responder: Responder,
        can_sse: bool,
        hver: str | None,
        batch: bool,
    ) -> Awaitable[None] | None:
        """Hand a POST to its session (found, created, or shared by another worker)."""
        sess.last_active = asyncio.get_running_loop().time()
        if batch:
            problem = _batch_problem(sess.session.protocol.protocol_version or hver)
            if problem is not None:
                return _error(responder, 400, INVALID_REQUEST, problem)
        if not ids:
            if not sess.deliver(body):
                return _error(responder, 503, INVALID_REQUEST, "Service Unavailable: busy")
            responder.respond(202, sess.headers)
            return None
        for id in ids:
            if id in sess.routes:
                return _error(
                    responder, 400, INVALID_REQUEST, f"Invalid Request: id {id!r} is in flight"
                )
        version = sess.session.protocol.protocol_version or hver or ASSUMED_VERSION
        sess.open_post(
            responder,
            ids,
            batch=len(messages) > 1,
            sse=can_sse and not self.json_response,
            can_sse=can_sse,
            priming=version >= PRIMING_SINCE,
        )
        if not sess.deliver(body):
            log.debug("session %s inbox full", sess.id)
        return None

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
            sess = HTTPSession(sid, max_events=self.max_events_per_stream, retry_ms=self.retry_ms)
            sess.session = self.server.accept(sess, supported_versions=self.supported_versions)
        if self.auth is not None and fresh:
            self.auth.bind_session(sess.session)  # the session belongs to this token's user
        sess.last_active = asyncio.get_running_loop().time()
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
        task = asyncio.ensure_future(aw)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
                responder, 400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required"
            )
            return None
        sess = self.sessions.get(sid.decode("latin-1"))
        if sess is None:
            _error(responder, 404, SESSION_NOT_FOUND, "Not Found: unknown session id")
        return sess

    def _get(self, headers: Any, responder: Responder) -> Awaitable[None] | None:
        if not _media(headers.get(b"accept"), b"text/event-stream", b"*/*", b"text/*"):
            return _error(
                responder,
                406,
                INVALID_REQUEST,
                f"Not Acceptable: Accept must list text/event-stream, got "
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
        sess.last_active = asyncio.get_running_loop().time()
        last = headers.get(b"last-event-id")
        if last is not None:
            if not sess.replay(last.decode("latin-1"), responder):
                return _error(
                    responder,
                    400,
                    INVALID_REQUEST,
                    f"Bad Request: cannot resume from Last-Event-ID {_show(last)}: unknown or "
                    "expired",
                )
            return None
        if sess.standalone_live:
            return _error(responder, 409, INVALID_REQUEST, "Conflict: a GET stream is already open")
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

    # ------------------------------------------------------------------ shutdown

    def end_streams(self) -> None:
        """Shutdown, first step: end the standalone GET streams, which never finish by
        themselves, so the connections still busy are those with requests in flight."""
        for sess in self.sessions.values():
            http = sess.standalone.http
            if http is not None:
                http.end()

    async def aclose(self) -> None:
        """End every session (their SSE streams end with them); requests still running are
        cancelled and answered -32000 first, so no POST gets a 200 without a result."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        await asyncio.gather(
            *(
                s.cancel_in_flight("Server shutting down: the request was cancelled")
                for s in list(self.server.sessions)
            )
        )
        await asyncio.gather(*(self._end_session(sid) for sid in list(self.sessions)))
        if self.legacy is not None:
            await self.legacy.aclose()
        if self.shared is not None:
            await self.shared.aclose()
        for task in list(self._tasks):
            task.cancel()


def _envelope_problem(msg: _Peek) -> str | None:
    """Why a POSTed value is not a JSON-RPC 2.0 message, or None.  The 2025-11-25 transport:
    "If the server cannot accept the input, it MUST return an HTTP error status code"."""
    if msg.jsonrpc != rpc.JSONRPC_VERSION:
        got = "nothing" if msg.jsonrpc is UNSET else msgspec.json.encode(msg.jsonrpc).decode()
        return f'Invalid Request: expected "jsonrpc": "2.0", got {got[:100]}'
    if msg.method is UNSET and msg.result is UNSET and msg.error is UNSET:
        return "Invalid Request: expected a JSON-RPC request, notification or response"
    return None


def _batch_problem(version: str | None) -> str | None:
    """A JSON-RPC batch is a message only in 2025-03-26 (2025-06-18 removed batching)."""
    if version in BATCH_REVISIONS:
        return None
    return (
        f"Invalid Request: JSON-RPC batches are not supported in protocol version "
        f"{version or '(not negotiated)'} (only in {', '.join(sorted(BATCH_REVISIONS))})"
    )


def _refused_notification(method: Any, version: str | None) -> str | None:
    spec = lookup(method) if isinstance(method, str) else None
    if spec is None or version is None:
        return None
    if not spec.exists_in(version):
        return f"{spec.absent_reason(version)}; this request speaks {version}"
    if not spec.sent_by("client", version):
        return f"a client does not send {method} in protocol version {version}"
    return None


def _show(value: bytes | None) -> str:
    return "nothing" if value is None else repr(value.decode("latin-1")[:100])


def _error(
    responder: Responder,
    status: int,
    code: int,
    message: str,
    *,
    id: Any = None,
    data: Any = UNSET,
) -> None | Awaitable[None]:  # so handlers can `return _error(...)`
    responder.respond(status, [JSON_CT], rpc.encode_error(id, code, message, data))
    return None


def _text(responder: Responder, status: int, message: str) -> None | Awaitable[None]:
    responder.respond(
        status, [(b"content-type", b"text/plain; charset=utf-8")], (message + "\n").encode()
    )
    return None
