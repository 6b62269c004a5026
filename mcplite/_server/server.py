"""``Server``: registries, decorators, dispatch, sessions (layer 3).

One ``Server`` serves both eras on every transport: the protocol core tells each request's
era, the handlers are the same, and era differences (``resultType``, server info in
``_meta``, input_required instead of server->client requests) are applied here and in
``_mrtr``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.codec import decode_params
from .._core.events import NotificationReceived, RequestReceived
from .._core.pagination import DEFAULT_PAGE_SIZE
from .._core.peerjson import DEFAULT_MAX_JSON_DEPTH
from .._core.protocol import SERVER_ROLE, Protocol
from .._errors import METHOD_NOT_FOUND, REQUEST_TIMEOUT, RPCError
from .._io.session import (
    DEFAULT_DRAIN_TIMEOUT_SECONDS,
    DEFAULT_MAX_IN_FLIGHT_REQUESTS,
    DEFAULT_MAX_SERVER_IN_FLIGHT_REQUESTS,
    DEFAULT_REQUEST_TIMEOUT_SECONDS,
    DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
    InFlightBudget,
    Session,
)
from .._io.transport import Transport
from .._server.completion import CompletionRegistry
from .._server.context import Context
from .._server.input import (
    DEFAULT_MAX_REQUEST_STATE_BYTES,
    DEFAULT_REQUEST_STATE_TTL_SECONDS,
    InputRequired,
    restore,
)
from .._server.mount import METHODS as MOUNT_METHODS, Mounts
from .._server.prompts import PromptRegistry
from .._server.registration import Registration
from .._server.resources import ResourceRegistry
from .._server.routes import Handler, core_routes
from .._server.stamp import CACHEABLE_METHODS, CacheHint, CacheScope, stamp
from .._server.subscriptions import ChangeEvent, MemoryBus, SubscriptionBus, Subscriptions
from .._server.tasks import (
    DEFAULT_MAX_TASKS,
    DEFAULT_TASK_POLL_INTERVAL_SECONDS,
    DEFAULT_TASK_TTL_SECONDS,
    TaskManager,
    TaskStore,
)
from .._server.tools import ToolRegistry

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

# Coalesce bursts of registry changes into one list_changed per session.
DEFAULT_LIST_CHANGED_DEBOUNCE_SECONDS: Final = 0.01
# Streamable HTTP, handshake era: 2025-11-25 basic/transports says a disconnection SHOULD
# NOT be taken as cancellation (the client may resume with Last-Event-ID), so a call runs on
# after its client dropped the stream -- for five minutes at most (a reconnect after a
# network change fits), so a client that never comes back does not hold its handler and
# session forever.
DEFAULT_ABANDONED_CALL_TIMEOUT_SECONDS: Final = 300.0

Middleware = Callable[[Context, Callable[[], Awaitable[Any]]], Awaitable[Any]]


class _Route(msgspec.Struct):
    params_type: Any
    handler: Handler
    # Whether params of this type can carry requestState/inputResponses (2026-07-28
    # multi-round-trip): only then does a request look for them.
    restores: bool = False


def _restores(params_type: Any) -> bool:
    fields = getattr(params_type, "__struct_fields__", None)
    if fields is None:
        return params_type is not None  # not a Struct (a dict, a custom type): look
    return "request_state" in fields or "input_responses" in fields


# The requests the protocol core answers itself, and their params types.
_CORE_PARAMS: Final[dict[str, Any]] = {
    "initialize": t.InitializeParams,
    "ping": t.PingParams,
    "server/discover": t.DiscoverParams,
}


def _answered(answer: Any) -> Handler:
    async def handler(ctx: Context, params: Any) -> Any:
        return answer

    return handler


class Server(Registration):
    """An MCP server.  Register tools, resources and prompts, then ``run()`` it."""

    def __init__(
        self,
        name: str,
        version: str = "0.0.0",
        *,
        title: str | None = None,
        description: str | None = None,
        instructions: str | None = None,
        icons: list[t.Icon] | None = None,
        website_url: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT_REQUESTS,
        expose_errors: bool = False,
        state_key: bytes | str | None = None,
        list_changed_debounce: float = DEFAULT_LIST_CHANGED_DEBOUNCE_SECONDS,
        logging: bool = True,
        bus: SubscriptionBus | None = None,
        request_state_ttl: float = DEFAULT_REQUEST_STATE_TTL_SECONDS,
        max_request_state_bytes: int = DEFAULT_MAX_REQUEST_STATE_BYTES,
        drain_timeout: float = DEFAULT_DRAIN_TIMEOUT_SECONDS,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
        max_in_flight_total: int = DEFAULT_MAX_SERVER_IN_FLIGHT_REQUESTS,
        handler_timeout: float | None = None,
        abandoned_call_timeout: float | None = DEFAULT_ABANDONED_CALL_TIMEOUT_SECONDS,
        lifespan: Callable[[Any], Any] | None = None,
        task_store: TaskStore | None = None,
        task_ttl: float | None = DEFAULT_TASK_TTL_SECONDS,
        task_poll_interval: float = DEFAULT_TASK_POLL_INTERVAL_SECONDS,
        max_tasks: int = DEFAULT_MAX_TASKS,
        store: Any = None,
    ) -> None:
        # Sessions, replay and change notifications shared by several workers (a Store of
        # _server/store.py, e.g. RedisStore); None keeps them in this process.
        self.store = store
        # lifespan(server) -> async context manager; its value is ctx.lifespan (_server/lifespan).
        self.lifespan = lifespan
        self.lifespan_state: Any = None
        self.lifespan_entered = False
        self.info = t.Implementation(
            name=name,
            version=version,
            title=UNSET if title is None else title,
            description=UNSET if description is None else description,
            icons=UNSET if icons is None else icons,
            website_url=UNSET if website_url is None else website_url,
        )
        self.instructions = instructions
        self.page_size = page_size
        self.request_timeout = request_timeout
        self.max_in_flight = max_in_flight
        # Every session together, stateless HTTP included (one session per POST there).
        self.in_flight = InFlightBudget(max_in_flight_total)
        # The handlers every session calls, bound once: a bound method made per accept()
        # is 64 bytes on every session, idle ones included.
        self._session_handlers = (self.handle_request, self._on_notification)
        # Longest a request handler may run before it is cancelled and answered -32003
        # (None: no limit); a tool's own ``timeout=`` wins.
        self.handler_timeout = handler_timeout
        # Streamable HTTP, handshake era: how long a call runs on after its client dropped
        # the POST's SSE stream and did not resume it; then it is cancelled (None: never).
        self.abandoned_call_timeout = abandoned_call_timeout
        # Deepest JSON nesting accepted from a client (every transport; peerjson).
        self.max_json_depth = max_json_depth
        self.list_changed_debounce = list_changed_debounce
        # Key for sealing 2026-07-28 requestState (HMAC); share it across workers.
        self.state_key = state_key
        # 2026-07-28 requestState: how long a sealed state stays valid, and the longest
        # one accepted back from a client.
        self.request_state_ttl = request_state_ttl
        self.max_request_state_bytes = max_request_state_bytes
        # In-flight requests get this long to finish when a connection's input ends.
        self.drain_timeout = drain_timeout
        self.tools = ToolRegistry(expose_errors=expose_errors)
        self.resources = ResourceRegistry()
        self.prompts = PromptRegistry()
        self.completions = CompletionRegistry()
        # list_changed / resources/updated delivery; pass a shared bus for several workers.
        self.subscriptions = Subscriptions(self, bus)
        self.sessions: set[Session] = set()
        self._routes: dict[str, _Route] = {}
        self._notification_handlers: dict[str, Callable[[Session, Any], Awaitable[None]]] = {}
        self._middleware: list[Middleware] = []
        self._cache_hints: dict[str, CacheHint] = {}
        self._caps: t.ServerCapabilities | None = None
        # Capabilities to advertise even with nothing registered.  Any handler can log
        # through ctx.log, so logging is on unless turned off.
        self._features: set[str] = {"logging"} if logging else set()
        self._changed: dict[str, asyncio.TimerHandle] = {}
        self._extensions: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        # Servers mounted here (mount()), and where this one is mounted.
        self.mounts: Mounts | None = None
        self._mounted_in: tuple[Server, str] | None = None
        # Tasks (io.modelcontextprotocol/tasks, SEP-2663): records in ``task_store`` (in
        # memory, at most ``max_tasks``, by default), kept ``task_ttl`` seconds.
        self.tasks = TaskManager(
            task_store, ttl=task_ttl, poll_interval=task_poll_interval, max_tasks=max_tasks
        )
        # Status changes go out as notifications/tasks through the bus (SEP-2663), so a
        # listen held by another worker sharing the bus hears them too.
        self.tasks.on_change = self._task_changed
        if store is not None:
            from .._server.store import use_store  # lazy: the store only with Server(store=)

            use_store(self, store)  # its bus and task store, unless given others
        self._declared_extensions: dict[str, dict[str, Any]] = {}
        self._install_core_routes()

    # ------------------------------------------------------------------ capabilities

    def capabilities(self) -> t.ServerCapabilities:
        """Exactly what is registered (DESIGN.md §10: no empty default capabilities)."""
        caps = self._caps
        if caps is None:
            caps = t.ServerCapabilities()
            if self.tools.entries or "tools" in self._features:
                caps.tools = t.ToolsCapability(list_changed=True)
            if self.prompts or "prompts" in self._features:
                caps.prompts = t.PromptsCapability(list_changed=True)
            if self.resources or "resources" in self._features:
                caps.resources = t.ResourcesCapability(subscribe=True, list_changed=True)
            if self.completions or "completions" in self._features:
                caps.completions = {}
            if "logging" in self._features:
                caps.logging = {}
            for ext in self._extensions:
                ext.contribute(caps)
            if self._declared_extensions:
                caps.extensions = dict(self._declared_extensions)
            self._caps = caps
        if self.mounts is not None:
            return self.mounts.capabilities(caps)  # a mount's may change (a proxy connects)
        return caps

    def cache_hint(self, method: str, *, ttl_ms: int = 0, scope: CacheScope = "private") -> None:
        """The ``ttlMs`` and ``cacheScope`` of ``method``'s 2026-07-28 results (SEP-2549):
        ``"tools/list"``, ``"prompts/list"``, ``"resources/list"``,
        ``"resources/templates/list"`` or ``"resources/read"``.  Default: ``ttl_ms=0``
        (immediately stale) and ``"private"`` (not shared across authorization contexts);
        a result a handler built with its own values keeps them."""
        if method not in CACHEABLE_METHODS:
            raise ValueError(
                f"cache_hint: method must be one of {', '.join(sorted(CACHEABLE_METHODS))}, "
                f"got {method!r}"
            )
        if ttl_ms < 0 or scope not in ("public", "private"):
            raise ValueError(
                f'cache_hint: ttl_ms must be >= 0 and scope "public" or "private", got '
                f"{ttl_ms!r} and {scope!r}"
            )
        self._cache_hints[method] = CacheHint(ttl_ms, scope)

    def declare_extension(self, name: str, settings: dict[str, Any] | None = None) -> None:
        """Advertise extension ``name`` (e.g. ``"io.modelcontextprotocol/tasks"``) in
        ``capabilities.extensions`` with ``settings`` (default ``{}``: supported).  A tool
        registered with ``task_support=`` declares the tasks extension itself."""
        if "/" not in name:
            raise ValueError(
                f"an extension name is 'vendor-prefix/name' (2026-07-28 extensions), got {name!r}"
            )
        self._declared_extensions[name] = dict(settings or {})
        self._caps = None

    def _task_changed(self, record: Any) -> None:
        self.subscriptions.publish(ChangeEvent("task", task=record.notification()))

    def enable(self, feature: str) -> None:
        """Advertise a capability even with nothing registered yet (e.g. "tools")."""
        self._features.add(feature)
        self._caps = None

    def _invalidate(self) -> None:
        self._caps = None

    def _registered(self, feature: str) -> None:
        # Once offered, a capability stays for the server's life: removing the last tool
        # must not turn tools/list into -32601 for a client that just heard list_changed.
        self._features.add(feature)
        self._caps = None

    # mounts -------------------------------------------------------------

    def mount(self, other: Server, namespace: str) -> None:
        """Serve ``other``'s tools, prompts, resources and templates as this server's, under
        ``namespace``: tool ``forecast`` as ``weather_forecast``, URI ``notes://x`` as
        ``weather+notes://x`` (docs/gateways.md).  A name either server already has, or a
        namespace overlapping another mount's, is an error naming both.  Mount a remote
        server or a live ``Client`` as ``mount(mcplite.proxy(target), namespace=...)``."""
        if not isinstance(other, Server):
            raise TypeError(
                f"mount() takes a Server, got {type(other).__name__}; for a remote server or "
                "a live Client, mount mcplite.proxy(it)"
            )
        if self.mounts is None:
            self.mounts = Mounts(self)
        self.mounts.add(other, namespace)
        self._invalidate()
        for kind in ("tools", "prompts", "resources"):
            self.notify_list_changed(kind)

    def input_schema_of(self, tool: str) -> Any:
        """The ``inputSchema`` of the tool this server offers as ``tool`` (its own, a
        mounted server's, a proxied backend's as last listed), or None when unknown: what
        the streamable HTTP front checks ``Mcp-Param-*`` headers against (SEP-2243)."""
        entry = self.tools.entries.get(tool)
        if entry is not None:
            return entry.tool.input_schema
        return self.mounts.input_schema_of(tool) if self.mounts is not None else None

    async def watch(self, wanted: t.SubscriptionFilter) -> None:
        """What the listens of the server this one is mounted in want of it (passed on
        to its own mounts; a proxy watches its backend for it)."""
        if self.mounts is not None:
            self.mounts.watched = wanted
            await self.mounts.refresh()

    def method(self, name: str, params_type: Any = dict) -> Callable[[F], F]:
        """Register a handler for a custom request method: ``async def h(ctx, params)``."""

        def register(fn: F) -> F:
            self.route(name, params_type, fn)
            return fn

        return register

    def route(self, name: str, params_type: Any, handler: Handler) -> None:
        """Serve request ``name``: params decoded as ``params_type``, ``handler(ctx, params)``."""
        self._routes[name] = _Route(params_type, handler, _restores(params_type))

    def on_notification(
        self, name: str, handler: Callable[[Session, Any], Awaitable[None]]
    ) -> None:
        """Register a handler for incoming notification ``name``: ``handler(session, event)``."""
        self._notification_handlers[name] = handler

    def middleware(self, fn: Middleware) -> Middleware:
        """Wrap every incoming request: ``async def mw(ctx, call_next) -> result``.

        Every request reaches it, ``initialize``, ``ping`` and ``server/discover`` too
        (their answers are the protocol core's; a middleware may observe, time, refuse or
        replace them)."""
        self._middleware.append(fn)
        for session in self.sessions:
            session.protocol.route_core = True
        return fn

    def add_extension(self, ext: Any) -> None:
        """Internal: a feature module (resources, prompts, ...) installing its routes."""
        self._extensions.append(ext)
        ext.install(self)
        self._invalidate()

    def _install_core_routes(self) -> None:
        for method, (params_type, handler) in core_routes(self).items():
            self.route(method, params_type, handler)

    # ------------------------------------------------------------------ dispatch

    async def handle_request(self, session: Session, event: RequestReceived) -> Any:
        if self.mounts is not None and event.answer is None and event.method in MOUNT_METHODS:
            plan = self.mounts.plan(event)
            if plan is not None:
                return await self._dispatch_mount(session, event, plan)
        if event.answer is not None:
            # initialize, ping, server/discover: answered by the core, passed through the
            # middleware so it sees every request (issue 14).
            params_type = _CORE_PARAMS[event.method]
            route = _Route(params_type, _answered(event.answer), _restores(params_type))
        else:
            route = self._routes.get(event.method)  # type: ignore[assignment]
        if route is None:
            raise RPCError(METHOD_NOT_FOUND, f"Method not found: {event.method}")
        params = decode_params(route.params_type, event.params)
        ctx = Context(self, session, event, params)
        if route.restores and (
            getattr(params, "request_state", UNSET) is not UNSET
            or getattr(params, "input_responses", UNSET) is not UNSET
        ):
            restore(ctx)
        deadline = self.handler_timeout
        if self.tools.timeouts and event.method == "tools/call":
            entry = self.tools.entries.get(getattr(params, "name", ""))
            if entry is not None and entry.timeout is not None:
                deadline = entry.timeout
        if deadline is None or deadline == math.inf:
            if self._middleware:
                result = await self._run_middleware(ctx, route, params)
            else:
                # _run_route inlined: one coroutine less per request on the hot path.
                try:
                    result = await route.handler(ctx, params)
                except InputRequired as exc:
                    result = exc.result
        else:
            try:
                async with asyncio.timeout(deadline) as scope:
                    result = await self._run(ctx, route, params)
            except TimeoutError:
                if not scope.expired():
                    raise  # the handler's own timeout, not ours
                raise RPCError(
                    REQUEST_TIMEOUT,
                    f"Request timeout: the handler ran past its deadline of {deadline} s "
                    "(handler_timeout)",
                ) from None
        client = event.client
        if client is not None and client.stateless:
            result = stamp(result, self.info, event.method, self._cache_hints.get(event.method))
        return result

    async def _dispatch_mount(self, session: Session, event: RequestReceived, plan: Any) -> Any:
        """A request for a mounted server (or a listing merging them), through this
        server's middleware."""
        mounts = self.mounts
        assert mounts is not None
        ctx = Context(self, session, event, None)

        async def handler(ctx: Context, params: Any) -> Any:
            return await mounts.dispatch(ctx, event, plan)

        result = await self._run(ctx, _Route(None, handler), None)
        client = event.client
        if client is not None and client.stateless and plan in ("list", "level"):
            result = stamp(result, self.info, event.method, self._cache_hints.get(event.method))
        return result

    def _run(self, ctx: Context, route: _Route, params: Any) -> Awaitable[Any]:
        if self._middleware:
            return self._run_middleware(ctx, route, params)
        return self._run_route(ctx, route, params)

    async def _run_route(self, ctx: Context, route: _Route, params: Any) -> Any:
        try:
            return await route.handler(ctx, params)
        except InputRequired as exc:
            return exc.result

    async def _run_middleware(self, ctx: Context, route: _Route, params: Any) -> Any:
        async def call(i: int) -> Any:
            if i == len(self._middleware):
                return await self._run_route(ctx, route, params)
            return await self._middleware[i](ctx, lambda: call(i + 1))

        return await call(0)

    async def _on_notification(self, session: Session, event: NotificationReceived) -> None:
        handler = self._notification_handlers.get(event.method)
        if handler is None:
            for mount in self.mounts.by_namespace.values() if self.mounts else ():
                await mount.server._on_notification(session, event)
            if self.mounts is None:
                log.debug("ignoring notification %s", event.method)
            return
        await handler(session, event)

    # ------------------------------------------------------------------ sessions

    def accept(
        self,
        transport: Transport,
        *,
        assume_initialized: bool = False,
        supported_versions: tuple[str, ...] = t.SUPPORTED_PROTOCOL_VERSIONS,
    ) -> Session:
        """Start serving one connection; the session ends when the transport does."""
        proto = Protocol(
            SERVER_ROLE,
            identity=self,
            assume_initialized=assume_initialized,
            supported_versions=supported_versions,
            max_json_depth=self.max_json_depth,
        )
        proto.route_core = bool(self._middleware)
        on_request, on_notification = self._session_handlers
        session = Session(
            proto,
            transport,
            on_request=on_request,
            on_notification=on_notification,
            request_timeout=self.request_timeout,
            max_in_flight=self.max_in_flight,
            drain_timeout=self.drain_timeout,
            budget=self.in_flight,
        )
        self.sessions.add(session)
        # However the connection ends (the client closing an in-memory pair, stdin EOF, an
        # HTTP session's end), the session leaves the table with it.
        session.leave_on_close(self.sessions)
        self._loop = asyncio.get_running_loop()
        self.subscriptions.attach()
        session.start()
        return session

    async def serve(self, transport: Transport) -> None:
        """Serve one connection until it closes."""
        session = self.accept(transport)
        try:
            await session.wait_closed()
        finally:
            self.sessions.discard(session)
            await session.aclose()

    async def serve_stdio(self, **options: Any) -> None:
        """Serve one client on this process's stdin/stdout until it goes away."""
        # lazy: stdio transport only when served over stdio
        from .._io.stdio import stdio_server_transport

        async with stdio_server_transport(**options) as transport:
            await self.serve(transport)

    async def _run_stdio(self, shutdown_timeout: float, **options: Any) -> None:
        # lazy: stdio transport only when served over stdio
        from .._io.stdio import stdio_server_transport
        from .._server.signals import shutdown_signals  # lazy: signal handling only when run

        async with stdio_server_transport(**options) as transport:
            session = self.accept(transport)
            try:
                with shutdown_signals() as stop:
                    stopped = asyncio.ensure_future(stop.wait())
                    closed = asyncio.ensure_future(session.wait_closed())
                    await asyncio.wait([stopped, closed], return_when=asyncio.FIRST_COMPLETED)
                    stopped.cancel()
                    closed.cancel()
                    if stop.is_set():
                        await session.shutdown(shutdown_timeout)
            finally:
                self.sessions.discard(session)
                await session.aclose()

    def run(self, transport: t.TransportName = "stdio", **options: Any) -> None:
        """Run until the client goes away (stdio) or until SIGTERM/SIGINT.

        ``"streamable-http"`` and ``"sse"`` serve the same HTTP app: streamable HTTP at
        ``path`` and, unless ``legacy_sse=False``, the 2024-11-05 HTTP+SSE endpoints next
        to it (``"sse"`` with ``legacy_sse=False`` is refused).

        A signal shuts down gracefully: nothing new is accepted, requests in flight get
        ``shutdown_timeout`` seconds (default 5) to finish, the rest are cancelled with an
        error answer, then everything closes.  A second signal exits at once.
        """
        # lazy: lifespan only when run
        from .._server.lifespan import LifespanStartupError, serving, startup_failed

        try:
            self._serve(transport, DEFAULT_SHUTDOWN_TIMEOUT_SECONDS, serving, **options)
        except LifespanStartupError as exc:
            startup_failed(exc)

    def lifespan_scope(self) -> Any:
        """``async with server.lifespan_scope():`` enters ``lifespan`` (embedding, tests);
        ``run()`` does this itself."""
        from .._server.lifespan import lifespan_scope  # lazy: lifespan only when entered

        return lifespan_scope(self)

    def _serve(self, transport: str, default_timeout: float, serving: Any, **options: Any) -> None:
        if transport == "stdio":
            from .._server.terminal import at_terminal  # lazy: terminal check only for stdio

            if at_terminal(self.info.name):
                return  # --help was answered
            timeout = options.pop("shutdown_timeout", default_timeout)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serving(self, self._run_stdio(timeout, **options)))
            return
        if transport == "sse" and options.get("legacy_sse") is False:
            raise ValueError(
                'transport="sse" serves the legacy SSE endpoints: not with legacy_sse=False'
            )
        # "http": the 0.1 spelling of "streamable-http", still served (README "Changes in 0.2").
        if transport in ("streamable-http", "sse", "http"):
            # lazy: HTTP stack off the stdio cold path
            from .._server.streamable_run import serve_http

            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serving(self, serve_http(self, handle_signals=True, **options)))
            return
        raise ValueError(
            f"transport must be one of {', '.join(map(repr, t.TRANSPORT_NAMES))}, got {transport!r}"
        )

    def asgi_app(self, **options: Any) -> Any:
        """An ASGI 3 application serving this server over streamable HTTP (for uvicorn
        or hypercorn; no ASGI dependency).  Options as for ``run("streamable-http")``."""
        from .._server.asgi import asgi_app  # lazy: ASGI adapter only when asked for

        return asgi_app(self, **options)

    # ------------------------------------------------------------------ list_changed

    def notify_list_changed(self, kind: str) -> None:
        """Tell connected clients that the ``kind`` list ("tools", "prompts",
        "resources") changed; bursts are coalesced (debounced)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # A sync handler (worker thread) changed a registry: hop onto the serving loop.
            serving = self._loop
            if serving is not None and not serving.is_closed():
                serving.call_soon_threadsafe(self.notify_list_changed, kind)
            return  # else registration before serving: nobody to tell
        if kind in self._changed:
            return
        if (
            not self.sessions
            and self._mounted_in is None
            and isinstance(self.subscriptions.bus, MemoryBus)
        ):
            return  # nobody to tell (a shared bus may still have other workers' clients)
        self._changed[kind] = loop.call_later(
            self.list_changed_debounce, self._fire_list_changed, kind
        )

    def _fire_list_changed(self, kind: str) -> None:
        self._changed.pop(kind, None)
        self.subscriptions.publish(ChangeEvent(kind))
        for ext in self._extensions:
            hook = getattr(ext, "list_changed", None)
            if hook is not None:
                hook(kind)
