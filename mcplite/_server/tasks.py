"""Tasks, server side: the io.modelcontextprotocol/tasks extension (SEP-2663) (layer 3).

A ``tools/call`` of a tool registered with ``task_support="optional"|"required"``, from a
2026-07-28 client that declared the extension in that request's capabilities, answers at
once with a ``CreateTaskResult``; the handler runs on in the background.  ``ctx.elicit`` /
``ctx.sample`` inside it park the task in ``input_required`` (the requests show in
``tasks/get``'s ``inputRequests``) until ``tasks/update`` delivers the answers.  Records
live in a :class:`TaskStore` (in memory by default, bounded by count and TTL); the running
handlers live here, in this process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

import msgspec
from msgspec import UNSET, UnsetType

from .. import types as t
from .._core.jsonrpc import encode
from .._core.tasks import (
    TASK_SUPPORT,
    TERMINAL,
    DetailedTask,
    TaskParams,
    UpdateTaskParams,
    declares_tasks,
    iso,
    missing_tasks_data,
    to_ms,
)
from .._errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    ClientCapabilityError,
    RPCError,
)
from .._server.request_scope import RequestScope

log = logging.getLogger(__name__)

DEFAULT_TASK_TTL_SECONDS: Final = 3600.0
DEFAULT_TASK_POLL_INTERVAL_SECONDS: Final = 0.5
DEFAULT_MAX_TASKS: Final = 10_000
_OWNER_KEY: Final = "mcplite.task_owner"


def check_task_support(support: str | None) -> None:
    """Refuse a ``task_support`` value the extension does not define (SEP-2663)."""
    if support is not None and support not in TASK_SUPPORT:
        raise ValueError(f"task_support must be one of {', '.join(TASK_SUPPORT)}, got {support!r}")


class TaskRecord(msgspec.Struct, kw_only=True):
    """What a store keeps of one task (JSON-encodable: a durable store can persist it).

    ``result`` is the finished call's ``CallToolResult`` as encoded JSON: it is only ever
    re-sent inline in ``tasks/get`` (SEP-2663 "Task Polling"), so a finished task keeps
    one bytes object instead of a tree of dicts, lists and strings.
    """

    task_id: str
    owner: str
    status: str
    created: float  # seconds since the epoch
    updated: float
    ttl_ms: int | None
    poll_interval_ms: int
    status_message: str | None = None
    input_requests: dict[str, t.InputRequest] = msgspec.field(default_factory=dict)
    result: msgspec.Raw | UnsetType = UNSET
    error: dict[str, Any] | None = None

    def expired(self, now: float) -> bool:
        return self.ttl_ms is not None and now >= self.created + self.ttl_ms / 1000

    def wire(self, result_type: str) -> DetailedTask:
        out = DetailedTask(
            task_id=self.task_id,
            status=self.status,
            created_at=iso(self.created),
            last_updated_at=iso(self.updated),
            ttl_ms=self.ttl_ms,
            poll_interval_ms=self.poll_interval_ms,
            result_type=result_type,
        )
        if self.status_message is not None:
            out.status_message = self.status_message
        if result_type == "task":
            return out  # CreateTaskResult: no result, error or inputRequests
        if self.status == "input_required":
            out.input_requests = dict(self.input_requests)
        elif self.status == "completed" and self.result is not UNSET:
            out.result = self.result
        elif self.status == "failed" and self.error is not None:
            out.error = self.error
        return out

    def notification(self) -> dict[str, Any]:
        """``notifications/tasks`` params: the ``DetailedTask`` ``tasks/get`` would answer
        now (SEP-2663 "Task Status Notifications"), without the result's ``resultType``."""
        # Through JSON, not to_builtins: the result is already-encoded msgspec.Raw.
        params: dict[str, Any] = msgspec.json.decode(encode(self.wire("complete")))
        params.pop("resultType", None)
        return params


class TaskStoreFull(Exception):
    """The store holds as many live tasks as it may."""


class TaskStore(Protocol):
    """Where task records live: five async methods, nothing else.

    Records are plain :class:`TaskRecord` values (``msgspec.json.encode`` /
    ``msgspec.json.decode(..., type=TaskRecord)`` round-trip them), so a durable store
    keeps them anywhere.  The running handlers stay in the serving process (the
    :class:`TaskManager`); a store only keeps what ``tasks/get`` answers.  Owner checks
    happen in the manager, not here.
    """

    async def create(self, record: TaskRecord) -> None:
        """Keep a new record; raise :class:`TaskStoreFull` when no room is left
        (never by evicting a record whose task has not ended)."""

    async def get(self, task_id: str) -> TaskRecord | None:
        """The record, or None when it is unknown or expired."""

    async def update(self, record: TaskRecord) -> None:
        """Replace a kept record (same ``task_id``); a record no longer kept is ignored."""

    async def list_for_owner(self, owner: str) -> list[TaskRecord]:
        """Every kept record of ``owner``."""

    async def expire(self, now: float) -> int:
        """Drop terminal records whose TTL has passed at ``now`` (epoch seconds); how many."""


