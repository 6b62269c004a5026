"""One backend connection of a gateway, and where its server-initiated traffic goes (layer 4).

A ``Link`` is a ``Client`` connected to the backend whose incoming notifications and
server->client requests are not handled locally but forwarded to a front session: the
``Route`` of the front request (or front session) it currently serves.  Params and results
stay ``msgspec.Raw`` on the way through (DESIGN.md section 4).

This glue needs both a client and a server session, so it lives above layer 3
(``_server`` and ``_client`` never import each other).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._client.client import Client
from .._core.events import NotificationReceived, RequestReceived
from .._errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    ConnectionClosed,
    LocalProtocolError,
    RPCError,
)
from .._io.session import Session

log = logging.getLogger(__name__)

# After a failed connect, the next attempt waits this long, doubling per failure up to
# the maximum; a call arriving sooner fails at once saying when the next attempt is.
DEFAULT_RECONNECT_BACKOFF_SECONDS: Final = 0.1
DEFAULT_MAX_RECONNECT_BACKOFF_SECONDS: Final = 5.0

# What the shared backend connection declares when its backend speaks a handshake-era
# revision: capabilities are fixed at initialize and the front requests it serves vary, so
# it declares everything (each front's own client refuses what it cannot take).
ALL_CLIENT_CAPABILITIES: Final = t.ClientCapabilities(
    roots=t.RootsCapability(list_changed=True),
    sampling=t.SamplingCapability(tools={}, context={}),
    elicitation=t.ElicitationCapability(form={}, url={}),
)

_LIST_KINDS: Final = {
    "notifications/tools/list_changed": "tools_list_changed",
    "notifications/prompts/list_changed": "prompts_list_changed",
    "notifications/resources/list_changed": "resources_list_changed",
}

_RAW_FIELDS = dict[str, msgspec.Raw]  # decoded through types.decoder: built on first use


def split(raw: msgspec.Raw | bytes | None) -> dict[str, Any]:
    """``raw`` params/result as a dict whose values stay raw (a shallow, copy-free decode),
    with ``_meta`` decoded so it can be edited."""
    if raw is None:
        return {}
    out: dict[str, Any] = t.decoder(_RAW_FIELDS).decode(raw)
    meta = out.get("_meta")
    if meta is not None:
        decoded = msgspec.json.decode(meta)
        out["_meta"] = decoded if isinstance(decoded, dict) else {}
    return out


class Backoff:
    """Bounded exponential backoff between failed connection attempts."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self.failures = 0
        self.not_before = 0.0
        self.last_error: BaseException | None = None

    def check(self) -> None:
        wait = self.not_before - time.monotonic()
        if wait > 0:
            raise RPCError(
                INTERNAL_ERROR,
                f"Backend unavailable: connecting failed ({self.last_error}); the next "
                f"attempt is in {wait:.2f} s (reconnect backoff)",
            )

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.last_error = exc
        delay = min(self.initial * 2 ** (self.failures - 1), self.maximum)
        self.not_before = time.monotonic() + delay

    def succeeded(self) -> None:
        self.failures = 0
        self.not_before = 0.0
        self.last_error = None


class Call:
    """A forwarded request whose handshake-era backend asked for client input, bridged to a
    2026-07-28 front as ``input_required`` rounds (2026-07-28 basic/patterns/mrtr.mdx).

    The backend request stays open (``task``); each server->client request it sends
    becomes one ``inputRequests`` entry and waits for the front's retry to answer it.
    """

    __slots__ = ("asked", "link", "n", "task", "waiting", "wake")

    def __init__(self, link: Link) -> None:
        self.link = link
        self.task: asyncio.Task[msgspec.Raw] | None = None
        self.asked: dict[str, tuple[str, msgspec.Raw | None]] = {}
        self.waiting: dict[str, asyncio.Future[Any]] = {}
        self.wake = asyncio.Event()
        self.n = 0

    async def ask(self, method: str, params: msgspec.Raw | None) -> Any:
        self.n += 1
        key = f"input_{self.n}"
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.asked[key] = (method, params)
        self.waiting[key] = fut
        self.wake.set()
        try:
            return await fut
        finally:
            self.waiting.pop(key, None)

    def answer(self, responses: dict[str, msgspec.Raw]) -> None:
        for key, value in responses.items():
            fut = self.waiting.get(key)
            if fut is not None and not fut.done():
                fut.set_result(value)

    def abandon(self, reason: str) -> None:
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(RPCError(INTERNAL_ERROR, reason))
        if self.task is not None:
            self.task.cancel()


