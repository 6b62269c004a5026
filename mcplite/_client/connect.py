"""``connect(target)``: one entry point for every transport (layer 3)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

from .. import types as t
from .._client.client import Client
from .._io.transport import Acceptor, Transport, memory_pair

if TYPE_CHECKING:
    from .._client.httpauth import HTTPAuth


@overload
def connect(
    target: Mapping[str, Any] | os.PathLike[str], *, server: str | None = None, **options: Any
) -> Any: ...


@overload
def connect(
    target: Sequence[str] | str | Acceptor | Transport,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    stderr: Any = "inherit",
    headers: Mapping[str, str] | None = None,
    auth: HTTPAuth | None = None,
    http_options: Mapping[str, Any] | None = None,
    transport: t.TransportName | None = None,
    max_line_bytes: int | None = None,
    **options: Any,
) -> Client: ...


def connect(
    target: Sequence[str] | str | Acceptor | Transport | Mapping[str, Any] | os.PathLike[str],
    *,
    server: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    stderr: Any = "inherit",
    headers: Mapping[str, str] | None = None,
    auth: HTTPAuth | None = None,
    http_options: Mapping[str, Any] | None = None,
    transport: t.TransportName | None = None,
    max_line_bytes: int | None = None,
    **options: Any,
) -> Any:
    """A ``Client`` for ``target``; use it as ``async with connect(...) as client``.

    For a command: ``max_line_bytes`` is the longest stdio line (message) accepted from the
    server (``DEFAULT_MAX_LINE_BYTES``, 4 MiB); a longer response fails its request at once
    with an error that says so.

    ``target`` is a command list (a stdio server subprocess), an ``http(s)://`` URL
    (streamable HTTP), a ``Server`` (in memory, same process) or any ``Transport``.
    ``options`` go to ``Client`` (name, version, protocol_version, roots, sampling,
    elicitation, request_timeout, ...).

    For a URL: ``headers`` are sent with every request, ``auth`` (an ``OAuthClient`` or
    any ``HTTPAuth``) authorizes them, and ``http_options`` go to the streamable HTTP
    transport (``connect_timeout``, ``read_timeout``, ``max_message_bytes``,
    ``max_reconnects``, ``reconnect_delay``, ``close_timeout``...).  ``transport="sse"``
    speaks the legacy 2024-11-05 HTTP+SSE transport to that URL instead (``http_options``
    then go to ``LegacySSEClientTransport``; ``auth`` is not supported there).  Left out,
    ``transport`` follows the target: ``"stdio"`` for a command, ``"streamable-http"`` for
    a URL; naming one the target cannot speak is a ``ValueError``.

    A client configuration (``{"mcpServers": {name: {"command": ..., "args": [...]} or
    {"url": ...}}}``, or the path of a JSON file holding one; checked as
    ``_core/mcpservers`` describes, errors naming the entry and what the file has): with
    ``server=NAME`` a ``Client`` for that entry; without, a ``GroupClient`` for all of
    them (namespaced listings, routed calls; docs/gateways.md).
    """
    # lazy: config files only for a config path
    from .._client.config import connect_config, is_config_path, load_config

    if is_config_path(target):
        target = load_config(target)  # type: ignore[arg-type]
        if not isinstance(target, Mapping):
            raise ValueError(f'expected a JSON object with "mcpServers", got {target!r}')
    if isinstance(target, Mapping):
        if server is None:
            # lazy: client groups only for a config of several servers
            from .._client.group import connect_group

            return connect_group(target, **options)
        return connect_config(target, server, **options)
    if server is not None:
        raise ValueError("server= applies to an mcpServers configuration target only")
    is_url = isinstance(target, str) and target.startswith(("http://", "https://"))
    is_command = not isinstance(target, (str, Acceptor, Transport))
    if transport is not None:
        if transport not in t.TRANSPORT_NAMES:
            names = ", ".join(map(repr, t.TRANSPORT_NAMES))
            raise ValueError(f"transport must be one of {names}, got {transport!r}")
        fits = transport == "stdio" if is_command else is_url and transport != "stdio"
        if not fits:
            kind = "a command" if is_command else "a URL" if is_url else repr(type(target).__name__)
            raise ValueError(f"transport={transport!r} cannot speak to {kind} target")
    if not is_url and (headers is not None or auth is not None or http_options is not None):
        raise ValueError("headers, auth and http_options apply to an http(s):// URL target only")
    if max_line_bytes is not None and not is_command:
        raise ValueError("max_line_bytes applies to a command (stdio) target only")
    if isinstance(target, Acceptor) and not isinstance(target, Transport):
        acceptor = target  # a Server (duck-typed: the client layer never imports the server)

        async def memory() -> Transport:
            client_end, server_end = memory_pair()
            acceptor.accept(server_end)
            return client_end

        return Client(memory, **options)
    if isinstance(target, str):
        if target.startswith(("http://", "https://")):
            url = target
            if transport == "sse":
                if auth is not None:
                    raise ValueError('auth is not supported with transport="sse"')

                async def legacy() -> Transport:
                    # lazy: legacy SSE client only for transport='sse'
                    from .._client.legacy_sse import open_legacy_sse

                    return await open_legacy_sse(url, headers=headers, **dict(http_options or {}))

                return Client(legacy, **options)

            async def http() -> Transport:
                # lazy: HTTP client stack only for a URL
                from .._client.streamable_http import StreamableHTTPTransport

                return StreamableHTTPTransport(
                    url, headers=headers, auth=auth, **dict(http_options or {})
                )

            return Client(http, **options)
        raise ValueError(
            f"target must be a URL, a command list, a Server or a Transport; got {target!r} "
            "(to run a command, pass it as a list: ['python', 'server.py'])"
        )
    if isinstance(target, Transport):
        return Client(target, **options)
    command = list(cast("Sequence[str]", target))  # a PathLike was read above

    async def stdio() -> Transport:
        from .._io.stdio import spawn_stdio  # lazy: stdio spawn only for a command

        if max_line_bytes is None:
            return await spawn_stdio(command, env=env, cwd=cwd, stderr=stderr)
        return await spawn_stdio(
            command, env=env, cwd=cwd, stderr=stderr, max_line_bytes=max_line_bytes
        )

    return Client(stdio, **options)
