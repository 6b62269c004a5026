"""``Client``'s 2026-07-28 listen: the background ``subscriptions/listen`` whose filter
follows the list-changed callbacks and resource subscriptions, and its acknowledgements
(layer 3)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import msgspec
from msgspec import UNSET

from .. import types as t
from .._errors import MCPError, RequestTimeout
from .._io.session import Session

log = logging.getLogger(__name__)

Callback = Callable[..., Awaitable[None] | None]


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

    def _session(self) -> Session:  # pragma: no cover - provided by Client
        raise NotImplementedError

    @property
    def stateless(self) -> bool:  # pragma: no cover - provided by Client
        raise NotImplementedError

    # ------------------------------------------------------------------ list callbacks

    # 2026-07-28 delivers list changes only on a subscriptions/listen that asked for them:
    # assigning a callback after connect() reopens the listen with the new filter, so it
    # works as it does in the handshake era.
    def _set_list_callback(self, kind: str, callback: Callback | None) -> None:
        before = self._list_callbacks[kind] is not None
        self._list_callbacks[kind] = callback
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
            await asyncio.wait_for(covered(), self.request_timeout)
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
        subs = p.notifications.resource_subscriptions
        self._acked = set() if subs is UNSET else set(subs)
        event, self._ack_event = self._ack_event, asyncio.Event()
        event.set()

    async def _listen(self, flt: t.SubscriptionFilter) -> None:
        try:
            await self._session().request(
                "subscriptions/listen",
                t.SubscriptionsListenParams(notifications=flt),
                t.SubscriptionsListenResult,
                timeout=None,
            )
        except MCPError as exc:
            log.info("subscriptions/listen ended: %s", exc)
