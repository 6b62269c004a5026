"""Reading ``mcpServers`` configuration files and connecting to one entry (layer 3).

The format is checked by ``_core/mcpservers`` (pure); this module reads the file and turns
a checked entry into a ``Client``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import msgspec

from .._client.client import Client
from .._client.target import connect_target
from .._core import jsonc
from .._core.mcpservers import DEFAULT_MAX_CONFIG_BYTES, ConfigError, ServerEntry, select


def is_config_path(target: Any) -> bool:
    """A string or path naming a configuration file (not a URL)."""
    if isinstance(target, os.PathLike):
        return True
    if not isinstance(target, str) or target.startswith(("http://", "https://")):
        return False
    return target.endswith(".json") or os.path.isfile(target)


def load_config(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_CONFIG_BYTES) -> Any:
    """The decoded JSON of a configuration file (``ConfigError`` naming the file if it
    cannot be read, is over ``max_bytes`` or is not JSON; JSONC comments and trailing
    commas are allowed)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ConfigError(f"{name} is over {max_bytes} bytes; is it a configuration file?")
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        error = f"{name} is not valid JSON: {exc}"
    # VS Code's and Cursor's files are JSONC (comments, trailing commas).
    try:
        return jsonc.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(error) from None


def entry_options(entry: ServerEntry) -> tuple[Any, dict[str, Any]]:
    """``connect()``'s target and keyword arguments for a checked entry."""
    if entry.type == "stdio":
        env = {**os.environ, **entry.env} if entry.env is not None else None
        return entry.argv, {"env": env, "cwd": entry.cwd}
    transport = "sse" if entry.type == "sse" else "streamable-http"
    headers = dict(entry.headers) if entry.headers is not None else None
    return entry.url, {"headers": headers, "transport": transport}


def connect_entry(entry: ServerEntry, **options: Any) -> Client:
    """A ``Client`` for one checked entry (``options`` go to ``connect_target``/``Client``)."""
    target, kwargs = entry_options(entry)
    for key, value in kwargs.items():
        if value is not None:
            options.setdefault(key, value)
    return connect_target(target, **options)


def connect_config(config: Mapping[str, Any] | Any, server: str | None, **options: Any) -> Client:
    """A ``Client`` for entry ``server`` of ``config`` (a decoded configuration)."""
    return connect_entry(select(config, server, os.environ), **options)
