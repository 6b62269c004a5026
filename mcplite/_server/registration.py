"""Registering tools, resources, prompts and completers on a ``Server`` (layer 3): the
decorators and their ``add_*`` / ``remove_*`` forms.  Split from ``server.py`` by role;
``Server`` inherits it, and the registries and state live on ``Server``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, Unpack, overload

from .._core.tasks import TASKS_EXTENSION
from .._server.completion import CompletionRegistry
from .._server.options import CompletingOptions, PromptOptions, ResourceOptions, ToolOptions
from .._server.prompts import PromptRegistry
from .._server.resources import ResourceRegistry
from .._server.subscriptions import ChangeEvent, Subscriptions
from .._server.tasks import TaskManager, check_task_support
from .._server.tools import ToolRegistry

F = TypeVar("F", bound=Callable[..., Any])


def _registering(add: Callable[[Any], None]) -> Callable[[F], F]:
    """The decorator the ``tool``/``resource``/``prompt`` factories return: ``add`` the
    function, hand it back unchanged."""

    def register(fn: F) -> F:
        add(fn)
        return fn

    return register


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
    def tool(self, name: str | None = None, **options: Unpack[ToolOptions]) -> Callable[[F], F]: ...
    def tool(
        self, name: str | Callable[..., Any] | None = None, **options: Unpack[ToolOptions]
    ) -> Callable[[F], F]:
        """Register a function as a tool; its signature is the input schema.

        Options (``ToolOptions``): ``title``, ``description``, ``annotations``, ``icons``,
        ``meta``, ``input_schema``, ``output_schema``, ``structured_output`` (False: no
        output schema), ``timeout``: seconds a call may run before it is cancelled and
        answered -32003 (default: the server's ``handler_timeout``; ``math.inf`` for no
        limit); ``task_support``: ``"optional"`` or ``"required"`` makes calls from clients
        that negotiated the tasks extension run as tasks (docs/server.md "Tasks");
        ``defer_task=True`` runs the handler as an ordinary call (MRTR input rounds
        included) until it awaits ``ctx.start_task()``.
        ``@server.tool`` without parentheses works too (FastMCP's spelling).
        """
        if callable(name):
            self.add_tool(name)
            return name
        return _registering(lambda fn: self.add_tool(fn, name=name, **options))

    def add_tool(
        self, fn: Callable[..., Any], *, name: str | None = None, **options: Unpack[ToolOptions]
    ) -> None:
        """Register ``fn`` as a tool without the decorator (options as for ``tool()``)."""
        support = options.get("task_support")
        check_task_support(support)  # before the tool is added: a refusal registers nothing
        entry = self.tools.add(fn, name, options)
        self.tasks.configure(entry, support, bool(options.get("defer_task", False)))
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

    def resource(self, uri: str, **options: Unpack[ResourceOptions]) -> Callable[[F], F]:
        """Register a function that reads a resource.

        ``uri`` with ``{vars}`` (RFC 6570) makes a template: the variables are passed as the
        function's arguments.  The function returns str (text), bytes (blob), resource
        contents, a list of those, or any JSON-encodable value (served as JSON).
        Options (``ResourceOptions``): ``name``, ``title``, ``description``,
        ``mime_type``, ``annotations``, ``icons``, ``size``, ``meta``; ``completions`` maps
        a template variable to its completer.
        """
        return _registering(lambda fn: self.add_resource(uri, fn, **options))

    def add_resource(
        self,
        uri: str,
        fn: Callable[..., Any] | None = None,
        *,
        value: str | bytes | None = None,
        **options: Unpack[ResourceOptions],
    ) -> None:
        """Register a resource read by ``fn``, or a fixed ``value`` (str: text, bytes: blob)."""
        self.resources.add(uri, fn, value, options)
        self._add_completers("resource", uri, options)
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
        self, name: str | None = None, **options: Unpack[PromptOptions]
    ) -> Callable[[F], F]: ...
    def prompt(
        self, name: str | Callable[..., Any] | None = None, **options: Unpack[PromptOptions]
    ) -> Callable[[F], F]:
        """Register a prompt; its parameters are the prompt's arguments.

        Options (``PromptOptions``): ``title``, ``description``, ``icons``, ``meta``;
        ``completions`` maps an argument to a completer (a list of candidates or
        ``(value, context_arguments) -> list[str]``).  ``@server.prompt`` without
        parentheses works too.
        """
        if callable(name):
            self.add_prompt(name)
            return name
        return _registering(lambda fn: self.add_prompt(fn, name=name, **options))

    def add_prompt(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        **options: Unpack[PromptOptions],
    ) -> None:
        """Register ``fn`` as a prompt without the decorator (options as for ``prompt()``)."""
        entry = self.prompts.add(fn, name, options)
        self._add_completers("prompt", entry.prompt.name, options)
        self._registered("prompts")
        self.notify_list_changed("prompts")

    def remove_prompt(self, name: str) -> None:
        """Unregister prompt ``name``; clients are told the prompt list changed."""
        if self.prompts.remove(name):
            self._invalidate()
            self.notify_list_changed("prompts")

    def _add_completers(self, kind: str, key: str, options: CompletingOptions) -> None:
        for arg, completer in (options.get("completions") or {}).items():
            self.completions.add(kind, key, arg, completer)

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
