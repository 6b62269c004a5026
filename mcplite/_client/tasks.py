"""Tasks, client side: a handle on a tool call the server runs as a task (layer 3).

SEP-2663: a client that declared ``io.modelcontextprotocol/tasks`` may get a
``CreateTaskResult`` for a ``tools/call``; it polls ``tasks/get`` at the server's
``pollIntervalMs``, answers ``inputRequests`` with ``tasks/update`` (through the same
elicitation/sampling/roots callbacks the client has) and may ``tasks/cancel``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import EllipsisType
from typing import Any, Final, Protocol, TypeVar

import msgspec

from .. import types as t
from .._core.tasks import DetailedTask, TaskParams, UpdateTaskParams
from .._errors import REQUEST_CANCELLED, RemoteProtocolError, RequestTimeout, RPCError

R = TypeVar("R")


class TaskClient(Protocol):
    """What a ToolTask needs of the Client (a Protocol, so tasks.py does not import
    client.py, which imports it)."""

    async def request(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | EllipsisType = ...,
    ) -> R: ...

    async def _fulfil(self, requests: dict[str, t.InputRequest]) -> dict[str, Any]: ...

    def _watch_task(self, watcher: Any) -> bool: ...

    def _unwatch_task(self, watcher: Any) -> None: ...


# Used when the server suggests no pollIntervalMs.
DEFAULT_TASK_POLL_SECONDS: Final = 0.5
# A server suggesting pollIntervalMs 0 (or a tiny one) does not get a busy loop of tasks/get.
MIN_TASK_POLL_SECONDS: Final = 0.01
# While the server has agreed to push a task's notifications/tasks, wait() polls only this
# often, in case one is lost (SEP-2663: clients MAY keep polling, and need not).
DEFAULT_TASK_NOTIFIED_POLL_SECONDS: Final = 30.0

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

    # Slots: a client may hold thousands of handles, and a __dict__ is about 300 bytes each.
    __slots__ = (
        "_answered",
        "_pushed",
        "_result",
        "_wake",
        "client",
        "last",
        "notified_poll_interval",
        "on_status",
        "pushed",
    )

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
        # Made when first needed: a handle that never answers input pays nothing for it
        # (an empty set is 216 bytes), and a client may hold thousands of handles.
        self._answered: set[str] | None = None
        # notifications/tasks (SEP-2663): whether the server agreed to push this task's
        # state, the latest state pushed, and the future wait() sleeps on between polls
        # (one per sleep, gone after it: an asyncio.Event kept per handle is about 800
        # bytes with its waiter deque).
        self.pushed = False
        self._pushed: DetailedTask | None = None
        self._wake: asyncio.Future[None] | None = None
        self.notified_poll_interval = DEFAULT_TASK_NOTIFIED_POLL_SECONDS

    def watched(self, agreed: bool) -> None:
        """The tasks listen's acknowledgement covers this task (or no longer does)."""
        was, self.pushed = self.pushed, agreed
        wake = self._wake
        if was and not agreed and wake is not None and not wake.done():
            # No more pushes: a wait() asleep for the long notified interval polls now
            # (the listen may have ended with this task's last state not yet heard).
            wake.set_result(None)

    def notified(self, state: DetailedTask) -> None:
        """A ``notifications/tasks`` for this task: wake ``wait()``."""
        last = self._pushed or self.last
        if last is not None and state.last_updated_at < last.last_updated_at:
            return  # older than a state already seen
        self._pushed = _own(state)
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)  # else no wait() sleeps: the next one finds _pushed

    @property
    def task_id(self) -> str | None:
        return None if self.last is None else self.last.task_id

    async def status(self) -> DetailedTask:
        """``tasks/get``: the task's current state."""
        if self.last is None:
            raise RuntimeError("the server answered this call at once; there is no task")
        previous = self.last.status
        state = _own(
            await self.client.request(
                "tasks/get", TaskParams(task_id=self.last.task_id), DetailedTask
            )
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
        if self._answered is None:
            self._answered = set()
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
        watching = self.client._watch_task(self)
        try:
            state = self.last
            while not state.terminal:
                if state.status == "input_required":
                    asked = (
                        state.input_requests if state.input_requests is not msgspec.UNSET else {}
                    )
                    done = self._answered or ()
                    fresh = {k: v for k, v in asked.items() if k not in done}
                    if fresh:
                        await self.update(await self.client._fulfil(fresh))
                        if not self.pushed:  # else the next state is pushed
                            state = await self.status()
                            continue
                interval = state.poll_interval_ms
                delay = (
                    DEFAULT_TASK_POLL_SECONDS
                    if interval is msgspec.UNSET
                    else max(MIN_TASK_POLL_SECONDS, interval / 1000)
                )
                if self.pushed:
                    delay = max(delay, self.notified_poll_interval)
                pushed = await self._next_push(delay) if watching else None
                state = await self.status() if pushed is None else await self._take(pushed)
        except asyncio.CancelledError:
            await asyncio.shield(self._cancel_quietly())
            raise
        finally:
            if watching:
                self.client._unwatch_task(self)
        return self._outcome(state)

    async def wait_within(
        self, timeout: float | None | EllipsisType, started: float
    ) -> t.CallToolResult:
        """``wait()``, bounded by an explicit ``timeout`` counted from ``started``
        (``time.monotonic()`` when the ``tools/call`` went out); on expiry the task is
        cancelled (``tasks/cancel``) and :class:`RequestTimeout` raised, as a plain call's
        request would be.  The client's default ``request_timeout`` (``timeout=...``)
        bounds each request, not the task's life: tasks are for calls that run longer."""
        if timeout is ... or timeout is None:
            return await self.wait()
        remaining = max(0.0, float(timeout) - (time.monotonic() - started))
        try:
            async with asyncio.timeout(remaining) as scope:
                return await self.wait()
        except TimeoutError:
            if not scope.expired():
                raise  # a tasks/get of its own timed out
            raise RequestTimeout(
                f"tools/call: task {self.task_id} did not end within {timeout} s; "
                "it was cancelled (tasks/cancel)"
            ) from None

    async def _next_push(self, delay: float) -> DetailedTask | None:
        """The state the server pushes within ``delay`` seconds, else None (poll)."""
        if self._pushed is None:
            wake = self._wake = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(delay):
                    await wake
            except TimeoutError:
                return None
            finally:
                self._wake = None
        state, self._pushed = self._pushed, None
        return state

    async def _take(self, state: DetailedTask) -> DetailedTask:
        previous = None if self.last is None else self.last.status
        self.last = state
        if self.on_status is not None and state.status != previous:
            await _maybe(self.on_status(state))
        return state

    async def _cancel_quietly(self) -> None:
        try:
            await self.cancel()
        except Exception:  # the session may be gone; the server's TTL reclaims the task
            pass

    def _outcome(self, state: DetailedTask) -> t.CallToolResult:
        self._result = None
        if state.status == "completed":
            try:
                # Decoded here, once: every tasks/get before kept the result encoded.
                result = state.tool_result()
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise RemoteProtocolError(
                    f"task {state.task_id}: the inlined result is not a CallToolResult: {exc}"
                ) from None
            if result is None:
                raise RemoteProtocolError(
                    f"task {state.task_id}: completed without the result inlined (SEP-2663 "
                    '"Task Polling": a completed task carries its result)'
                )
            return result
        if state.status == "failed":
            error = state.error if state.error is not msgspec.UNSET else {}
            raise RPCError(
                int(error.get("code", 0)),
                str(error.get("message", "the task failed")),
                error.get("data"),
            )
        raise RPCError(REQUEST_CANCELLED, f"task {state.task_id} was cancelled")


def _own(state: DetailedTask) -> DetailedTask:
    """``state`` with its still-encoded result copied out of the message it came in: a
    decoded ``msgspec.Raw`` is a view that keeps the whole response buffer alive."""
    if state.result is not msgspec.UNSET:
        state.result = state.result.copy()
    return state


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
