"""Era bridging for ``ProxyServer`` (layer 4; 2026-07-28 basic/patterns/mrtr.mdx).

A 2026-07-28 backend's ``input_required`` results are answered for a handshake-era front
with real requests to it (``_fulfil``); a handshake-era backend's real requests reach a
2026-07-28 front as ``input_required`` rounds, the backend request parked meanwhile under a
random ``requestState`` for at most ``input_ttl`` seconds (``_park``, ``_resume``); a
2026-07-28 ``subscriptions/listen`` is served by a handshake-era backend's subscriptions
(``_bridge_listen``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.events import RequestReceived
from .._errors import INVALID_PARAMS, RemoteProtocolError, RPCError
from .._io.session import Session
from .._server.stamp import CACHEABLE_METHODS
from .link import Call, Link, Route, split

_STATE_PREFIX: Final = "mcplite-gateway."


class _Parked(msgspec.Struct):
    call: Call
    route: Route
    method: str
    expiry: asyncio.TimerHandle


class BridgeMixin:
    """Mixin: parked calls and era bridging; ``ProxyServer`` provides the state."""

    info: t.Implementation
    input_ttl: float
    request_timeout: float | None
    _parked: dict[str, _Parked]

    async def _resume(self, session: Session, event: RequestReceived, token: str) -> Any:
        parked = self._parked.pop(token, None)
        if parked is None or parked.method != event.method:
            raise RPCError(
                INVALID_PARAMS,
                "Invalid params: requestState names no pending gateway request (expired "
                "after input_ttl, already answered, or for another method); start over",
            )
        parked.expiry.cancel()
        call = parked.call
        route = parked.route
        call.answer(_responses(split(event.params).get("inputResponses")))
        route.session = session
        route.related = lambda: event.id
        route.progress_token = _progress_token(event.params)
        again = False
        try:
            result, again = await self._await_call(call, event, route)
            return result
        finally:
            if not again:
                call.link.routes.discard(route)

    async def _await_call(
        self, call: Call, event: RequestReceived, route: Route | None = None
    ) -> tuple[Any, bool]:
        """The call's result, or an input_required result parking it: (result, parked)."""
        task = call.task
        assert task is not None
        try:
            while not call.asked and not task.done():
                wake = asyncio.ensure_future(call.wake.wait())
                try:
                    await asyncio.wait([task, wake], return_when=asyncio.FIRST_COMPLETED)
                finally:
                    wake.cancel()
                call.wake.clear()
        except BaseException:
            task.cancel()
            raise
        if task.done():
            return _stamped(task.result(), self.info, event.method), False
        if route is None:
            route = next(r for r in call.link.routes if r.call is call)
        return self._park(call, route, event.method), True

    def _park(self, call: Call, route: Route, method: str) -> Any:
        token = _STATE_PREFIX + secrets.token_urlsafe(24)
        requests = {
            key: {"method": m, "params": p if p is not None else {}}
            for key, (m, p) in call.asked.items()
        }
        call.asked = {}
        loop = asyncio.get_running_loop()
        expiry = loop.call_later(self.input_ttl, self._expire, token)
        self._parked[token] = _Parked(call, route, method, expiry)
        return {"resultType": "input_required", "inputRequests": requests, "requestState": token}

    def _expire(self, token: str) -> None:
        parked = self._parked.pop(token, None)
        if parked is not None:
            parked.call.abandon(f"the client did not answer within {self.input_ttl} s")
            parked.call.link.routes.discard(parked.route)

    async def _bridge_listen(
        self, link: Link, route: Route, session: Session, event: RequestReceived
    ) -> Any:
        """A 2026-07-28 subscriptions/listen served by a handshake-era backend: its
        resource subscriptions become resources/subscribe, its list changes the backend's
        unsolicited notifications (2026-07-28 basic/patterns/subscriptions.mdx)."""
        try:
            wanted = msgspec.json.decode(
                event.params or b"{}", type=t.SubscriptionsListenParams
            ).notifications
        except msgspec.ValidationError as exc:
            raise RPCError(INVALID_PARAMS, f"Invalid params: {exc}") from None
        caps = link.client.server_capabilities
        agreed = t.SubscriptionFilter()
        for kind, cap in (("tools", caps.tools), ("prompts", caps.prompts)):
            wants = getattr(wanted, f"{kind}_list_changed") is True
            if wants and cap is not UNSET and cap.list_changed:
                setattr(agreed, f"{kind}_list_changed", True)
        res = caps.resources
        if res is not UNSET:
            if wanted.resources_list_changed is True and res.list_changed:
                agreed.resources_list_changed = True
            if wanted.resource_subscriptions is not UNSET and res.subscribe:
                for uri in wanted.resource_subscriptions:
                    await link.client.request(
                        "resources/subscribe", t.SubscribeParams(uri=uri), t.EmptyResult
                    )
                agreed.resource_subscriptions = list(wanted.resource_subscriptions)
        route.listen_filter = agreed
        meta = {t.META_SUBSCRIPTION_ID: event.id}
        ack = t.SubscriptionsAcknowledgedNotificationParams(notifications=agreed, meta=meta)
        await session.notify("notifications/subscriptions/acknowledged", ack, related=event.id)
        await link.session.closed.wait()  # until cancelled, or the backend goes away
        return t.SubscriptionsListenResult(meta=meta, result_type="complete")

    async def _fulfil(
        self, session: Session, event: RequestReceived, raw: msgspec.Raw, params: Any
    ) -> Any:
        """Answer a 2026-07-28 backend's input_required with real requests to the
        handshake-era front session, and build the retry's params."""
        try:
            result = msgspec.json.decode(raw, type=t.InputRequiredResult)
        except msgspec.ValidationError as exc:
            raise RemoteProtocolError(f"invalid input_required result: {exc}") from None
        requests = result.input_requests if result.input_requests is not UNSET else {}
        keys = list(requests)
        answers = await asyncio.gather(
            *(
                session.request_raw(
                    requests[k].method,
                    requests[k].params if requests[k].params is not UNSET else None,
                    related=event.id,
                    timeout=self.request_timeout,
                )
                for k in keys
            )
        )
        retry = dict(params) if isinstance(params, dict) else split(params)
        retry["inputResponses"] = dict(zip(keys, answers, strict=True))
        if result.request_state is not UNSET:
            retry["requestState"] = result.request_state
        meta = retry.get("_meta")
        if isinstance(meta, dict):
            meta = {k: v for k, v in meta.items() if not k.startswith("io.modelcontextprotocol/")}
            retry["_meta"] = meta
            if not meta:
                del retry["_meta"]
        return retry