class MemoryTaskStore:
    """The default store: this process's memory, at most ``max_tasks`` records; a record
    goes when its TTL has passed (never earlier, and never while its task still runs)."""

    def __init__(self, max_tasks: int = DEFAULT_MAX_TASKS) -> None:
        if max_tasks < 1:
            raise ValueError(f"max_tasks must be >= 1, got {max_tasks!r}")
        self.max_tasks = max_tasks
        self._records: dict[str, TaskRecord] = {}

    def __len__(self) -> int:
        return len(self._records)

    async def create(self, record: TaskRecord) -> None:
        if len(self._records) >= self.max_tasks:
            await self.expire(time.time())
            if len(self._records) >= self.max_tasks:
                raise TaskStoreFull(
                    f"the task store is full ({self.max_tasks} tasks, max_tasks); "
                    "retry after some expire"
                )
        self._records[record.task_id] = record

    async def get(self, task_id: str) -> TaskRecord | None:
        record = self._records.get(task_id)
        if record is not None and record.expired(time.time()) and record.status in TERMINAL:
            del self._records[task_id]
            return None
        return record

    async def update(self, record: TaskRecord) -> None:
        if record.task_id in self._records:
            self._records[record.task_id] = record

    async def list_for_owner(self, owner: str) -> list[TaskRecord]:
        return [r for r in self._records.values() if r.owner == owner]

    async def expire(self, now: float) -> int:
        gone = [k for k, r in self._records.items() if r.expired(now) and r.status in TERMINAL]
        for key in gone:
            del self._records[key]
        return len(gone)


class _Pending(msgspec.Struct):
    request: t.InputRequest
    result_type: Any
    future: asyncio.Future[Any]


class TaskRun:
    """One task's live state in this process: its handler and the inputs it waits for."""

    __slots__ = ("manager", "pending", "record", "runner", "started", "used_keys")

    def __init__(self, manager: TaskManager, *, deferred: bool = False) -> None:
        self.manager = manager
        self.record: TaskRecord | None = None
        self.runner: asyncio.Task[Any] | None = None
        # Only a deferred call waits for ctx.start_task(); the others need no future. The
        # set of used input keys is made on the first ctx.elicit/ctx.sample: most tasks
        # never ask, and an empty set costs 216 bytes per running task.
        self.started: asyncio.Future[None] | None = (
            asyncio.get_running_loop().create_future() if deferred else None
        )
        self.pending: dict[str, _Pending] = {}
        self.used_keys: set[str] | None = None

    @property
    def is_task(self) -> bool:
        return self.record is not None

    async def ask(self, requests: dict[str, t.InputRequest], types: dict[str, Any]) -> Any:
        """Park the task in ``input_required`` until every request is answered."""
        record = self.record
        assert record is not None
        loop = asyncio.get_running_loop()
        keys: dict[str, str] = {}
        if self.used_keys is None:
            self.used_keys = set()
        for key, req in requests.items():
            unique = key
            n = 1
            while unique in self.used_keys:  # keys are unique over a task's life (SEP-2663)
                n += 1
                unique = f"{key}_{n}"
            self.used_keys.add(unique)
            keys[key] = unique
            self.pending[unique] = _Pending(req, types[key], loop.create_future())
        await self.manager.sync_inputs(self)
        try:
            values = await asyncio.gather(*(self.pending[k].future for k in keys.values()))
        finally:
            for k in keys.values():
                self.pending.pop(k, None)
        return dict(zip(keys, values, strict=True))


def owner_of(ctx: RequestScope) -> str:
    """Who a task belongs to: the authenticated subject, else the session; a stateless
    HTTP request without a token has neither, and its unguessable task id is the only
    key (SEP-2663 "Security Implications")."""
    auth = ctx.auth
    if auth is not None and auth.subject:
        return f"sub:{auth.issuer or ''}|{auth.subject}"
    session = ctx.session
    if getattr(session.transport, "per_request", False):
        return ""
    owner = session.state.get(_OWNER_KEY)
    if owner is None:
        import secrets  # lazy: tasks only (secrets pulls in random, hmac and OpenSSL's hashlib)

        owner = session.state[_OWNER_KEY] = "session:" + secrets.token_hex(12)
    return str(owner)


