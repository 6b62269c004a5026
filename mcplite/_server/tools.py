"""The tool registry: registration from signatures, listing, calling (layer 3).

2025-11-25 server/tools.mdx: unknown tool -> JSON-RPC error -32602; a tool that fails,
including with invalid arguments (SEP-1303), answers a result with ``isError: true`` so a
model can read the message and retry.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin

import msgspec
from msgspec import UNSET

from .. import types as t
from .._core.pydantic_support import enc_hook
from .._core.schema import ArgumentError, ToolSignature, build_signature, validate_tool_name
from .._errors import INVALID_PARAMS, RPCError, ToolError
from .._server.context import Context
from .._server.input import InputRequired
from .._server.media import MEDIA_TYPES
from .._server.options import ToolOptions, opt as _opt

log = logging.getLogger(__name__)

_CONTENT_TYPES = (
    t.TextContent,
    t.ImageContent,
    t.AudioContent,
    t.ResourceLink,
    t.EmbeddedResource,
)


def is_context(annotation: Any) -> bool:
    if annotation is Context:
        return True
    return inspect.isclass(annotation) and issubclass(annotation, Context)


def is_content(annotation: Any) -> bool:
    """Return types rendered as content, not as structured output.

    ``str`` is text: a tool that returns prose gets a text block and no outputSchema
    (wrapping it as ``{"result": ...}`` would send every string twice).
    """
    if annotation is t.CallToolResult or annotation is str:
        return True
    return _is_block(annotation) or (
        get_origin(annotation) is list
        and bool(get_args(annotation))
        and all(_is_block(a) for a in get_args(annotation))
    )


def _is_block(annotation: Any) -> bool:
    """A content block type, or a union of them (``types.ContentBlock``,
    ``TextContent | ImageContent``)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return all(_is_block(a) for a in get_args(annotation))
    return inspect.isclass(annotation) and issubclass(annotation, (*_CONTENT_TYPES, *MEDIA_TYPES))


async def invoke(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Call a handler: await it if async; run it in a worker thread if sync, because a sync
    handler may block and must never stall the event loop (and every other request)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(**kwargs)
    result = await asyncio.to_thread(functools.partial(fn, **kwargs))
    if inspect.isawaitable(result):  # a sync wrapper that returned a coroutine
        return await result
    return result


class ToolEntry:
    __slots__ = ("context_params", "fn", "is_async", "name", "sig", "timeout", "tool")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        sig: ToolSignature,
        tool: t.Tool,
        timeout: float | None = None,
    ):
        self.name = name
        self.timeout = timeout  # handler deadline in seconds (None: the server's)
        self.fn = fn
        self.sig = sig
        self.tool = tool
        self.is_async = inspect.iscoroutinefunction(fn)
        self.context_params = tuple(sig.injected)


