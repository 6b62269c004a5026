"""Namespaced names and URIs: one server's items offered among others' (layer 1, pure).

``Server.mount`` and the group client (``connect({"mcpServers": ...})``) name things the
same way, so a client sees the same names whichever of the two gathers the servers: a tool
or prompt ``forecast`` of namespace ``weather`` is ``weather_forecast``; a resource URI or
URI template gets the namespace as a scheme prefix, ``notes://today`` is
``weather+notes://today`` (RFC 3986 section 3.1: ``+`` is a scheme character, so the result
is still a URI).  Each rewrite is undone by removing the prefix.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from .. import types as t

T = TypeVar("T")


def name(namespace: str, inner: str) -> str:
    return f"{namespace}_{inner}"


def uri(namespace: str, inner: str) -> str:
    return f"{namespace}+{inner}"


def inner_name(namespace: str, outer: str) -> str | None:
    """``outer`` without ``namespace``'s prefix, or None when it does not carry it."""
    prefix = f"{namespace}_"
    return outer[len(prefix) :] if outer.startswith(prefix) else None


def inner_uri(namespace: str, outer: str) -> str | None:
    prefix = f"{namespace}+"
    return outer[len(prefix) :] if outer.startswith(prefix) else None


def renamed(namespace: str, item: T) -> T:
    """A tool, prompt, resource, template or resource contents, as ``namespace`` offers it
    (a copy; anything else unchanged)."""
    value: Any = item
    if isinstance(value, (t.Tool, t.Prompt)):
        return msgspec.structs.replace(value, name=name(namespace, value.name))  # type: ignore[return-value]
    if isinstance(value, t.ResourceTemplate):
        return msgspec.structs.replace(  # type: ignore[return-value]
            value, uri_template=uri(namespace, value.uri_template)
        )
    if isinstance(value, msgspec.Struct) and isinstance(getattr(value, "uri", None), str):
        return msgspec.structs.replace(value, uri=uri(namespace, value.uri))  # type: ignore[attr-defined, return-value]
    return item