class Route:
    """Where a link's server-initiated traffic goes: a front session, the front request it
    relates to (if any), and how to translate on the way."""

    __slots__ = (
        "asks",
        "call",
        "inflight",
        "listen_filter",
        "listen_id",
        "logs",
        "progress_token",
        "related",
        "session",
    )

    def __init__(
        self,
        session: Session,
        related: Callable[[], Any] | None = None,
        *,
        call: Call | None = None,
        logs: bool = True,
    ) -> None:
        self.session = session
        # A dedicated link's front requests in flight: what the backend sends relates to
        # the one request when there is exactly one (a stream transport cannot say).
        self.inflight: dict[Any, None] = {}
        self.related = related if related is not None else self._only_inflight
        self.call = call
        self.logs = logs  # the front request asked for log messages
        # A handshake-era front with a session: it can be sent real requests.
        self.asks = False
        self.progress_token: Any = None
        # A front subscriptions/listen: its id, and (bridging to a handshake-era backend)
        # the filter it asked for.
        self.listen_id: Any = None
        self.listen_filter: t.SubscriptionFilter | None = None

    def _only_inflight(self) -> Any:
        return next(iter(self.inflight)) if len(self.inflight) == 1 else None


class BackendClient(Client):
    """A ``Client`` whose server-initiated traffic goes to its link's route."""

    link: Link

    def capabilities(self) -> t.ClientCapabilities:
        return self.link.declared

    async def _on_request(self, session: Session, event: RequestReceived) -> Any:
        return await self.link.server_request(event)

    def _on_notification(
        self, session: Session, event: NotificationReceived
    ) -> Coroutine[Any, Any, None] | None:
        # Not async: the request the transport read this message for (``related``) is read
        # now, before the session reads on.
        if (
            event.method == "notifications/subscriptions/acknowledged"
            and self.link.own_listen
            and self.link._subscription_route(event.params) is None
        ):
            self._acknowledged(event.params)  # the listen this client opened itself
            return None
        return self.link.notification(event, getattr(session.transport, "related", None))


def _noop() -> None:
    return None


