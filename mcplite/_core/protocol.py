"""Sans-I/O MCP session: lifecycle, version negotiation (both eras), capability gating,
request ids, the pending table, cancellation and progress bookkeeping (layer 2, pure).

h11 style (DESIGN.md §4): ``receive(data)`` turns one framed payload into events; every
call that produces output returns the bytes to write.  Nothing here reads a clock.

Eras.  Revisions up to 2025-11-25 keep per-connection state set up by the ``initialize``
handshake (<rev>/basic/lifecycle.mdx).  Revision 2026-07-28 is stateless: every request
carries the protocol version and client capabilities in ``params._meta`` and the server
answers ``server/discover`` (2026-07-28/basic/index.mdx, seps/2575).  One ``Protocol``
serves both: a request whose ``_meta`` names a version >= 2026-07-28 is handled in the new
era, any other request in the handshake era.
"""

from __future__ import annotations

import functools
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.capabilities import for_server
from .._core.codec import decode_params, decode_result
from .._core.events import (
    BatchReceived,
    CancelRequested,
    ClientState,
    ErrorReceived,
    Event,
    MessageDropped,
    NotificationReceived,
    ProgressReceived,
    ReplyReady,
    RequestReceived,
    ResponseReceived,
    ServerIdentity,
    SessionReady,
)
from .._core.meta import peek_meta, read_request_meta
from .._core.methods import (
    BATCH_REVISIONS,
    CLIENT,
    SERVER,
    STATELESS_REVISION,
    has_capability,
    lookup,
)
from .._core.peerjson import DEFAULT_MAX_JSON_DEPTH
from .._core.sending import CLIENT_ROLE as CLIENT_ROLE, UNUSED, Sending
from .._errors import (
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    RemoteProtocolError,
    RPCError,
)

T = TypeVar("T")

SERVER_ROLE: Final = "server"

# 2026-07-28 per-request _meta keys (schema.ts, RequestMetaObject).
_META_VERSION_KEY: Final = b'"io.modelcontextprotocol/protocolVersion"'
# Requests a server accepts before the handshake completes (2025-11-25 basic/lifecycle.mdx:
# "The client SHOULD NOT send requests other than pings before the server has responded
# to the initialize request").
_PRE_INIT_METHODS: Final = frozenset({"initialize", "ping"})


@functools.cache
def _handshake_versions(supported: tuple[str, ...]) -> tuple[str, ...]:
    """The handshake-era versions among ``supported``: one tuple shared by every session
    of a server, not one per session."""
    return tuple(v for v in supported if v < STATELESS_REVISION)


def _raw_bytes(raw: msgspec.Raw | Any) -> bytes:
    return bytes(raw) if isinstance(raw, msgspec.Raw) else b""


# ------------------------------------------------------------------------ protocol


