"""The method table: one row per MCP method (DESIGN.md §2.5, tables over if-chains).

Each row says which side sends it, whether it is a request or a notification, the params
and result types, the capability the *receiver* must advertise, and the revisions that
have it.  Dispatch, capability gating, era checks and typed decoding all read this table.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import msgspec

from .. import types as t

FIRST_REVISION: Final = "2024-11-05"
STATELESS_REVISION: Final = "2026-07-28"
# Revisions (lexically comparable YYYY-MM-DD) in which JSON-RPC batches are allowed:
# added by 2025-03-26, removed by 2025-06-18 (see each revision's changelog).
BATCH_REVISIONS: Final = frozenset({"2025-03-26"})

CLIENT: Final = "client"  # sent by the client, handled by the server
SERVER: Final = "server"  # sent by the server, handled by the client
BOTH: Final = "both"


class MethodSpec(msgspec.Struct, frozen=True):
    method: str
    sender: str
    params: Any
    result: Any = None  # None for notifications
    # Capability the receiver must advertise: a path into its capabilities object.
    capability: tuple[str, ...] = ()
    # The capability gate applies from this revision on (completions had no capability
    # in 2024-11-05).
    gate_since: str = FIRST_REVISION
    since: str = FIRST_REVISION
    # First revision without this method (exclusive upper bound), or "" if still present.
    removed_in: str = ""
    # Who sends it from 2026-07-28 on, when that differs from ``sender`` (the client sends
    # no notifications/progress there: it answers no server requests).
    stateless_sender: str = ""
    # Sent even to a peer that did not declare ``capability``: a server that emits
    # notifications/message without declaring logging still takes logging/setLevel.
    lenient: bool = False

    @property
    def is_request(self) -> bool:
        return self.result is not None

    def exists_in(self, version: str) -> bool:
        return self.since <= version and (not self.removed_in or version < self.removed_in)

    def sent_by(self, role: str, version: str) -> bool:
        """Whether ``role`` ("client"/"server") may send this method in ``version``."""
        sender = self.sender
        if self.stateless_sender and version >= STATELESS_REVISION:
            sender = self.stateless_sender
        return sender in (role, BOTH)

    def absent_reason(self, version: str) -> str:
        """Why the method does not exist in ``version`` (for error messages)."""
        if version < self.since:
            return f"{self.method} was added in protocol version {self.since}"
        return f"{self.method} was removed in protocol version {self.removed_in}"


def _rows() -> list[MethodSpec]:
    S = STATELESS_REVISION
    return [
        # lifecycle
        MethodSpec("initialize", CLIENT, t.InitializeParams, t.InitializeResult, removed_in=S),
        MethodSpec("notifications/initialized", CLIENT, t.EmptyNotificationParams, removed_in=S),
        MethodSpec("server/discover", CLIENT, t.DiscoverParams, t.DiscoverResult, since=S),
        MethodSpec("ping", BOTH, t.PingParams, t.EmptyResult, removed_in=S),
        # utilities
        MethodSpec("notifications/cancelled", BOTH, t.CancelledNotificationParams),
        MethodSpec(
            "notifications/progress",
            BOTH,
            t.ProgressNotificationParams,
            stateless_sender=SERVER,
        ),
        MethodSpec(
            "logging/setLevel",
            CLIENT,
            t.SetLevelParams,
            t.EmptyResult,
            capability=("logging",),
            removed_in=S,
            lenient=True,
        ),
        MethodSpec(
            "notifications/message",
            SERVER,
            t.LoggingMessageNotificationParams,
        ),
        MethodSpec(
            "completion/complete",
            CLIENT,
            t.CompleteParams,
            t.CompleteResult,
            capability=("completions",),
            gate_since="2025-03-26",
        ),
        # tools
        MethodSpec("tools/list", CLIENT, t.ListToolsParams, t.ListToolsResult, ("tools",)),
        MethodSpec("tools/call", CLIENT, t.CallToolParams, t.CallToolResult, ("tools",)),
        MethodSpec("notifications/tools/list_changed", SERVER, t.EmptyNotificationParams),
        # resources
        MethodSpec(
            "resources/list",
            CLIENT,
            t.ListResourcesParams,
            t.ListResourcesResult,
            ("resources",),
        ),
        MethodSpec(
            "resources/templates/list",
            CLIENT,
            t.ListResourceTemplatesParams,
            t.ListResourceTemplatesResult,
            ("resources",),
        ),
        MethodSpec(
            "resources/read",
            CLIENT,
            t.ReadResourceParams,
            t.ReadResourceResult,
            ("resources",),
        ),
        MethodSpec(
            "resources/subscribe",
            CLIENT,
            t.SubscribeParams,
            t.EmptyResult,
            ("resources", "subscribe"),
            removed_in=S,
        ),
        MethodSpec(
            "resources/unsubscribe",
            CLIENT,
            t.UnsubscribeParams,
            t.EmptyResult,
            ("resources", "subscribe"),
            removed_in=S,
        ),
        MethodSpec(
            "notifications/resources/updated",
            SERVER,
            t.ResourceUpdatedNotificationParams,
        ),
        MethodSpec("notifications/resources/list_changed", SERVER, t.EmptyNotificationParams),
        MethodSpec(
            "subscriptions/listen",
            CLIENT,
            t.SubscriptionsListenParams,
            t.SubscriptionsListenResult,
            since=S,
        ),
        MethodSpec(
            "notifications/subscriptions/acknowledged",
            SERVER,
            t.SubscriptionsAcknowledgedNotificationParams,
            since=S,
        ),
        # prompts
        MethodSpec("prompts/list", CLIENT, t.ListPromptsParams, t.ListPromptsResult, ("prompts",)),
        MethodSpec("prompts/get", CLIENT, t.GetPromptParams, t.GetPromptResult, ("prompts",)),
        MethodSpec("notifications/prompts/list_changed", SERVER, t.EmptyNotificationParams),
        # client features: server->client requests exist only in the handshake era; in
        # 2026-07-28 they travel as input_required results (MRTR) instead.
        MethodSpec(
            "sampling/createMessage",
            SERVER,
            t.CreateMessageParams,
            t.CreateMessageResult,
            ("sampling",),
            removed_in=S,
        ),
        MethodSpec(
            "roots/list",
            SERVER,
            t.ListRootsParams,
            t.ListRootsResult,
            ("roots",),
            removed_in=S,
        ),
        MethodSpec(
            "notifications/roots/list_changed",
            CLIENT,
            t.EmptyNotificationParams,
            removed_in=S,
        ),
        MethodSpec(
            "elicitation/create",
            SERVER,
            t.ElicitParams,
            t.ElicitResult,
            ("elicitation",),
            since="2025-06-18",
            removed_in=S,
        ),
        # 2026-07-28 changelog minor 11: removed with elicitationId (MRTR retries instead).
        MethodSpec(
            "notifications/elicitation/complete",
            SERVER,
            t.ElicitationCompleteNotificationParams,
            since="2025-11-25",
            removed_in=S,
        ),
    ]


@functools.cache
def table() -> dict[str, MethodSpec]:
    """The method table, built on first use (nothing is built at import)."""
    return {row.method: row for row in _rows()}


def lookup(method: str) -> MethodSpec | None:
    return table().get(method)


def has_capability(caps: Any, path: tuple[str, ...]) -> bool:
    """True when ``caps`` (a capabilities Struct) advertises ``path``."""
    obj = caps
    for name in path:
        obj = getattr(obj, name, msgspec.UNSET)
        if obj is msgspec.UNSET or obj is None or obj is False:
            return False
    return True