def _progress_token(raw: msgspec.Raw | None) -> Any:
    if raw is None or b"progressToken" not in bytes(raw):
        return None
    meta = split(raw).get("_meta")
    token = meta.get("progressToken") if isinstance(meta, dict) else None
    return token if isinstance(token, (str, int)) else None


def _responses(raw: Any) -> dict[str, msgspec.Raw]:
    if raw is None:
        return {}
    try:
        return msgspec.json.decode(raw, type=dict[str, msgspec.Raw])
    except msgspec.ValidationError:
        raise RPCError(INVALID_PARAMS, "Invalid params: inputResponses must be an object") from None


def _stamped(raw: msgspec.Raw, info: t.Implementation, method: str) -> Any:
    """A handshake-era backend's result made a 2026-07-28 one (2026-07-28 schema.ts
    Result.resultType, SEP-2549 cache hints, serverInfo in _meta)."""
    out = split(raw)
    out.setdefault("resultType", "complete")
    if method in CACHEABLE_METHODS:
        out.setdefault("ttlMs", 0)
        out.setdefault("cacheScope", "private")
    meta = out.get("_meta")
    meta = dict(meta) if isinstance(meta, dict) else {}
    meta.setdefault(t.META_SERVER_INFO, info)
    out["_meta"] = meta
    return out
