"""The sending half of ``Protocol`` (layer 2, pure): requests with ids and progress
tokens, notifications gated by revision, responses, cancellation, and the end of the
connection.  Split from ``protocol.py`` by role; ``Protocol`` inherits it.
"""

from __future__ import annotations

from typing import Any, Final, NoReturn, cast

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.events import ClientState
from .._core.meta import with_meta
from .._core.methods import CLIENT, SERVER, STATELESS_REVISION, has_capability, lookup
from .._errors import LocalProtocolError

CLIENT_ROLE: Final = "client"

# Methods that never carry the per-request _meta (2026-07-28: only requests do).
_NO_META_METHODS: Final = frozenset({"initialize", "ping"})


class _Unused(dict[Any, Any]):
    """The empty table every session shares until it needs one of its own: reads work
    (``get``, ``in``, ``pop(k, None)``, ``clear``), a write raises.  An empty dict is 64
    bytes, and a server holds many sessions that never use most of theirs."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a shared empty table: give the session its own before writing")

    __setitem__ = setdefault = update = __ior__ = _refuse


UNUSED: Final = cast("dict[Any, Any]", _Unused())


class Sending:
    """What a ``Protocol`` encodes for the peer; the state lives on ``Protocol``."""

    role: str
    supported_versions: tuple[str, ...]
    protocol_version: str | None
    client: ClientState | None
    server_capabilities: t.ServerCapabilities | None
    server_info: t.Implementation | None
    state: str
    closed: bool
    _handshake_versions: tuple[str, ...]
    _next_id: int
    # method -> (protocol version, peer capabilities object) it last passed the checks with
    _sendable: dict[str, tuple[str | None, Any]]
    _pending: dict[rpc.RequestId, str]
    _progress: dict[str | int, rpc.RequestId]
    _progress_of: dict[rpc.RequestId, str | int]
    _incoming: dict[rpc.RequestId, None]
    _stateless_peer: bool

    def use_stateless(self, version: str, discovered: t.DiscoverResult | None = None) -> None:
        """Client role: speak 2026-07-28 (or later) from now on, with per-request _meta."""
        if version < STATELESS_REVISION or version not in self.supported_versions:
            raise LocalProtocolError(f"{version!r} is not a supported stateless protocol version")
        self.protocol_version = version
        assert self.client is not None
        self.client.protocol_version = version
        if discovered is not None:
            self.server_capabilities = discovered.capabilities
            meta = discovered.meta if discovered.meta is not UNSET else {}
            info = meta.get(t.META_SERVER_INFO)
            if info is not None:
                try:
                    self.server_info = msgspec.convert(info, t.Implementation)
                except msgspec.ValidationError:
                    self.server_info = None
        self.state = "ready"

    def reset_version(self) -> None:
        """Client role: the stateless probe failed; back to the handshake era."""
        self.protocol_version = None
        assert self.client is not None
        self.client.protocol_version = ""
        self.state = "new"

    @property
    def stateless(self) -> bool:
        return self.protocol_version is not None and self.protocol_version >= STATELESS_REVISION

    def request(
        self, method: str, params: Any = None, *, progress_token: str | int | None = None
    ) -> tuple[rpc.RequestId, bytes]:
        """Encode a request to the peer and remember it in the pending table."""
        if self.closed:
            raise LocalProtocolError(f"cannot send {method}: the session is closed")
        # The checks depend only on the method, the version and the peer's capabilities
        # (replaced, never changed in place, when the handshake or discovery sets them): a
        # method that passed them passes again until one of those is replaced.
        caps = self._peer_capabilities()
        passed = self._sendable.get(method)
        if passed is None or passed[0] != self.protocol_version or passed[1] is not caps:
            self._check_request(method)
            if self._sendable is UNUSED:
                self._sendable = {}
            self._sendable[method] = (self.protocol_version, caps)
        id = self._next_id
        self._next_id += 1
        extra: dict[str, Any] = {}
        if progress_token is not None:
            extra["progressToken"] = progress_token
            if self._progress is UNUSED:
                self._progress, self._progress_of = {}, {}
            self._progress[progress_token] = id
            self._progress_of[id] = progress_token
        # Raw params go as they are: a gateway forwarding a 2026-07-28 request keeps the
        # _meta its client sent (protocol version, capabilities, client info, log level).
        if (
            self.role == CLIENT_ROLE
            and self.stateless
            and method not in _NO_META_METHODS
            and not isinstance(params, msgspec.Raw)
        ):
            assert self.client is not None
            extra[t.META_PROTOCOL_VERSION] = self.protocol_version
            extra[t.META_CLIENT_CAPABILITIES] = self.client.capabilities
            if self.client.info is not None:
                extra[t.META_CLIENT_INFO] = self.client.info
            if self.client.log_level is not None:
                extra[t.META_LOG_LEVEL] = self.client.log_level
        if extra:
            params = with_meta(params, extra)
        if self._pending is UNUSED:
            self._pending = {}
        self._pending[id] = method
        return id, rpc.encode_request(id, method, params)

    def _check_request(self, method: str) -> None:
        """Refuse a request this role may not send in this version, or to a peer that did
        not declare the capability it needs (``LocalProtocolError``)."""
        spec = lookup(method)
        if spec is None:
            return  # a custom method: nothing to check
        version = self.protocol_version or (
            self._handshake_versions[0] if method == "initialize" else ""
        )
        mine = CLIENT if self.role == CLIENT_ROLE else SERVER
        if spec.sender not in (mine, "both"):
            raise LocalProtocolError(f"a {self.role} cannot send {method}")
        if version and not spec.exists_in(version):
            raise LocalProtocolError(f"{method} does not exist in protocol version {version}")
        if not spec.lenient:
            self._check_peer_capability(method, spec.capability, spec.gate_since, version)

    def _peer_capabilities(self) -> Any:
        if self.role == CLIENT_ROLE:
            return self.server_capabilities
        return self.client.capabilities if self.client else None

    def _check_peer_capability(
        self, method: str, path: tuple[str, ...], since: str, version: str
    ) -> None:
        peer = "server" if self.role == CLIENT_ROLE else "client"
        caps = self._peer_capabilities()
        if path and caps is not None and version >= since and not has_capability(caps, path):
            raise LocalProtocolError(
                f"cannot send {method}: the {peer} does not advertise "
                f"the {'.'.join(path)} capability"
            )

    def notify(self, method: str, params: Any = None) -> bytes:
        """Encode a notification; one the session's revision lacks is refused."""
        version = self.protocol_version
        if version is None and self._stateless_peer:
            version = STATELESS_REVISION
        if version is not None:
            spec = lookup(method)
            if spec is not None and not (
                spec.exists_in(version) and spec.sent_by(self.role, version)
            ):
                reason = (
                    spec.absent_reason(version)
                    if not spec.exists_in(version)
                    else f"a {self.role} does not send it there"
                )
                raise LocalProtocolError(
                    f"cannot send {method} in protocol version {version}: {reason}"
                )
        return rpc.encode_notification(method, params)

    def respond(self, id: rpc.RequestId, result: Any) -> bytes:
        self._answered(id)
        return rpc.encode_response(id, result)

    def respond_error(self, id: rpc.RequestId, code: int, message: str, data: Any = UNSET) -> bytes:
        self._answered(id)
        return rpc.encode_error(id, code, message, data)

    def _answered(self, id: rpc.RequestId) -> None:
        incoming = self._incoming
        incoming.pop(id, None)
        if not incoming:
            incoming.clear()  # frees the table an idle session would keep

    def cancel(self, id: rpc.RequestId, reason: str | None = None) -> bytes:
        """Forget our request ``id`` and return the notifications/cancelled to send.

        2025-11-25 basic/utilities/cancellation.mdx: the initialize request MUST NOT be
        cancelled; a response that still arrives is ignored (the pending entry is gone).
        """
        method = self._pending.pop(id, None)
        if method == "initialize":
            raise LocalProtocolError("the initialize request cannot be cancelled")
        token = self._progress_of.pop(id, None)
        if token is not None:
            self._progress.pop(token, None)
        params = t.CancelledNotificationParams(
            request_id=id, reason=reason if reason is not None else UNSET
        )
        return rpc.encode_notification("notifications/cancelled", params)

    def forget(self, id: rpc.RequestId) -> None:
        """Drop request ``id`` from the pending table without telling the peer."""
        self._pending.pop(id, None)
        token = self._progress_of.pop(id, None)
        if token is not None:
            self._progress.pop(token, None)

    def connection_lost(self) -> list[rpc.RequestId]:
        """The transport is gone: return the ids of our requests that will never be answered."""
        self.closed = True
        ids = list(self._pending)
        self._pending.clear()
        self._progress.clear()
        self._progress_of.clear()
        self._incoming.clear()
        return ids

    @property
    def pending(self) -> int:
        return len(self._pending)
