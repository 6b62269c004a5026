"""The spec methods a ``Server`` answers, as one table: method -> (params type, handler).

Each handler takes ``(ctx, params)`` and finds the registries through ``ctx.server``, so
``Server`` itself keeps only registration, dispatch and sessions (layer 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.meta import LOG_RANK
from .._core.pagination import paginate
from .._core.tasks import TaskParams, UpdateTaskParams
from .._errors import INVALID_PARAMS, RPCError
from .._server.context import Context

if TYPE_CHECKING:
    from .._server.server import Handler, Server


class SetLevelParams(msgspec.Struct, kw_only=True):
    # level as a plain string so an unknown one gets our message listing the valid levels.
    level: str
    meta: dict[str, Any] | msgspec.UnsetType = msgspec.field(default=UNSET, name="_meta")


def core_routes(server: Server) -> dict[str, tuple[Any, Handler]]:
    subs = server.subscriptions
    return {
        "tools/list": (t.ListToolsParams, list_tools),
        "tools/call": (t.CallToolParams, call_tool),
        "logging/setLevel": (SetLevelParams, set_level),
        "completion/complete": (t.CompleteParams, complete),
        "resources/list": (t.ListResourcesParams, list_resources),
        "resources/templates/list": (t.ListResourceTemplatesParams, list_templates),
        "resources/read": (t.ReadResourceParams, read_resource),
        "resources/subscribe": (t.SubscribeParams, subs.subscribe),
        "resources/unsubscribe": (t.UnsubscribeParams, subs.unsubscribe),
        "subscriptions/listen": (t.SubscriptionsListenParams, subs.listen),
        "prompts/list": (t.ListPromptsParams, list_prompts),
        "prompts/get": (t.GetPromptParams, get_prompt),
        "tasks/get": (TaskParams, server.tasks.get),
        "tasks/update": (UpdateTaskParams, server.tasks.update),
        "tasks/cancel": (TaskParams, server.tasks.cancel),
    }


def _server(ctx: Context) -> Server:
    # The routes are the Server's own: its Context holds the full Server, seen as a
    # ServerHandle only to keep the import graph acyclic.
    return cast("Server", ctx.server)


def _cursor(params: Any) -> str | None:
    cursor = params.cursor
    return None if cursor is UNSET else cursor


def _next(cursor: str | None) -> Any:
    return UNSET if cursor is None else cursor


async def list_tools(ctx: Context, params: t.ListToolsParams) -> t.ListToolsResult:
    server = _server(ctx)
    page, nxt = paginate(server.tools.listing(), _cursor(params), server.page_size)
    return t.ListToolsResult(tools=page, next_cursor=_next(nxt))


async def call_tool(ctx: Context, params: t.CallToolParams) -> Any:
    return await _server(ctx).tasks.call_tool(ctx, params)


async def set_level(ctx: Context, params: SetLevelParams) -> t.EmptyResult:
    if params.level not in LOG_RANK:
        raise RPCError(
            INVALID_PARAMS,
            f"Invalid params: level must be one of {', '.join(LOG_RANK)}, got {params.level!r}",
        )
    ctx.session.state["log_level"] = params.level
    return t.EmptyResult()


async def complete(ctx: Context, params: t.CompleteParams) -> t.CompleteResult:
    return await _server(ctx).completions.complete(ctx.server, params)


async def list_resources(ctx: Context, params: t.ListResourcesParams) -> t.ListResourcesResult:
    server = _server(ctx)
    page, nxt = paginate(server.resources.listing(), _cursor(params), server.page_size)
    return t.ListResourcesResult(resources=page, next_cursor=_next(nxt))


async def list_templates(
    ctx: Context, params: t.ListResourceTemplatesParams
) -> t.ListResourceTemplatesResult:
    server = _server(ctx)
    page, nxt = paginate(server.resources.template_listing(), _cursor(params), server.page_size)
    return t.ListResourceTemplatesResult(resource_templates=page, next_cursor=_next(nxt))


async def read_resource(ctx: Context, params: t.ReadResourceParams) -> t.ReadResourceResult:
    return await _server(ctx).resources.read(ctx, params.uri)


async def list_prompts(ctx: Context, params: t.ListPromptsParams) -> t.ListPromptsResult:
    server = _server(ctx)
    page, nxt = paginate(server.prompts.listing(), _cursor(params), server.page_size)
    return t.ListPromptsResult(prompts=page, next_cursor=_next(nxt))


async def get_prompt(ctx: Context, params: t.GetPromptParams) -> t.GetPromptResult:
    return await _server(ctx).prompts.get(ctx, params)
