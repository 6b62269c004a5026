"""Tasks, client side: a handle on a tool call the server runs as a task (layer 3).

SEP-2663: a client that declared ``io.modelcontextprotocol/tasks`` may get a
``CreateTaskResult`` for a ``tools/call``; it polls ``tasks/get`` at the server's
``pollIntervalMs``, answers ``inputRequests`` with ``tasks/update`` (through the same
elicitation/sampling/roots callbacks the client has) and may ``tasks/cancel``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, TypeVar

import msgspec

from .. import types as t
from .._core.tasks import DetailedTask, TaskParams, UpdateTaskParams
from .._errors import REQUEST_CANCELLED, RemoteProtocolError, RPCError

R = TypeVar("R")


class TaskClient(Protocol):
    """What a ToolTask needs of the Client (a Protocol, so tasks.py does not import
    client.py, which imports it)."""

    async def request(
        self, method: str, params: Any, result_type: type[R], *, timeout: Any = ...
    ) -> R: ...

    async def _fulfil(self, requests: dict[str, t.InputRequest]) -> dict[str, Any]: ...


# Used when the server suggests no pollIntervalMs.
DEFAULT_TASK_POLL_SECONDS: Final = 0.5
# A server suggesting pollIntervalMs 0 (or a tiny one) does not get a busy loop of tasks/get.
MIN_TASK_POLL_SECONDS: Final = 0.01

StatusCallback = Callable[[DetailedTask], Awaitable[None] | None]


class _Ack(msgspec.Struct):
    pass


class TaskCreated(Exception):
    """Internal: a tools/call was answered with a ``CreateTaskResult``."""

    def __init__(self, task: DetailedTask) -> None:
        super().__init__(task.task_id)
        self.task = task


class ToolTask:
    """A ``tools/call`` running as a task: ``status()``, ``wait()``, ``update()``,
    ``cancel()``.  ``last`` is the latest state seen."""

    def __init__(
        self,
        client: TaskClient,
        last: DetailedTask | None,
        result: t.CallToolResult | None = None,
        *,
        on_status: StatusCallback | None = None,
    ) -> None:
        self.client = client
        self.last = last
        self._result = result  # the server answered at once: no task was created
        self.on_status = on_status
        self._answered: set[str] = set()

    @property
    def task_id(self) -> str | None:
        return None if self.last is None else self.last.task_id

    async def status(self) -> DetailedTask:
        """``tasks/get``: the task's current state."""
        if self.last is None:
            raise RuntimeError("the server answered this call at once; there is no task")
        previous = self.last.status
        state = await self.client.request(
            "tasks/get", TaskParams(task_id=self.last.task_id), DetailedTask
        )
        self.last = state
        if self.on_status is not None and state.status != previous:
            await _maybe(self.on_status(state))
        return state

    async def update(self, responses: dict[str, Any]) -> None:
        """``tasks/update``: answers (key -> ElicitResult / CreateMessageResult / ...)."""
        if self.last is None:
            raise RuntimeError("the server answered this call at once; there is no task")
        await self.client.request(
            "tasks/update",
            UpdateTaskParams(
                task_id=self.last.task_id, input_responses=msgspec.to_builtins(responses)
            ),
            _Ack,
        )
        self._answered.update(responses)

    async def cancel(self) -> None:
        """``tasks/cancel`` (cooperative: the task may still finish otherwise)."""
        if self.last is not None and not self.last.terminal:
            await self.client.request("tasks/cancel", TaskParams(task_id=self.last.task_id), _Ack)

    async def wait(self) -> t.CallToolResult:
        """Poll until the task ends; answer its input requests with the client's
        callbacks.  Cancelling the awaiting task sends ``tasks/cancel``."""
        if self._result is not None:
            return self._result
        assert self.last is not None
        try:
            state = self.last
            while not state.terminal:
                if state.status == "input_required":
                    asked = (
                        state.input_requests if state.input_requests is not msgspec.UNSET else {}
                    )
                    fresh = {k: v for k, v in asked.items() if k not in self._answered}
                    if fresh:
                        await self.update(await self.client._fulfil(fresh))
                        state = await self.status()
                        continue
                interval = state.poll_interval_ms
                await asyncio.sleep(
                    DEFAULT_TASK_POLL_SECONDS
                    if interval is msgspec.UNSET
                    else max(MIN_TASK_POLL_SECONDS, interval / 1000)
                )
                state = await self.status()
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel_quietly())
            raise
        return self._outcome(state)

    async def _cancel_quietly(self) -> None:
        try:
            await self.cancel()
        except Exception:  # the session may be gone; the server's TTL reclaims the task
            pass

    def _outcome(self, state: DetailedTask) -> t.CallToolResult:
        self._result = None
        if state.status == "completed":
            try:
                return msgspec.convert(
                    state.result if state.result is not msgspec.UNSET else {},
                    t.CallToolResult,
                )
            except msgspec.ValidationError as exc:
                raise RemoteProtocolError(
                    f"task {state.task_id}: the inlined result is not a CallToolResult: {exc}"
                ) from None
        if state.status == "failed":
            error = state.error if state.error is not msgspec.UNSET else {}
            raise RPCError(
                int(error.get("code", 0)),
                str(error.get("message", "the task failed")),
                error.get("data"),
            )
        raise RPCError(REQUEST_CANCELLED, f"task {state.task_id} was cancelled")


async def _maybe(value: Any) -> None:
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        await value


def task_of(raw: msgspec.Raw | bytes) -> DetailedTask | None:
    """A ``CreateTaskResult`` in a raw ``tools/call`` result, else None."""
    try:
        probe = msgspec.json.decode(raw, type=_Probe)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if probe.result_type != "task":
        return None
    try:
        return msgspec.json.decode(raw, type=DetailedTask)
    except msgspec.ValidationError as exc:
        raise RemoteProtocolError(f"Invalid CreateTaskResult: {exc}") from None


class _Probe(msgspec.Struct, rename="camel"):
    result_type: str | None = None
