"""Change notifications: list_changed and resources/updated, both eras (layer 3).

Every change goes through a small pluggable bus (``SubscriptionBus``): the server publishes
``ChangeEvent``s and delivers what the bus hands back to its own sessions.  The in-memory
default delivers to this process; a bus backed by e.g. Redis pub/sub lets several workers
share changes (a worker publishes, every worker delivers to its own clients).

Delivery.  Handshake era (<= 2025-11-25): ``notifications/*/list_changed`` go to every
initialized session; ``notifications/resources/updated`` to sessions that sent
``resources/subscribe`` for the URI.  2026-07-28 (basic/patterns/subscriptions.mdx): only
through an open ``subscriptions/listen`` request, which is acknowledged first
(``notifications/subscriptions/acknowledged``) and whose every notification carries
``_meta["io.modelcontextprotocol/subscriptionId"]`` = the listen request's id.  The listen
request stays open until the client cancels it, or the server ends it gracefully.

Task status (io.modelcontextprotocol/tasks, SEP-2663 "Task Status Notifications"): a listen
whose ``notifications.taskIds`` names tasks of the requesting client hears
``notifications/tasks`` (the full ``DetailedTask``) for them: their current state right
after the acknowledgement (so a change between the ``CreateTaskResult`` and the
acknowledgement is not missed), then every status change, until the task ends.  A listen
left with nothing to deliver once its tasks ended is ended gracefully.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.tasks import TERMINAL, declares_tasks, missing_tasks_data
from .._errors import MISSING_REQUIRED_CLIENT_CAPABILITY, ClientCapabilityError
from .._io.background import spawn
from .._server.context import Context
from .._server.resources import not_found

if TYPE_CHECKING:
    from .._io.session import Session
    from .._server.handle import ServerHandle

log = logging.getLogger(__name__)

LIST_KINDS = ("tools", "prompts", "resources")
_SUBSCRIBED_KEY = "resource_subscriptions"  # Session.state key (handshake era)


class ChangeEvent(msgspec.Struct, frozen=True):
    """``kind`` is "tools", "prompts", "resources" (list changed), "updated" (``uri``) or
    "task" (``task``: the ``notifications/tasks`` params, a task's state after a change)."""

    kind: str
    uri: str | None = None
    task: dict[str, Any] | None = None


Listener = Callable[[ChangeEvent], None]


@runtime_checkable
class SubscriptionBus(Protocol):
    """Carries change events between the workers serving one MCP server (``Server(bus=)``)."""

    def publish(self, event: ChangeEvent) -> None:
        """Send ``event`` to every listener (of every worker sharing the bus)."""
        ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every published event; returns the unsubscribe function."""
        ...


class MemoryBus:
    """The default bus: delivery within this process."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def publish(self, event: ChangeEvent) -> None:
        """Deliver ``event`` to every listener in this process."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken listener must not starve the others
                log.exception("subscription listener failed")

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every published event; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe


class _Listen:
    """One open subscriptions/listen request."""

    __slots__ = ("done", "filter", "id", "sending", "session", "tasks")

    def __init__(self, session: Session, id: int | str, flt: t.SubscriptionFilter) -> None:
        self.session = session
        self.id = id
        self.filter = flt
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Watched task id -> lastUpdatedAt of the latest state sent ("" before the first):
        # a state older than one already sent is not sent, and a task leaves once its
        # terminal state went out.
        self.tasks: dict[str, str] = dict.fromkeys(
            [] if flt.task_ids is UNSET else flt.task_ids, ""
        )
        self.sending = 0  # notifications/tasks being written right now

    def wants(self, event: ChangeEvent) -> bool:
        f = self.filter
        if event.kind == "task":
            return event.task is not None and event.task.get("taskId") in self.tasks
        if event.kind == "updated":
            subs = f.resource_subscriptions
            return subs is not UNSET and event.uri in subs
        return bool(getattr(f, f"{event.kind}_list_changed", False))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Subscriptions:
    """The server's side of the bus: its listens and legacy resource subscriptions."""

    def __init__(self, server: ServerHandle, bus: SubscriptionBus | None = None) -> None:
        self.server = server
        self.bus: SubscriptionBus = bus if bus is not None else MemoryBus()
        self.listens: dict[tuple[int, int | str], _Listen] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Told whenever a listen opens or ends (the mounts: a mounted proxy watches its
        # backend for what the listens want); a listen is acknowledged once it returned.
        self.on_listens: Callable[[], Awaitable[None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self) -> None:
        """Start receiving from the bus (once, on the first connection)."""
        running = _running_loop()
        if running is not None:  # the loop now serving (a Server may serve several in turn)
            self._loop = running
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self.deliver)

    def publish(self, event: ChangeEvent) -> None:
        self.attach()
        self.bus.publish(event)

    # ------------------------------------------------------------------ delivery

    def deliver(self, event: ChangeEvent, *, listens_only: bool = False) -> None:
        """Send ``event`` to the sessions and listens that want it (``listens_only``: to
        the 2026-07-28 listens alone; a mounted proxy's watch, whose handshake-era clients
        hear the backend through their own backend connections)."""
        # A sync tool runs in a worker thread, and user code may publish from any thread
        # (``server.resource_updated(uri)``): sessions live on the serving loop, so hop.
        loop = self._loop
        if loop is not None and _running_loop() is not loop:
            if not loop.is_closed():
                loop.call_soon_threadsafe(lambda: self.deliver(event, listens_only=listens_only))
            return
        if event.kind == "task":
            self._deliver_task(event)
            return
        if event.kind == "updated":
            method = "notifications/resources/updated"
        elif event.kind in LIST_KINDS:
            method = f"notifications/{event.kind}/list_changed"
        else:
            log.debug("ignoring unknown change event %r", event)
            return
        for session in () if listens_only else list(self.server.sessions):
            if session.is_closed:
                self.server.sessions.discard(session)
                continue
            proto = session.protocol
            if proto.protocol_version is None or proto.stateless or proto.state == "new":
                continue  # no handshake on this connection: 2026-07-28 clients use listen
            if not getattr(session.transport, "delivers_changes", True):
                continue  # a shared session: the worker holding its GET stream tells it
            if event.kind == "updated":
                subs = session.state.get(_SUBSCRIBED_KEY)
                if not subs or event.uri not in subs:
                    continue
            session._spawn(session.notify(method, _params(event, None)))
        for listen in list(self.listens.values()):
            if listen.session.is_closed:
                self._drop(listen)
                continue
            if listen.wants(event):
                listen.session._spawn(
                    listen.session.notify(method, _params(event, listen.id), related=listen.id)
                )

    def _deliver_task(self, event: ChangeEvent) -> None:
        for listen in list(self.listens.values()):
            if listen.session.is_closed:
                self._drop(listen)
            elif listen.wants(event):
                assert event.task is not None
                listen.session._spawn(self._send_task(listen, event.task))

    async def _send_task(self, listen: _Listen, task: dict[str, Any]) -> None:
        """One ``notifications/tasks`` on ``listen`` (SEP-2663), in order per task."""
        task_id = task.get("taskId")
        sent = listen.tasks.get(task_id) if isinstance(task_id, str) else None
        updated = task.get("lastUpdatedAt")
        if sent is None or not isinstance(updated, str) or updated < sent:
            return  # not watched (any more), or older than what the client has
        assert isinstance(task_id, str)
        terminal = task.get("status") in TERMINAL
        if terminal:
            del listen.tasks[task_id]
        else:
            listen.tasks[task_id] = updated
        meta = dict(task.get("_meta") or {})
        meta[t.META_SUBSCRIPTION_ID] = listen.id
        listen.sending += 1
        try:
            await listen.session.notify(
                "notifications/tasks", {**task, "_meta": meta}, related=listen.id
            )
        finally:
            listen.sending -= 1
            # Nothing left to deliver: end the listen gracefully (its result follows the
            # notifications on the same stream). Not while another task's terminal state
            # is still being written: the result could overtake it, and a stream that
            # ends with the result loses what comes after.
            ended = not listen.tasks and not listen.sending and _only_tasks(listen.filter)
            if ended and not listen.done.done():
                listen.done.set_result(None)

    def _drop(self, listen: _Listen) -> None:
        if self.listens.pop((id(listen.session), listen.id), None) is not None:
            hook = self.on_listens
            if hook is not None:
                spawn(self._tasks, hook())

    def wanted(self) -> t.SubscriptionFilter:
        """What the open listens want, together."""
        out = t.SubscriptionFilter()
        uris: list[str] = []
        for listen in self.listens.values():
            f = listen.filter
            for kind in LIST_KINDS:
                field = f"{kind}_list_changed"
                if getattr(f, field) is True:
                    setattr(out, field, True)
            if f.resource_subscriptions is not UNSET:
                uris.extend(u for u in f.resource_subscriptions if u not in uris)
        if uris:
            out.resource_subscriptions = uris
        return out

    # ------------------------------------------------------------------ handlers

    async def subscribe(self, ctx: Context, params: t.SubscribeParams) -> t.EmptyResult:
        """resources/subscribe (handshake era)."""
        if not self.server.resources.knows(params.uri):
            raise not_found(ctx, params.uri)
        self.attach()
        ctx.session.state.setdefault(_SUBSCRIBED_KEY, set()).add(params.uri)
        return t.EmptyResult()

    async def unsubscribe(self, ctx: Context, params: t.UnsubscribeParams) -> t.EmptyResult:
        subs = ctx.session.state.get(_SUBSCRIBED_KEY)
        if subs:
            subs.discard(params.uri)
        return t.EmptyResult()

    def honoured(self, wanted: t.SubscriptionFilter) -> t.SubscriptionFilter:
        """The subset of ``wanted`` this server supports (its capabilities)."""
        caps = self.server.capabilities()
        out = t.SubscriptionFilter()
        for kind in LIST_KINDS:
            cap = getattr(caps, kind)
            field = f"{kind}_list_changed"
            if getattr(wanted, field) is True and cap is not UNSET and cap.list_changed:
                setattr(out, field, True)
        res = caps.resources
        if wanted.resource_subscriptions is not UNSET and res is not UNSET and res.subscribe:
            out.resource_subscriptions = list(wanted.resource_subscriptions)
        return out

    async def listen(
        self, ctx: Context, params: t.SubscriptionsListenParams
    ) -> t.SubscriptionsListenResult:
        """subscriptions/listen (2026-07-28): ack, then stay open until cancelled."""
        rid = ctx.request_id
        session = ctx.session
        agreed = self.honoured(params.notifications)
        wanted_tasks = params.notifications.task_ids
        if wanted_tasks is not UNSET and declares_tasks(self.server.capabilities()):
            if not declares_tasks(ctx.client_capabilities):
                raise ClientCapabilityError(
                    MISSING_REQUIRED_CLIENT_CAPABILITY,
                    "Missing required client capability: notifications.taskIds needs the "
                    "io.modelcontextprotocol/tasks extension in the request's "
                    "clientCapabilities (SEP-2663 Task Status Notifications)",
                    missing_tasks_data(),
                )
            task_ids = await self.server.tasks.watchable(ctx, wanted_tasks)
            if task_ids:
                agreed.task_ids = task_ids
        meta = {t.META_SUBSCRIPTION_ID: rid}
        ack = t.SubscriptionsAcknowledgedNotificationParams(notifications=agreed, meta=meta)
        if agreed == t.SubscriptionFilter():
            await session.notify("notifications/subscriptions/acknowledged", ack, related=rid)
            return t.SubscriptionsListenResult(meta=dict(meta))
        self.attach()
        listen = _Listen(session, rid, agreed)
        self.listens[(id(session), rid)] = listen
        try:
            if self.on_listens is not None:
                # Mounted proxies subscribe at their backends first: what changes once the
                # client holds the acknowledgement reaches it.
                await self.on_listens()
            await session.notify("notifications/subscriptions/acknowledged", ack, related=rid)
            if listen.tasks:
                await self._task_snapshot(listen)
            await listen.done  # cancelled by notifications/cancelled or the session closing
        finally:
            self._drop(listen)
        return t.SubscriptionsListenResult(meta=dict(meta))

    async def _task_snapshot(self, listen: _Listen) -> None:
        """The current state of each watched task, right after the acknowledgement."""
        for task_id in list(listen.tasks):
            record = await self.server.tasks.store.get(task_id)
            if record is not None:
                await self._send_task(listen, record.notification())

    def close_all(self) -> int:
        """End every open listen gracefully (each gets its result); returns how many."""
        n = 0
        for listen in list(self.listens.values()):
            if not listen.done.done():
                listen.done.set_result(None)
                n += 1
        return n


def _only_tasks(flt: t.SubscriptionFilter) -> bool:
    """Whether a listen's filter asks for task status and nothing else."""
    return msgspec.structs.replace(flt, task_ids=UNSET) == t.SubscriptionFilter()


def _params(event: ChangeEvent, sub_id: int | str | None) -> Any:
    meta: Any = UNSET if sub_id is None else {t.META_SUBSCRIPTION_ID: sub_id}
    if event.kind == "updated":
        assert event.uri is not None
        return t.ResourceUpdatedNotificationParams(uri=event.uri, meta=meta)
    return t.EmptyNotificationParams(meta=meta) if sub_id is not None else None
