"""A client for many servers at once: ``connect({"mcpServers": {...}})`` (layer 3).

The ``mcpServers`` object of an MCP client configuration maps entry names to servers: a
command (``command``, ``args``, ``env``, ``cwd``) or a URL (``url``, ``headers``, ``type``
``"sse"`` for the legacy transport).  Without a server name, ``connect`` returns a
``GroupClient``: every entry connected at once, listings namespaced by entry name (tool
``forecast`` of entry ``weather`` is ``weather_forecast``, resource ``notes://x`` is
``weather+notes://x``, as ``Server.mount`` names them) and each call routed to its
server.  An entry that fails to connect is reported in ``errors``; the others work.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any

from .. import types as t
from .._client.client import Client
from .._client.config import connect_entry
from .._core import namespace as ns
from .._core.mcpservers import parse_config, parse_entry, servers
from .._errors import INVALID_PARAMS, ConnectError, MCPError, RPCError


def entries(config: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The ``mcpServers`` table of ``config`` (or ``config`` itself if it is that table),
    every entry checked by ``_core/mcpservers`` (``ConfigError``, a ``ValueError``)."""
    wrapped = config if ("mcpServers" in config or "servers" in config) else {"mcpServers": config}
    parse_config(wrapped, os.environ)
    return dict(servers(wrapped))


def entry_client(name: str, entry: Mapping[str, Any], **options: Any) -> Client:
    """A ``Client`` for one ``mcpServers`` entry (``options`` go to ``Client``)."""
    return connect_entry(parse_entry(name, entry, os.environ), **options)


class GroupClient:
    """Many servers behind one client-like object (see the module docstring)."""

    def __init__(self, clients: Mapping[str, Client]) -> None:
        self.clients: dict[str, Client] = dict(clients)
        # Entries that could not connect (or failed later), with the error.
        self.errors: dict[str, BaseException] = {}
        self._tools: dict[str, tuple[str, str]] = {}
        self._prompts: dict[str, tuple[str, str]] = {}

    async def __aenter__(self) -> GroupClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def connected(self) -> dict[str, Client]:
        return {n: c for n, c in self.clients.items() if n not in self.errors}

    async def start(self) -> None:
        """Connect every entry at once; failures go to ``errors``; then check that no two
        entries produce the same name."""
        names = list(self.clients)
        outcomes = await asyncio.gather(
            *(self.clients[n].start() for n in names), return_exceptions=True
        )
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # CancelledError, KeyboardInterrupt: not ours to keep
                self.errors[name] = outcome
        if not self.connected:
            detail = "; ".join(f"{n}: {e}" for n, e in self.errors.items())
            raise ConnectError(f"no server of the group could be reached ({detail})")
        try:
            await self.list_tools()
            await self.list_prompts()
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients.values()), return_exceptions=True)

    # ------------------------------------------------------------------ naming

    def _owner(self, name: str, table: dict[str, tuple[str, str]]) -> tuple[Client, str]:
        known = table.get(name)
        if known is not None:
            return self.clients[known[0]], known[1]
        for entry in sorted(self.connected, key=len, reverse=True):
            inner = ns.inner_name(entry, name)
            if inner is not None:
                return self.clients[entry], inner
        raise RPCError(
            INVALID_PARAMS,  # an unknown tool (2025-11-25 server/tools.mdx "Error Handling")
            f"Invalid params: {name!r} names no server of the group (expected "
            f"ENTRY_NAME with ENTRY one of {', '.join(sorted(self.connected))})",
        )

    def _uri_owner(self, uri: str) -> tuple[str, Client, str]:
        for entry in sorted(self.connected, key=len, reverse=True):
            inner = ns.inner_uri(entry, uri)
            if inner is not None:
                return entry, self.clients[entry], inner
        raise RPCError(
            INVALID_PARAMS,
            f"Invalid params: resource {uri!r} names no server of the group (expected "
            f"ENTRY+URI with ENTRY one of {', '.join(sorted(self.connected))})",
        )

    async def _gather(self, fetch: Any) -> list[tuple[str, list[Any]]]:
        """``fetch(client)`` of every connected server; a failure is recorded, not raised."""
        names = list(self.connected)
        results = await asyncio.gather(
            *(fetch(self.clients[n]) for n in names), return_exceptions=True
        )
        out: list[tuple[str, list[Any]]] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, MCPError):
                    raise result
                self.errors[name] = result
                continue
            out.append((name, result))
        return out

    def _table(self, kind: str, found: list[tuple[str, list[Any]]]) -> dict[str, tuple[str, str]]:
        table: dict[str, tuple[str, str]] = {}
        for entry, items in found:
            for item in items:
                outer = ns.name(entry, item.name)
                other = table.get(outer)
                if other is not None:
                    raise ValueError(
                        f"group: {kind} name collision: {outer!r} is {other[0]!r}'s "
                        f"{other[1]!r} and {entry!r}'s {item.name!r}"
                    )
                table[outer] = (entry, item.name)
        return table

    # ------------------------------------------------------------------ listings

    async def _listing(self, method: str, capability: str) -> list[tuple[str, list[Any]]]:
        """``Client.<method>()`` of every connected server that declares ``capability``."""
        return await self._gather(
            lambda c: (
                getattr(c, method)() if getattr(c.server_capabilities, capability) else _none()
            )
        )

    async def list_tools(self) -> list[t.Tool]:
        """Every server's tools, named ``ENTRY_NAME``."""
        found = await self._listing("list_all_tools", "tools")
        self._tools = self._table("tool", found)
        return _renamed(found)

    async def list_prompts(self) -> list[t.Prompt]:
        found = await self._listing("list_all_prompts", "prompts")
        self._prompts = self._table("prompt", found)
        return _renamed(found)

    async def list_resources(self) -> list[t.Resource]:
        return _renamed(await self._listing("list_all_resources", "resources"))

    async def list_resource_templates(self) -> list[t.ResourceTemplate]:
        return _renamed(await self._listing("list_all_resource_templates", "resources"))

    # ------------------------------------------------------------------ calls

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, **options: Any
    ) -> t.CallToolResult:
        client, inner = self._owner(name, self._tools)
        return await client.call_tool(inner, arguments, **options)

    async def get_prompt(
        self, name: str, arguments: dict[str, str] | None = None, **options: Any
    ) -> t.GetPromptResult:
        client, inner = self._owner(name, self._prompts)
        return await client.get_prompt(inner, arguments, **options)

    async def read_resource(self, uri: str, **options: Any) -> t.ReadResourceResult:
        entry, client, inner = self._uri_owner(uri)
        result = await client.read_resource(inner, **options)
        result.contents = [ns.renamed(entry, c) for c in result.contents]
        return result


def _renamed(found: list[tuple[str, list[Any]]]) -> list[Any]:
    return [ns.renamed(entry, item) for entry, items in found for item in items]


async def _none() -> list[Any]:
    return []


def connect_group(config: Mapping[str, Any], **options: Any) -> GroupClient:
    """A ``GroupClient`` for every entry of ``config``'s ``mcpServers``."""
    clients: dict[str, Client] = {}
    for name, entry in entries(config).items():
        clients[name] = entry_client(name, entry, **options)
    return GroupClient(clients)