class Link:
    """One backend connection."""

    def __init__(
        self,
        factory: Any,
        *,
        declared: t.ClientCapabilities,
        protocol_version: str | None,
        own_listen: bool,
        request_timeout: float | None,
        name: str,
        version: str,
        live: Client | None = None,
    ) -> None:
        self.declared = declared
        # A dedicated link serving a handshake-era front from a 2026-07-28 backend opens
        # its own subscriptions/listen (list changes, resource subscriptions).
        self.own_listen = own_listen
        self.request_timeout = request_timeout
        callbacks: dict[str, Any] = {}
        if own_listen:
            callbacks = {
                "on_tools_list_changed": _noop,
                "on_prompts_list_changed": _noop,
                "on_resources_list_changed": _noop,
            }
        # A live Client handed to proxy() is taken over: its server-initiated traffic now
        # goes to the gateway's clients; it is the caller's to close.
        self.live = live is not None
        self.client: Client
        if live is not None:
            session = live.session
            if session is None:
                raise ConnectionClosed("the Client is not connected; use it in `async with`")
            session.on_request = lambda _session, event: self.server_request(event)
            session.on_notification = lambda session, event: self.notification(
                event, getattr(session.transport, "related", None)
            )
            self.client = live
        else:
            backend = BackendClient(
                factory,
                name=name,
                version=version,
                protocol_version=protocol_version,
                request_timeout=request_timeout,
                listen=own_listen,
                **callbacks,
            )
            backend.link = self
            self.client = backend
        # A dedicated link serves one handshake-era front session: everything goes there.
        self.dedicated: Route | None = None
        # A shared link serves many front requests at once: these are in flight, and these
        # forwarded listens by the backend's subscription id (its listen request's id).
        self.routes: set[Route] = set()
        self.listens: dict[Any, Route] = {}
        # The routes by the id of the backend request forwarding them: a transport that
        # tells which request a message came for (streamable HTTP: the POST's stream)
        # routes log messages by it.  One that cannot (stdio) carries at most one request
        # that asked for log messages at a time (``log_requests``; the proxy opens more
        # connections, its log lanes, for more).
        self.by_id: dict[Any, Route] = {}
        self.log_requests = 0
        # A watching link: the backend's changes go here (the proxy publishes them).
        self.on_change: Callable[[str, Any], None] | None = None
        # The URI rewrite of the server the proxy is mounted in (resources/updated).
        self.outer_uri: Callable[[str], str] | None = None

    def _subscription_route(self, params: msgspec.Raw | None) -> Route | None:
        """The forwarded front listen a notification's subscription id names, if any."""
        if params is None or b"subscriptionId" not in bytes(params):
            return None
        meta = split(params).get("_meta")
        return self.listens.get(meta.get(t.META_SUBSCRIPTION_ID)) if meta else None

    def _mounted(self) -> bool:
        outer = self.outer_uri
        return outer is not None and outer("") != ""

    async def start(self) -> None:
        if not self.live:
            await self.client.start()

    async def aclose(self) -> None:
        if not self.live:
            await self.client.aclose()

    @property
    def alive(self) -> bool:
        session = self.client.session
        return session is not None and not session.closed.is_set()

    @property
    def relates(self) -> bool:
        """Whether the transport tells which request a message came for."""
        session = self.client.session
        return session is not None and hasattr(session.transport, "related")

    @property
    def stateless(self) -> bool:
        return self.client.stateless

    @property
    def session(self) -> Session:
        session = self.client.session
        if session is None or session.closed.is_set():
            raise ConnectionClosed("the backend connection is closed")
        return session

    # ------------------------------------------------------------------ backend -> front

    async def server_request(self, event: RequestReceived) -> Any:
        """A request from the backend (sampling, elicitation, roots, ping)."""
        if event.method == "ping":
            return t.EmptyResult()
        route = self.dedicated
        if route is not None:
            return await route.session.request_raw(
                event.method, event.params, related=route.related(), timeout=self.request_timeout
            )
        takers = [r for r in self.routes if r.call is not None or r.asks]
        if len(takers) == 1:
            route = takers[0]
            if route.call is not None:
                return await route.call.ask(event.method, event.params)
            return await route.session.request_raw(
                event.method, event.params, related=route.related(), timeout=self.request_timeout
            )
        raise RPCError(
            INVALID_REQUEST,
            f"Invalid Request: {event.method} cannot be forwarded: the gateway cannot tell "
            f"which of the {len(takers)} client requests that can take input it belongs to",
        )

    async def notification(self, event: NotificationReceived, related: Any = None) -> None:
        """A notification from the backend, to the front it belongs to: the dedicated
        session; the listen its subscription id names (rewritten to the front's); the
        bridged listens that asked for it; the request the transport read it for
        (``related``); else the one request in flight that can take it."""
        method = event.method
        params: Any = event.params
        changes = method in _LIST_KINDS or method == "notifications/resources/updated"
        if self.on_change is not None and changes and self._subscription_route(params) is None:
            self.on_change(method, params)  # the link's own listen (or no listen at all)
            if self.stateless:
                return
        if method == "notifications/resources/updated" and self._mounted():
            fields = split(params)
            uri = fields.get("uri")
            if uri is not None:
                inner = msgspec.json.decode(uri)
                if isinstance(inner, str) and self.outer_uri is not None:
                    fields["uri"] = msgspec.Raw(msgspec.json.encode(self.outer_uri(inner)))
            params = msgspec.Raw(msgspec.json.encode(fields))
        if self.dedicated is not None:
            await _send(self.dedicated, method, params)
            return
        data = bytes(params) if params is not None else b""
        if b"subscriptionId" in data:
            fields = split(params)
            meta = fields.get("_meta")
            route = self.listens.get(meta.get(t.META_SUBSCRIPTION_ID)) if meta else None
            if route is not None and meta is not None:
                meta[t.META_SUBSCRIPTION_ID] = route.listen_id
                await _send(route, method, fields)
                return
        if method in _LIST_KINDS or method == "notifications/resources/updated":
            for route in list(self.routes):
                tagged = _for_bridged_listen(route, method, params)
                if tagged is not None:
                    await _send(route, method, tagged)
            return
        route = self.by_id.get(related) if related is not None else None
        if route is not None and route in self.routes:
            await _send(route, method, params)
            return
        wanting = [
            r
            for r in self.routes
            if r.listen_id is None and (method != "notifications/message" or r.logs)
        ]
        if len(wanting) == 1:
            await _send(wanting[0], method, params)
        else:
            log.debug(
                "gateway: %s from the backend matches %d client requests; dropped",
                method,
                len(wanting),
            )


async def _send(route: Route, method: str, params: Any) -> None:
    try:
        await route.session.notify(method, params, related=route.related())
    except LocalProtocolError as exc:
        # A notification the front's revision lacks (e.g. list_changed outside a
        # 2026-07-28 listen): not the front's to receive.
        log.debug("gateway: %s not forwarded: %s", method, exc)
    except (ConnectionClosed, OSError) as exc:
        log.debug("gateway: could not forward %s: %r", method, exc)


def _for_bridged_listen(route: Route, method: str, raw: msgspec.Raw | None) -> Any:
    """A handshake-era backend's list change or resource update, for a front listen that
    asked for it (tagged with its subscription id), or None."""
    flt = route.listen_filter
    if flt is None:
        return None
    fields = split(raw)
    if method in _LIST_KINDS:
        if getattr(flt, _LIST_KINDS[method]) is not True:
            return None
    else:
        uri = fields.get("uri")
        subs = flt.resource_subscriptions
        if uri is None or subs is UNSET or msgspec.json.decode(uri) not in subs:
            return None
    meta = fields.get("_meta")
    fields["_meta"] = {**(meta if isinstance(meta, dict) else {})}
    fields["_meta"][t.META_SUBSCRIPTION_ID] = route.listen_id
    return fields
