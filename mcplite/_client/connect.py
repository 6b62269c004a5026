"""``connect(target)``: one entry point for every transport (layer 3).

A client configuration (a mapping or a file) is read here; every other target is opened by
``_client/target.connect_target``, which the configuration reader uses for each entry too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

from .. import types as t
from .._client.client import Client
from .._client.target import connect_target
from .._io.transport import Acceptor, Transport

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
    return connect_target(
        cast("Sequence[str] | str | Acceptor | Transport", target),  # a PathLike was read above
        env=env,
        cwd=cwd,
        stderr=stderr,
        headers=headers,
        auth=auth,
        http_options=http_options,
        transport=transport,
        max_line_bytes=max_line_bytes,
        **options,
    )
