"""Bearer-token protection of an HTTP MCP endpoint (layer 3).

- ``RequireBearerToken`` (the Go SDK's name; ``BearerAuth`` is its 0.1 alias): the
  middleware.  It answers the RFC 9728 metadata document itself, takes the
  token from ``Authorization`` (RFC 6750 §2.1), asks a ``TokenVerifier``, applies expiry and
  scope rules (``_auth.authorize``), binds a stateful HTTP session to its user, and runs the
  MCP app with the ``TokenInfo`` visible to handlers as ``ctx.auth``.
- ``ProtectedResourceMetadata``: the RFC 9728 §2 document, served with CORS at
  ``/.well-known/oauth-protected-resource`` and its path-suffixed form (§3.1).
- Verifiers: ``StaticTokenVerifier`` here; ``IntrospectionTokenVerifier`` (RFC 7662) and
  ``JWTVerifier`` (RFC 9068, JWKS) in ``_auth_verifiers``.

Scope checks are the middleware's job; audience checks (token passthrough, RFC 8707) are the
verifier's, since only it knows what the token says.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Final, Protocol
from urllib.parse import urlsplit, urlunsplit

import msgspec
from msgspec import UNSET, UnsetType

from .._auth.bearer import (
    DEFAULT_LEEWAY_SECONDS,
    DEFAULT_MAX_TOKEN_BYTES,
    Denial,
    TokenInfo,
    authorize,
    extract_bearer,
)
from .._core import jsonrpc as rpc
from .._errors import SESSION_NOT_FOUND, MCPError
from .._io.background import spawn
from .._wire.http11 import Request
from .._wire.http11_write import reason
from .._wire.streamable import BodyPeek

__all__ = [
    "AUTH_STATE_KEY",
    "WELL_KNOWN_PATH",
    "BearerAuth",
    "InvalidTokenError",
    "ProtectedResourceMetadata",
    "RequireBearerToken",
    "StaticTokenVerifier",
    "TokenVerifier",
    "current_auth",
]

log = logging.getLogger(__name__)

WELL_KNOWN_PATH: Final = "/.well-known/oauth-protected-resource"  # RFC 9728 §3
AUTH_STATE_KEY: Final = "auth"  # session.state: the latest TokenInfo seen on this session
OWNER_STATE_KEY: Final = "auth_owner"  # session.state: who the session belongs to
METADATA_MAX_AGE_SECONDS: Final = 3600  # Cache-Control on the metadata document
_JSON_CT: Final = (b"content-type", b"application/json")
_CORS: Final = (b"access-control-allow-origin", b"*")

_current: ContextVar[TokenInfo | None] = ContextVar("mcplite_auth", default=None)

# What the guard calls after a successful check: the MCP app's own request handler.
Handler = Callable[[Request, bytes, Any], Awaitable[None] | None]


def current_auth(session: Any = None) -> TokenInfo | None:
    """The verified token of the request being handled (``ctx.auth``), or None.

    A stateful HTTP session keeps the latest token its user presented in ``session.state``
    (handlers run on the session's own task, not the request's); stateless requests and
    fresh sessions see the per-request context variable set by ``RequireBearerToken``.
    """
    state = getattr(session, "state", None)
    if isinstance(state, dict):
        info = state.get(AUTH_STATE_KEY)
        if isinstance(info, TokenInfo):
            return info
    return _current.get()


class InvalidTokenError(MCPError):
    """Raised by a verifier to refuse a token with a reason (401 ``invalid_token``)."""


class TokenVerifier(Protocol):
    """Checks an access token: a ``TokenInfo`` when valid, None (or ``InvalidTokenError``)
    when not.  Other exceptions mean "could not check" and answer 500."""

    async def verify(self, token: str) -> TokenInfo | None:
        """A ``TokenInfo`` for a valid ``token``; None (or ``InvalidTokenError``) otherwise."""
        ...


class StaticTokenVerifier:
    """A fixed table of tokens (tests, demos, service accounts)."""

    def __init__(self, tokens: Mapping[str, TokenInfo]) -> None:
        self.tokens = dict(tokens)

    async def verify(self, token: str) -> TokenInfo | None:
        """The ``TokenInfo`` configured for ``token``, or None."""
        return self.tokens.get(token)


class ProtectedResourceMetadata(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9728 §2 OAuth 2.0 Protected Resource Metadata (names are the wire names)."""

    resource: str
    authorization_servers: list[str] | UnsetType = UNSET
    jwks_uri: str | UnsetType = UNSET
    scopes_supported: list[str] | UnsetType = UNSET
    bearer_methods_supported: list[str] | UnsetType = msgspec.field(
        default_factory=lambda: ["header"]  # MCP: tokens only in the Authorization header
    )
    resource_signing_alg_values_supported: list[str] | UnsetType = UNSET
    resource_name: str | UnsetType = UNSET
    resource_documentation: str | UnsetType = UNSET
    resource_policy_uri: str | UnsetType = UNSET
    resource_tos_uri: str | UnsetType = UNSET
    tls_client_certificate_bound_access_tokens: bool | UnsetType = UNSET
    authorization_details_types_supported: list[str] | UnsetType = UNSET
    dpop_signing_alg_values_supported: list[str] | UnsetType = UNSET
    dpop_bound_access_tokens_required: bool | UnsetType = UNSET

    def well_known_path(self) -> str:
        """RFC 9728 §3.1: the well-known segment goes between the host and the resource's
        path: ``https://h/mcp`` -> ``/.well-known/oauth-protected-resource/mcp``."""
        path = urlsplit(self.resource).path.rstrip("/")
        return WELL_KNOWN_PATH + path

    def well_known_url(self) -> str:
        """Where this document is served (RFC 9728 section 3, under ``/.well-known/``)."""
        parts = urlsplit(self.resource)
        return urlunsplit((parts.scheme, parts.netloc, self.well_known_path(), "", ""))


