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
from collections.abc import Awaitable, Collection, Hashable
from typing import TYPE_CHECKING, Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import jsonrpc as rpc
from .._errors import INVALID_REQUEST, SESSION_NOT_FOUND
from .._io.httpserver import Responder
from .._server.legacy_sse import DEFAULT_MESSAGES_PATH, DEFAULT_SSE_PATH, LegacySSEApp
from .._server.session_table import DEFAULT_MAX_SESSIONS_PER_PEER, SessionTable
from .._server.streamable_checks import (
    _error,
    _refused_notification,
    _text,
    check_method_headers,
)
from .._server.streamable_lifecycle import _SessionLifecycle
from .._server.streamable_session import (
    DEFAULT_MAX_EVENTS_PER_STREAM,
    DEFAULT_MAX_INBOX_MESSAGES,
    DEFAULT_SSE_RETRY_MS,
    JSON_CT,
    PRIMING_SINCE,
    HTTPSession,
    OneShotTransport,
    Stream,
)
from .._wire.http11 import Request
from .._wire.http11_write import reason
from .._wire.origin import check_request
from .._wire.streamable import (
    ASSUMED_VERSION,
    BodyPeek,
    PostPlan,
    PostRefusal,
    _batch_problem,
    plan_post,
    session_problem,
)

if TYPE_CHECKING:
    from .._server.bearer import RequireBearerToken
    from .._server.handle import ServedServer
    from .._server.shared_http import SharedSessionsHTTP

__all__ = [
    "DEFAULT_MAX_SESSIONS",
    "DEFAULT_PATH",
    "DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS",
    "StreamableHTTPApp",
]

log = logging.getLogger(__name__)

DEFAULT_PATH: Final = "/mcp"
DEFAULT_MAX_SESSIONS: Final = 1000
DEFAULT_SESSION_IDLE_TIMEOUT_SECONDS: Final = 1800.0  # no POST in flight and no GET open


class _CancelledMessage(msgspec.Struct):
    params: t.CancelledNotificationParams


