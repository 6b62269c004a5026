"""Registering tools, resources, prompts and completers on a ``Server`` (layer 3): the
decorators and their ``add_*`` / ``remove_*`` forms.  Split from ``server.py`` by role;
``Server`` inherits it, and the registries and state live on ``Server``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from .. import types as t
from .._core.tasks import TASKS_EXTENSION
from .._server.completion import Completer, CompletionRegistry
from .._server.prompts import PromptRegistry
from .._server.resources import ResourceRegistry
from .._server.subscriptions import ChangeEvent, Subscriptions
from .._server.tasks import TaskManager, check_task_support
from .._server.tools import ToolRegistry

F = TypeVar("F", bound=Callable[..., Any])


class Registration:
    """What a ``Server`` registers; the registries live on ``Server``."""

    tools: ToolRegistry
    resources: ResourceRegistry
    prompts: PromptRegistry
    completions: CompletionRegistry
    subscriptions: Subscriptions
    tasks: TaskManager
    declare_extension: Callable[..., None]
    notify_list_changed: Callable[[str], None]
    _registered: Callable[[str], None]
    _invalidate: Callable[[], None]

    @overload
    def tool(self, name: F, /) -> F: ...
    @overload
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
        timeout: float | None = None,
        task_support: str | None = None,
        defer_task: bool = False,
    ) -> Callable[[F], F]: ...
    def tool(
        self,
        name: str | Callable[..., Any] | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        annotations: t.ToolAnnotations | None = None,
        icons: list[t.Icon] | None = None,
        meta: dict[str, Any] | None = None,
        input_schema: dict[str, Any] | None = None,
        output_schema: dict[str, Any] | None = None,
        structured_output: bool | None = None,
        timeout: float | None = None,
        task_support: str | None = None,
        defer_task: bool = False,
    ) -> Callable[[F], F]:
        """Register a function as a tool; its signature is the input schema.

        ``timeout``: seconds a call may run before it is cancelled and answered -32003
        (default: the server's ``handler_timeout``; ``math.inf`` for no limit).
        ``task_support``: ``"optional"`` or ``"required"`` makes calls from clients that
        negotiated the tasks extension run as tasks (docs/server.md "Tasks");
        ``defer_task=True`` runs the handler as an ordinary call (MRTR input rounds
        included) until it awaits ``ctx.start_task()``.
        ``@server.tool`` without parentheses works too (FastMCP's spelling).
        """
        if callable(name):
            fn, name = name, None
            self.add_tool(fn)
            return fn

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
                timeout=timeout,
                task_support=task_support,
                defer_task=defer_task,
            )
            return fn

        return register

    def add_tool(self, fn: Callable[..., Any], **options: Any) -> None:
        """Register ``fn`` as a tool without the decorator (options as for ``tool()``)."""
        support = options.pop("task_support", None)
        deferred = bool(options.pop("defer_task", False))
        check_task_support(support)  # before the tool is added: a refusal registers nothing
        entry = self.tools.add(fn, **options)
        self.tasks.configure(entry, support, deferred)
        if support in ("optional", "required"):
            self.declare_extension(TASKS_EXTENSION)
        self._registered("tools")
        self.notify_list_changed("tools")

    def remove_tool(self, name: str) -> None:
        """Unregister tool ``name``; clients are told the tool list changed."""
        if self.tools.remove(name):
            self._invalidate()
            self.notify_list_changed("tools")

    # resources ----------------------------------------------------------

    def resource(
        self,
        uri: str,
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
        annotations: t.Annotations | None = None,
        icons: list[t.Icon] | None = None,
        size: int | None = None,
        meta: dict[str, Any] | None = None,
        completions: dict[str, Completer] | None = None,
    ) -> Callable[[F], F]:
        """Register a function that reads a resource.

        ``uri`` with ``{vars}`` (RFC 6570) makes a template: the variables are passed as the
        function's arguments.  The function returns str (text), bytes (blob), resource
        contents, a list of those, or any JSON-encodable value (served as JSON).
        ``completions`` maps a template variable to its completer.
        """

        def register(fn: F) -> F:
            self.add_resource(
                uri,
                fn,
                name=name,
                title=title,
                description=description,
                mime_type=mime_type,
                annotations=annotations,
                icons=icons,
                size=size,
                meta=meta,
                completions=completions,
            )
            return fn

        return register

    def add_resource(
        self,
        uri: str,
        fn: Callable[..., Any] | None = None,
        *,
        value: str | bytes | None = None,
        completions: dict[str, Completer] | None = None,
        **options: Any,
    ) -> None:
        """Register a resource read by ``fn``, or a fixed ``value`` (str: text, bytes: blob)."""
        self.resources.add(uri, fn, value=value, **options)
        for arg, completer in (completions or {}).items():
            self.completions.add("resource", uri, arg, completer)
        self._registered("resources")
        self.notify_list_changed("resources")

    def remove_resource(self, uri: str) -> None:
        """Remove a resource or template (by its URI or URI template)."""
        if self.resources.remove(uri):
            self._invalidate()
            self.notify_list_changed("resources")

    def resource_updated(self, uri: str) -> None:
        """Tell subscribers that ``uri`` changed (notifications/resources/updated)."""
        self.subscriptions.publish(ChangeEvent("updated", uri))

    # prompts ------------------------------------------------------------

    @overload
    def prompt(self, name: F, /) -> F: ...
    @overload
    def prompt(
        self,
        name: str | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        icons: list[t.Icon] | None = None,
        meta: dict[str, Any] | None = None,
        completions: dict[str, Completer] | None = None,
    ) -> Callable[[F], F]: ...
    def prompt(
        self,
        name: str | Callable[..., Any] | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        icons: list[t.Icon] | None = None,
        meta: dict[str, Any] | None = None,
        completions: dict[str, Completer] | None = None,
    ) -> Callable[[F], F]:
        """Register a prompt; its parameters are the prompt's arguments.

        ``completions`` maps an argument to a completer (a list of candidates or
        ``(value, context_arguments) -> list[str]``).  ``@server.prompt`` without
        parentheses works too.
        """
        if callable(name):
            fn, name = name, None
            self.add_prompt(fn)
            return fn

        def register(fn: F) -> F:
            self.add_prompt(
                fn,
                name=name,
                title=title,
                description=description,
                icons=icons,
                meta=meta,
                completions=completions,
            )
            return fn

        return register

    def add_prompt(
        self,
        fn: Callable[..., Any],
        *,
        completions: dict[str, Completer] | None = None,
        **options: Any,
    ) -> None:
        """Register ``fn`` as a prompt without the decorator (options as for ``prompt()``)."""
        entry = self.prompts.add(fn, **options)
        for arg, completer in (completions or {}).items():
            self.completions.add("prompt", entry.prompt.name, arg, completer)
        self._registered("prompts")
        self.notify_list_changed("prompts")

    def remove_prompt(self, name: str) -> None:
        """Unregister prompt ``name``; clients are told the prompt list changed."""
        if self.prompts.remove(name):
            self._invalidate()
            self.notify_list_changed("prompts")

    # completion ---------------------------------------------------------

    def completion(
        self,
        *,
        prompt: str | None = None,
        resource: str | None = None,
        argument: str | None = None,
    ) -> Callable[[F], F]:
        """Register a completer.

        ``@server.completion(prompt="greet", argument="name")`` (or ``resource=<URI
        template>``): ``fn(value, context_arguments) -> list[str] | Completion``.  With no
        options, a catch-all for everything without its own completer:
        ``fn(ref, argument, context_arguments)``.  Sync or async.
        """

        def register(fn: F) -> F:
            if prompt is None and resource is None:
                self.completions.handler = fn
            else:
                if argument is None or (prompt is not None and resource is not None):
                    raise TypeError(
                        "completion() takes prompt= or resource=, and argument=; "
                        "or no options for a catch-all handler"
                    )
                kind, key = ("prompt", prompt) if prompt is not None else ("resource", resource)
                assert key is not None
                self.completions.add(kind, key, argument, fn)
            self._invalidate()
            return fn

        return register