def _owner(info: TokenInfo) -> tuple[str, str] | None:
    """Who a session belongs to: the user (issuer + subject), else the OAuth client."""
    if info.subject is not None:
        return (info.issuer or "", info.subject)
    if info.client_id is not None:
        return ("client_id", info.client_id)
    return None


class RequireBearerToken:
    """RFC 6750 bearer-token middleware for the streamable HTTP endpoint.

    ``StreamableHTTPApp(server, auth=RequireBearerToken(...))`` (or ``serve_http(..., auth=…)``)
    runs it before any MCP handling.  ``required_scopes`` apply to every request;
    ``scopes_by_method`` add per-method scopes (the method comes from the 2026-07-28
    ``Mcp-Method`` header, else from the JSON-RPC body; a batch needs the union).
    ``resource_metadata_url`` is advertised in every challenge; with ``metadata`` the
    document is also served here (and the URL defaults to its path-suffixed location).
    """

    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        resource_metadata_url: str | None = None,
        metadata: ProtectedResourceMetadata | None = None,
        required_scopes: Sequence[str] = (),
        scopes_by_method: Mapping[str, Sequence[str]] | None = None,
        leeway: float = DEFAULT_LEEWAY_SECONDS,
        require_expiry: bool = False,
        bind_sessions: bool = True,
        realm: str | None = None,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.metadata = metadata
        if resource_metadata_url is None and metadata is not None:
            resource_metadata_url = metadata.well_known_url()
        self.resource_metadata_url = resource_metadata_url
        self.required_scopes = tuple(required_scopes)
        self.scopes_by_method = {k: tuple(v) for k, v in (scopes_by_method or {}).items()}
        self.leeway = leeway
        self.require_expiry = require_expiry
        self.bind_sessions = bind_sessions
        self.realm = realm
        self.max_token_bytes = max_token_bytes
        self.clock = clock
        self._tasks: set[asyncio.Future[None]] = set()
        self._metadata_paths: frozenset[str] = frozenset()
        self._metadata_body = b""
        if metadata is not None:
            self._metadata_paths = frozenset({WELL_KNOWN_PATH, metadata.well_known_path()})
            self._metadata_body = msgspec.json.encode(metadata)

    # ------------------------------------------------------------------ decisions

    def scopes_for(
        self, request: Request, body: bytes, peek: BodyPeek | None = None
    ) -> tuple[str, ...]:
        """Every scope this request needs (base scopes first, then per-method ones).

        Without an ``Mcp-Method`` header the methods come from the body, through ``peek``
        when the MCP app passes its own (the body is then peeked once for both)."""
        if not self.scopes_by_method:
            return self.required_scopes
        header = request.headers.get(b"mcp-method")
        if header is not None:
            methods = [header.decode("latin-1")]
        else:
            methods = (peek or BodyPeek(body)).methods()
        need = dict.fromkeys(self.required_scopes)
        for m in methods:
            need.update(dict.fromkeys(self.scopes_by_method.get(m, ())))
        return tuple(need)

    def _deny(self, responder: Any, denial: Denial) -> None:
        status, headers, body = denial.response(self.resource_metadata_url, self.realm)
        responder.respond(status, headers, body)

    # ------------------------------------------------------------------ the middleware

    def wrap(self, inner: Handler) -> Handler:
        """Any ``_httpserver`` app, protected (no session binding: it knows no sessions)."""

        def app(request: Request, body: bytes, responder: Any) -> Awaitable[None] | None:
            return self.guard(request, body, responder, inner)

        return app

    def guard(
        self,
        request: Request,
        body: bytes,
        responder: Any,
        inner: Handler,
        sessions: Mapping[str, Any] | None = None,
        peek: BodyPeek | None = None,
    ) -> Awaitable[None] | None:
        """Serve the metadata document, or refuse, or run ``inner`` as the token's user.

        ``sessions`` (``Mcp-Session-Id`` -> object with ``.session.state``) enables the
        session-to-user binding check; ``peek`` is the MCP app's peek of ``body``.
        """
        path = request.target.partition("?")[0]
        if path in self._metadata_paths:
            self._serve_metadata(request, responder)
            return None
        if request.method == "OPTIONS":  # CORS preflights carry no credentials (Fetch §3.2)
            return inner(request, body, responder)
        scopes = self.scopes_for(request, body, peek)
        token = extract_bearer(
            request.headers.get_all(b"authorization"), max_token_bytes=self.max_token_bytes
        )
        if isinstance(token, Denial):
            self._deny(responder, Denial(token.status, token.error, token.description, scopes))
            return None
        # Callback style (return None): the MCP app may answer after its own call returns
        # (a stateful session answers from its task), which a returned awaitable would
        # not allow, so the check runs in a task of ours.
        spawn(self._tasks, self._check(request, body, responder, inner, sessions, token, scopes))
        return None

    async def _check(
        self,
        request: Request,
        body: bytes,
        responder: Any,
        inner: Handler,
        sessions: Mapping[str, Any] | None,
        token: str,
        scopes: tuple[str, ...],
    ) -> None:
        why = "the access token is invalid, expired or revoked"
        try:
            info = await self.verifier.verify(token)
        except InvalidTokenError as exc:
            info, why = None, str(exc)
        except Exception:
            log.exception("token verification failed")
            responder.respond(
                500,
                [_JSON_CT],
                b'{"error":"server_error","error_description":'
                b'"the access token could not be verified"}',
            )
            return
        decision = authorize(
            info,
            scopes,
            now=self.clock(),
            leeway=self.leeway,
            require_expiry=self.require_expiry,
            invalid_description=why,
        )
        if isinstance(decision, Denial):
            self._deny(responder, decision)
            return
        if sessions is not None and self.bind_sessions:
            sid = request.headers.get(b"mcp-session-id")
            sess = None if sid is None else sessions.get(sid.decode("latin-1"))
            if sess is not None:
                state = sess.session.state
                if state.get(OWNER_STATE_KEY) != _owner(decision):
                    # MCP basic/security_best_practices "Session Hijacking": a session is
                    # usable only by the user it was created for.
                    responder.respond(
                        404,
                        [_JSON_CT],
                        rpc.encode_error(
                            None, SESSION_NOT_FOUND, f"{reason(404)}: unknown session id"
                        ),
                    )
                    return
                state[AUTH_STATE_KEY] = decision
        _current.set(decision)  # this task's own context: inherited by what inner spawns
        try:
            result = inner(request, body, responder)
            if result is not None:
                await result
        except Exception:
            log.exception("HTTP handler failed")
            if not responder.started:
                responder.respond(500, [(b"content-type", b"text/plain")], b"internal error\n")
            elif getattr(responder, "stream", None) is not None:
                responder.stream.abort()

    def current_owner(self) -> tuple[str, str] | None:
        """The user (or OAuth client) of the request being served, if it authenticated."""
        info = _current.get()
        return None if info is None else _owner(info)

    def bind_session(self, session: Any) -> None:
        """Called by the HTTP app when it creates a session: record whose it is."""
        info = _current.get()
        if info is not None:
            session.state[AUTH_STATE_KEY] = info
            session.state[OWNER_STATE_KEY] = _owner(info)

    def _serve_metadata(self, request: Request, responder: Any) -> None:
        if request.method == "GET":
            headers = [
                _JSON_CT,
                _CORS,
                (b"cache-control", b"public, max-age=%d" % METADATA_MAX_AGE_SECONDS),
            ]
            responder.respond(200, headers, self._metadata_body)
        elif request.method == "OPTIONS":
            responder.respond(
                204,
                [
                    _CORS,
                    (b"access-control-allow-methods", b"GET, OPTIONS"),
                    (b"access-control-allow-headers", b"*"),
                    (b"access-control-max-age", b"86400"),
                ],
            )
        else:
            responder.respond(
                405,
                [(b"allow", b"GET, OPTIONS"), _CORS, (b"content-type", b"text/plain")],
                b"method not allowed\n",
            )


# 0.1 name, kept so existing code keeps working; "BearerAuth" reads as a client-side token
# adder in the requests/httpx world, hence the rename in 0.2.
BearerAuth = RequireBearerToken
