"""Prompts: registration from signatures, listing, rendering (layer 3).

2025-11-25 server/prompts.mdx: arguments are strings; an unknown prompt or a missing
required argument is -32602.  A handler returns a string (one user message), a content
block, a ``PromptMessage``, a list of those, or a whole ``GetPromptResult``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from .. import types as t
from .._core.schema import ArgumentError, ToolSignature, build_signature
from .._errors import INTERNAL_ERROR, INVALID_PARAMS, RPCError, ToolError
from .._server.context import Context
from .._server.options import PromptOptions, opt
from .._server.tools import invoke, is_context

_CONTENT = (t.TextContent, t.ImageContent, t.AudioContent, t.ResourceLink, t.EmbeddedResource)


class PromptEntry:
    __slots__ = ("fn", "prompt", "sig")

    def __init__(self, prompt: t.Prompt, fn: Callable[..., Any], sig: ToolSignature) -> None:
        self.prompt = prompt
        self.fn = fn
        self.sig = sig


class PromptRegistry:
    def __init__(self) -> None:
        self.entries: dict[str, PromptEntry] = {}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, fn: Callable[..., Any], name: str | None, options: PromptOptions) -> PromptEntry:
        name = name or fn.__name__
        if not name:
            raise ValueError("prompt name must not be empty")
        # strict=False: prompt arguments always arrive as strings (schema.ts GetPromptRequest
        # arguments: {[key: string]: string}); "3" may fill an int parameter.
        sig = build_signature(fn, skip=is_context, strict=False)
        props: dict[str, Any] = sig.input_schema["properties"]
        arguments = [
            t.PromptArgument(
                name=p.name,
                description=props[p.name].get("description", UNSET),
                required=p.required,
            )
            for p in sig.parameters
        ]
        prompt = t.Prompt(
            name=name,
            title=opt(options.get("title")),
            description=options.get("description") or sig.description or UNSET,
            arguments=arguments if arguments else UNSET,
            icons=opt(options.get("icons")),
            meta=opt(options.get("meta")),
        )
        entry = PromptEntry(prompt, fn, sig)
        self.entries[name] = entry
        return entry

    def remove(self, name: str) -> bool:
        return self.entries.pop(name, None) is not None

    def listing(self) -> list[t.Prompt]:
        return [e.prompt for e in self.entries.values()]

    async def get(self, ctx: Context, params: t.GetPromptParams) -> t.GetPromptResult:
        entry = self.entries.get(params.name)
        if entry is None:
            known = ", ".join(repr(n) for n in self.entries) or "none"
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: unknown prompt {params.name!r} (known prompts: {known})",
            )
        args: dict[str, Any] = {} if params.arguments is UNSET else dict(params.arguments)
        missing = [p.name for p in entry.sig.parameters if p.required and p.name not in args]
        if missing:
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: prompt {params.name!r} requires argument(s) "
                f"{', '.join(repr(m) for m in missing)}",
            )
        try:
            kwargs = entry.sig.validate(args)
        except ArgumentError as exc:
            raise RPCError(
                INVALID_PARAMS, f"Invalid params: prompt {params.name!r}: {exc.detail}"
            ) from None
        for pname in entry.sig.injected:
            kwargs[pname] = ctx
        try:
            value = await invoke(entry.fn, kwargs)
        except ToolError as exc:
            # The handler's own explanation, not a bare "Internal error".
            raise RPCError(INTERNAL_ERROR, str(exc)) from None
        return _to_result(entry, value)


def _to_result(entry: PromptEntry, value: Any) -> t.GetPromptResult:
    if isinstance(value, t.GetPromptResult):
        return value
    items = value if isinstance(value, (list, tuple)) else [value]
    messages = [_message(v, entry.prompt.name) for v in items]
    return t.GetPromptResult(messages=messages, description=entry.prompt.description)


def _message(value: Any, name: str) -> t.PromptMessage:
    if isinstance(value, t.PromptMessage):
        return value
    if isinstance(value, str):
        return t.PromptMessage(role="user", content=t.TextContent(text=value))
    if isinstance(value, _CONTENT):
        return t.PromptMessage(role="user", content=value)
    raise TypeError(
        f"prompt {name!r} returned {type(value).__name__}; expected str, a content block, "
        "PromptMessage, a list of those, or GetPromptResult"
    )
