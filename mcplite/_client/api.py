"""The spec methods of ``Client`` (layer 3): one method per client->server request.

Names follow the spec (``tools/call`` -> ``call_tool``, ``resources/templates/list`` ->
``list_resource_templates``); list methods come with ``iter_*`` pagination iterators and
``list_all_*`` helpers.  The machinery (session, negotiation, MRTR) is in ``_client``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import EllipsisType
from typing import Any, TypeVar

from msgspec import UNSET

from .. import types as t
from .._client.tasks import TaskCreated, ToolTask
from .._core.jsonschema import first_error
from .._errors import RemoteProtocolError
from .._io.session import ProgressCallback, Session
from .._io.transport import Transport


def checked_roots(roots: Any) -> list[t.Root]:
    """``roots`` as a list, each a file:// URI (2025-11-25 client/roots.mdx: the root's
    ``uri`` "MUST be a file:// URI"); ValueError naming the first that is not."""
    listed = list(roots)
    for root in listed:
        uri = getattr(root, "uri", None)
        if not isinstance(uri, str) or not uri.startswith("file://"):
            raise ValueError(
                f"a root's uri must be a file:// URI (2025-11-25 client/roots), got {uri!r}"
            )
    return listed


R = TypeVar("R")
P = TypeVar("P")

log = logging.getLogger(__name__)


class ClientAPI:
    """Mixin: the typed spec methods; ``Client`` provides the state they use."""

    transport: Transport | None
    _tool_schemas: dict[str, dict[str, Any]]
    _subscriptions: set[str]
    _roots: Any
    log_level: str | None
    server_capabilities: t.ServerCapabilities

    def _session(self) -> Session:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def _restart_listen(self) -> None:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def _hear_server(self) -> None:  # pragma: no cover - provided by Client
        raise NotImplementedError

    async def _wait_acknowledged(self, uri: str) -> None:  # pragma: no cover - by Client
        raise NotImplementedError

    @property
    def stateless(self) -> bool:  # pragma: no cover - provided by Client
        raise NotImplementedError

    async def request(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:  # pragma: no cover - provided by Client
        raise NotImplementedError

    async def _request_mrtr(
        self,
        method: str,
        params: Any,
        result_type: type[R],
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> R:  # pragma: no cover - provided by Client
        raise NotImplementedError

    # ------------------------------------------------------------------ basics

    async def ping(self, *, timeout: float | None | EllipsisType = ...) -> None:
        await self.request("ping", None, t.EmptyResult, timeout=timeout)

    async def set_log_level(self, level: t.LoggingLevel) -> None:
        """logging/setLevel (handshake era); in 2026-07-28 every request's _meta carries
        the level instead (the method was removed)."""
        if self.stateless:
            self.log_level = level
            client = self._session().protocol.client
            assert client is not None
            client.log_level = level
            return
        if self.server_capabilities.logging is UNSET:
            # Lenient, as readers of slightly wrong servers must be: some log without
            # declaring the capability, and the server decides whether it takes the level.
            log.debug(
                "logging/setLevel: the server did not declare the logging capability; "
                "sending it anyway"
            )
        # The log messages come on the standalone GET stream: open it before asking.
        self._hear_server()
        await self.request("logging/setLevel", t.SetLevelParams(level=level), t.EmptyResult)
        self.log_level = level  # sent again to a new session (Client._reinitialize)

    async def complete(
        self,
        ref: t.PromptReference | t.ResourceTemplateReference,
        argument: str,
        value: str,
        *,
        context: dict[str, str] | None = None,
        timeout: float | None | EllipsisType = ...,
    ) -> t.Completion:
        params = t.CompleteParams(
            ref=ref,
            argument=t.CompleteArgument(name=argument, value=value),
            context=UNSET if context is None else t.CompleteContext(arguments=context),
        )
        result = await self.request(
            "completion/complete", params, t.CompleteResult, timeout=timeout
        )
        return result.completion

    async def notify_roots_list_changed(self) -> None:
        await self._session().notify("notifications/roots/list_changed")

    async def set_roots(self, roots: Sequence[t.Root] | Callable[[], Any]) -> None:
        """Replace the roots and tell the server (notifications/roots/list_changed).

        The roots capability must have been given at connect time (capabilities are fixed
        for the session).  In 2026-07-28 the notification is gone (the server asks for
        roots in each request that needs them), so nothing is sent."""
        self._roots = roots if callable(roots) else checked_roots(roots)
        if not self.stateless:
            await self.notify_roots_list_changed()

    # ------------------------------------------------------------------ tools

    async def list_tools(
        self, cursor: str | None = None, *, timeout: float | None | EllipsisType = ...
    ) -> t.ListToolsResult:
        """One page of tools.  Remembers output schemas (to check ``structuredContent``)
        and, over streamable HTTP, ``x-mcp-header`` maps; tools with invalid ones are
        dropped as 2026-07-28 streamable-http.mdx requires."""
        result = await self.request(
            "tools/list",
            t.ListToolsParams(cursor=_cursor(cursor)),
            t.ListToolsResult,
            timeout=timeout,
        )
        register = getattr(self.transport, "register_tools", None)
        if register is not None:
            result.tools = register(result.tools)
        for tool in result.tools:
            if isinstance(tool.output_schema, dict):
                self._tool_schemas[tool.name] = tool.output_schema
            else:
                self._tool_schemas.pop(tool.name, None)
        return result

    def iter_tools(self) -> AsyncIterator[t.Tool]:
        return _pages(self.list_tools, lambda r: r.tools)

    async def list_all_tools(self) -> list[t.Tool]:
        return [tool async for tool in self.iter_tools()]

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
        meta: dict[str, Any] | None = None,
    ) -> t.CallToolResult:
        """tools/call.  A tool error is a result with ``is_error`` (not an exception);
        ``structuredContent`` is checked against the tool's ``outputSchema`` when known
        (a mismatch raises ``RemoteProtocolError`` naming the path)."""
        params = call_tool_params(name, arguments, meta)
        started = time.monotonic()
        try:
            result = await self._request_mrtr(
                "tools/call", params, t.CallToolResult, timeout=timeout, on_progress=on_progress
            )
        except TaskCreated as created:  # the server made it a task: wait for it (SEP-2663)
            handle = ToolTask(self, created.task)  # type: ignore[arg-type]
            result = await handle.wait_within(timeout, started)
        schema = self._tool_schemas.get(name)
        if schema is not None and result.is_error is not True:
            if result.structured_content is UNSET:
                raise RemoteProtocolError(
                    f"tool {name!r} declares an outputSchema but its result has no "
                    "structuredContent"
                )
            err = first_error(result.structured_content, schema)
            if err is not None:
                raise RemoteProtocolError(
                    f"tool {name!r} returned structuredContent that does not match its "
                    f"outputSchema: {err}"
                )
        return result

    # ------------------------------------------------------------------ resources

    async def list_resources(
        self, cursor: str | None = None, *, timeout: float | None | EllipsisType = ...
    ) -> t.ListResourcesResult:
        return await self.request(
            "resources/list",
            t.ListResourcesParams(cursor=_cursor(cursor)),
            t.ListResourcesResult,
            timeout=timeout,
        )

    def iter_resources(self) -> AsyncIterator[t.Resource]:
        return _pages(self.list_resources, lambda r: r.resources)

    async def list_all_resources(self) -> list[t.Resource]:
        return [r async for r in self.iter_resources()]

    async def list_resource_templates(
        self, cursor: str | None = None, *, timeout: float | None | EllipsisType = ...
    ) -> t.ListResourceTemplatesResult:
        return await self.request(
            "resources/templates/list",
            t.ListResourceTemplatesParams(cursor=_cursor(cursor)),
            t.ListResourceTemplatesResult,
            timeout=timeout,
        )

    def iter_resource_templates(self) -> AsyncIterator[t.ResourceTemplate]:
        return _pages(self.list_resource_templates, lambda r: r.resource_templates)

    async def list_all_resource_templates(self) -> list[t.ResourceTemplate]:
        return [r async for r in self.iter_resource_templates()]

    async def read_resource(
        self,
        uri: str,
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> t.ReadResourceResult:
        return await self._request_mrtr(
            "resources/read",
            t.ReadResourceParams(uri=uri),
            t.ReadResourceResult,
            timeout=timeout,
            on_progress=on_progress,
        )

    async def subscribe_resource(self, uri: str) -> None:
        """resources/subscribe (handshake era); in 2026-07-28 the URI joins the background
        subscriptions/listen, which is reopened with the new filter; this returns once the
        server has acknowledged that filter, so no later update is missed."""
        if self.stateless:
            self._subscriptions.add(uri)
            self._restart_listen()
            await self._wait_acknowledged(uri)
            return
        # Its updates come on the standalone GET stream: open before asking for them.
        self._hear_server()
        await self.request("resources/subscribe", t.SubscribeParams(uri=uri), t.EmptyResult)
        self._subscriptions.add(uri)

    async def unsubscribe_resource(self, uri: str) -> None:
        """resources/unsubscribe (handshake era); in 2026-07-28 the URI leaves the listen
        filter."""
        if self.stateless:
            self._subscriptions.discard(uri)
            self._restart_listen()
            return
        await self.request("resources/unsubscribe", t.UnsubscribeParams(uri=uri), t.EmptyResult)
        self._subscriptions.discard(uri)

    # ------------------------------------------------------------------ prompts

    async def list_prompts(
        self, cursor: str | None = None, *, timeout: float | None | EllipsisType = ...
    ) -> t.ListPromptsResult:
        return await self.request(
            "prompts/list",
            t.ListPromptsParams(cursor=_cursor(cursor)),
            t.ListPromptsResult,
            timeout=timeout,
        )

    def iter_prompts(self) -> AsyncIterator[t.Prompt]:
        return _pages(self.list_prompts, lambda r: r.prompts)

    async def list_all_prompts(self) -> list[t.Prompt]:
        return [p async for p in self.iter_prompts()]

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, str] | None = None,
        *,
        timeout: float | None | EllipsisType = ...,
        on_progress: ProgressCallback | None = None,
    ) -> t.GetPromptResult:
        params = t.GetPromptParams(name=name, arguments=UNSET if arguments is None else arguments)
        return await self._request_mrtr(
            "prompts/get", params, t.GetPromptResult, timeout=timeout, on_progress=on_progress
        )


def call_tool_params(
    name: str, arguments: dict[str, Any] | None, meta: dict[str, Any] | None
) -> t.CallToolParams:
    """tools/call params for ``call_tool`` and ``Client.start_tool_task`` alike."""
    return t.CallToolParams(
        name=name,
        arguments={} if arguments is None else arguments,
        meta=UNSET if meta is None else dict(meta),
    )


def _cursor(cursor: str | None) -> Any:
    return UNSET if cursor is None else cursor


async def _pages(
    fetch: Callable[[str | None], Awaitable[P]], items: Callable[[P], list[R]]
) -> AsyncIterator[R]:
    """Follow ``nextCursor`` until the server stops giving one (pagination.mdx).

    Only a missing ``nextCursor`` ends the listing: 2026-07-28 pagination.mdx says an empty
    string is a valid cursor that MUST NOT be treated as the end (a clarification the
    earlier revisions' "opaque token" already implies)."""
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = await fetch(cursor)
        for item in items(page):
            yield item
        next_cursor = getattr(page, "next_cursor", UNSET)
        if not isinstance(next_cursor, str):
            return
        if next_cursor in seen:
            raise RemoteProtocolError(f"the server repeated the cursor {next_cursor!r}")
        seen.add(next_cursor)
        cursor = next_cursor