def current_run(ctx: RequestScope) -> TaskRun | None:
    store = ctx.state_store
    run = store.get("task") if store else None
    return run if isinstance(run, TaskRun) else None


class TaskManager:
    """A server's tasks: creation, the tasks/* methods, and the handlers running them."""

    def __init__(
        self,
        store: TaskStore | None = None,
        *,
        ttl: float | None = DEFAULT_TASK_TTL_SECONDS,
        poll_interval: float = DEFAULT_TASK_POLL_INTERVAL_SECONDS,
        max_tasks: int = DEFAULT_MAX_TASKS,
    ) -> None:
        self.store: TaskStore = store if store is not None else MemoryTaskStore(max_tasks)
        self.ttl = ttl
        self.poll_interval = poll_interval
        self.runs: dict[str, TaskRun] = {}
        # tool name -> (taskSupport, deferred)
        self.tools: dict[str, tuple[str, bool]] = {}
        # Told of every status change (and every change of the outstanding inputRequests)
        # with the record as stored: the server publishes it as ``notifications/tasks`` to
        # the subscriptions/listen streams watching the task (SEP-2663).
        self.on_change: Callable[[TaskRecord], None] | None = None

    def _changed(self, record: TaskRecord) -> None:
        hook = self.on_change
        if hook is not None:
            try:
                hook(record)
            except Exception:  # a broken listener must not fail the task
                log.exception("task status listener failed")

    def configure(self, entry: Any, support: str | None, deferred: bool) -> None:
        """Record a tool's ``task_support`` and publish ``execution.taskSupport``."""
        if support is None:
            self.tools.pop(entry.name, None)
            return
        check_task_support(support)
        entry.tool.execution = t.ToolExecution(task_support=support)  # type: ignore[arg-type]
        self.tools[entry.name] = (support, deferred)

    async def call_tool(self, ctx: RequestScope, params: t.CallToolParams) -> Any:
        """The ``tools/call`` route: a task where the tool and the client agree."""
        tools = ctx.server.tools  # type: ignore[attr-defined]
        task_tool = self.tools.get(params.name)  # None: a tool without task support
        if task_tool is not None and params.name in tools.entries and self.gate(ctx, task_tool[0]):
            return await self.call(ctx, params, task_tool[1])
        return await tools.call(ctx, params)

    # ------------------------------------------------------------------ creation

    def gate(self, ctx: RequestScope, support: str) -> bool:
        """Whether this tools/call becomes a task; -32021 when it must and cannot."""
        if support not in ("optional", "required"):
            return False
        if ctx.stateless and declares_tasks(ctx.client_capabilities):
            return True
        if support == "required":
            raise ClientCapabilityError(
                MISSING_REQUIRED_CLIENT_CAPABILITY,
                "Missing required client capability: this tool runs only as a task; declare "
                "the io.modelcontextprotocol/tasks extension in the request's "
                "clientCapabilities (2026-07-28, SEP-2663)",
                missing_tasks_data(),
            )
        return False

    async def call(self, ctx: RequestScope, params: t.CallToolParams, deferred: bool) -> Any:
        """Run a tools/call as a task: answer CreateTaskResult at once, or (``deferred``)
        once the handler calls ``ctx.start_task()``; until then it is an ordinary call."""
        run = TaskRun(self, deferred=deferred)
        if ctx.state_store is None:
            ctx.state_store = {}
        ctx.state_store["task"] = run
        if not deferred:
            await self.begin(run, ctx)
        run.runner = asyncio.get_running_loop().create_task(self._execute(run, ctx, params))
        if not deferred:
            assert run.record is not None
            return run.record.wire("task")
        assert run.started is not None
        try:
            await asyncio.wait({run.runner, run.started}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            if not run.is_task:
                run.runner.cancel()
            raise
        if run.is_task:
            assert run.record is not None
            return run.record.wire("task")
        return run.runner.result()  # finished before becoming a task: an ordinary answer

    async def begin(self, run: TaskRun, ctx: RequestScope) -> None:
        """Create the record (durably, before the answer leaves: SEP-2663)."""
        if run.record is not None:
            return
        import secrets  # lazy: tasks only (secrets pulls in random, hmac and OpenSSL's hashlib)

        now = time.time()
        record = TaskRecord(
            task_id=secrets.token_urlsafe(24),
            owner=owner_of(ctx),
            status="working",
            created=now,
            updated=now,
            ttl_ms=to_ms(self.ttl),
            poll_interval_ms=to_ms(self.poll_interval) or 1,
        )
        try:
            await self.store.create(record)
        except TaskStoreFull as exc:
            raise RPCError(INTERNAL_ERROR, f"Internal error: {exc}") from None
        run.record = record
        self.runs[record.task_id] = run
        if run.started is not None and not run.started.done():
            run.started.set_result(None)

    async def _execute(self, run: TaskRun, ctx: RequestScope, params: t.CallToolParams) -> Any:
        tools = ctx.server.tools  # type: ignore[attr-defined]
        limit = self.ttl
        try:
            try:
                async with asyncio.timeout(limit):
                    result = await tools.call(ctx, params)
            except TimeoutError:
                if not run.is_task:
                    raise
                raise RPCError(
                    INTERNAL_ERROR, f"Internal error: the task outlived its ttlMs ({limit} s)"
                ) from None
        except asyncio.CancelledError:
            if run.is_task:
                await self._finish(run, "cancelled", message="cancelled by tasks/cancel")
            raise
        except RPCError as exc:
            if not run.is_task:
                raise
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None and exc.data is not UNSET:
                error["data"] = exc.data
            await self._finish(run, "failed", error=error, message=exc.message)
            return None
        except Exception as exc:
            if not run.is_task:
                raise
            log.debug("task handler raised", exc_info=True)
            await self._finish(
                run,
                "failed",
                error={"code": INTERNAL_ERROR, "message": f"Internal error: {type(exc).__name__}"},
                message="the task's handler raised",
            )
            return None
        if not run.is_task:
            return result
        if getattr(result, "result_type", None) is UNSET:
            result.result_type = "complete"
        await self._finish(run, "completed", result=msgspec.Raw(encode(result)))
        return None

    async def _finish(
        self,
        run: TaskRun,
        status: str,
        *,
        result: msgspec.Raw | UnsetType = UNSET,
        error: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        record = run.record
        assert record is not None
        self.runs.pop(record.task_id, None)
        for pending in run.pending.values():
            pending.future.cancel()
        current = await self.store.get(record.task_id) or record
        if current.status in TERMINAL:
            return  # terminal is final (tasks/cancel already settled it)
        current.status = status
        current.updated = time.time()
        current.input_requests = {}
        current.result = result
        current.error = error
        if message is not None:
            current.status_message = message
        run.record = current
        await self.store.update(current)
        # What tasks/get answers now: a durable store keeps the first terminal state (a
        # cancellation through another worker may have won the race).
        stored = await self.store.get(current.task_id)
        self._changed(stored if stored is not None else current)

    async def sync_inputs(self, run: TaskRun) -> None:
        """Reflect the run's outstanding input requests in its record."""
        record = run.record
        assert record is not None
        if record.status in TERMINAL:
            return
        before = (record.status, set(record.input_requests))
        record.input_requests = {k: p.request for k, p in run.pending.items()}
        record.status = "input_required" if run.pending else "working"
        record.updated = time.time()
        await self.store.update(record)
        if (record.status, set(record.input_requests)) != before:
            self._changed(record)

    async def progress(self, run: TaskRun, message: str) -> None:
        """``ctx.progress`` inside a task: the task's ``statusMessage`` (notifications
        are not sent for tasks, SEP-2663 "Task Status Notifications")."""
        record = run.record
        if record is None or record.status in TERMINAL:
            return
        record.status_message = message
        record.updated = time.time()
        await self.store.update(record)

    # ------------------------------------------------------------------ tasks/*

    async def _lookup(self, ctx: RequestScope, task_id: str) -> TaskRecord:
        if not ctx.stateless:
            raise RPCError(
                METHOD_NOT_FOUND,
                f"Method not found: {ctx.method} belongs to the io.modelcontextprotocol/tasks "
                "extension, which exists from protocol version 2026-07-28 on",
            )
        if not declares_tasks(ctx.client_capabilities):
            raise ClientCapabilityError(
                MISSING_REQUIRED_CLIENT_CAPABILITY,
                f"Missing required client capability: {ctx.method} needs the "
                "io.modelcontextprotocol/tasks extension in the request's clientCapabilities",
                missing_tasks_data(),
            )
        record = await self.store.get(task_id)
        # Unknown, expired and another owner's tasks answer alike: no oracle.
        if record is None or record.owner != owner_of(ctx):
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: Failed to retrieve task: task {task_id!r} "
                "not found (unknown, expired, or not yours)",
            )
        return record

    async def get(self, ctx: RequestScope, params: TaskParams) -> DetailedTask:
        record = await self._lookup(ctx, params.task_id)
        return record.wire("complete")

    async def cancel(self, ctx: RequestScope, params: TaskParams) -> dict[str, Any]:
        record = await self._lookup(ctx, params.task_id)
        if record.status not in TERMINAL:
            run = self.runs.pop(record.task_id, None)
            record.status = "cancelled"
            record.status_message = "cancelled by tasks/cancel"
            record.input_requests = {}
            record.updated = time.time()
            await self.store.update(record)
            self._changed(record)
            if run is not None and run.runner is not None:
                run.runner.cancel()
        return {}

    async def watchable(self, ctx: RequestScope, task_ids: list[str]) -> list[str]:
        """Of ``task_ids`` (a ``subscriptions/listen``'s ``notifications.taskIds``), those
        this client may hear about: known, unexpired and its own.  The others are left out
        of the acknowledgement, the same for unknown and another owner's (no oracle)."""
        owner = owner_of(ctx)
        agreed: list[str] = []
        for task_id in dict.fromkeys(task_ids):
            record = await self.store.get(task_id)
            if record is not None and record.owner == owner:
                agreed.append(task_id)
        return agreed

    async def update(self, ctx: RequestScope, params: UpdateTaskParams) -> dict[str, Any]:
        record = await self._lookup(ctx, params.task_id)
        if record.status != "input_required":
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: task {params.task_id!r} is not waiting for input "
                f"(status {record.status!r})",
            )
        run = self.runs.get(record.task_id)
        if run is None:
            # The handler runs on another worker (a shared store, issue 19): check the
            # answers against the record here, so a bad one is refused to this client, then
            # hand them to that worker.
            forward = getattr(self.store, "forward_inputs", None)
            if forward is not None:
                await forward(record.task_id, _check_remote(record, params.input_responses))
            return {}
        await self.deliver(run, params.input_responses)
        return {}

    async def deliver(self, run: TaskRun, responses: dict[str, Any]) -> None:
        """Hand ``tasks/update`` answers to this process's parked handler."""
        answers: dict[str, Any] = {}
        for key, value in responses.items():
            pending = run.pending.get(key)
            if pending is None or pending.future.done():
                continue  # not outstanding: ignored (SEP-2663 "Task Update Requests")
            try:
                answers[key] = msgspec.convert(value, pending.result_type)
            except msgspec.ValidationError as exc:
                raise RPCError(
                    INVALID_PARAMS, f"Invalid params: inputResponses[{key!r}]: {exc}"
                ) from None
        for key, answer in answers.items():
            pending = run.pending.pop(key)
            pending.future.set_result(answer)
        if answers:
            await self.sync_inputs(run)


