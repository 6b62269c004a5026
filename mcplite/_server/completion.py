"""Argument completion: ``completion/complete`` for prompt arguments and template
variables (layer 3).

2025-11-25 server/utilities/completion.mdx: at most 100 values per response, with
``total``/``hasMore`` when there are more; a reference to a prompt or template the server
does not have is -32602.  A completer is a list of candidates (filtered by prefix) or a
callable ``(value, context_arguments) -> list[str] | Completion`` (sync or async).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from msgspec import UNSET

from .. import types as t
from .._errors import INVALID_PARAMS, RPCError

if TYPE_CHECKING:
    from .._server.handle import ServerHandle

# schema.ts CompleteResult.completion.values: "Must not exceed 100 items."
MAX_COMPLETION_VALUES: Final = 100

Completer = Sequence[str] | Callable[..., Any]
# ("prompt", name) or ("resource", uri template) -> argument name -> completer
_Key = tuple[str, str]


class CompletionRegistry:
    def __init__(self) -> None:
        self.completers: dict[_Key, dict[str, Completer]] = {}
        # Catch-all: ``async def h(ref, argument, context_arguments) -> list[str]``.
        self.handler: Callable[..., Any] | None = None

    def __bool__(self) -> bool:
        return bool(self.completers) or self.handler is not None

    def add(self, kind: str, key: str, argument: str, completer: Completer) -> None:
        if kind not in ("prompt", "resource"):
            raise ValueError(f"completion kind must be 'prompt' or 'resource', got {kind!r}")
        self.completers.setdefault((kind, key), {})[argument] = completer

    async def complete(self, server: ServerHandle, params: t.CompleteParams) -> t.CompleteResult:
        ref = params.ref
        arg = params.argument
        context: dict[str, str] = {}
        if params.context is not UNSET and params.context.arguments is not UNSET:
            context = dict(params.context.arguments)
        if isinstance(ref, t.PromptReference):
            key: _Key = ("prompt", ref.name)
            entry = server.prompts.entries.get(ref.name)
            if entry is None:
                raise RPCError(
                    INVALID_PARAMS,
                    f"Invalid params: completion ref/prompt {ref.name!r} names no prompt",
                )
            names = [p.name for p in entry.sig.parameters]
        else:
            key = ("resource", ref.uri)
            tentry = server.resources.templates.get(ref.uri)
            if tentry is None:
                raise RPCError(
                    INVALID_PARAMS,
                    f"Invalid params: completion ref/resource {ref.uri!r} names no resource "
                    "template",
                )
            names = tentry.uri_template.variables
        if arg.name not in names:
            raise RPCError(
                INVALID_PARAMS,
                f"Invalid params: {arg.name!r} is not an argument of {key[0]} {key[1]!r} "
                f"(expected one of {names})",
            )
        completer = self.completers.get(key, {}).get(arg.name)
        if completer is None:
            if self.handler is None:
                return _result([])
            value = self.handler(ref, arg, context)
        elif callable(completer):
            value = completer(arg.value, context)
        else:
            value = [c for c in completer if c.startswith(arg.value)]
        if inspect.isawaitable(value):
            value = await value
        if isinstance(value, t.CompleteResult):
            return value
        if isinstance(value, t.Completion):
            return t.CompleteResult(completion=value)
        return _result(list(value))


def _result(values: list[str]) -> t.CompleteResult:
    if len(values) <= MAX_COMPLETION_VALUES:
        return t.CompleteResult(completion=t.Completion(values=values))
    return t.CompleteResult(
        completion=t.Completion(
            values=values[:MAX_COMPLETION_VALUES], total=len(values), has_more=True
        )
    )