class ToolRegistry:
    def __init__(self, *, expose_errors: bool = False) -> None:
        self.entries: dict[str, ToolEntry] = {}
        self.expose_errors = expose_errors
        self._listing: list[t.Tool] | None = None
        # Some tool was registered with its own timeout (sticky): until then a tools/call
        # does not look its entry up for one.
        self.timeouts = False

    def add(self, fn: Callable[..., Any], name: str | None, options: ToolOptions) -> ToolEntry:
        name = name or fn.__name__
        validate_tool_name(name)  # spec: rejected at registration, not just logged
        sig = build_signature(fn, skip=is_context, is_content=is_content)
        output_schema = options.get("output_schema")
        out = output_schema if output_schema is not None else sig.output_schema
        if options.get("structured_output") is False:
            out = None
        input_schema = options.get("input_schema")
        tool = t.Tool(
            name=name,
            input_schema=input_schema if input_schema is not None else sig.input_schema,
            title=_opt(options.get("title")),
            description=(options.get("description") or sig.description or UNSET),
            output_schema=_opt(out),
            annotations=_opt(options.get("annotations")),
            icons=_opt(options.get("icons")),
            meta=_opt(options.get("meta")),
        )
        timeout = options.get("timeout")
        if timeout is not None:
            self.timeouts = True
        entry = ToolEntry(name, fn, sig, tool, timeout)
        self.entries[name] = entry
        self._listing = None
        return entry

    def remove(self, name: str) -> bool:
        self._listing = None
        return self.entries.pop(name, None) is not None

    def listing(self) -> list[t.Tool]:
        if self._listing is None:
            self._listing = [e.tool for e in self.entries.values()]
        return self._listing

    async def call(self, ctx: Context, params: t.CallToolParams) -> t.CallToolResult:
        entry = self.entries.get(params.name)
        if entry is None:
            raise RPCError(INVALID_PARAMS, f"Unknown tool: {params.name!r}")
        args = params.arguments
        try:
            kwargs = entry.sig.validate(None if args is UNSET else args)
        except ArgumentError as exc:
            return _error_result(str(exc))
        for pname in entry.context_params:
            kwargs[pname] = ctx
        try:
            # The common case, an async tool, is awaited directly (no per-call inspection).
            value = await (entry.fn(**kwargs) if entry.is_async else invoke(entry.fn, kwargs))
        except ToolError as exc:
            return _error_result(str(exc))
        except (RPCError, asyncio.CancelledError):
            raise
        except Exception as exc:
            if _is_control_flow(exc):
                raise
            log.debug("tool %r raised", entry.name, exc_info=True)
            if self.expose_errors:
                return _error_result(f"Error executing tool {entry.name}: {exc}")
            return _error_result(f"Error executing tool {entry.name}: internal error")
        return self.to_result(entry, value)

    def to_result(self, entry: ToolEntry, value: Any) -> t.CallToolResult:
        if type(value) is str and entry.tool.output_schema is UNSET:
            return t.CallToolResult(content=[t.TextContent(text=value)])  # the common case
        if isinstance(value, t.CallToolResult):
            return value
        if isinstance(value, MEDIA_TYPES):
            value = value.to_content()  # Image/Audio/File (FastMCP's helpers)
        elif isinstance(value, list) and any(isinstance(v, MEDIA_TYPES) for v in value):
            value = [v.to_content() if isinstance(v, MEDIA_TYPES) else v for v in value]
        if isinstance(value, _CONTENT_TYPES):
            return t.CallToolResult(content=[value])
        if entry.tool.output_schema is not UNSET and entry.sig.output_schema is not None:
            try:
                structured = entry.sig.structured(value)
            except (TypeError, ValueError) as exc:
                log.debug("tool %r returned a value unlike its annotation", entry.name)
                return _error_result(
                    f"Error executing tool {entry.name}: its result does not match its "
                    f"return annotation: {exc}"
                )
            text = value if isinstance(value, str) else _json_text(structured, entry)
            return t.CallToolResult(
                content=[t.TextContent(text=text)], structured_content=structured
            )
        if value is None:
            return t.CallToolResult(content=[])
        if isinstance(value, str):
            return t.CallToolResult(content=[t.TextContent(text=value)])
        if isinstance(value, list) and value and all(isinstance(v, _CONTENT_TYPES) for v in value):
            return t.CallToolResult(content=value)
        # enc_hook: a pydantic model returned by a tool with no return annotation.
        text = msgspec.json.encode(value, enc_hook=enc_hook).decode()
        return t.CallToolResult(content=[t.TextContent(text=text)])


def _json_text(structured: Any, entry: ToolEntry) -> str:
    # Text fallback for clients that ignore structuredContent (2025-06-18 server/tools.mdx
    # "a tool that returns structured content SHOULD also return the serialized JSON in a
    # TextContent block").  A wrapped primitive shows as itself: 3, not {"result": 3}.
    inner = structured["result"] if entry.sig.wrap_output else structured
    return msgspec.json.encode(inner).decode()


def _error_result(text: str) -> t.CallToolResult:
    return t.CallToolResult(content=[t.TextContent(text=text)], is_error=True)


def _is_control_flow(exc: Exception) -> bool:
    return isinstance(exc, InputRequired)
