"""The spec methods a ``Server`` answers, as one table: method -> (params type, handler).

The handlers are bound to the server they serve, seen as a ``RouteHost``: the few
registries they read.  ``Server`` keeps only registration, dispatch and sessions, and this
module sits below it (it imports nothing of ``_server/server.py``: DESIGN.md section 3, no
import cycles).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.meta import LOG_RANK
from .._core.pagination import paginate
from .._core.tasks import TaskParams, UpdateTaskParams
from .._errors import INVALID_PARAMS, RPCError
from .._server.completion import CompletionRegistry
from .._server.context import Context
from .._server.prompts import PromptRegistry
from .._server.resources import ResourceRegistry
from .._server.subscriptions import Subscriptions
from .._server.tasks import TaskManager
from .._server.tools import ToolRegistry

Handler = Callable[[Context, Any], Awaitable[Any]]


class RouteHost(Protocol):
    """What the core routes read of the ``Server`` they are installed on."""

    @property
    def page_size(self) -> int: ...

    @property
    def tools(self) -> ToolRegistry: ...

    @property
    def resources(self) -> ResourceRegistry: ...

    @property
    def prompts(self) -> PromptRegistry: ...

    @property
    def completions(self) -> CompletionRegistry: ...

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def tasks(self) -> TaskManager: ...


class SetLevelParams(msgspec.Struct, kw_only=True):
    # level as a plain string so an unknown one gets our message listing the valid levels.
    level: str
    meta: dict[str, Any] | msgspec.UnsetType = msgspec.field(default=UNSET, name="_meta")


def core_routes(server: RouteHost) -> dict[str, tuple[Any, Handler]]:
    subs = server.subscriptions
    routes = _CoreRoutes(server)
    return {
        "tools/list": (t.ListToolsParams, routes.list_tools),
        "tools/call": (t.CallToolParams, server.tasks.call_tool),  # a task, or the tool
        "logging/setLevel": (SetLevelParams, set_level),
        "completion/complete": (t.CompleteParams, routes.complete),
        "resources/list": (t.ListResourcesParams, routes.list_resources),
        "resources/templates/list": (t.ListResourceTemplatesParams, routes.list_templates),
        "resources/read": (t.ReadResourceParams, routes.read_resource),
        "resources/subscribe": (t.SubscribeParams, subs.subscribe),
        "resources/unsubscribe": (t.UnsubscribeParams, subs.unsubscribe),
        "subscriptions/listen": (t.SubscriptionsListenParams, subs.listen),
        "prompts/list": (t.ListPromptsParams, routes.list_prompts),
        "prompts/get": (t.GetPromptParams, routes.get_prompt),
        "tasks/get": (TaskParams, server.tasks.get),
        "tasks/update": (UpdateTaskParams, server.tasks.update),
        "tasks/cancel": (TaskParams, server.tasks.cancel),
    }


def _cursor(params: Any) -> str | None:
    cursor = params.cursor
    return None if cursor is UNSET else cursor


def _next(cursor: str | None) -> Any:
    return UNSET if cursor is None else cursor


async def set_level(ctx: Context, params: SetLevelParams) -> t.EmptyResult:
    if params.level not in LOG_RANK:
        raise RPCError(
            INVALID_PARAMS,
            f"Invalid params: level must be one of {', '.join(LOG_RANK)}, got {params.level!r}",
        )
    ctx.session.state["log_level"] = params.level
    return t.EmptyResult()


class _CoreRoutes:
    """The handlers that read the server's registries, bound to it."""

    __slots__ = ("server",)

    def __init__(self, server: RouteHost) -> None:
        self.server = server

    async def list_tools(self, ctx: Context, params: t.ListToolsParams) -> t.ListToolsResult:
        server = self.server
        page, nxt = paginate(server.tools.listing(), _cursor(params), server.page_size)
        return t.ListToolsResult(tools=page, next_cursor=_next(nxt))

    async def complete(self, ctx: Context, params: t.CompleteParams) -> t.CompleteResult:
        return await self.server.completions.complete(ctx.server, params)

    async def list_resources(
        self, ctx: Context, params: t.ListResourcesParams
    ) -> t.ListResourcesResult:
        server = self.server
        page, nxt = paginate(server.resources.listing(), _cursor(params), server.page_size)
        return t.ListResourcesResult(resources=page, next_cursor=_next(nxt))

    async def list_templates(
        self, ctx: Context, params: t.ListResourceTemplatesParams
    ) -> t.ListResourceTemplatesResult:
        server = self.server
        page, nxt = paginate(server.resources.template_listing(), _cursor(params), server.page_size)
        return t.ListResourceTemplatesResult(resource_templates=page, next_cursor=_next(nxt))

    async def read_resource(
        self, ctx: Context, params: t.ReadResourceParams
    ) -> t.ReadResourceResult:
        return await self.server.resources.read(ctx, params.uri)

    async def list_prompts(self, ctx: Context, params: t.ListPromptsParams) -> t.ListPromptsResult:
        server = self.server
        page, nxt = paginate(server.prompts.listing(), _cursor(params), server.page_size)
        return t.ListPromptsResult(prompts=page, next_cursor=_next(nxt))

    async def get_prompt(self, ctx: Context, params: t.GetPromptParams) -> t.GetPromptResult:
        return await self.server.prompts.get(ctx, params)