class StreamableHTTPApp(_SessionLifecycle):
    """The MCP endpoint as an ``_httpserver`` app (also used by ``_asgi``)."""

    def __init__(
        self,
        server: ServedServer,
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
        max_inbox_messages: int = DEFAULT_MAX_INBOX_MESSAGES,
        retry_ms: int = DEFAULT_SSE_RETRY_MS,
        supported_versions: tuple[str, ...] = t.SUPPORTED_PROTOCOL_VERSIONS,
        auth: RequireBearerToken | None = None,
        legacy_sse: bool = True,
        legacy_sse_path: str = DEFAULT_SSE_PATH,
        legacy_messages_path: str = DEFAULT_MESSAGES_PATH,
    ) -> None:
        if max_inbox_messages < 1:  # 0 would refuse even the initialize that opens a session
            raise ValueError(f"max_inbox_messages must be at least 1, got {max_inbox_messages}")
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
        self.max_inbox_messages = max_inbox_messages
        self.retry_ms = retry_ms
        self.supported_versions = supported_versions
        self._versions = frozenset(supported_versions)
        self.sessions = SessionTable(max_sessions, max_sessions_per_peer)
        self._host_ok: dict[tuple[bytes | None, Any], str | None] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        # Sessionless requests in flight by (sender, id), for a notifications/cancelled that
        # arrives on a POST of its own (_cancel_sessionless).
        self._sessionless: dict[tuple[Hashable, Any], list[Any]] = {}
        # Server(store=...): sessions shared by every worker (_server/shared_session.py).
        self.shared: SharedSessionsHTTP | None = None
        store = getattr(server, "store", None)
        if store is not None and not stateless:
            # lazy: store-shared sessions only with Server(store=)
            from .._server.shared_http import SharedSessionsHTTP

            self.shared = SharedSessionsHTTP(self, store)

    # ------------------------------------------------------------------ entry

    def __call__(
        self, request: Request, body: bytes, responder: Responder
    ) -> Awaitable[None] | None:
        if self.auth is None:
            return self._route(request, body, responder)
        if request.method != "POST":
            return self.auth.guard(request, body, responder, self._route, self.sessions)
        # One peek of the body for the middleware's per-method scopes and for routing.
        peek = BodyPeek(body, self.server.max_json_depth)

        def inner(request: Request, body: bytes, responder: Responder) -> Awaitable[None] | None:
            return self._route(request, body, responder, peek)

        return self.auth.guard(request, body, responder, inner, self.sessions, peek)

    def _route(
        self, request: Request, body: bytes, responder: Responder, peek: BodyPeek | None = None
    ) -> Awaitable[None] | None:
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
            return _error(responder, 403, INVALID_REQUEST, f"{reason(403)}: {problem}")
        method = request.method
        if method == "POST":
            return self._post(headers, body, responder, peek)
        if method == "GET" and not self.stateless:
            return self._get(headers, responder)
        if method == "DELETE" and not self.stateless:
            return self._delete(headers, responder)
        allow = b"POST" if self.stateless else b"GET, POST, DELETE"
        responder.respond(
            405,
            [JSON_CT, (b"allow", allow)],
            rpc.encode_error(
                None, INVALID_REQUEST, f"{reason(405)}: {method} (allowed: {allow.decode()})"
            ),
        )
        return None

    def _check_host_origin(self, headers: Any, responder: Responder) -> str | None:
        get = headers.getter()
        host = get(b"host")
        origin = get(b"origin")
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

    def _post(
        self, headers: Any, body: bytes, responder: Responder, peek: BodyPeek | None = None
    ) -> Awaitable[None] | None:
        plan = plan_post(
            headers.getter(),
            body,
            versions=self._versions,
            supported=self.supported_versions,
            stateless=self.stateless,
            json_response=self.json_response,
            max_json_depth=self.server.max_json_depth,
            peek=peek,
        )
        if isinstance(plan, PostRefusal):
            return _error(
                responder, plan.status, plan.code, plan.message, id=plan.id, data=plan.data
            )
        first = plan.messages[0]
        if plan.route == "new-era":
            # The tool-specific checks (Mcp-Name, Mcp-Param-*) need the server's catalogue.
            problem = None
            if first.id is not UNSET and plan.params is not None:
                problem = check_method_headers(self.server, headers, first, plan.params)
            if problem is not None:
                rid = first.id if isinstance(first.id, (int, str)) else None
                return _error(responder, 400, problem[0], problem[1], id=rid)
            return self._post_stateless(
                body,
                plan.ids,
                responder,
                plan.can_sse,
                new_era=True,
                method=first.method,
                version=plan.version,
            )
        if plan.route == "stateless":
            return self._post_stateless(
                body, plan.ids, responder, plan.can_sse, new_era=False, method=first.method
            )
        return self._post_stateful(headers, body, plan, responder)

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
                return _error(responder, 400, INVALID_REQUEST, f"{reason(400)}: {refused}")
            responder.respond(202, [])
            if method == "notifications/cancelled":
                self._cancel_sessionless(responder, body)
                return None
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
        self._track_sessionless(responder, ids, session, transport)

        def gone() -> None:
            self._spawn(session.aclose())

        responder.on_close(gone)
        stream.on_gone = gone
        if can_sse and not self.json_response and not new_era:
            stream.start_sse()
        return None

    def _track_sessionless(
        self, responder: Responder, ids: list[Any], session: Any, transport: OneShotTransport
    ) -> None:
        peer = self._peer(responder)
        table = self._sessionless
        keys = [(peer, id) for id in ids]
        for key in keys:
            table.setdefault(key, []).append(session)

        def untrack(_: Any) -> None:
            for key in keys:
                held = table.get(key)
                if held is not None:
                    if session in held:
                        held.remove(session)
                    if not held:
                        del table[key]

        transport.done.add_done_callback(untrack)

    def _cancel_sessionless(self, responder: Responder, body: bytes) -> None:
        """A ``notifications/cancelled`` with no session to find its request in.

        Without sessions a request is named by its sender and its id: basic/index.mdx
        (every revision) says an id "MUST NOT match the ID of any other request the sender
        has issued and not yet received a response for".  The sender is the authenticated
        user when auth is on, else the client's address (as for the per-peer session cap).
        Only an unambiguous match is cancelled -- two clients behind one address may use
        the same id at once -- anything else is ignored, as cancellation.mdx allows for an
        unknown request.  (2026-07-28 HTTP clients cancel by closing the response stream;
        this serves clients that send the notification, e.g. the TypeScript SDK's.)
        """
        try:
            params = msgspec.json.decode(body, type=_CancelledMessage).params
        except msgspec.DecodeError as exc:  # ValidationError included
            log.debug("ignoring a malformed notifications/cancelled: %s", exc)
            return
        held = self._sessionless.get((self._peer(responder), params.request_id), [])
        if len(held) != 1:
            log.debug(
                "sessionless notifications/cancelled for %r: %d requests match; ignored",
                params.request_id,
                len(held),
            )
            return
        reason = params.reason if isinstance(params.reason, str) else "no reason given"
        self._spawn(held[0].cancel_in_flight(f"Request cancelled by the client: {reason}"))

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
        self, headers: Any, body: bytes, plan: PostPlan, responder: Responder
    ) -> Awaitable[None] | None:
        if self.shared is not None:
            return self.shared.post(headers, body, plan, responder)
        sid = headers.get(b"mcp-session-id")
        if sid is None:
            problem = session_problem(plan)
            if problem is not None:
                return _error(responder, 400, INVALID_REQUEST, problem)
            created = self._create_session(responder)
            if isinstance(created, tuple):
                return _error(responder, created[0], INVALID_REQUEST, created[1])
            sess = created
        else:
            found = self.sessions.get(sid.decode("latin-1"))
            if found is None:
                return _error(
                    responder, 404, SESSION_NOT_FOUND, f"{reason(404)}: unknown session id"
                )
            sess = found
        return self.post_into(sess, body, plan, responder)

    def post_into(
        self, sess: HTTPSession, body: bytes, plan: PostPlan, responder: Responder
    ) -> Awaitable[None] | None:
        """Hand a POST to its session (found, created, or shared by another worker)."""
        sess.touch()
        ids, hver, can_sse = plan.ids, plan.version, plan.can_sse
        if plan.batch:
            problem = _batch_problem(sess.session.protocol.protocol_version or hver)
            if problem is not None:
                return _error(responder, 400, INVALID_REQUEST, problem)
        if not ids:
            if not sess.deliver(body):
                return _inbox_full(responder, sess)
            responder.respond(202, sess.headers)
            return None
        for id in ids:
            if id in sess.routes:
                return _error(
                    responder, 400, INVALID_REQUEST, f"Invalid Request: id {id!r} is in flight"
                )
        version = sess.session.protocol.protocol_version or hver or ASSUMED_VERSION
        if not sess.can_deliver():
            return _inbox_full(responder, sess)
        sess.open_post(
            responder,
            ids,
            batch=len(plan.messages) > 1,
            sse=can_sse and not self.json_response,
            can_sse=can_sse,
            priming=version >= PRIMING_SINCE,
        )
        # After open_post has routed its ids: the session may handle the body right here
        # (HTTPSession.hand_to), and a handler that never suspends then answers within
        # this step, so the SSE head and the answer leave in one write.
        sess.deliver(body)
        return None

    # ------------------------------------------------------------------ shutdown

    def end_streams(self) -> None:
        """Shutdown, first step: end the standalone GET streams, which never finish by
        themselves, so the connections still busy are those with requests in flight."""
        for sess in self.sessions.values():
            stream = sess.standalone_if_any
            http = stream.http if stream is not None else None
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


def _inbox_full(responder: Responder, sess: HTTPSession) -> Awaitable[None] | None:
    # A request used to hear only "busy": say which limit, its value and its option.
    return _error(
        responder,
        503,
        INVALID_REQUEST,
        f"{reason(503)}: {sess.max_inbox} messages already queued for this session, "
        "not yet read by it (max_inbox_messages); retry later",
    )
