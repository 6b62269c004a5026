"""The tasks extension's wire shapes and pure rules, both sides (layer 1, pure).

``io.modelcontextprotocol/tasks`` (seps/2663-tasks-extension.md): a server may answer a
``tools/call`` from a client that declared the extension in that request's capabilities
with a ``CreateTaskResult`` (``resultType: "task"``, the flat ``Task`` fields); the client
polls ``tasks/get`` (the ``DetailedTask``, the result or error inlined once terminal),
answers ``inputRequests`` with ``tasks/update`` and may ``tasks/cancel``.  The
2025-11-25 experimental tasks (``tasks/result``, ``tasks/list``, the ``task`` param) are
not this extension.
"""

from __future__ import annotations

import datetime
from typing import Any, Final

import msgspec
from msgspec import UNSET, UnsetType

from .. import types as t

TASKS_EXTENSION: Final = "io.modelcontextprotocol/tasks"
TASK_METHODS: Final = ("tasks/get", "tasks/update", "tasks/cancel")
# Removed by SEP-2663 ("Backward Compatibility"): answered -32601.
REMOVED_TASK_METHODS: Final = ("tasks/result", "tasks/list")
TERMINAL: Final = frozenset({"completed", "failed", "cancelled"})
TASK_SUPPORT: Final = ("forbidden", "optional", "required")


class DetailedTask(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A task as the extension sends it: ``CreateTaskResult`` (``result_type="task"``),
    ``tasks/get``'s ``DetailedTask`` (``"complete"``) and ``notifications/tasks`` params.

    ``result`` (a completed task's ``CallToolResult``) stays encoded JSON, ``msgspec.Raw``:
    a server re-sends the bytes it kept, and a client decodes them once, when it wants the
    result (:meth:`tool_result`), not on every ``tasks/get`` or notification.
    """

    task_id: str
    status: str
    created_at: str
    last_updated_at: str
    ttl_ms: int | None  # required and nullable: null means unlimited
    result_type: str | UnsetType = UNSET
    status_message: str | UnsetType = UNSET
    poll_interval_ms: int | UnsetType = UNSET
    input_requests: dict[str, t.InputRequest] | UnsetType = UNSET
    result: msgspec.Raw | UnsetType = UNSET
    error: dict[str, Any] | UnsetType = UNSET
    meta: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="_meta")

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def tool_result(self) -> t.CallToolResult | None:
        """The inlined ``result`` decoded as a ``CallToolResult`` (None when absent).

        Raises ``msgspec.ValidationError`` / ``msgspec.DecodeError`` when it is not one.
        """
        if self.result is UNSET:
            return None
        return t.decoder(t.CallToolResult).decode(self.result)


class TaskParams(msgspec.Struct, kw_only=True, rename="camel"):
    """``tasks/get`` and ``tasks/cancel`` params."""

    task_id: str
    meta: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="_meta")


class UpdateTaskParams(msgspec.Struct, kw_only=True, rename="camel"):
    """``tasks/update`` params: answers to outstanding ``inputRequests`` (partial allowed)."""

    task_id: str
    input_responses: dict[str, Any] = msgspec.field(default_factory=dict)
    meta: dict[str, Any] | UnsetType = msgspec.field(default=UNSET, name="_meta")


def declares_tasks(caps: t.ClientCapabilities | t.ServerCapabilities | None) -> bool:
    """Whether capabilities carry the extension (an empty object means support)."""
    if caps is None:
        return False
    ext = caps.extensions
    return isinstance(ext, dict) and isinstance(ext.get(TASKS_EXTENSION), dict)


def missing_tasks_data() -> dict[str, Any]:
    """``data`` of the -32021 error naming the extension (SEP-2663 "Capability
    Negotiation")."""
    return {"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}}


def iso(epoch_seconds: float) -> str:
    """An ISO 8601 UTC timestamp with millisecond precision (``createdAt``...)."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_ms(seconds: float | None) -> int | None:
    """Seconds as the extension's integer milliseconds (None stays None: unlimited)."""
    return None if seconds is None else max(1, round(seconds * 1000))