class Protocol(Sending):
    """One MCP session in one role.  Feed it payloads, write what it returns."""

    def __init__(
        self,
        role: str,
        *,
        identity: ServerIdentity | None = None,
        supported_versions: tuple[str, ...] = t.SUPPORTED_PROTOCOL_VERSIONS,
        assume_initialized: bool = False,
        client_info: t.Implementation | None = None,
        client_capabilities: t.ClientCapabilities | None = None,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        if role not in (SERVER_ROLE, CLIENT_ROLE):
            raise ValueError(f"role must be 'server' or 'client', got {role!r}")
        if role == SERVER_ROLE and identity is None:
            raise ValueError("a server-role Protocol needs an identity")
        self.role = role
        self.max_json_depth = max_json_depth
        self.identity = identity
        self.supported_versions = supported_versions
        self._handshake_versions = _handshake_versions(supported_versions)
        # Server: stateless HTTP answers handshake-era requests without a handshake on
        # that connection (each POST is its own session).
        self.assume_initialized = assume_initialized
        self.state = "ready" if assume_initialized else "new"
        # Negotiated (handshake era) or chosen (2026-07-28, client role) version.
        self.protocol_version: str | None = None
        # Server role: the client of the session (handshake era).  Client role: us.
        self.client: ClientState | None = None
        if role == CLIENT_ROLE:
            self.client = ClientState(
                protocol_version="",
                capabilities=client_capabilities or t.ClientCapabilities(),
                info=client_info,
            )
        # Client role: what the server advertised.
        self.server_capabilities: t.ServerCapabilities | None = None
        self.server_info: t.Implementation | None = None
        self._next_id = 1
        # Methods whose send checks passed (Sending.request): made on the first request.
        self._sendable: dict[str, tuple[str | None, Any]] = UNUSED
        # Our requests awaiting answers, and their progress tokens both ways: the shared
        # empty table until the first request (a server's sessions seldom send one).
        self._pending: dict[rpc.RequestId, str] = UNUSED
        self._progress: dict[str | int, rpc.RequestId] = UNUSED  # our tokens -> our ids
        self._progress_of: dict[rpc.RequestId, str | int] = UNUSED
        # Peer requests we have not answered.  A dict used as a set: once emptied it gives
        # its table back (Sending.respond), where an empty set is 216 bytes for good.
        self._incoming: dict[rpc.RequestId, None] = {}
        self._batches = 0
        # Server role: hand initialize, ping and server/discover to the handler side as
        # RequestReceived (with the core's answer) so a middleware sees every request.
        self.route_core = False
        # Server role: a 2026-07-28 request arrived without a handshake, so this peer's
        # notifications are of that era too (stdio, in memory).
        self._stateless_peer = False
        # The last (method, version, capabilities) the gate let through: a session's
        # requests mostly repeat one method, which then skips the method table.
        self._passed: tuple[str, str, Any] | None = None
        self.closed = False

    # ------------------------------------------------------------------ receiving

    def receive(self, data: bytes) -> list[Event]:
        """Process one framed payload (a message or a batch)."""
        try:
            decoded = rpc.decode(data, self.max_json_depth)
        except rpc.InvalidMessage as exc:
            answered = self._invalid_response(exc, data)
            if answered is not None:
                return answered
            return [ReplyReady(rpc.encode_error(exc.id, exc.code, exc.message), id=exc.id)]
        if isinstance(decoded, list):
            return self._receive_batch(decoded)
        kind, msg = decoded
        return self._dispatch(kind, msg, data, 0)

    def _invalid_response(self, exc: rpc.InvalidMessage, data: bytes) -> list[Event] | None:
        """An invalid message without a method that carries the id of a request of ours in
        flight is that request's (malformed) answer: the request fails with it, instead of
        waiting for an answer that will not come, and nothing is sent back (JSON-RPC 2.0
        section 5: a response is never answered)."""
        if exc.id is None or exc.id not in self._pending:
            return None
        try:
            obj = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return None
        if not isinstance(obj, dict) or "method" in obj:
            return None
        method = self._pending.pop(exc.id)
        token = self._progress_of.pop(exc.id, None)
        if token is not None:
            self._progress.pop(token, None)
        error = RemoteProtocolError(f"invalid response to {method}: {exc.message}")
        return [ErrorReceived(exc.id, method, error)]

    def _dispatch(self, kind: int, msg: rpc.Message, data: bytes, batch: int) -> list[Event]:
        if kind == rpc.REQUEST:
            return self._on_request(msg, data, batch)
        if kind == rpc.NOTIFICATION:
            return self._on_notification(msg)
        return self._on_response(kind, msg)

    def _receive_batch(
        self, items: list[tuple[int, rpc.Message] | rpc.InvalidMessage]
    ) -> list[Event]:
        version = self.protocol_version
        if self.state != "ready" or version not in BATCH_REVISIONS:
            # 2025-06-18 removed batching; before that only 2025-03-26 had it, and the
            # initialize request MUST NOT be part of a batch.
            return [
                ReplyReady(
                    rpc.encode_error(
                        None,
                        INVALID_REQUEST,
                        f"Invalid Request: JSON-RPC batches are not supported in protocol "
                        f"version {version or '(not initialized)'}",
                    )
                )
            ]
        self._batches += 1
        n = self._batches
        events: list[Event] = []
        size = 0
        for item in items:
            if isinstance(item, rpc.InvalidMessage):
                size += 1
                events.append(
                    ReplyReady(
                        rpc.encode_error(item.id, item.code, item.message), batch=n, id=item.id
                    )
                )
                continue
            kind, msg = item
            if kind == rpc.REQUEST:
                size += 1
            for ev in self._dispatch(kind, msg, _raw_bytes(msg.params), n):
                if isinstance(ev, ReplyReady) and kind == rpc.REQUEST:
                    ev.batch = n
                events.append(ev)
        return [BatchReceived(n, size), *events]

    def _error(self, id: rpc.RequestId, code: int, message: str, data: Any = UNSET) -> list[Event]:
        return [ReplyReady(rpc.encode_error(id, code, message, data), id=id)]

    def _on_request(self, msg: rpc.Message, data: bytes, batch: int) -> list[Event]:
        id = msg.id
        assert isinstance(id, (int, str))
        method = msg.method
        assert isinstance(method, str)
        params = msg.params if msg.params is not UNSET else None
        if id in self._incoming:
            # basic/index.mdx (every revision): a request id "MUST NOT" match one the sender
            # has issued and not yet had answered.  Refused, not run: a second handler under
            # the same id would be cross-wired with the first (its cancel, its answer).
            return self._error(
                id,
                INVALID_REQUEST,
                f"Invalid Request: id {id!r} is already in flight (a request id must not "
                "repeat one still unanswered; basic/index)",
            )
        if self.role == SERVER_ROLE and params is not None and _META_VERSION_KEY in data:
            meta = peek_meta(params)
            version = meta.get(t.META_PROTOCOL_VERSION) if meta else None
            if isinstance(version, str) and version >= STATELESS_REVISION:
                return self._on_stateless_request(id, method, params, meta or {}, version, batch)
        return self._on_handshake_request(id, method, params, batch)

    def _gate(self, method: str, version: str, caps: Any) -> tuple[int, str] | None:
        """The error to answer for ``method`` in ``version``, or None if it may run."""
        spec = lookup(method)
        if spec is None:
            return None  # custom method: the handler side decides
        expected = CLIENT if self.role == SERVER_ROLE else SERVER
        if spec.sender not in (expected, "both"):
            return METHOD_NOT_FOUND, f"Method not found: {method} is not sent to a {self.role}"
        if not spec.exists_in(version) and not self._advertised(spec):
            return (
                METHOD_NOT_FOUND,
                f"Method not found: {method} is not supported in protocol version {version}",
            )
        if (
            spec.capability
            and version >= spec.gate_since
            and not has_capability(caps, spec.capability)
        ):
            return (
                METHOD_NOT_FOUND,
                f"Method not found: {method} needs the {'.'.join(spec.capability)} capability,"
                f" which this {self.role} does not advertise",
            )
        return None

    def _advertised(self, spec: Any) -> bool:
        # Client role: a capability we declared is honoured even if the version the server
        # then chose lacks the method (we asked for a newer one in initialize): never
        # refuse what we advertised.
        return (
            self.role == CLIENT_ROLE
            and bool(spec.capability)
            and self.client is not None
            and has_capability(self.client.capabilities, spec.capability)
        )

    def _own_capabilities(self) -> Any:
        if self.role == SERVER_ROLE:
            assert self.identity is not None
            return self.identity.capabilities()
        assert self.client is not None
        return self.client.capabilities

    def _on_stateless_request(
        self,
        id: rpc.RequestId,
        method: str,
        params: msgspec.Raw,
        meta: dict[str, Any],
        version: str,
        batch: int,
    ) -> list[Event]:
        try:
            caps, info, level = read_request_meta(meta, version, self.supported_versions)
        except RemoteProtocolError as exc:
            return self._error(id, exc.code, exc.message, exc.data if exc.data else UNSET)
        gate = self._gate(method, version, self._own_capabilities())
        if gate is not None:
            return self._error(id, *gate)
        client = ClientState(
            protocol_version=version, capabilities=caps, info=info, log_level=level
        )
        if self.protocol_version is None:
            self._stateless_peer = True
        if method == "server/discover":
            return self._discover(id, version, params, client, batch)
        self._incoming[id] = None
        return [RequestReceived(id, method, params, client, batch)]

    def _answer(
        self,
        id: rpc.RequestId,
        method: str,
        params: msgspec.Raw | None,
        result: Any,
        client: ClientState | None,
        batch: int,
    ) -> list[Event]:
        """The core's own answer: written now, or routed through the handler side."""
        if self.route_core:
            self._incoming[id] = None
            return [RequestReceived(id, method, params, client, batch, result)]
        return [ReplyReady(rpc.encode_response(id, result), batch, id)]

    def _discover(
        self,
        id: rpc.RequestId,
        version: str,
        params: msgspec.Raw | None,
        client: ClientState,
        batch: int,
    ) -> list[Event]:
        assert self.identity is not None
        result = t.DiscoverResult(
            supported_versions=list(self.supported_versions),
            capabilities=for_server(self.identity.capabilities(), version),
            instructions=self.identity.instructions if self.identity.instructions else UNSET,
            result_type="complete",
            ttl_ms=0,
            cache_scope="public",
            meta={t.META_SERVER_INFO: self.identity.info},
        )
        return self._answer(id, "server/discover", params, result, client, batch)

    def _on_handshake_request(
        self, id: rpc.RequestId, method: str, params: msgspec.Raw | None, batch: int
    ) -> list[Event]:
        if self.role == SERVER_ROLE:
            if method == "initialize":
                return self._initialize(id, params)
            if method == "server/discover":
                return self._error(
                    id,
                    METHOD_NOT_FOUND,
                    f"Method not found: server/discover is only supported in protocol version "
                    f'>= {STATELESS_REVISION} (send it with _meta "{t.META_PROTOCOL_VERSION}")',
                )
            if self.state == "new" and method not in _PRE_INIT_METHODS:
                message = f"Invalid Request: expected initialize before {method}"
                spec = lookup(method)
                if spec is not None and spec.removed_in == STATELESS_REVISION:
                    # A 2026-07-28 client that sent a handshake-era method (the Go SDK's
                    # sends logging/setLevel without _meta): say why it was not served.
                    message += (
                        f" ({method} was removed in protocol version {STATELESS_REVISION}; "
                        f'a {STATELESS_REVISION} request carries _meta "'
                        f'{t.META_PROTOCOL_VERSION}" and needs no initialize)'
                    )
                return self._error(id, INVALID_REQUEST, message)
        version = self.protocol_version or self._handshake_versions[0]
        caps = self._own_capabilities()
        passed = (method, version, caps)
        if passed != self._passed:
            gate = self._gate(method, version, caps)
            if gate is not None:
                return self._error(id, *gate)
            self._passed = passed
        if method == "ping":
            client = self.client if self.role == SERVER_ROLE else None
            return self._answer(id, "ping", params, _EMPTY, client, batch)
        self._incoming[id] = None
        return [
            RequestReceived(
                id, method, params, self.client if self.role == SERVER_ROLE else None, batch
            )
        ]

    def _initialize(self, id: rpc.RequestId, params: msgspec.Raw | None) -> list[Event]:
        assert self.identity is not None
        if self.state != "new" and not self.assume_initialized:
            return self._error(
                id, INVALID_REQUEST, "Invalid Request: initialize was already received"
            )
        try:
            p = decode_params(t.InitializeParams, params)
        except RemoteProtocolError as exc:
            return self._error(id, exc.code, exc.message)
        requested = p.protocol_version
        # 2025-11-25 basic/lifecycle.mdx "Version Negotiation": answer the client's version
        # if we support it, else the latest we support.  2026-07-28 has no handshake, so a
        # client asking for it through initialize gets our latest handshake version.
        if requested in self._handshake_versions:
            version = requested
        else:
            version = self._handshake_versions[0]
        self.protocol_version = version
        self.client = ClientState(
            protocol_version=version, capabilities=p.capabilities, info=p.client_info
        )
        if not self.assume_initialized:
            self.state = "initializing"
        result = t.InitializeResult(
            protocol_version=version,
            # Only what this revision defines (no completions in 2024-11-05, ...).
            capabilities=for_server(self.identity.capabilities(), version),
            server_info=self.identity.info,
            instructions=self.identity.instructions if self.identity.instructions else UNSET,
        )
        return self._answer(id, "initialize", params, result, self.client, 0)

    def notification_era(self) -> str | None:
        """The revision of the peer's notifications: the negotiated one, 2026-07-28 for a
        peer that spoke it without a handshake, None before anything is known."""
        if self.protocol_version is not None:
            return self.protocol_version
        return STATELESS_REVISION if self._stateless_peer else None

    def notification_refused(self, method: str, version: str | None) -> str | None:
        """Why the peer may not send notification ``method`` in ``version``, or None."""
        spec = lookup(method)
        if spec is None or version is None:
            return None  # custom notification, or era not known yet
        peer = CLIENT if self.role == SERVER_ROLE else SERVER
        if not spec.exists_in(version):
            return f"{spec.absent_reason(version)} (this session speaks {version})"
        if not spec.sent_by(peer, version):
            return f"a {peer} does not send {method} in protocol version {version}"
        return None

    def _on_notification(self, msg: rpc.Message) -> list[Event]:
        method = msg.method
        assert isinstance(method, str)
        params = msg.params if msg.params is not UNSET else None
        refused = self.notification_refused(method, self.notification_era())
        if refused is not None:
            return [MessageDropped(f"ignoring {method}: {refused}")]
        if method == "notifications/cancelled":
            try:
                c = decode_params(t.CancelledNotificationParams, params)
            except RemoteProtocolError as exc:
                return [MessageDropped(f"malformed notifications/cancelled: {exc}")]
            if c.request_id in self._incoming:
                return [CancelRequested(c.request_id, c.reason or None)]
            return []  # already answered, or never seen: 2025-11-25 cancellation.mdx says ignore
        if method == "notifications/progress":
            try:
                p = decode_params(t.ProgressNotificationParams, params)
            except RemoteProtocolError as exc:
                return [MessageDropped(f"malformed notifications/progress: {exc}")]
            if p.progress_token in self._progress:
                return [
                    ProgressReceived(
                        p.progress_token,
                        p.progress,
                        p.total if p.total is not UNSET else None,
                        p.message if p.message is not UNSET else None,
                    )
                ]
            return []
        if method == "notifications/initialized" and self.role == SERVER_ROLE:
            if self.state == "initializing":
                self.state = "ready"
                assert self.protocol_version is not None
                return [SessionReady(self.protocol_version)]
            return []
        return [NotificationReceived(method, params, self.client)]

    def _on_response(self, kind: int, msg: rpc.Message) -> list[Event]:
        id = msg.id
        method = self._pending.pop(id, None) if isinstance(id, (int, str)) else None
        if method is None:
            # JSON-RPC 2.0 §5: e.g. a late answer to a request we cancelled.
            return [MessageDropped(f"a response to unknown request id {id!r}")]
        assert isinstance(id, (int, str))
        token = self._progress_of.pop(id, None)
        if token is not None:
            self._progress.pop(token, None)
        if kind == rpc.ERROR:
            err = msg.error
            assert isinstance(err, rpc.ErrorObject)
            data = None if err.data is UNSET else err.data
            return [ErrorReceived(id, method, RPCError(err.code, err.message, data))]
        result = msg.result
        assert isinstance(result, msgspec.Raw)
        if method == "initialize" and self.role == CLIENT_ROLE:
            return self._on_initialize_result(id, result)
        return [ResponseReceived(id, method, result)]

    def _on_initialize_result(self, id: rpc.RequestId, raw: msgspec.Raw) -> list[Event]:
        try:
            res = decode_result(t.InitializeResult, raw)
        except RemoteProtocolError as exc:
            return [ErrorReceived(id, "initialize", exc)]
        if res.protocol_version not in self._handshake_versions:
            # 2025-11-25 basic/lifecycle.mdx: "If the client does not support the version
            # in the server's response, it SHOULD disconnect."
            return [
                ErrorReceived(
                    id,
                    "initialize",
                    RemoteProtocolError(
                        f"Server answered protocol version {res.protocol_version!r}; "
                        f"expected one of {', '.join(self._handshake_versions)}"
                    ),
                )
            ]
        self.protocol_version = res.protocol_version
        assert self.client is not None
        self.client.protocol_version = res.protocol_version
        self.server_capabilities = res.capabilities
        self.server_info = res.server_info
        self.state = "ready"
        return [
            ReplyReady(rpc.encode_notification("notifications/initialized")),
            SessionReady(res.protocol_version),
            ResponseReceived(id, "initialize", raw),
        ]


# ------------------------------------------------------------------------- helpers

_EMPTY: Final = t.EmptyResult()
