"""``Client``'s 2026-07-28 listens (layer 3): the background ``subscriptions/listen`` whose
filter follows the list-changed callbacks and resource subscriptions, and its
acknowledgements; and the tasks listen (io.modelcontextprotocol/tasks, SEP-2663 "Task
Status Notifications"), a second listen naming the tasks being waited on, whose
``notifications/tasks`` wake their handles.

The tasks listen is its own request so that adding a task never interrupts the delivery of
resource updates; it is reopened (once per loop iteration, however many handles started
waiting in it) when a task joins, and left to end when its tasks have: the server ends a
listen with nothing left to deliver.  Until the server acknowledges a task, and after the
listen ended, that task is polled as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.tasks import DetailedTask, declares_tasks
from .._errors import MCPError, RequestTimeout
from .._io.session import Session

log = logging.getLogger(__name__)

Callback = Callable[..., Awaitable[None] | None]


class TaskWatcher(Protocol):
    """What the tasks listen needs of a task handle (``_client/tasks.ToolTask``)."""

    @property
    def task_id(self) -> str | None: ...

    def notified(self, state: DetailedTask) -> None: ...

    def watched(self, agreed: bool) -> None: ...


class ListenMixin:
    """Mixin: list-changed callbacks and the listen; ``Client`` provides the state."""

    session: Session | None
    server_capabilities: t.ServerCapabilities
    request_timeout: float | None
    listen_enabled: bool
    _list_callbacks: dict[str, Callback | None]
    _subscriptions: set[str]
    _listen_task: asyncio.Task[None] | None
    _acked: set[str]
    _ack_event: asyncio.Event
    _listen_id: Any
    _task_watchers: dict[str, TaskWatcher]
    _task_listen: asyncio.Task[None] | None
    _task_listen_ids: set[Any]
    _task_listen_pending: bool

    def _session(self) -> Session:  # pragma: no cover - provided by Client
        raise NotImplementedError

    @property
    def stateless(self) -> bool:  # pragma: no cover - provided by Client
        raise NotImplementedError

    # ------------------------------------------------------------------ list callbacks

    # 2026-07-28 delivers list changes only on a subscriptions/listen that asked for them:
    # assigning a callback after connect() reopens the listen with the new filter, so it
    # works as it does in the handshake era.
    def _hear_server(self) -> None:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def _set_list_callback(self, kind: str, callback: Callback | None) -> None:
        before = self._list_callbacks[kind] is not None
        self._list_callbacks[kind] = callback
        if callback is not None:
            self._hear_server()  # handshake era: the GET stream carries list changes
        if before != (callback is not None) and self._listen_may_restart():
            self._restart_listen()

    def _listen_may_restart(self) -> bool:
        if self.session is None or self.session.closed.is_set() or not self.stateless:
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    @property
    def on_tools_list_changed(self) -> Callback | None:
        return self._list_callbacks["tools"]

    @on_tools_list_changed.setter
    def on_tools_list_changed(self, callback: Callback | None) -> None:
        self._set_list_callback("tools", callback)

    @property
    def on_prompts_list_changed(self) -> Callback | None:
        return self._list_callbacks["prompts"]

    @on_prompts_list_changed.setter
    def on_prompts_list_changed(self, callback: Callback | None) -> None:
        self._set_list_callback("prompts", callback)

    @property
    def on_resources_list_changed(self) -> Callback | None:
        return self._list_callbacks["resources"]

    @on_resources_list_changed.setter
    def on_resources_list_changed(self, callback: Callback | None) -> None:
        self._set_list_callback("resources", callback)

    # ------------------------------------------------------------------ listen (2026-07-28)

    def _listen_filter(self) -> t.SubscriptionFilter | None:
        caps = self.server_capabilities
        f = t.SubscriptionFilter()
        wanted = False
        for attr, cap, flag in (
            ("on_tools_list_changed", caps.tools, "tools_list_changed"),
            ("on_prompts_list_changed", caps.prompts, "prompts_list_changed"),
            ("on_resources_list_changed", caps.resources, "resources_list_changed"),
        ):
            if getattr(self, attr) is not None and cap is not UNSET and cap.list_changed:
                setattr(f, flag, True)
                wanted = True
        if self._subscriptions:
            f.resource_subscriptions = sorted(self._subscriptions)
            wanted = True
        return f if wanted else None

    def _restart_listen(self) -> None:
        """(Re)open the background subscriptions/listen with the current filter."""
        old, self._listen_task = self._listen_task, None
        if old is not None:
            old.cancel()
        self._acked = set()
        if not self.listen_enabled or self.session is None or not self.stateless:
            return
        flt = self._listen_filter()
        if flt is not None:
            self._listen_task = asyncio.get_running_loop().create_task(self._listen(flt))

    async def _wait_acknowledged(self, uri: str) -> None:
        """Wait (bounded by ``request_timeout``) until the open subscriptions/listen is
        acknowledged for ``uri``: updates published before that are not delivered
        (2026-07-28 server/utilities/subscriptions)."""
        if self._listen_task is None:
            return  # listening is off, or the server cannot deliver updates anyway
        res = self.server_capabilities.resources
        if res is UNSET or not res.subscribe:
            return

        async def covered() -> None:
            while uri not in self._acked:
                await self._ack_event.wait()

        try:
            async with asyncio.timeout(self.request_timeout):
                await covered()
        except TimeoutError:
            raise RequestTimeout(
                f"subscriptions/listen: no acknowledgement covering {uri!r} within "
                f"{self.request_timeout} s"
            ) from None

    def _acknowledged(self, raw: msgspec.Raw | None) -> None:
        try:
            p = msgspec.json.decode(
                raw or b"{}", type=t.SubscriptionsAcknowledgedNotificationParams
            )
        except msgspec.ValidationError:
            return
        sub_id = None if p.meta is UNSET else p.meta.get(t.META_SUBSCRIPTION_ID)
        if sub_id is not None and sub_id in self._task_listen_ids:
            agreed = set() if p.notifications.task_ids is UNSET else set(p.notifications.task_ids)
            for task_id, watcher in list(self._task_watchers.items()):
                watcher.watched(task_id in agreed)
            return
        subs = p.notifications.resource_subscriptions
        self._acked = set() if subs is UNSET else set(subs)
        event, self._ack_event = self._ack_event, asyncio.Event()
        event.set()

    async def _listen(self, flt: t.SubscriptionFilter) -> None:
        def record(rid: Any) -> None:
            self._listen_id = rid

        try:
            await self._session().request(
                "subscriptions/listen",
                t.SubscriptionsListenParams(notifications=flt),
                t.SubscriptionsListenResult,
                timeout=None,
                on_id=record,
            )
        except MCPError as exc:
            log.info("subscriptions/listen ended: %s", exc)

    # ------------------------------------------------------------------ tasks listen

    def _watch_task(self, watcher: TaskWatcher) -> bool:
        """Have ``notifications/tasks`` for ``watcher``'s task (SEP-2663); False when
        they cannot come (handshake era, listening off, or the server lacks the tasks
        extension): the handle polls."""
        task_id = watcher.task_id
        if (
            task_id is None
            or not self.listen_enabled
            or not self._listen_may_restart()
            or not declares_tasks(self.server_capabilities)
        ):
            return False
        self._task_watchers[task_id] = watcher
        if not self._task_listen_pending:
            # Handles that start waiting together (a gather of many) share one reopening.
            self._task_listen_pending = True
            asyncio.get_running_loop().call_soon(self._reopen_task_listen)
        return True

    def _unwatch_task(self, watcher: TaskWatcher) -> None:
        task_id = watcher.task_id
        if task_id is not None and self._task_watchers.get(task_id) is watcher:
            del self._task_watchers[task_id]
        # No longer routed to it, so no longer pushed, whether or not the listen's end
        # (the server closes it after a task's terminal state) has been read yet.
        watcher.watched(False)
        if not self._task_watchers and self._task_listen is not None:
            self._task_listen.cancel()
            self._task_listen = None

    def _reopen_task_listen(self) -> None:
        self._task_listen_pending = False
        old, self._task_listen = self._task_listen, None
        if old is not None:
            old.cancel()
        if self._task_watchers and self.session is not None and not self.session.closed.is_set():
            ids = sorted(self._task_watchers)
            self._task_listen = asyncio.get_running_loop().create_task(self._listen_tasks(ids))

    async def _listen_tasks(self, task_ids: list[str]) -> None:
        rid: list[Any] = []

        def record(request_id: Any) -> None:
            rid.append(request_id)
            self._task_listen_ids.add(request_id)

        try:
            await self._session().request(
                "subscriptions/listen",
                t.SubscriptionsListenParams(notifications=t.SubscriptionFilter(task_ids=task_ids)),
                t.SubscriptionsListenResult,
                timeout=None,
                on_id=record,
            )
        except MCPError as exc:
            log.info("subscriptions/listen for tasks ended: %s", exc)
        finally:
            self._task_listen_ids.difference_update(rid)
            if self._task_listen is asyncio.current_task():
                self._task_listen = None
                for task_id in task_ids:  # ended: those still waiting poll again
                    watcher = self._task_watchers.get(task_id)
                    if watcher is not None:
                        watcher.watched(False)

    def _task_notified(self, state: DetailedTask) -> None:
        watcher = self._task_watchers.get(state.task_id)
        if watcher is not None:
            watcher.notified(state)
