"""``proxy(target)``: a ``Server`` that forwards everything to another server (layer 4).

Every request, notification and server->client request is forwarded, both ways, with
params and results kept as ``msgspec.Raw`` (no decode, no re-encode) wherever nothing has
to be rewritten.  Rewritten are only: the per-request ``_meta`` (progress tokens, and the
2026-07-28 protocol version/capabilities the backend connection declares), subscription
ids, and the results of era bridging.

Backend connections.  A handshake-era front session (stdio, an in-memory pair, a stateful
HTTP session) gets a dedicated backend connection for its life, speaking the same revision
where the backend supports it, so session state (log level, subscriptions, roots) and the
server's requests to the client map one to one.  2026-07-28 requests (and handshake-era
requests without a session: stateless HTTP) share one connection, as they share one
server: what the backend sends back finds its request by progress token and subscription
id; a log message or a server->client request (handshake-era backend) goes to the one
request in flight that can take it, and is dropped (refused) when several could.

Era bridging (2026-07-28 basic/patterns/mrtr.mdx).  A 2026-07-28 backend's
``input_required`` results are answered for a handshake-era front by sending it real
requests; a handshake-era backend's real requests reach a 2026-07-28 front as
``input_required`` rounds (the backend request stays open meanwhile, parked under a
random ``requestState`` for at most ``input_ttl`` seconds; the machinery is in ``bridge``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any, Final

import msgspec
from msgspec import UNSET

from .. import types as t
from .._client.client import DEFAULT_MAX_INPUT_ROUNDS, Client
from .._client.connect import connect
from .._core.events import NotificationReceived, RequestReceived
from .._errors import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    REQUEST_TIMEOUT,
    ConnectionClosed,
    MCPError,
    ProtocolError,
    RemoteProtocolError,
    RequestTimeout,
    RPCError,
    TransportError,
)
from .._io.background import spawn
from .._io.session import DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, Session
from .._server.mount import deliver_watched, outer_uri
from .._server.server import Server
from .._server.subscriptions import ChangeEvent
from .bridge import _STATE_PREFIX, BridgeMixin, _Parked, _progress_token
from .link import (
    ALL_CLIENT_CAPABILITIES,
    DEFAULT_MAX_RECONNECT_BACKOFF_SECONDS,
    DEFAULT_RECONNECT_BACKOFF_SECONDS,
    Backoff,
    Call,
    Link,
    Route,
    split,
)

log = logging.getLogger(__name__)

# A 2026-07-28 front has this long to answer an input_required round of a bridged
# handshake-era backend request before that request is cancelled.
DEFAULT_INPUT_TTL_SECONDS: Final = 300.0
DEFAULT_PROXY_NAME: Final = "mcplite-proxy"
# A backend transport that cannot tell which request a log message belongs to (stdio, in
# memory: 2026-07-28 basic/transports/stdio.mdx relates notifications to no request id)
# carries at most one request that asked for log messages at a time; beyond the shared
# connection up to this many more are opened for concurrent ones (log lanes), and further
# ones wait for a free lane.
DEFAULT_MAX_LOG_LANES: Final = 4

_LINK_KEY: Final = "mcplite.gateway.link"
_DEFAULT_CAPABILITIES: Final = t.ServerCapabilities(
    tools=t.ToolsCapability(list_changed=True),
    prompts=t.PromptsCapability(list_changed=True),
    resources=t.ResourcesCapability(subscribe=True, list_changed=True),
    completions={},
    logging={},
)
_CONNECT_KEYS: Final = frozenset(
    {"env", "cwd", "stderr", "headers", "auth", "http_options", "transport", "max_line_bytes"}
)


class ProxyServer(BridgeMixin, Server):
    """A ``Server`` whose every request is answered by a backend (``proxy()``)."""

    def __init__(
        self,
        target: Any,
        *,
        name: str | None = None,
        version: str = "0.0.0",
        connect_options: Mapping[str, Any] | None = None,
        protocol_version: str | None = None,
        reconnect_backoff: float = DEFAULT_RECONNECT_BACKOFF_SECONDS,
        max_reconnect_backoff: float = DEFAULT_MAX_RECONNECT_BACKOFF_SECONDS,
        input_ttl: float = DEFAULT_INPUT_TTL_SECONDS,
        max_log_lanes: int = DEFAULT_MAX_LOG_LANES,
        server: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(name or DEFAULT_PROXY_NAME, version, **options)
        self._named = name is not None
        bad = set(connect_options or {}) - _CONNECT_KEYS
        if bad:
            raise ValueError(
                f"connect_options: unknown option(s) {', '.join(sorted(bad))}; expected "
                f"some of {', '.join(sorted(_CONNECT_KEYS))}"
            )
        self._link_key = f"{_LINK_KEY}.{id(self)}"  # several proxies may be mounted
        self._live = target if isinstance(target, Client) else None
        self._factory: Any = None
        if isinstance(target, Mapping):
            # An mcpServers configuration (with server=NAME) or one entry of it.
            # lazy: client groups only for an mcpServers config
            from .._client.group import entries, entry_client

            if "mcpServers" in target:
                table = entries(target)
                if server not in table:
                    raise ValueError(
                        f"proxy: name the server with server=, one of {', '.join(sorted(table))}"
                    )
                entry_name, entry = server, table[server]
            else:
                entry_name, entry = "entry", target
            self._factory = entry_client(entry_name, entry)._transport_factory
        elif self._live is None:
            # Validated now (a bad target fails here, not on the first request).
            self._factory = connect(target, **dict(connect_options or {}))._transport_factory
        self.target = target
        self.backend_version = protocol_version
        self.input_ttl = input_ttl
        if max_log_lanes < 0:
            raise ValueError(f"max_log_lanes must be >= 0, got {max_log_lanes}")
        self.max_log_lanes = max_log_lanes
        self._lanes: list[Link] = []
        self._lanes_opening = 0
        self._lane_waiters: list[asyncio.Future[None]] = []
        # Mounted: the backend connection watching for what the outer listens want.
        self._watch: Link | None = None
        self._watch_uris: set[str] = set()
        self._watch_wanted = t.SubscriptionFilter()
        self._watch_lock = asyncio.Lock()
        self.backoff = Backoff(reconnect_backoff, max_reconnect_backoff)
        self.backend_capabilities: t.ServerCapabilities | None = None
        self.backend_info: t.Implementation | None = None
        self._shared: asyncio.Future[Link] | None = None
        self._links: set[Link] = set()
        self._parked: dict[str, _Parked] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # The backend tools' inputSchema, as last listed: the HTTP front checks a tools/call's
        # Mcp-Param-* headers against it (2026-07-28 SEP-2243), the backend cannot (stdio).
        self._schemas: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle

    def capabilities(self) -> t.ServerCapabilities:
        """The backend's capabilities (everything, until the backend has been reached)."""
        return self.backend_capabilities or _DEFAULT_CAPABILITIES

    async def start(self) -> None:
        """Connect one backend connection now, to learn the backend's capabilities before
        the first client arrives (``run()`` does this)."""
        link = await self._shared_link()
        if link.client.server_capabilities.tools is not UNSET:
            try:
                self._learn(await link.client.list_all_tools())
            except MCPError as exc:
                log.warning("gateway: cannot list the backend's tools: %s", exc)

    def input_schema_of(self, tool: str) -> Any:
        return self._schemas.get(tool)

    def _learn(self, tools: list[t.Tool]) -> None:
        self._schemas.update((tool.name, tool.input_schema) for tool in tools)

    async def aclose(self) -> None:
        """Close every backend connection and forget parked calls."""
        for parked in list(self._parked.values()):
            parked.expiry.cancel()
            parked.call.abandon("the gateway is closing")
        self._shared = None
        self._lanes = []
        self._watch = None
        self._watch_uris = set()
        self._parked.clear()
        links, self._links = list(self._links), set()
        await asyncio.gather(*(link.aclose() for link in links), return_exceptions=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)

    async def __aenter__(self) -> ProxyServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def run(self, transport: t.TransportName = "stdio", **options: Any) -> None:
        """As ``Server.run``, connecting the backend first."""
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(self.serve_forever(transport, **options))

    async def serve_forever(self, transport: t.TransportName = "stdio", **options: Any) -> None:
        """Connect the backend, serve ``transport`` until done, close the backend."""
        try:
            await self.start()
            if transport == "stdio":
                timeout = options.pop("shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT_SECONDS)
                await self._run_stdio(timeout, **options)
            elif transport in ("streamable-http", "sse", "http"):  # "http": as Server.run
                # lazy: HTTP server stack only for an HTTP transport
                from .._server.streamable_run import serve_http

                await serve_http(self, handle_signals=True, **options)
            else:
                names = ", ".join(map(repr, t.TRANSPORT_NAMES))
                raise ValueError(f"transport must be one of {names}, got {transport!r}")
        finally:
            await self.aclose()

    async def _new_link(
        self, declared: t.ClientCapabilities, version: str | None, own_listen: bool
    ) -> Link:
        if self._live is not None and self._links:
            raise RPCError(
                INTERNAL_ERROR,
                "Backend unavailable: the live Client's connection has closed (a Client "
                "handed to proxy() cannot be reconnected)",
            )
        self.backoff.check()
        link = Link(
            self._factory,
            declared=declared,
            protocol_version=version,
            own_listen=own_listen,
            request_timeout=self.request_timeout,
            name=self.info.name,
            version=self.info.version,
            live=self._live,
        )
        link.outer_uri = self._outer_uri
        try:
            await link.start()
        except (MCPError, OSError) as exc:
            self.backoff.failed(exc)
            raise RPCError(INTERNAL_ERROR, f"Backend unavailable: {exc}") from None
        self.backoff.succeeded()
        self._links.add(link)
        client = link.client
        if self.backend_capabilities is None:
            self.backend_capabilities = client.server_capabilities
            self.backend_info = client.server_info
            if self.instructions is None:
                self.instructions = client.instructions
            if not self._named and client.server_info is not None:
                self.info.name = client.server_info.name
                self.info.version = client.server_info.version
        return link

    async def watch(self, wanted: t.SubscriptionFilter) -> None:
        """Mounted: keep a backend connection listening for what the listens of the
        servers this proxy is mounted in want (list changes; resources, as the backend
        names them), and deliver what it hears to them (``deliver_watched``).  Handshake-era
        clients hear the backend through their own backend connections."""
        await super().watch(wanted)
        self._watch_wanted = wanted
        async with self._watch_lock:
            try:
                await self._rewatch()
            except (MCPError, OSError) as exc:
                log.warning("gateway: cannot watch the backend for changes: %s", exc)

    async def _rewatch(self) -> None:
        wanted = self._watch_wanted
        uris = set(wanted.resource_subscriptions or ())
        lists = any(
            getattr(wanted, f"{kind}_list_changed") is True
            for kind in ("tools", "prompts", "resources")
        )
        if not lists and not uris and (self._watch is None or not self._watch.alive):
            self._watch = None
            return
        if self._live is not None:
            return  # a live Client's connection was opened without a listen of its own
        # The shared connection: a stdio backend's changes happen in the process that
        # serves the 2026-07-28 requests.
        link = await self._shared_link()
        if not link.own_listen:  # mounted after it was opened: open one that listens
            self._shared = None
            link = await self._shared_link()
        if link is not self._watch:
            self._watch, self._watch_uris = link, set()
        for uri in sorted(uris - self._watch_uris):
            await link.client.subscribe_resource(uri)
        for uri in sorted(self._watch_uris - uris):
            await link.client.unsubscribe_resource(uri)
        self._watch_uris = uris
        link.on_change = self._backend_changed if lists or uris else None
        if link.on_change is None:
            self._watch = None

    def _backend_changed(self, method: str, params: msgspec.Raw | None) -> None:
        if method == "notifications/resources/updated":
            raw = split(params).get("uri")
            uri = msgspec.json.decode(raw) if raw is not None else None
            if not isinstance(uri, str):
                return
            deliver_watched(self, ChangeEvent("updated", uri))
        else:
            deliver_watched(self, ChangeEvent(method.split("/")[1]))

    def _outer_uri(self, uri: str) -> str:
        """``uri`` as the clients of the server this proxy is mounted in know it."""
        return outer_uri(self, uri)

    def _drop(self, link: Link) -> None:
        self._links.discard(link)
        self._spawn(link.aclose())

    def _spawn(self, aw: Any) -> None:
        spawn(self._tasks, aw)

    # ------------------------------------------------------------------ dispatch

    async def handle_request(self, session: Session, event: RequestReceived) -> Any:
        if event.answer is not None:
            return await super().handle_request(session, event)
        try:
            client = event.client
            stateful = client is not None and not client.stateless
            if stateful and not session.protocol.assume_initialized and self._live is None:
                return await self._forward_session(session, event)
            return await self._forward_shared(session, event)
        except RPCError:
            raise  # the backend's own answer (or ours, already worded)
        except RequestTimeout as exc:
            raise RPCError(REQUEST_TIMEOUT, f"Request timeout: the backend: {exc}") from None
        except (ConnectionClosed, TransportError) as exc:
            raise RPCError(
                INTERNAL_ERROR, f"Backend unavailable: {exc}; the next request reconnects"
            ) from None
        except ProtocolError as exc:
            raise RPCError(
                INTERNAL_ERROR, f"Invalid response from the backend: {exc.message}"
            ) from None

    async def _on_notification(self, session: Session, event: NotificationReceived) -> None:
        link = session.state.get(self._link_key)
        if isinstance(link, asyncio.Future) and link.done() and not link.exception():
            backend: Link = link.result()
            if backend.alive and not backend.stateless:
                await backend.session.notify(event.method, event.params)
                return
        log.debug("gateway: %s from the client not forwarded", event.method)

    # ------------------------------------------------------------------ dedicated links

    async def _session_link(self, session: Session) -> Link:
        """The backend connection of a handshake-era front session (made on first use)."""
        fut = self._reusable(session.state.get(self._link_key))
        if fut is None:
            fut = session.state[self._link_key] = _opening(self._open_session_link(session))
        return await asyncio.shield(fut)

    def _reusable(self, fut: Any) -> asyncio.Future[Link] | None:
        """``fut``, a backend connection made or being made, if it can serve (a dead one
        is dropped)."""
        if not isinstance(fut, asyncio.Future):
            return None
        if not fut.done():
            return fut
        if fut.cancelled() or fut.exception() is not None:
            return None
        if fut.result().alive:
            return fut
        self._drop(fut.result())
        return None

    async def _open_session_link(self, session: Session) -> Link:
        client = session.protocol.client
        assert client is not None
        version = self.backend_version or session.protocol.protocol_version
        link = await self._new_link(client.capabilities, version, own_listen=True)
        link.dedicated = Route(session)
        session.on_close(lambda: self._drop(link))
        return link

    async def _forward_session(self, session: Session, event: RequestReceived) -> Any:
        link = await self._session_link(session)
        route = link.dedicated
        assert route is not None
        inflight = route.inflight
        inflight[event.id] = None
        try:
            if link.stateless:
                special = await self._session_state_request(link, event)
                if special is not None:
                    return special
            return await self._request(link, route, session, event, link.stateless)
        finally:
            inflight.pop(event.id, None)

    async def _session_state_request(self, link: Link, event: RequestReceived) -> Any:
        """Handshake-era session state kept for a 2026-07-28 backend by its client: the log
        level rides in each request's _meta, subscriptions in its listen."""
        method = event.method
        if method not in ("logging/setLevel", "resources/subscribe", "resources/unsubscribe"):
            return None
        params = split(event.params)
        try:
            value = msgspec.json.decode(params["level" if method[0] == "l" else "uri"])
        except (KeyError, msgspec.DecodeError):
            raise RPCError(INVALID_PARAMS, f"Invalid params: {method}") from None
        if method == "logging/setLevel":
            await link.client.set_log_level(value)
        elif method == "resources/subscribe":
            await link.client.subscribe_resource(value)
        else:
            await link.client.unsubscribe_resource(value)
        return t.EmptyResult()

    # ------------------------------------------------------------------ the shared link

    async def _shared_link(self) -> Link:
        """The backend connection 2026-07-28 requests share (made again after it died)."""
        fut = self._shared = self._reusable(self._shared)
        if fut is None:
            # Mounted: it also listens for the backend's changes itself (``watch``).
            listens = self._mounted_in is not None
            fut = self._shared = _opening(
                self._new_link(ALL_CLIENT_CAPABILITIES, self.backend_version, listens)
            )
        return await asyncio.shield(fut)

    async def _forward_shared(self, session: Session, event: RequestReceived) -> Any:
        params = event.params
        if params is not None and _STATE_PREFIX.encode() in bytes(params):
            state = split(params).get("requestState")
            token = msgspec.json.decode(state) if state is not None else None
            if isinstance(token, str) and token.startswith(_STATE_PREFIX):
                return await self._resume(session, event, token)
        link = await self._shared_link()
        front = event.client
        lane = (
            front is not None
            and front.stateless
            and front.log_level is not None
            and event.method != "subscriptions/listen"
            and not link.relates
            and not link.live
            and link.client.server_capabilities.logging is not UNSET
        )
        if lane:
            link = await self._log_lane(link)
        bridge = not link.stateless and front is not None and front.stateless
        route = Route(
            session,
            lambda: event.id,
            call=Call(link) if bridge else None,
            logs=front is None or not front.stateless or front.log_level is not None,
        )
        route.asks = (
            front is not None and not front.stateless and session.protocol.client is not None
        )
        link.routes.add(route)
        parked = False
        try:
            if event.method == "subscriptions/listen":
                route.listen_id = event.id
                route.call = None
                if bridge:
                    return await self._bridge_listen(link, route, session, event)
                # The backend's listen id, to route its notifications back: the id its
                # session's next request gets (Session.request_raw encodes synchronously).
                link.listens[link.session.protocol._next_id] = route
                return await self._request(link, route, session, event, False)
            call = route.call
            if call is None:
                bridge_inputs = link.stateless and route.asks
                return await self._request(link, route, session, event, bridge_inputs)
            call.task = asyncio.ensure_future(self._request(link, route, session, event, False))
            result, parked = await self._await_call(call, event)
            return result
        finally:
            if lane:
                self._lane_done(link)
            if not parked:
                link.routes.discard(route)
                for key in [k for k, r in link.listens.items() if r is route]:
                    del link.listens[key]

    async def _log_lane(self, shared: Link) -> Link:
        """A backend connection with no request that asked for log messages in flight (the
        shared one, a log lane, or a new lane), counted busy until ``_lane_done``."""
        while True:
            self._lanes = [lane for lane in self._lanes if lane.alive]
            for link in (shared, *self._lanes):
                if link.log_requests == 0:
                    link.log_requests = 1
                    return link
            if len(self._lanes) + self._lanes_opening < self.max_log_lanes:
                self._lanes_opening += 1
                try:
                    link = await self._new_link(
                        ALL_CLIENT_CAPABILITIES, self.backend_version, False
                    )
                finally:
                    self._lanes_opening -= 1
                link.log_requests = 1
                self._lanes.append(link)
                return link
            if self.max_log_lanes == 0 and not self._lanes_opening:
                shared.log_requests += 1  # no lanes: share, and lose what cannot be told apart
                return shared
            waiter = asyncio.get_running_loop().create_future()
            self._lane_waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._lane_waiters.remove(waiter)

    def _lane_done(self, link: Link) -> None:
        link.log_requests -= 1
        for waiter in self._lane_waiters:
            if not waiter.done():
                waiter.set_result(None)
                break

    # ------------------------------------------------------------------ forwarding

    async def _request(
        self,
        link: Link,
        route: Route,
        session: Session,
        event: RequestReceived,
        bridge_inputs: bool,
    ) -> msgspec.Raw:
        """Forward ``event`` over ``link``; with ``bridge_inputs``, answer the backend's
        input_required rounds by asking the front session (handshake-era front)."""
        raw_params = event.params
        route.progress_token = _progress_token(raw_params)
        front = event.client
        same_era = (
            link.stateless
            and front is not None
            and front.protocol_version == link.client.protocol_version
        )
        params = _outgoing(raw_params, link.stateless, route.progress_token is not None, same_era)
        if link.stateless and event.client is not None:
            own = link.session.protocol.client
            assert own is not None
            if event.client.stateless:
                own.capabilities = event.client.capabilities
                own.info = event.client.info
                own.log_level = event.client.log_level

        async def progress(value: float, total: float | None, message: str | None) -> None:
            token = route.progress_token
            if token is None:
                return
            p = t.ProgressNotificationParams(
                progress_token=token,
                progress=value,
                total=UNSET if total is None else total,
                message=UNSET if message is None else message,
            )
            with contextlib.suppress(ConnectionClosed, OSError):
                await route.session.notify("notifications/progress", p, related=route.related())

        on_progress = progress if route.progress_token is not None else None
        timeout = None if event.method == "subscriptions/listen" else self.handler_timeout
        session_out = link.session
        for _ in range(DEFAULT_MAX_INPUT_ROUNDS + 1):
            # The id the backend request gets (Session.request_raw encodes synchronously):
            # what the backend sends for it is routed back by it where the transport says.
            rid = session_out.protocol._next_id
            link.by_id[rid] = route
            try:
                raw = await session_out.request_raw(
                    event.method, params, timeout=timeout, on_progress=on_progress
                )
            finally:
                link.by_id.pop(rid, None)
            if bytes(memoryview(raw)[:1]) != b"{":
                raise RemoteProtocolError(f"the result of {event.method} is not a JSON object")
            if event.method == "tools/list":
                with contextlib.suppress(msgspec.ValidationError, msgspec.DecodeError):
                    self._learn(msgspec.json.decode(raw, type=t.ListToolsResult).tools)
            if not bridge_inputs or b'"input_required"' not in bytes(raw):
                return raw
            params = await self._fulfil(session, event, raw, params)
        raise RPCError(
            INTERNAL_ERROR,
            f"{event.method}: the backend still wanted input after "
            f"{DEFAULT_MAX_INPUT_ROUNDS} rounds",
        )


def _opening(aw: Any) -> asyncio.Future[Link]:
    """A backend connection being made; its failure is reported to whoever awaits it."""
    fut: asyncio.Future[Link] = asyncio.ensure_future(aw)
    fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no warning
    return fut


def _outgoing(
    raw: msgspec.Raw | None, stateless: bool, has_token: bool, same_era: bool = False
) -> Any:
    """The params to send to the backend: ``raw`` itself when nothing needs rewriting
    (``same_era``: a 2026-07-28 request to a backend connection of its revision), else a
    shallow dict without the front's progress token and 2026-07-28 _meta (the backend
    connection adds its own)."""
    if raw is None:
        return None
    data = bytes(raw)
    if b'"_meta"' not in data:
        return raw if not stateless else split(raw)
    if not has_token and (same_era if stateless else b"io.modelcontextprotocol/" not in data):
        return raw  # nothing to rewrite (a 2026-07-28 request keeps its own _meta)
    params = split(raw)
    meta = params.get("_meta")
    if isinstance(meta, dict):
        kept = {
            k: v
            for k, v in meta.items()
            if k != "progressToken" and not k.startswith("io.modelcontextprotocol/")
        }
        if kept:
            params["_meta"] = kept
        else:
            del params["_meta"]
    return params


def proxy(target: Any, *, name: str | None = None, **options: Any) -> ProxyServer:
    """A ``Server`` forwarding everything to ``target`` (anything ``connect()`` accepts:
    a command list, an ``http(s)://`` URL, a ``Server``, an ``mcpServers`` entry or a
    configuration with ``server=NAME``; or a live ``Client``).

    Serve it like any server (``.run()``, ``.run("streamable-http", ...)``, ``serve_http``).
    ``connect_options`` go to ``connect()`` (env, cwd, headers, auth, http_options...);
    ``protocol_version`` pins the revision spoken to the backend; the other options are
    ``Server``'s and ``reconnect_backoff``,
    ``max_reconnect_backoff``, ``input_ttl``.
    """
    return ProxyServer(target, name=name, **options)
