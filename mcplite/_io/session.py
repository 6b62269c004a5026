"""The asyncio driver of a ``Protocol``: a pump between a transport and handlers (layer 3).

Read a payload, ``receive`` it, act on the events: each incoming request's handler starts
eagerly (``_io/eager.py``: answered on the spot if it never suspends, else it becomes its own
task, so a slow handler never blocks reading), each outgoing request waits on a future,
timeouts are timers (not ``wait_for`` tasks), and cancelling the awaiting task sends
``notifications/cancelled`` (2025-11-25 basic/utilities/cancellation.mdx).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from types import EllipsisType
from typing import Any, Final, TypeVar

import msgspec

from .._core import jsonrpc as rpc
from .._core.codec import decode_result
from .._core.events import (
    BatchReceived,
    CancelRequested,
    ErrorReceived,
    MessageDropped,
    NotificationReceived,
    ProgressReceived,
    ReplyReady,
    RequestReceived,
    ResponseReceived,
    SessionReady,
)
from .._core.protocol import Protocol
from .._core.sending import UNUSED
from .._errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    REQUEST_CANCELLED,
    ConnectionClosed,
    MCPError,
    ProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
)
from .._io.eager import eager_start
from .._io.transport import Transport

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_REQUEST_TIMEOUT_SECONDS: Final = 60.0
DEFAULT_MAX_IN_FLIGHT_REQUESTS: Final = 256
# Every session of one server together (stateless HTTP makes a session per POST, so the
# per-session cap alone bounds nothing there); as many as the HTTP server's connections.
DEFAULT_MAX_SERVER_IN_FLIGHT_REQUESTS: Final = 1024
DEFAULT_CLOSE_TIMEOUT_SECONDS: Final = 2.0
# When the peer's input ends, requests already running get this long to finish and have
# their answers written before they are cancelled.  Under 1 s so a stdio server still
# exits promptly after stdin EOF (2025-11-25 basic/lifecycle.mdx "stdio" shutdown).
DEFAULT_DRAIN_TIMEOUT_SECONDS: Final = 0.8
# On SIGTERM/SIGINT (or aclose() of an HTTP server), requests in flight get this long to
# finish.  Here, not in httpserver, so a stdio server's run() does not import the HTTP stack.
DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: Final = 5.0

RequestHandler = Callable[["Session", RequestReceived], Awaitable[Any]]
NotificationHandler = Callable[["Session", NotificationReceived], Awaitable[None] | None]
ProgressCallback = Callable[[float, float | None, str | None], Awaitable[None] | None]


class InFlightBudget:
    """Requests running at once across the sessions sharing it (one per ``Server``)."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = DEFAULT_MAX_SERVER_IN_FLIGHT_REQUESTS) -> None:
        self.limit = limit
        self.used = 0

    def release(self, _task: object = None) -> None:
        self.used -= 1


