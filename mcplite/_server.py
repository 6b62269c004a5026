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
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import msgspec
from msgspec import UNSET

from . import types as t
from ._codec import decode_params
from ._context import LOG_RANK, Context
from ._errors import INVALID_PARAMS, METHOD_NOT_FOUND, RPCError
from ._events import NotificationReceived, RequestReceived
from ._pagination import DEFAULT_PAGE_SIZE, paginate
from ._protocol import SERVER_ROLE, Protocol
from ._session import DEFAULT_MAX_IN_FLIGHT_REQUESTS, DEFAULT_REQUEST_TIMEOUT_SECONDS, Session
from ._tools import ToolRegistry
from ._transport import Transport

log = logging.getLogger("mcplite.server")
F = TypeVar("F", bound=Callable[..., Any])

# Coalesce bursts of registry changes into one list_changed per session.
DEFAULT_LIST_CHANGED_DEBOUNCE_SECONDS: Final = 0.01

Handler = Callable[[Context, Any], Awaitable[Any]]
Middleware = Callable[[Context, Callable[[], Awaitable[Any]]], Awaitable[Any]]


class _Route(msgspec.Struct):
    params_type: Any
    handler: Handler


class Server:
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
    ) -> None:
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
        self.list_changed_debounce = list_changed_debounce
        # Key for sealing 2026-07-28 requestState (HMAC); share it across workers.
        self.state_key = state_key
        self.tools = ToolRegistry(expose_errors=expose_errors)
        self.sessions: set[Session] = set()
        self._routes: dict[str, _Route] = {}
        self._notification_handlers: dict[str, Callable[[Session, Any], Awaitable[None]]] = {}
        self._middleware: list[Middleware] = []
        self._caps: t.ServerCapabilities | None = None
        # Capabilities to advertise even with nothing registered.  Any handler can log
        # through ctx.log, so logging is on unless turned off.
        self._features: set[str] = {"logging"} if logging else set()
        self._changed: dict[str, asyncio.TimerHandle] = {}
        self._extensions: list[Any] = []
        self._install_core_routes()

    # ------------------------------------------------------------------ capabilities

    def capabilities(self) -> t.ServerCapabilities:
        """Exactly what is registered (DESIGN.md §10: no empty default capabilities)."""
        caps = self._caps
        if caps is None:
            caps = t.ServerCapabilities()
            if self.tools.entries or "tools" in self._features:
                caps.tools = t.ToolsCapability(list_changed=True)
            if "logging" in self._features:
                caps.logging = {}
            for ext in self._extensions:
                ext.contribute(caps)
            self._caps = caps
        return caps

    def enable(self, feature: str) -> None:
        """Advertise a capability even with nothing registered yet (e.g. "tools")."""
        self._features.add(feature)
        self._caps = None

    def _invalidate(self) -> None:
        self._caps = None

    # ------------------------------------------------------------------ registration

    def tool(
        self,
        name: str | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        annotations: t.ToolAnnotations | None = None,
        icons: list[t.Icon] | None = None,
        meta: dict[str, Any] | None = None,
        input_schema: dict[str, Any] | None = None,
        output_schema: dict[str, Any] | None = None,
        structured_output: bool | None = None,
    ) -> Callable[[F], F]:
        """Register a function as a tool; its signature is the input schema."""

        def register(fn: F) -> F:
            self.add_tool(
                fn,
                name=name,
                title=title,
                description=description,
                annotations=annotations,
                icons=icons,
                meta=meta,
                input_schema=input_schema,
                output_schema=output_schema,
                structured_output=structured_output,
            )
            return fn

        return register

    def add_tool(self, fn: Callable[..., Any], **options: Any) -> None:
        self.tools.add(fn, **options)
        self._invalidate()
        self.notify_list_changed("tools")

    def remove_tool(self, name: str) -> None:
        if self.tools.remove(name):
            self.notify_list_changed("tools")

    def method(self, name: str, params_type: Any = dict) -> Callable[[F], F]:
        """Register a handler for a custom request method: ``async def h(ctx, params)``."""

        def register(fn: F) -> F:
            self.route(name, params_type, fn)
            return fn

        return register

    def route(self, name: str, params_type: Any, handler: Handler) -> None:
        self._routes[name] = _Route(params_type, handler)

    def on_notification(
        self, name: str, handler: Callable[[Session, Any], Awaitable[None]]
    ) -> None:
        self._notification_handlers[name] = handler

    def middleware(self, fn: Middleware) -> Middleware:
        """Wrap every incoming request: ``async def mw(ctx, call_next) -> result``."""
        self._middleware.append(fn)
        return fn

    def add_extension(self, ext: Any) -> None:
        """Internal: a feature module (resources, prompts, ...) installing its routes."""
        self._extensions.append(ext)
        ext.install(self)
        self._invalidate()

    def _install_core_routes(self) -> None:
        self.route("tools/list", t.ListToolsParams, self._list_tools)
        self.route("tools/call", t.CallToolParams, self._call_tool)
        self.route("logging/setLevel", t.SetLevelParams, self._set_level)
        self.route("completion/complete", t.CompleteParams, self._complete_empty)

    # ------------------------------------------------------------------ handlers

    async def _list_tools(self, ctx: Context, params: t.ListToolsParams) -> t.ListToolsResult:
        cursor = None if params.cursor is UNSET else params.cursor
        page, nxt = paginate(self.tools.listing(), cursor, self.page_size)
        return t.ListToolsResult(tools=page, next_cursor=UNSET if nxt is None else nxt)

    async def _call_tool(self, ctx: Context, params: t.CallToolParams) -> Any:
        return await self.tools.call(ctx, params)

    async def _set_level(self, ctx: Context, params: t.SetLevelParams) -> t.EmptyResult:
        if params.level not in LOG_RANK:
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: level must be one of {', '.join(LOG_RANK)}, "
                f"got {params.level!r}",
            )
        ctx.session.state["log_level"] = params.level
        return t.EmptyResult()

    async def _complete_empty(self, ctx: Context, params: t.CompleteParams) -> t.CompleteResult:
        return t.CompleteResult(completion=t.Completion(values=[]))

    # ------------------------------------------------------------------ dispatch

    async def handle_request(self, session: Session, event: RequestReceived) -> Any:
        route = self._routes.get(event.method)
        if route is None:
            raise RPCError(METHOD_NOT_FOUND, f"Method not found: {event.method}")
        params = decode_params(route.params_type, event.params)
        ctx = Context(self, session, event, params)
        if getattr(params, "request_state", UNSET) is not UNSET or getattr(
            params, "input_responses", UNSET
        ) is not UNSET:
            from ._mrtr import restore

            restore(ctx)
        if self._middleware:
            result = await self._run_middleware(ctx, route, params)
        else:
            result = await self._run_route(ctx, route, params)
        client = event.client
        if client is not None and client.stateless:
            _stamp_stateless(result, self.info)
        return result

    async def _run_route(self, ctx: Context, route: _Route, params: Any) -> Any:
        from ._mrtr import InputRequired

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
            log.debug("ignoring notification %s", event.method)
            return
        await handler(session, event)

    # ------------------------------------------------------------------ sessions

    def connect(
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
        )
        session = Session(
            proto,
            transport,
            on_request=self.handle_request,
            on_notification=self._on_notification,
            request_timeout=self.request_timeout,
            max_in_flight=self.max_in_flight,
        )
        self.sessions.add(session)
        session.start()
        return session

    async def serve(self, transport: Transport) -> None:
        """Serve one connection until it closes."""
        session = self.connect(transport)
        try:
            await session.wait_closed()
        finally:
            self.sessions.discard(session)
            await session.aclose()

    async def serve_stdio(self, **options: Any) -> None:
        from ._stdio import stdio_server_transport

        async with stdio_server_transport(**options) as transport:
            await self.serve(transport)

    def run(self, transport: str = "stdio", **options: Any) -> None:
        """Run until the client goes away (stdio) or until interrupted (http)."""
        if transport == "stdio":
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(self.serve_stdio(**options))
            return
        if transport in ("http", "streamable-http"):
            from ._streamable_server import serve_http

            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve_http(self, **options))
            return
        raise ValueError(f"transport must be 'stdio' or 'http', got {transport!r}")

    # ------------------------------------------------------------------ list_changed

    def notify_list_changed(self, kind: str) -> None:
        """Tell connected clients that the ``kind`` list ("tools", "prompts",
        "resources") changed; bursts are coalesced (debounced)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # registration before serving: nobody to tell
        if kind in self._changed:
            return
        self._changed[kind] = loop.call_later(
            self.list_changed_debounce, self._fire_list_changed, kind
        )

    def _fire_list_changed(self, kind: str) -> None:
        self._changed.pop(kind, None)
        method = f"notifications/{kind}/list_changed"
        for session in list(self.sessions):
            if session.closed.is_set():
                self.sessions.discard(session)
                continue
            proto = session.protocol
            if proto.stateless or proto.state == "new":
                continue  # 2026-07-28 clients hear about changes via subscriptions/listen
            session._spawn(session.notify(method))
        for ext in self._extensions:
            hook = getattr(ext, "list_changed", None)
            if hook is not None:
                hook(kind)


def _stamp_stateless(result: Any, info: t.Implementation) -> None:
    # 2026-07-28 schema.ts Result: servers MUST include resultType; server identity rides
    # in _meta (io.modelcontextprotocol/serverInfo), not in a handshake.
    if getattr(result, "result_type", None) is UNSET:
        result.result_type = "complete"
    meta = getattr(result, "meta", None)
    if meta is UNSET:
        result.meta = {t.META_SERVER_INFO: info}
    elif isinstance(meta, dict) and t.META_SERVER_INFO not in meta:
        meta[t.META_SERVER_INFO] = info
