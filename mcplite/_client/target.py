"""``connect_target``: a ``Client`` for one target that is not a configuration (layer 3).

A command (stdio subprocess), an ``http(s)://`` URL (streamable HTTP, or legacy HTTP+SSE),
a ``Server`` in this process (any ``Acceptor``) or a ``Transport``.  ``connect()`` calls it
after handling configurations, and ``_client/config.connect_entry`` for each checked entry,
so the configuration reader does not import ``connect`` (which imports it back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import types as t
from .._client.client import Client
from .._io.transport import Acceptor, Transport, memory_pair

if TYPE_CHECKING:
    from .._client.httpauth import HTTPAuth


def connect_target(
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
) -> Client:
    """A ``Client`` for ``target`` (the arguments are ``connect()``'s)."""
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
    command = list(target)

    async def stdio() -> Transport:
        from .._io.stdio import spawn_stdio  # lazy: stdio spawn only for a command

        if max_line_bytes is None:
            return await spawn_stdio(command, env=env, cwd=cwd, stderr=stderr)
        return await spawn_stdio(
            command, env=env, cwd=cwd, stderr=stderr, max_line_bytes=max_line_bytes
        )

    return Client(stdio, **options)
