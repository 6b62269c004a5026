"""Events the sans-I/O protocol returns (layer 2, pure): past tense, like h11's."""

from __future__ import annotations

from typing import Any, Protocol as TypingProtocol

import msgspec

from .. import types as t
from .._core import jsonrpc as rpc
from .._core.methods import STATELESS_REVISION
from .._errors import MCPError


class Event(msgspec.Struct):
    """Base of everything ``receive`` returns."""


class ClientState(msgspec.Struct, kw_only=True):
    """Who the client is, for one request (2026-07-28) or one session (handshake era)."""

    protocol_version: str
    capabilities: t.ClientCapabilities
    info: t.Implementation | None = None
    log_level: str | None = None

    @property
    def stateless(self) -> bool:
        return self.protocol_version >= STATELESS_REVISION


class RequestReceived(Event):
    id: rpc.RequestId
    method: str
    params: msgspec.Raw | None
    # The client as this request describes it (server role), None in client role.
    client: ClientState | None = None
    batch: int = 0  # index + 1 of the batch this request arrived in, 0 if none
    # The result the core already decided on (initialize, ping, server/discover) when the
    # Protocol was asked to route those to the handler side too (``route_core``).
    answer: Any = None


class NotificationReceived(Event):
    method: str
    params: msgspec.Raw | None
    client: ClientState | None = None


class ResponseReceived(Event):
    id: rpc.RequestId
    method: str
    result: msgspec.Raw


class ErrorReceived(Event):
    """The request ``id`` failed: the peer answered an error, or answered nonsense."""

    id: rpc.RequestId
    method: str
    error: MCPError


class CancelRequested(Event):
    """The peer cancelled request ``id`` it had sent us (notifications/cancelled)."""

    id: rpc.RequestId
    reason: str | None


class ProgressReceived(Event):
    token: str | int
    progress: float
    total: float | None
    message: str | None


class ReplyReady(Event):
    """The protocol answered on its own (errors, ping, initialize, discover): write it."""

    data: bytes
    batch: int = 0
    # The request this answers, when there is one (a transport that routes replies to
    # the HTTP request that carried the request uses it).
    id: rpc.RequestId | None = None


class SessionReady(Event):
    """Handshake complete (server: ``notifications/initialized``; client: result OK)."""

    protocol_version: str


class MessageDropped(Event):
    """A message was ignored, as the spec says to (a malformed notification, a response to
    an unknown id); the pure core logs nothing, so the driver may log ``reason``."""

    reason: str


class BatchReceived(Event):
    """A batch arrived: its requests carry ``batch=n``; answer them as one array."""

    n: int
    size: int  # number of replies expected (requests in the batch)


# ----------------------------------------------------------------- server identity


class ServerIdentity(TypingProtocol):
    """What the server-role protocol needs from the Server to answer the handshake."""

    info: t.Implementation
    instructions: str | None

    def capabilities(self) -> t.ServerCapabilities: ...