class Session:
    """One live MCP connection, either role."""

    # Slots: a server holds one per session (over stateless HTTP, one per request), and on
    # Python 3.11 an instance dict of 30 or more keys stops sharing its keys (296 -> 1,584
    # bytes), which the 30th attribute did to every session.
    __slots__ = (
        "__weakref__",
        "_background",
        "_batches",
        "_cancel_reason",
        "_cancel_reasons",
        "_close_callbacks",
        "_closed",
        "_context",
        "_deadlines",
        "_eager_id",
        "_futures",
        "_handed",
        "_handlers",
        "_is_closed",
        "_is_ready",
        "_loop",
        "_progress",
        "_reader",
        "_ready",
        "_stopping",
        "_sweep",
        "_sweep_at",
        "_table",
        "_tokens",
        "budget",
        "close_reason",
        "drain_timeout",
        "in_flight_option",
        "max_in_flight",
        "on_notification",
        "on_request",
        "protocol",
        "request_timeout",
        "state",
        "transport",
    )

    def __init__(
        self,
        protocol: Protocol,
        transport: Transport,
        *,
        on_request: RequestHandler | None = None,
        on_notification: NotificationHandler | None = None,
        request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT_REQUESTS,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT_SECONDS,
        budget: InFlightBudget | None = None,
        in_flight_option: str = "max_in_flight",
    ) -> None:
        self.protocol = protocol
        self.budget = budget
        self.in_flight_option = in_flight_option  # named in the refusal
        self.transport = transport
        self.on_request = on_request
        self.on_notification = on_notification
        self.request_timeout = request_timeout
        self.max_in_flight = max_in_flight
        self.drain_timeout = drain_timeout
        # ``ready`` is made on first use: nothing in mcplite waits on it, and an
        # asyncio.Event is about 760 bytes (its waiter deque) on every session, which
        # over stateless HTTP means every request, and every task still running.
        self._ready: asyncio.Event | None = None
        self._is_ready = False
        # ``closed`` likewise: an HTTP server holds a session per idle client, and most
        # are never waited on (``is_closed`` answers without making one).
        self._closed: asyncio.Event | None = None
        self._is_closed = False
        self.close_reason: BaseException | None = None
        self._futures: dict[rpc.RequestId, asyncio.Future[msgspec.Raw]] = {}
        # Handlers that suspended, by request id: the shared empty table while there are
        # none (most handlers never suspend; an idle session runs none).
        self._handlers: dict[rpc.RequestId, asyncio.Task[None]] = UNUSED
        # The request whose handler is running eagerly right now (before its first
        # suspension it has no task in _handlers yet, but it is being handled).
        self._eager_id: rpc.RequestId | None = None
        # Made with the first one (an empty set is 216 bytes, on every idle session).
        self._background: set[asyncio.Task[Any]] | None = None
        self._batches: dict[int, list[Any]] | None = None  # 2025-03-26 batches only
        self._progress: dict[str | int, ProgressCallback] = {}
        # Request deadlines: one timer per session for the earliest one, instead of a timer
        # per request (no TimerHandle churn on the hot path; see _sweep_deadlines).
        self._deadlines: dict[rpc.RequestId, tuple[float, asyncio.Future[Any], str, float]] = {}
        self._sweep: asyncio.TimerHandle | None = None
        self._sweep_at = math.inf
        self._tokens = 0  # the last progress token handed out
        self._reader: asyncio.Task[None] | None = None
        # The transport hands payloads over (``hand_to``), run in this context: see start().
        self._handed = False
        self._context: contextvars.Context | None = None
        self._stopping = False  # reading stopped on purpose: handlers keep running
        self._cancel_reason: str | None = None  # set: cancelled handlers answer this error
        # The same, for one request (cancel_request); made with the first.
        self._cancel_reasons: dict[Any, str] | None = None
        self.state: dict[str, Any] = {}  # per-session storage for the layers above
        self._close_callbacks: list[Callable[[], None]] | None = None  # made with the first
        self._table: set[Session] | None = None  # leave_on_close()
        # The loop serving us, looked up on the first request: on Python 3.11 every
        # asyncio.get_running_loop() is a getpid() system call.
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def ready(self) -> asyncio.Event:
        """Set once the handshake has completed (the server got
        ``notifications/initialized``, the client its ``initialize`` result)."""
        if self._ready is None:
            self._ready = asyncio.Event()
            if self._is_ready:
                self._ready.set()
        return self._ready

    @property
    def closed(self) -> asyncio.Event:
        """Set once the session has ended (either side closed it); see ``is_closed``."""
        closed = self._closed
        if closed is None:
            closed = self._closed = asyncio.Event()
            if self._is_closed:
                closed.set()
        return closed

    @property
    def is_closed(self) -> bool:
        """Whether the session has ended (``closed.is_set()``, without making the event)."""
        return self._is_closed

    def start(self) -> None:
        """Start reading from the transport (idempotent); ``async with`` does this.  One
        with ``hand_to`` (an HTTP session) hands payloads over itself: no reader task."""
        if self._reader is not None or self._handed:
            return
        hand_to = getattr(self.transport, "hand_to", None)
        if hand_to is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_loop())
            return
        self._handed = True
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()  # as the reader task's would be
        hand_to(self._take, self._hand_failed)

    def _take(self, data: bytes) -> Any:
        """One payload handed over by the transport (``hand_to``): as ``_push``."""
        assert self._context is not None and self._loop is not None
        return self._context.run(self._push, self._loop, data)

    def _unhand(self) -> None:  # stop the handing over (as the reader's end did)
        if self._handed:
            self.transport.hand_to(None)  # type: ignore[attr-defined]

    def _hand_failed(self, exc: BaseException) -> None:
        """Handling a handed-over payload raised: the session ends as its reader would."""
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(exc))

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once, when the session has ended (either side closed it)."""
        if self._is_closed:
            callback()
        elif self._close_callbacks is None:
            self._close_callbacks = [callback]
        else:
            self._close_callbacks.append(callback)

    def leave_on_close(self, table: set[Session]) -> None:
        """Take this session out of ``table`` when it ends: ``on_close`` without a closure
        and a list on every session (a server's table of its sessions)."""
        self._table = table

    async def wait_closed(self) -> None:
        """Wait until the connection has ended (either side closed it)."""
        await self.closed.wait()

    async def aclose(self, timeout: float = DEFAULT_CLOSE_TIMEOUT_SECONDS) -> None:
        """Stop reading, cancel handlers, close the transport; bounded by ``timeout``."""
        self._unhand()
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
        tasks = [*self._handlers.values(), *(self._background or ())]
        for task in tasks:
            task.cancel()
        try:
            async with asyncio.timeout(timeout):
                await self.transport.aclose()
        except (TimeoutError, OSError, MCPError) as exc:
            log.debug("closing the transport failed: %r", exc)
        pending = [t for t in [*tasks, reader] if t is not None and not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        self._connection_lost(ConnectionClosed("the session was closed"))

    def handling(self, id: Any) -> bool:
        """True while the peer's request ``id`` is being handled and not cancelled: once it
        is answered or cancelled nothing more may be sent for it (2025-11-25
        basic/utilities/progress.mdx, 2026-07-28 basic/transports/stdio.mdx)."""
        if id == self._eager_id and id is not None:
            return True
        task = self._handlers.get(id)
        return task is not None and not task.done() and not task.cancelling()

    def cancel_request(self, id: Any, reason: str) -> bool:
        """Cancel the peer's request ``id`` if it is running; it answers -32000 ``reason``."""
        task = self._handlers.get(id)
        if task is None or task.done():
            return False
        if self._cancel_reasons is None:
            self._cancel_reasons = {}
        self._cancel_reasons[id] = reason
        task.cancel()
        return True

    async def cancel_in_flight(self, reason: str, timeout: float = 1.0) -> None:
        """Cancel every running handler, each answering -32000 ``reason`` (not silence)."""
        self._cancel_reason = reason
        tasks = list(self._handlers.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)  # they write their answers

    async def shutdown(self, timeout: float, reason: str = "the server is shutting down") -> None:
        """Graceful end: stop reading, let running handlers finish within ``timeout``,
        cancel the rest with an error answer, then close."""
        self._stopping = True
        self._unhand()
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
            await asyncio.wait([reader])
        pending = list(self._handlers.values())
        if pending and timeout > 0:
            await asyncio.wait(pending, timeout=timeout)
        if self._handlers:
            await self.cancel_in_flight(
                f"{reason[:1].upper()}{reason[1:]}: the request was still running after "
                f"{timeout} s (shutdown_timeout)"
            )
        await self.aclose()

    async def __aenter__(self) -> Session:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _connection_lost(self, exc: BaseException) -> None:
        if self._is_closed:
            return
        self._is_closed = True
        self.close_reason = exc
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        self.protocol.connection_lost()
        for fut in self._futures.values():
            if not fut.done():
                fut.set_exception(ConnectionClosed(str(exc) or "the connection closed"))
        self._futures.clear()
        for task in self._handlers.values():
            task.cancel()
        if self._closed is not None:
            self._closed.set()
        table, self._table = self._table, None
        if table is not None:
            table.discard(self)
        callbacks, self._close_callbacks = self._close_callbacks, None
        for callback in callbacks or ():
            try:
                callback()
            except Exception:
                log.exception("a session close callback raised")

    # ------------------------------------------------------------------ reading

    async def _read_loop(self, failed: BaseException | None = None) -> None:
        reason: BaseException = ConnectionClosed("the peer closed the connection")
        try:
            if failed is not None:
                raise failed  # from a transport handing payloads over (_hand_failed)
            push_to = getattr(self.transport, "push_to", None)
            if push_to is not None:
                # The lean path (stdio): the transport hands each payload over from its
                # read callback, and a handler that never suspends is answered there, with
                # no task switch between reading a request and writing its answer.
                loop = asyncio.get_running_loop()
                run = contextvars.copy_context().run
                await push_to(functools.partial(run, self._push, loop))  # type: ignore[call-arg]
            else:
                await self._pull()
        except ConnectionClosed as exc:
            reason = exc
            await self._drain_in_flight()
        except (OSError, MCPError) as exc:
            reason = ConnectionClosed(f"the connection failed: {exc!r}")
            log.debug("session reader stopped", exc_info=True)
        finally:
            if not self._stopping:  # shutdown() ends the session itself, later
                self._connection_lost(reason)

    async def _pull(self) -> None:
        receive = self.transport.receive
        while True:
            try:
                data = await receive()
            except RemoteProtocolError as exc:
                # One bad frame (e.g. an over-long stdio line): answer, keep reading.
                await self._bad_frame(exc)
                continue
            rest = self._payload(data)
            if rest is not None:
                await rest

    def _push(self, loop: asyncio.AbstractEventLoop, item: bytes | Exception) -> Any:
        """One payload from a pushing transport: None when it is fully handled, else the
        task finishing it (the transport reads on once that is done)."""
        if isinstance(item, bytes):
            rest = self._payload(item)
        elif isinstance(item, RemoteProtocolError):
            rest = self._bad_frame(item)
        else:
            raise item
        if rest is None:
            return None
        return eager_start(loop, rest, contextvars.copy_context())

    def _payload(self, data: bytes) -> Coroutine[Any, Any, None] | None:
        """Act on one payload's events; what must be awaited before the next payload (an
        answer written before reading on, in order with the events after it) comes back
        as a coroutine."""
        events = self.protocol.receive(data)
        for i, event in enumerate(events):
            pending = self._event(event)
            if pending is not None:
                return self._finish(pending, events, i + 1)
        return None

    async def _finish(self, pending: Awaitable[None], events: list[Any], start: int) -> None:
        await pending
        for event in events[start:]:
            pending_next = self._event(event)
            if pending_next is not None:
                await pending_next

    def _event(self, event: Any) -> Awaitable[None] | None:
        kind = type(event)
        if kind is RequestReceived:
            # A refusal comes back to be answered before reading on: a peer flooding us
            # with requests while not reading our answers stops being read (bounded).
            return self._start_handler(event)
        if kind is ResponseReceived:
            fut = self._futures.get(event.id)
            if fut is not None and not fut.done():
                fut.set_result(event.result)
            return None
        if kind is ReplyReady:
            if event.batch:
                return self._batch_part(event.batch, event.data)
            return self.transport.send(event.data, event.id)
        self._other_event(event)
        return None

    async def _bad_frame(self, exc: RemoteProtocolError) -> None:
        """Answer a frame the transport could not deliver.  An over-long stdio line whose
        first bytes name an ``id`` is answered for that id (a request) or fails the request
        waiting for it (a response), so nobody waits out a timeout for it."""
        salvaged: list[tuple[Any, bool]] = getattr(exc, "salvaged", None) or [(None, False)]
        for msg_id, is_request in salvaged:
            if msg_id is not None and is_request:
                data = rpc.encode_error(
                    msg_id,
                    INVALID_REQUEST,
                    f"Invalid Request: the message is too large ({exc.message}; the "
                    "receiver's max_line_bytes)",
                )
            elif msg_id is not None and msg_id in self._futures:
                self.fail_request(
                    msg_id,
                    RemoteProtocolError(
                        f"the response to request {msg_id!r} is too large ({exc.message}); "
                        "raise max_line_bytes (connect(..., max_line_bytes=))"
                    ),
                )
                continue
            else:
                data = rpc.encode_error(None, exc.code, exc.message)
            await self.transport.send(data)

    async def _drain_in_flight(self) -> None:
        """The peer's input ended: let running handlers finish (and write their answers)
        for up to ``drain_timeout`` seconds; whatever is still running is then cancelled
        by ``_connection_lost``."""
        pending = [*self._handlers.values(), *(self._background or ())]
        if pending and self.drain_timeout > 0:
            await asyncio.wait(pending, timeout=self.drain_timeout)

    def _other_event(self, event: Any) -> None:
        kind = type(event)
        if kind is ErrorReceived:
            fut = self._futures.get(event.id)
            if fut is not None and not fut.done():
                fut.set_exception(event.error)
        elif kind is NotificationReceived:
            if self.on_notification is not None:
                res = self.on_notification(self, event)
                if res is not None:
                    self._spawn_bounded(res, event.method)
        elif kind is CancelRequested:
            task = self._handlers.get(event.id)
            if task is not None:
                log.debug("request %r cancelled by the peer: %s", event.id, event.reason)
                task.cancel()
        elif kind is ProgressReceived:
            cb = self._progress.get(event.token)
            if cb is not None:
                res = cb(event.progress, event.total, event.message)
                if res is not None:
                    self._spawn_bounded(res, "a progress callback")
        elif kind is SessionReady:
            self._is_ready = True
            if self._ready is not None:
                self._ready.set()
        elif kind is BatchReceived and event.size:
            if self._batches is None:
                self._batches = {}
            self._batches[event.n] = [event.size]
        elif kind is MessageDropped:
            log.debug("dropping %s", event.reason)

    def _spawn_bounded(self, aw: Awaitable[Any], what: str) -> None:
        # A peer flooding notifications faster than their handlers finish: beyond
        # max_in_flight running at once, further ones are dropped (awaiting them here could
        # deadlock a handler that waits for a response this reader must read).
        background = self._background
        if background is not None and len(background) >= self.max_in_flight:
            log.debug("%d notification handlers running: %s dropped", len(background), what)
            if inspect.iscoroutine(aw):
                aw.close()
            return
        self._spawn(aw)

    def _spawn(self, aw: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(aw)
        background = self._background
        if background is None:
            background = self._background = set()
        background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Future[Any]) -> None:
        # Every background task's outcome is retrieved: a notification to a peer that has
        # just gone is routine, anything else is a bug worth a log line.
        if self._background is not None:
            self._background.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, (ConnectionClosed, OSError)):
            log.debug("background send failed: %r", exc)
        elif exc is not None:
            log.error("a background task of the session failed", exc_info=exc)

    async def _batch_part(self, n: int, data: bytes) -> None:
        batches = self._batches
        parts = batches.get(n) if batches is not None else None
        if batches is None or parts is None:  # pragma: no cover - always announced first
            await self.transport.send(data)
            return
        parts.append(data)
        if len(parts) - 1 == parts[0]:
            del batches[n]
            await self.transport.send(rpc.encode_batch(parts[1:]))

    # ------------------------------------------------------------------ handling

    def _start_handler(self, event: RequestReceived) -> Awaitable[None] | None:
        """Start the handler, or return the refusal to send (awaited by the reader)."""
        budget = self.budget
        if self.on_request is None:
            return self._refuse(event, -32601, f"Method not found: {event.method}")
        if len(self._handlers) >= self.max_in_flight:
            return self._refuse(
                event,
                INTERNAL_ERROR,
                f"{self.protocol.role.capitalize()} busy: {self.max_in_flight} requests "
                "already in flight in this session "
                f"({self.in_flight_option}); retry later",
            )
        if budget is not None and budget.used >= budget.limit:
            return self._refuse(
                event,
                INTERNAL_ERROR,
                f"Server busy: {budget.limit} requests already in flight on this server "
                "(max_in_flight_total); retry later",
            )
        # Eager dispatch: run the handler right here until it first suspends; one that
        # never does is answered now, with no task and no scheduled callback.
        answered: list[bool] = [False]  # set by _run_handler once the answer is made
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        outer, self._eager_id = self._eager_id, event.id
        try:
            task = eager_start(
                loop,
                self._run_handler(event, answered),
                contextvars.copy_context(),
            )
        finally:
            self._eager_id = outer
        if task is None:
            return None
        if not answered[0]:
            # Not when the handler finished eagerly and only its reply suspended: it has
            # already left _handlers, and nothing would take it out again.
            handlers = self._handlers
            if handlers is UNUSED:
                handlers = self._handlers = {}
            handlers[event.id] = task
        if budget is not None:
            # A done callback, not a finally: a task cancelled before its first step never
            # runs its body.
            budget.used += 1
            task.add_done_callback(budget.release)
        return None

    async def _refuse(self, event: RequestReceived, code: int, message: str) -> None:
        await self._reply(event, self.protocol.respond_error(event.id, code, message))

    async def _run_handler(self, event: RequestReceived, answered: list[bool]) -> None:
        assert self.on_request is not None
        proto = self.protocol
        try:
            result = await self.on_request(self, event)
        except asyncio.CancelledError:
            answered[0] = True
            self._handled(event.id)
            reasons = self._cancel_reasons
            reason = reasons.pop(event.id, None) if reasons is not None else None
            reason = reason or self._cancel_reason
            if reason is None:
                proto.respond_error(event.id, REQUEST_CANCELLED, "cancelled")  # bookkeeping
                raise
            await self._reply(event, proto.respond_error(event.id, REQUEST_CANCELLED, reason))
            raise
        except RPCError as exc:
            data = proto.respond_error(event.id, exc.code, exc.message, _data(exc.data))
        except ProtocolError as exc:
            data = proto.respond_error(event.id, exc.code, exc.message, _data(exc.data))
        except Exception:
            log.debug("handler for %s raised", event.method, exc_info=True)
            data = proto.respond_error(event.id, INTERNAL_ERROR, "Internal error")
        else:
            data = proto.respond(event.id, result)
        answered[0] = True
        self._handled(event.id)
        await self._reply(event, data)

    def _handled(self, id: rpc.RequestId) -> None:
        handlers = self._handlers
        if handlers:
            handlers.pop(id, None)
            if not handlers:
                self._handlers = UNUSED  # gives its table back: an idle session keeps none

    async def _reply(self, event: RequestReceived, data: bytes) -> None:
        try:
            if event.batch:
                await self._batch_part(event.batch, data)
            else:
                await self.transport.send(data, event.id)
        except (ConnectionClosed, OSError) as exc:
            log.debug("could not answer %s: %r", event.method, exc)

    # ------------------------------------------------------------------ sending

    async def notify(
        self, method: str, params: Any = None, related: rpc.RequestId | None = None
    ) -> None:
        """Send notification ``method``; ``related`` ties it to a request being answered."""
        await self.transport.send(self.protocol.notify(method, params), related)

    async def request(
        self,
        method: str,
        params: Any,
        result_type: type[T],
        *,
        timeout: float | EllipsisType | None = ...,
        on_progress: ProgressCallback | None = None,
        related: rpc.RequestId | None = None,
        on_id: Callable[[rpc.RequestId], None] | None = None,
    ) -> T:
        """Send request ``method`` and decode its result as ``result_type``; ``on_id`` is
        told the request's id before it is sent (e.g. to recognise what the peer sends
        tied to it)."""
        raw = await self.request_raw(
            method, params, timeout=timeout, on_progress=on_progress, related=related, on_id=on_id
        )
        return decode_result(result_type, raw)

    async def request_raw(
        self,
        method: str,
        params: Any,
        *,
        timeout: float | EllipsisType | None = ...,
        on_progress: ProgressCallback | None = None,
        related: rpc.RequestId | None = None,
        on_id: Callable[[rpc.RequestId], None] | None = None,
    ) -> msgspec.Raw:
        if self._is_closed:
            raise ConnectionClosed(f"cannot send {method}: the session is closed")
        token: int | None = None
        if on_progress is not None:
            token = self._tokens = self._tokens + 1
            self._progress[token] = on_progress
        id, data = self.protocol.request(method, params, progress_token=token)
        if on_id is not None:
            on_id(id)
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        fut: asyncio.Future[msgspec.Raw] = loop.create_future()
        self._futures[id] = fut
        if timeout is ...:
            timeout = self.request_timeout
        if timeout:
            deadline = loop.time() + timeout
            self._deadlines[id] = (deadline, fut, method, timeout)
            if deadline < self._sweep_at:
                self._schedule_sweep(loop, deadline)
        try:
            await self.transport.send(data, related)
            return await fut
        except asyncio.CancelledError:
            self._cancel_remote(id, "the caller cancelled the request")
            raise
        except RequestTimeout:
            self._cancel_remote(id, f"timed out after {timeout} s")
            raise
        finally:
            self._deadlines.pop(id, None)
            self._futures.pop(id, None)
            if token is not None:
                self._progress.pop(token, None)

    def _schedule_sweep(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
        self._sweep_at = when
        self._sweep = loop.call_at(when, self._sweep_deadlines, loop)

    def _sweep_deadlines(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fail the requests whose deadline passed; re-arm for the next earliest one."""
        self._sweep = None
        self._sweep_at = math.inf
        # A timer may fire a hair before its time (clock resolution): allow 1 ms.
        now = loop.time() + 0.001
        nearest = math.inf
        for deadline, fut, method, timeout in list(self._deadlines.values()):
            if fut.done():
                continue
            if deadline <= now:
                _expire(fut, method, timeout)
            elif deadline < nearest:
                nearest = deadline
        if nearest < math.inf and not self._is_closed:
            self._schedule_sweep(loop, nearest)

    def fail_request(self, id: rpc.RequestId, exc: BaseException) -> None:
        """Fail our pending request ``id`` with ``exc``: for transports that learn of a
        failure out of band (streamable HTTP: an error status on the POST that carried it)."""
        fut = self._futures.get(id)
        if fut is not None and not fut.done():
            self.protocol.forget(id)
            fut.set_exception(exc)

    def _cancel_remote(self, id: rpc.RequestId, reason: str) -> None:
        if self._is_closed:
            return
        try:
            data = self.protocol.cancel(id, reason)
        except ProtocolError:  # initialize cannot be cancelled: just forget it
            self.protocol.forget(id)
            return
        self._spawn(self._send_quietly(data))

    async def _send_quietly(self, data: bytes) -> None:
        try:
            await self.transport.send(data)
        except (ConnectionClosed, OSError) as exc:
            log.debug("could not send: %r", exc)


def _expire(fut: asyncio.Future[Any], method: str, timeout: float) -> None:
    if not fut.done():
        fut.set_exception(RequestTimeout(f"{method}: no answer within {timeout} s"))


def _data(value: Any) -> Any:
    return msgspec.UNSET if value is None else value