# The result each server->client request of an InputRequest expects (2026-07-28 SEP-2322).
_RESULT_TYPES: Final[dict[str, Any]] = {
    "elicitation/create": t.ElicitResult,
    "sampling/createMessage": t.CreateMessageResult,
    "roots/list": t.ListRootsResult,
}


def _check_remote(record: TaskRecord, responses: dict[str, Any]) -> dict[str, Any]:
    """The answers to ``record``'s outstanding requests, each checked against the result
    its method expects; others are ignored (SEP-2663 "Task Update Requests")."""
    out: dict[str, Any] = {}
    for key, value in responses.items():
        request = record.input_requests.get(key)
        if request is None:
            continue
        result_type = _RESULT_TYPES.get(request.method)
        if result_type is not None:
            try:
                msgspec.convert(value, result_type)
            except msgspec.ValidationError as exc:
                raise RPCError(
                    INVALID_PARAMS, f"Invalid params: inputResponses[{key!r}]: {exc}"
                ) from None
        out[key] = value
    return out


async def start_task(ctx: RequestScope) -> bool:
    """``ctx.start_task()``: make a deferred call a task now; False when it cannot be one
    (the client did not negotiate the extension, or the tool is not task-capable)."""
    run = current_run(ctx)
    if run is None:
        return False
    await run.manager.begin(run, ctx)
    await asyncio.sleep(0)  # let the request answer CreateTaskResult first
    return True


async def ask(
    ctx: RequestScope, requests: dict[str, t.InputRequest], types: dict[str, Any]
) -> dict[str, Any] | None:
    """Inside a task: park until answered (None when this call is not a task)."""
    run = current_run(ctx)
    if run is None or not run.is_task:
        return None
    answers: dict[str, Any] = await run.ask(requests, types)
    return answers


async def task_progress(ctx: RequestScope, message: str) -> bool:
    run = current_run(ctx)
    if run is None or not run.is_task:
        return False
    await run.manager.progress(run, message)
    return True
