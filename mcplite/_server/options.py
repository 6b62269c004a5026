"""The options of ``Server.tool``/``resource``/``prompt`` and their ``add_*`` forms, declared
once (layer 3): the decorators take them as ``**options: Unpack[...]`` and hand the dict on
to the registries, so mypy strict flags a misspelt option where it is written and no layer
between the user and the registry repeats the list.
"""

from __future__ import annotations

from typing import Any, TypedDict

from msgspec import UNSET

from .. import types as t
from .._server.completion import Completer


class ListedOptions(TypedDict, total=False):
    """What every listed kind carries (2025-11-25 schema.ts BaseMetadata title, Icons,
    description, ``_meta``); ``None`` leaves the field out of the listing."""

    title: str | None
    description: str | None
    icons: list[t.Icon] | None
    meta: dict[str, Any] | None


class ToolOptions(ListedOptions, total=False):
    """``Server.tool()`` / ``add_tool()`` options; see ``Server.tool`` for each."""

    annotations: t.ToolAnnotations | None
    input_schema: dict[str, Any] | None
    output_schema: dict[str, Any] | None
    structured_output: bool | None
    timeout: float | None
    task_support: str | None
    defer_task: bool


class CompletingOptions(ListedOptions, total=False):
    """A kind whose arguments may have completers (prompts, resource templates)."""

    completions: dict[str, Completer] | None


class ResourceOptions(CompletingOptions, total=False):
    """``Server.resource()`` / ``add_resource()`` options."""

    name: str | None
    mime_type: str | None
    annotations: t.Annotations | None
    size: int | None


class PromptOptions(CompletingOptions, total=False):
    """``Server.prompt()`` / ``add_prompt()`` options."""


def opt(value: Any) -> Any:
    """An option left at ``None`` is a field left out of the listing (``UNSET``)."""
    return UNSET if value is None else value
